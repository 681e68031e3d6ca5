import type { FailedChecks, FailedChecksLimit, Verification } from '../../core/index.js';
import type {
  AdvanceArgs,
  CheckArgs,
  CheckOutcome,
  InsertOutcome,
  ResendArgs,
  ResendOutcome,
  VerificationRepo,
} from '../store.js';
import {
  activeKey,
  cooldownRemainingMs,
  decideCheck,
  decideFinish,
  decideResend,
  isActive,
  lockedOutInsert,
  rowLimit,
  settleStale,
} from '../transitions.js';
import { copyVerification } from './copy.js';
import { SortedIndex } from './sorted-index.js';

/**
 * Verifications in one process. Every method runs to completion without awaiting, so each is
 * atomic with respect to every other call on this store. Secondary indexes are kept in step by
 * `write`/`remove`, the only places that touch `rows`.
 */
export class MemoryVerificationRepo implements VerificationRepo {
  private readonly rows = new Map<string, Verification>();
  /** (destination, purpose) → id of its pending row; the insert rule keeps at most one. */
  private readonly pending = new Map<string, string>();
  /** (destination, purpose) → ids in creation order, for findLatest and purge clean-up. */
  private readonly byKey = new Map<string, string[]>();
  private readonly byExpiry = new SortedIndex();
  /** Pending rows with an armed failover timer only. */
  private readonly byFailover = new SortedIndex();

  has(id: string): boolean {
    return this.rows.has(id);
  }

  async insertIfNoActive(
    v: Verification,
    nowMs: number,
    cooldownMs = 0,
    lockout?: FailedChecksLimit,
  ): Promise<InsertOutcome> {
    const lockedOut = lockedOutInsert(lockout, nowMs, (sinceMs) =>
      this.failedChecksSince(v.destination, v.purpose, sinceMs),
    );
    if (lockedOut) return lockedOut;
    const key = activeKey(v.destination, v.purpose);
    const pendingId = this.pending.get(key);
    const existing = pendingId === undefined ? undefined : this.rows.get(pendingId);
    if (existing && isActive(existing, nowMs)) return { inserted: false, active: copyVerification(existing) };
    const retryAfterMs = cooldownRemainingMs(this.latest(v), nowMs, cooldownMs);
    if (retryAfterMs > 0) return { inserted: false, active: undefined, retryAfterMs };
    // Checked before any write so a rejected insert changes nothing, as a rolled-back transaction would.
    if (this.rows.has(v.id)) throw new Error(`verification ${v.id} already exists`);
    const settled = existing && settleStale(existing, nowMs);
    if (settled) this.write(settled);
    this.write(copyVerification(v));
    this.addToKey(key, v);
    return { inserted: true };
  }

  async get(id: string): Promise<Verification | undefined> {
    const v = this.rows.get(id);
    return v && copyVerification(v);
  }

  async findActive(destination: string, purpose: string, nowMs: number): Promise<Verification | undefined> {
    const id = this.pending.get(activeKey(destination, purpose));
    const v = id === undefined ? undefined : this.rows.get(id);
    return v && isActive(v, nowMs) ? copyVerification(v) : undefined;
  }

  async findLatest(destination: string, purpose: string): Promise<Verification | undefined> {
    const v = this.latest({ destination, purpose });
    return v && copyVerification(v);
  }

  private latest(key: { destination: string; purpose: string } | undefined): Verification | undefined {
    if (!key) return undefined;
    const id = this.byKey.get(activeKey(key.destination, key.purpose))?.at(-1);
    return id === undefined ? undefined : this.rows.get(id);
  }

  async reserveResend(args: ResendArgs): Promise<ResendOutcome> {
    const v = this.rows.get(args.id);
    if (!v) return { kind: 'not_found' };
    const { outcome, write } = decideResend(v, args);
    if (write) this.write(outcome.verification);
    return { ...outcome, verification: copyVerification(outcome.verification) };
  }

  async recordCheck(args: CheckArgs): Promise<CheckOutcome> {
    const v = args.id !== undefined ? this.rows.get(args.id) : this.latest(args.latestFor);
    if (!v) return { kind: 'not_found' };
    const { outcome, write } = decideCheck(v, args);
    if (write) this.write(outcome.verification);
    return { ...outcome, verification: copyVerification(outcome.verification) };
  }

