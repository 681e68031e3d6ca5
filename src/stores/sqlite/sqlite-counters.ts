import type { GroupCommit } from './group-commit.js';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { CounterHit, CounterRepo } from '../store.js';
import { decideCounterHit, visibleCounter } from '../transitions.js';

interface CounterRow {
  key: string;
  count: number;
  reset_at_ms: number;
}

/** Statement texts, exported so tests can check their query plans (see SqliteStore.queryPlan). */
export const COUNTER_SQL = {
  get: `SELECT key, count, reset_at_ms FROM counters WHERE key = @key`,
  upsert: `INSERT INTO counters (key, count, reset_at_ms) VALUES (@key, @count, @reset_at_ms)
    ON CONFLICT (key) DO UPDATE SET count = excluded.count, reset_at_ms = excluded.reset_at_ms`,
  purgeExpired: `DELETE FROM counters WHERE key IN (
    SELECT key FROM counters WHERE reset_at_ms < @before_ms ORDER BY reset_at_ms LIMIT @limit)`,
} as const;

export class SqliteCounterRepo implements CounterRepo {
  private readonly select: Statement<[{ key: string }], CounterRow>;
  private readonly upsert: Statement<[CounterRow]>;
  private readonly purge: Statement<[{ before_ms: number; limit: number }]>;
  /** BEGIN IMMEDIATE: hits from several processes on one key are added one after the other. */
  private readonly hitTx: Transaction<
    (key: string, windowSeconds: number, nowMs: number, amount: number) => CounterHit
  >;

  constructor(
    db: Database,
    private readonly group: GroupCommit,
  ) {
    this.select = db.prepare<{ key: string }, CounterRow>(COUNTER_SQL.get);
    this.upsert = db.prepare<CounterRow>(COUNTER_SQL.upsert);
    this.purge = db.prepare<{ before_ms: number; limit: number }>(COUNTER_SQL.purgeExpired);
    this.hitTx = db.transaction(
      (key: string, windowSeconds: number, nowMs: number, amount: number): CounterHit => {
        const next = decideCounterHit(this.read(key), windowSeconds, nowMs, amount);
        this.upsert.run({ key, count: next.count, reset_at_ms: next.resetAtMs });
        return next;
      },
    );
  }

  /** The synchronous hit, for other repos' transactions (a wrong code counts in the same step). */
  hitNow(key: string, windowSeconds: number, nowMs: number, amount: number): CounterHit {
    const next = decideCounterHit(this.read(key), windowSeconds, nowMs, amount);
    this.upsert.run({ key, count: next.count, reset_at_ms: next.resetAtMs });
    return next;
  }

  async hit(key: string, windowSeconds: number, nowMs: number, amount = 1): Promise<CounterHit> {
    return this.group.run(() => {
      return this.hitTx(key, windowSeconds, nowMs, amount);
    });
  }

  async peek(key: string, nowMs: number): Promise<CounterHit> {
    return this.group.read(() => {
      return visibleCounter(this.read(key), nowMs);
    });
  }

  /** Drops up to `limit` counters whose window closed before `beforeMs`. */
  deleteExpired(beforeMs: number, limit: number): number {
    return this.purge.run({ before_ms: beforeMs, limit }).changes;
  }

  private read(key: string): CounterHit | undefined {
    const row = this.select.get({ key });
    return row && { count: row.count, resetAtMs: row.reset_at_ms };
  }
}
