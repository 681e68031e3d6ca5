import type { GroupCommit } from './group-commit.js';
import type { Database, Statement } from 'better-sqlite3';
import type { CounterHit, CounterRepo } from '../store.js';
import { visibleCounter } from '../transitions.js';

interface CounterRow {
  key: string;
  count: number;
  reset_at_ms: number;
}

/** Statement texts, exported so tests can check their query plans (see SqliteStore.queryPlan). */
export const COUNTER_SQL = {
  get: `SELECT key, count, reset_at_ms FROM counters WHERE key = @key`,
  // The fixed-window rule of decideCounterHit in one statement (SET expressions all read the
  // row's old values): the hot wrong-code path pays one B-tree visit instead of a read and a write.
  hit: `INSERT INTO counters (key, count, reset_at_ms) VALUES (@key, @amount, @new_reset_at_ms)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN @now_ms < reset_at_ms THEN count + @amount ELSE @amount END,
      reset_at_ms = CASE WHEN @now_ms < reset_at_ms THEN reset_at_ms ELSE @new_reset_at_ms END
    RETURNING count, reset_at_ms`,
  purgeExpired: `DELETE FROM counters WHERE key IN (
    SELECT key FROM counters WHERE reset_at_ms < @before_ms ORDER BY reset_at_ms LIMIT @limit)`,
} as const;

export class SqliteCounterRepo implements CounterRepo {
  private readonly select: Statement<[{ key: string }], CounterRow>;
  private readonly hitRow: Statement<
    [{ key: string; amount: number; now_ms: number; new_reset_at_ms: number }],
    Pick<CounterRow, 'count' | 'reset_at_ms'>
  >;
  private readonly purge: Statement<[{ before_ms: number; limit: number }]>;

  constructor(
    db: Database,
    private readonly group: GroupCommit,
  ) {
    this.select = db.prepare<{ key: string }, CounterRow>(COUNTER_SQL.get);
    this.hitRow = db.prepare(COUNTER_SQL.hit);
    this.purge = db.prepare<{ before_ms: number; limit: number }>(COUNTER_SQL.purgeExpired);
  }

  async hit(key: string, windowSeconds: number, nowMs: number, amount = 1): Promise<CounterHit> {
    return this.group.run(() => {
      // One statement, inside the batch's BEGIN IMMEDIATE: hits from several processes add up.
      const row = this.hitRow.get({
        key,
        amount,
        now_ms: nowMs,
        new_reset_at_ms: nowMs + windowSeconds * 1000,
      });
      // RETURNING always yields the upserted row; the fallback only satisfies the type.
      return row ? { count: row.count, resetAtMs: row.reset_at_ms } : { count: amount, resetAtMs: nowMs };
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
