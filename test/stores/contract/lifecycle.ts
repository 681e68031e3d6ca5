import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { makeAttempt, makeVerification, T0, TTL_MS, uniqueId } from '../fixtures.js';

/** migrate / health / purgeExpired: the store-level operations. */
export function lifecycleContract(getStore: () => Store): void {
  describe('store lifecycle', () => {
    it('migrate is idempotent and health passes', async () => {
      const store = getStore();
      await store.migrate();
      await store.migrate();
      await expect(store.health()).resolves.toBeUndefined();
      expect(typeof store.kind).toBe('string');
    });

    it('purgeExpired removes only rows expired before the cut-off, with their attempts', async () => {
      const store = getStore();
      const expired = makeVerification({ expiresAtMs: T0 + 1000 });
      const boundary = makeVerification({ expiresAtMs: T0 + 2000 });
      const live = makeVerification({ expiresAtMs: T0 + TTL_MS });
      for (const v of [expired, boundary, live]) await store.verifications.insertIfNoActive(v, T0);
      const doomed = makeAttempt(expired, { provider: 'p', providerMessageId: 'gone', createdAtMs: T0 });
      const kept = makeAttempt(live, { provider: 'p', providerMessageId: 'kept', createdAtMs: T0 + 1 });
      await store.attempts.insert(doomed);
      await store.attempts.insert(kept);

      expect(await store.purgeExpired(T0 + 2000, 100)).toBe(1);
      expect(await store.verifications.get(expired.id)).toBeUndefined();
      expect(await store.verifications.get(boundary.id)).toBeDefined();
      expect(await store.verifications.get(live.id)).toBeDefined();
      expect(await store.attempts.get(doomed.id)).toBeUndefined();
      expect(await store.attempts.findByProviderMessageId('p', 'gone')).toBeUndefined();
      expect(await store.attempts.listByVerification(expired.id)).toEqual([]);
      expect((await store.attempts.listOutcomesSince(T0, 10)).map((a) => a.createdAtMs)).toEqual([
        kept.createdAtMs,
      ]);
      expect((await store.attempts.listAwaitingReceipt('p', T0, 10)).map((a) => a.id)).toEqual([kept.id]);
      expect(await store.verifications.findLatest(expired.destination, expired.purpose)).toBeUndefined();
      expect(await store.attempts.get(kept.id)).toEqual(kept);
      expect(await store.purgeExpired(T0 + 2000, 100)).toBe(0);
    });

    it('purgeExpired treats a non-positive limit as zero, never as unlimited', async () => {
      const store = getStore();
      const v = makeVerification({ expiresAtMs: T0 + 1000 });
      await store.verifications.insertIfNoActive(v, T0);
      expect(await store.purgeExpired(T0 + 5000, -1)).toBe(0);
      expect(await store.purgeExpired(T0 + 5000, 0)).toBe(0);
      expect(await store.verifications.get(v.id)).toBeDefined();
      expect(await store.verifications.listDueFailovers(T0 + 5000, -1)).toEqual([]);
      expect(await store.attempts.listOutcomesSince(T0, -1)).toEqual([]);
    });

    it('health fails once the store is closed, and close is idempotent', async () => {
      const store = getStore();
      await store.close();
      await expect(store.health()).rejects.toThrow();
      await store.close();
    });

    it('purgeExpired respects the limit, oldest expiry first', async () => {
      const store = getStore();
      const rows = [5, 1, 4, 2, 3].map((n) => makeVerification({ expiresAtMs: T0 + n * 1000 }));
      for (const v of rows) await store.verifications.insertIfNoActive(v, T0);
      expect(await store.purgeExpired(T0 + 10_000, 2)).toBe(2);
      const remaining: number[] = [];
      for (const v of rows) if (await store.verifications.get(v.id)) remaining.push(v.expiresAtMs - T0);
      expect(remaining.sort((x, y) => x - y)).toEqual([3000, 4000, 5000]);
      expect(await store.purgeExpired(T0 + 10_000, 10)).toBe(3);
      expect(await store.purgeExpired(T0 + 10_000, 10)).toBe(0);
    });

    it('purged destinations can start again and failover timers of purged rows are gone', async () => {
      const store = getStore();
      const v = makeVerification({ expiresAtMs: T0 + 1000, failoverAtMs: T0 + 500 });
      await store.verifications.insertIfNoActive(v, T0);
      expect(await store.purgeExpired(T0 + 5000, 10)).toBe(1);
      expect(await store.verifications.listDueFailovers(T0 + 5000, 10)).toEqual([]);
      expect(await store.verifications.countActive(T0)).toBe(0);
      const again = makeVerification({ destination: v.destination, createdAtMs: T0 + 5000 });
      expect(await store.verifications.insertIfNoActive(again, T0 + 5000)).toEqual({ inserted: true });
    });

    it('purgeExpired drops closed counter windows and keeps open ones', async () => {
      const store = getStore();
      const closed = uniqueId('counter');
      const open = uniqueId('counter');
      await store.counters.hit(closed, 1, T0);
      await store.counters.hit(open, 3600, T0, 7);
      await store.purgeExpired(T0 + 10_000, 100);
      expect((await store.counters.peek(open, T0 + 10_000)).count).toBe(7);
      expect(await store.counters.hit(closed, 60, T0 + 10_000)).toEqual({ count: 1, resetAtMs: T0 + 70_000 });
    });
  });
}
