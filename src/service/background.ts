import type { AttemptOutcome, Clock } from '../core/index.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { Store } from '../stores/store.js';
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './logger.js';

export interface BackgroundOptions {
  store: Store;
  routing: RoutingTable;
  dispatcher: Dispatcher;
  clock: Clock;
  logger: Logger;
  retentionSeconds: number;
  purgeIntervalSeconds: number;
  failoverPollMs: number;
  receiptPollSeconds: number;
  /** Receives fresh figures for /health and quality routing; called every stats tick. */
  onStats?: (stats: { active: number; recentAttempts: AttemptOutcome[] }) => void;
  statsIntervalSeconds?: number;
  /** Rolling window of attempts fed to quality routing. */
  statsWindowSeconds?: number;
}

const BATCH = 200;
/** Receipts older than this are not polled any more (providers keep DLRs for a limited time). */
const RECEIPT_POLL_WINDOW_MS = 3_600_000;

/**
 * The durable timers: every tick reads due work from the store, so a restart loses nothing.
 * Each job is a plain method (`tick*`) so tests can drive them with a manual clock.
 */
export class BackgroundJobs {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();

  constructor(private readonly o: BackgroundOptions) {}

  /**
   * `sweeps: false` runs only the stats that this process's requests read: of several workers on one
   * store, one sweeps failovers, purges and polls receipts, so providers are not polled once per worker.
   */
  start(options: { sweeps?: boolean } = {}): void {
    if (options.sweeps ?? true) {
      this.every(this.o.failoverPollMs, 'failover', () => this.tickFailovers());
      this.every(this.o.purgeIntervalSeconds * 1000, 'purge', () => this.tickPurge());
      this.every(this.o.receiptPollSeconds * 1000, 'receipts', () => this.tickReceiptPolls());
    }
    this.every((this.o.statsIntervalSeconds ?? 5) * 1000, 'stats', () => this.tickStats());
    this.tickStats().catch(() => undefined); // first figures at once; failures are retried next tick
  }

  /** Refreshes the figures that requests read but must not compute themselves. */
  async tickStats(): Promise<void> {
    if (!this.o.onStats) return;
    const nowMs = this.o.clock.nowMs();
    const active = await this.o.store.verifications.countActive(nowMs);
    const windowMs = (this.o.statsWindowSeconds ?? 3600) * 1000;
    const recentAttempts = await this.o.store.attempts.listOutcomesSince(nowMs - windowMs, 10_000);
    this.o.onStats({ active, recentAttempts });
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  /** Fires due failover timers. Returns how many verifications were handled. */
  async tickFailovers(): Promise<number> {
    const due = await this.o.store.verifications.listDueFailovers(this.o.clock.nowMs(), BATCH);
    for (const v of due) await this.o.dispatcher.onTimeout(v);
    return due.length;
  }

  /** Deletes verifications past expiry + retention, in bounded batches. */
  async tickPurge(): Promise<number> {
    const beforeMs = this.o.clock.nowMs() - this.o.retentionSeconds * 1000;
    let total = 0;
    for (let round = 0; round < 50; round++) {
      const removed = await this.o.store.purgeExpired(beforeMs, BATCH);
      total += removed;
      if (removed < BATCH) break;
    }
    return total;
  }

  /** Asks providers that support polling about messages still waiting for a final receipt. */
  async tickReceiptPolls(): Promise<number> {
    let applied = 0;
    const sinceMs = this.o.clock.nowMs() - RECEIPT_POLL_WINDOW_MS;
    for (const provider of this.o.routing.providers()) {
      if (!provider.fetchDeliveryStatus) continue;
      const waiting = await this.o.store.attempts.listAwaitingReceipt(provider.name, sinceMs, BATCH);
      for (const attempt of waiting) {
        const status = await this.o.dispatcher.pollStatus(provider, attempt);
        if (status !== undefined && status !== attempt.status) applied += 1;
      }
    }
    return applied;
  }

  private every(intervalMs: number, name: string, job: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (this.running.has(name)) return; // never overlap a slow tick with the next one
      this.running.add(name);
      job()
        .catch((error: unknown) =>
          this.o.logger.error(
            { event: 'background.failed', job: name, error: String(error) },
            'background job failed',
          ),
        )
        .finally(() => this.running.delete(name));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