  async finish(
    id: string,
    to: 'canceled' | 'failed',
    nowMs: number,
  ): Promise<{ changed: boolean; verification: Verification } | undefined> {
    const v = this.rows.get(id);
    if (!v) return undefined;
    const { outcome, write } = decideFinish(v, to, nowMs);
    if (write) this.write(outcome.verification);
    return { changed: outcome.changed, verification: copyVerification(outcome.verification) };
  }

  async listFailedChecks(destination: string, purpose: string, sinceMs: number): Promise<FailedChecks[]> {
    return this.failedChecksSince(destination, purpose, sinceMs);
  }

  private failedChecksSince(destination: string, purpose: string, sinceMs: number): FailedChecks[] {
    const ids = this.byKey.get(activeKey(destination, purpose)) ?? [];
    const rows: FailedChecks[] = [];
    for (const id of ids) {
      const v = this.rows.get(id);
      if (v && v.createdAtMs >= sinceMs && v.failedChecks > 0)
        rows.push({ createdAtMs: v.createdAtMs, failedChecks: v.failedChecks });
    }
    return rows.sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  async advanceChain(args: AdvanceArgs): Promise<boolean> {
    const v = this.rows.get(args.id);
    if (!v || v.status !== 'pending' || v.chainIndex !== args.fromIndex) return false;
    if (args.sendCount !== undefined && v.sendCount !== args.sendCount) return false;
    this.write({ ...v, chainIndex: args.toIndex, failoverAtMs: args.failoverAtMs, updatedAtMs: args.nowMs });
    return true;
  }

  async clearFailover(id: string, atIndex: number, sentAtMs: number, nowMs: number): Promise<void> {
    const v = this.rows.get(id);
    if (!v || v.chainIndex !== atIndex || v.failoverAtMs === undefined) return;
    if (v.lastSentAtMs > sentAtMs) return;
    this.write({ ...v, failoverAtMs: undefined, updatedAtMs: nowMs });
  }

  async countActive(nowMs: number): Promise<number> {
    // Walks the pending index only (the analogue of SQLite's partial index), never all rows.
    let count = 0;
    for (const id of this.pending.values()) {
      const v = this.rows.get(id);
      if (v && isActive(v, nowMs)) count += 1;
    }
    return count;
  }

  async listDueFailovers(nowMs: number, limit: number): Promise<Verification[]> {
    return this.byFailover
      .ascendingBelow(nowMs, rowLimit(limit), true)
      .map((id) => this.rows.get(id))
      .filter((v): v is Verification => v !== undefined)
      .map(copyVerification);
  }

  /** Removes up to `limit` rows with `expiresAtMs < beforeMs`, oldest expiry first; returns their ids. */
  deleteExpired(beforeMs: number, limit: number): string[] {
    const ids = this.byExpiry.ascendingBelow(beforeMs, limit);
    for (const id of ids) this.remove(id);
    return ids;
  }

  private write(next: Verification): void {
    const previous = this.rows.get(next.id);
    if (previous) this.unindex(previous);
    this.rows.set(next.id, next);
    this.index(next);
  }

  private remove(id: string): void {
    const v = this.rows.get(id);
    if (!v) return;
    this.unindex(v);
    this.rows.delete(id);
    const key = activeKey(v.destination, v.purpose);
    const ids = this.byKey.get(key)?.filter((other) => other !== id) ?? [];
    if (ids.length === 0) this.byKey.delete(key);
    else this.byKey.set(key, ids);
  }

  private index(v: Verification): void {
    this.byExpiry.add(v.expiresAtMs, v.id);
    if (v.status !== 'pending') return;
    this.pending.set(activeKey(v.destination, v.purpose), v.id);
    if (v.failoverAtMs !== undefined) this.byFailover.add(v.failoverAtMs, v.id);
  }

  private unindex(v: Verification): void {
    this.byExpiry.remove(v.expiresAtMs, v.id);
    if (v.status !== 'pending') return;
    const key = activeKey(v.destination, v.purpose);
    if (this.pending.get(key) === v.id) this.pending.delete(key);
    if (v.failoverAtMs !== undefined) this.byFailover.remove(v.failoverAtMs, v.id);
  }

  /** Keeps the per-key list ordered by creation time (appends in the usual case). */
  private addToKey(key: string, v: Verification): void {
    const ids = this.byKey.get(key) ?? [];
    let at = ids.length;
    while (at > 0 && (this.rows.get(ids[at - 1] as string)?.createdAtMs ?? 0) > v.createdAtMs) at -= 1;
    ids.splice(at, 0, v.id);
    this.byKey.set(key, ids);
  }
}
