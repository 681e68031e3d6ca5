import type { CounterHit, CounterRepo } from '../store.js';
import { decideCounterHit, visibleCounter } from '../transitions.js';
import { SortedIndex } from './sorted-index.js';

/** Fixed-window counters in one process; closed windows are dropped by `deleteExpired`. */
export class MemoryCounterRepo implements CounterRepo {
  private readonly rows = new Map<string, CounterHit>();
  private readonly byReset = new SortedIndex();

  async hit(key: string, windowSeconds: number, nowMs: number, amount = 1): Promise<CounterHit> {
    const current = this.rows.get(key);
    const next = decideCounterHit(current, windowSeconds, nowMs, amount);
    if (current && current.resetAtMs !== next.resetAtMs) this.byReset.remove(current.resetAtMs, key);
    if (!current || current.resetAtMs !== next.resetAtMs) this.byReset.add(next.resetAtMs, key);
    this.rows.set(key, next);
    return { ...next };
  }

  async peek(key: string, nowMs: number): Promise<CounterHit> {
    return visibleCounter(this.rows.get(key), nowMs);
  }

  /** Drops up to `limit` counters whose window closed before `beforeMs`. */
  deleteExpired(beforeMs: number, limit: number): number {
    const keys = this.byReset.ascendingBelow(beforeMs, limit);
    for (const key of keys) {
      const current = this.rows.get(key);
      if (current) this.byReset.remove(current.resetAtMs, key);
      this.rows.delete(key);
    }
    return keys.length;
  }
}
