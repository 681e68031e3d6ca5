import { isFinalDelivery, type Attempt, type AttemptOutcome, type DeliveryStatus } from '../../core/index.js';
import type { AttemptPatch, AttemptRepo } from '../store.js';
import { applyAttemptPatch, decideDelivery, rowLimit } from '../transitions.js';
import { copyAttempt } from './copy.js';
import { SortedIndex } from './sorted-index.js';

/** Attempts in one process; like the SQL schema, an attempt must belong to a known verification. */
export class MemoryAttemptRepo implements AttemptRepo {
  private readonly rows = new Map<string, Attempt>();
  private readonly byVerification = new Map<string, Set<string>>();
  /** `${provider}\u001f${providerMessageId}` → attempt id, for delivery receipts. */
  private readonly byProviderMessage = new Map<string, string>();
  /** provider → attempts with a provider message id still waiting for a final receipt (polling). */
  private readonly awaiting = new Map<string, Set<string>>();
  private readonly byCreated = new SortedIndex();

  constructor(private readonly verificationExists: (id: string) => boolean) {}

  async insert(a: Attempt): Promise<void> {
    if (this.rows.has(a.id)) throw new Error(`attempt ${a.id} already exists`);
    if (!this.verificationExists(a.verificationId)) {
      throw new Error(`attempt ${a.id} references unknown verification ${a.verificationId}`);
    }
    const stored = copyAttempt(a);
    this.rows.set(stored.id, stored);
    this.index(stored);
    const siblings = this.byVerification.get(stored.verificationId) ?? new Set<string>();
    siblings.add(stored.id);
    this.byVerification.set(stored.verificationId, siblings);
    this.byCreated.add(stored.createdAtMs, stored.id);
  }

  async update(id: string, patch: AttemptPatch, nowMs: number): Promise<Attempt | undefined> {
    const a = this.rows.get(id);
    if (!a) return undefined;
    const next = applyAttemptPatch(a, patch, nowMs);
    this.write(next);
    return copyAttempt(next);
  }

  async get(id: string): Promise<Attempt | undefined> {
    const a = this.rows.get(id);
    return a && copyAttempt(a);
  }

  async listByVerification(verificationId: string): Promise<Attempt[]> {
    // Set order is insertion order; the stable sort keeps it among equal creation times.
    return this.resolve(this.byVerification.get(verificationId) ?? [])
      .sort((x, y) => x.createdAtMs - y.createdAtMs)
      .map(copyAttempt);
  }

  async findByProviderMessageId(provider: string, providerMessageId: string): Promise<Attempt | undefined> {
    const id = this.byProviderMessage.get(messageKey(provider, providerMessageId));
    const a = id === undefined ? undefined : this.rows.get(id);
    return a && copyAttempt(a);
  }

  async applyDeliveryStatus(
    id: string,
    status: DeliveryStatus,
    nowMs: number,
    error?: { code?: string; message?: string },
  ): Promise<{ changed: boolean; attempt: Attempt } | undefined> {
    const a = this.rows.get(id);
    if (!a) return undefined;
    const { outcome, write } = decideDelivery(a, status, nowMs, error);
    if (write) this.write(outcome.attempt);
    return { changed: outcome.changed, attempt: copyAttempt(outcome.attempt) };
  }

  async listAwaitingReceipt(provider: string, sinceMs: number, limit: number): Promise<Attempt[]> {
    return this.resolve(this.awaiting.get(provider) ?? [])
      .filter((a) => a.createdAtMs >= sinceMs)
      .sort((x, y) => x.createdAtMs - y.createdAtMs)
      .slice(0, rowLimit(limit))
      .map(copyAttempt);
  }

  async listOutcomesSince(sinceMs: number, limit: number): Promise<AttemptOutcome[]> {
    return this.resolve(this.byCreated.descendingFrom(sinceMs, rowLimit(limit))).map((a) => ({
      routeId: a.routeId,
      country: a.country,
      status: a.status,
      createdAtMs: a.createdAtMs,
      deliveredAtMs: a.deliveredAtMs,
    }));
  }

  /** Drops every attempt of the given verifications (the ON DELETE CASCADE of the SQL schema). */
  deleteForVerifications(verificationIds: readonly string[]): void {
    for (const verificationId of verificationIds) {
      for (const id of this.byVerification.get(verificationId) ?? []) {
        const a = this.rows.get(id);
        if (!a) continue;
        this.unindex(a);
        this.byCreated.remove(a.createdAtMs, a.id);
        this.rows.delete(id);
      }
      this.byVerification.delete(verificationId);
    }
  }

  private write(next: Attempt): void {
    const previous = this.rows.get(next.id);
    if (previous) this.unindex(previous);
    this.rows.set(next.id, next);
    this.index(next);
  }

  private index(a: Attempt): void {
    if (a.providerMessageId === undefined) return;
    this.byProviderMessage.set(messageKey(a.provider, a.providerMessageId), a.id);
    if (isFinalDelivery(a.status)) return;
    const waiting = this.awaiting.get(a.provider) ?? new Set<string>();
    waiting.add(a.id);
    this.awaiting.set(a.provider, waiting);
  }

  private unindex(a: Attempt): void {
    if (a.providerMessageId === undefined) return;
    const key = messageKey(a.provider, a.providerMessageId);
    if (this.byProviderMessage.get(key) === a.id) this.byProviderMessage.delete(key);
    const waiting = this.awaiting.get(a.provider);
    waiting?.delete(a.id);
    if (waiting?.size === 0) this.awaiting.delete(a.provider);
  }

  private resolve(ids: Iterable<string>): Attempt[] {
    const out: Attempt[] = [];
    for (const id of ids) {
      const a = this.rows.get(id);
      if (a) out.push(a);
    }
    return out;
  }
}

function messageKey(provider: string, providerMessageId: string): string {
  return `${provider}\u001f${providerMessageId}`;
}
