import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { T0, uniqueId } from '../fixtures.js';

/** CounterRepo: fixed windows that open on the first hit and are never extended. */
export function counterContract(getStore: () => Store): void {
  describe('counters', () => {
    it('accumulates hits inside the window without extending it', async () => {
      const store = getStore();
      const key = uniqueId('counter');
      expect(await store.counters.hit(key, 60, T0)).toEqual({ count: 1, resetAtMs: T0 + 60_000 });
      expect(await store.counters.hit(key, 60, T0 + 30_000)).toEqual({ count: 2, resetAtMs: T0 + 60_000 });
      // A longer window asked for later does not move the end of the open one either.
      expect(await store.counters.hit(key, 3600, T0 + 59_999, 3)).toEqual({
        count: 5,
        resetAtMs: T0 + 60_000,
      });
    });

    it('starts a fresh window at resetAtMs', async () => {
      const store = getStore();
      const key = uniqueId('counter');
      await store.counters.hit(key, 60, T0);
      await store.counters.hit(key, 60, T0 + 1);
      expect(await store.counters.hit(key, 60, T0 + 60_000)).toEqual({ count: 1, resetAtMs: T0 + 120_000 });
    });

    it('peek reads without counting and reads 0 once the window closed', async () => {
      const store = getStore();
      const key = uniqueId('counter');
      expect((await store.counters.peek(key, T0)).count).toBe(0);
      await store.counters.hit(key, 60, T0, 4);
      expect(await store.counters.peek(key, T0 + 10)).toEqual({ count: 4, resetAtMs: T0 + 60_000 });
      expect(await store.counters.peek(key, T0 + 10)).toEqual({ count: 4, resetAtMs: T0 + 60_000 });
      expect((await store.counters.peek(key, T0 + 60_000)).count).toBe(0);
    });

    it('keeps keys apart', async () => {
      const store = getStore();
      const a = uniqueId('counter');
      const b = uniqueId('counter');
      await store.counters.hit(a, 60, T0, 2);
      expect((await store.counters.hit(b, 60, T0)).count).toBe(1);
      expect((await store.counters.peek(a, T0)).count).toBe(2);
    });
  });
}
