import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { CODE, codeHash, makeVerification, T0, WRONG_CODE } from '../fixtures.js';

/** recordCheck by (destination, purpose), with a row-derived hash and a counter hit in the same step. */
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

    it('a wrong code hits the failed counter in the same step; a right code does not', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const failedCounter = {
        key: (row: { destination: string }) => `fails:${row.destination}`,
        windowSeconds: 3600,
      };
      const wrong = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          store.verifications.recordCheck({
            id: v.id,
            candidateHash: (row) => codeHash(row, WRONG_CODE),
            nowMs: T0 + i,
            maxChecks: 5,
            failedCounter,
          }),
        ),
      );
      expect(wrong.map((o) => o.kind)).toEqual(['wrong', 'wrong', 'wrong']);
      expect((await store.counters.peek(`fails:${v.destination}`, T0 + 10)).count).toBe(3);
      const right = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: (row) => codeHash(row, CODE),
        nowMs: T0 + 11,
        maxChecks: 5,
        failedCounter,
      });
      expect(right.kind).toBe('approved');
      expect((await store.counters.peek(`fails:${v.destination}`, T0 + 12)).count).toBe(3);
    });
  });
}
