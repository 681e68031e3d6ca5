import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { CODE, codeHash, makeVerification, T0, WRONG_CODE } from '../fixtures.js';

/** recordCheck by (destination, purpose), hashing against the row found; wrong codes listed per destination. */
export function checkFormsContract(getStore: () => Store): void {
  describe('recordCheck forms', () => {
    it('checks the latest verification for (destination, purpose), hashing against the row found', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const seen: string[] = [];
      const outcome = await store.verifications.recordCheck({
        latestFor: { destination: v.destination, purpose: v.purpose },
        candidateHash: (row) => {
          seen.push(row.id);
          return codeHash(row, CODE);
        },
        nowMs: T0 + 1,
        maxChecks: 5,
      });
      expect(outcome.kind).toBe('approved');
      expect(seen).toEqual([v.id]);
      const other = await store.verifications.recordCheck({
        latestFor: { destination: v.destination, purpose: 'other-purpose' },
        candidateHash: (row) => codeHash(row, CODE),
        nowMs: T0 + 2,
        maxChecks: 5,
      });
      expect(other.kind).toBe('not_found');
    });

    it('lists the wrong codes of (destination, purpose) per verification, oldest first, from sinceMs on', async () => {
      const store = getStore();
      const first = makeVerification({ createdAtMs: T0 });
      await store.verifications.insertIfNoActive(first, T0);
      const wrong = (id: string, nowMs: number) =>
        store.verifications.recordCheck({
          id,
          candidateHash: (row) => codeHash(row, WRONG_CODE),
          nowMs,
          maxChecks: 3,
        });
      await Promise.all([wrong(first.id, T0 + 1), wrong(first.id, T0 + 2), wrong(first.id, T0 + 3)]);
      // Locked after 3; the next verification of the same number starts at 0 and collects one more.
      const second = makeVerification({ destination: first.destination, createdAtMs: T0 + 10 });
      await store.verifications.insertIfNoActive(second, T0 + 10);
      await wrong(second.id, T0 + 11);
      const right = await store.verifications.recordCheck({
        id: second.id,
        candidateHash: (row) => codeHash(row, CODE),
        nowMs: T0 + 12,
        maxChecks: 3,
      });
      expect(right.kind).toBe('approved');
      // A clean verification (no wrong code) and another purpose are not listed.
      await store.verifications.insertIfNoActive(
        makeVerification({ destination: first.destination, createdAtMs: T0 + 20 }),
        T0 + 20,
      );
      await store.verifications.insertIfNoActive(
        makeVerification({ destination: first.destination, purpose: 'signup' }),
        T0,
      );

      expect(await store.verifications.listFailedChecks(first.destination, 'login', T0)).toEqual([
        { createdAtMs: T0, failedChecks: 3 },
        { createdAtMs: T0 + 10, failedChecks: 1 },
      ]);
      expect(await store.verifications.listFailedChecks(first.destination, 'login', T0 + 1)).toEqual([
        { createdAtMs: T0 + 10, failedChecks: 1 },
      ]);
      expect(await store.verifications.listFailedChecks('+15550000000', 'login', T0)).toEqual([]);
    });

    it('refuses an insert while wrong codes lock (destination, purpose) out, and only then', async () => {
      const store = getStore();
      const first = makeVerification({ createdAtMs: T0 });
      await store.verifications.insertIfNoActive(first, T0);
      // Three wrong codes queued in the same turn as the next insert: the insert must count them.
      const wrongs = [1, 2, 3].map((k) =>
        store.verifications.recordCheck({
          id: first.id,
          candidateHash: (row) => codeHash(row, WRONG_CODE),
          nowMs: T0 + k,
          maxChecks: 3,
        }),
      );
      const limit = { windowMs: 60_000, maxFailedChecks: 3 };
      const blocked = makeVerification({ destination: first.destination, createdAtMs: T0 + 10 });
      const outcome = store.verifications.insertIfNoActive(blocked, T0 + 10, 0, limit);
      await Promise.all(wrongs);
      expect(await outcome).toEqual({ inserted: false, active: undefined, lockedOutMs: 60_000 - 10 });
      expect(await store.verifications.get(blocked.id)).toBeUndefined();
      // Another purpose and a higher limit insert.
      const signup = makeVerification({ destination: first.destination, purpose: 'signup' });
      expect(await store.verifications.insertIfNoActive(signup, T0 + 10, 0, limit)).toEqual({
        inserted: true,
      });
      const roomier = { windowMs: 60_000, maxFailedChecks: 4 };
      const later = makeVerification({ destination: first.destination, createdAtMs: T0 + 20 });
      expect(await store.verifications.insertIfNoActive(later, T0 + 20, 0, roomier)).toEqual({
        inserted: true,
      });
    });
  });
}
