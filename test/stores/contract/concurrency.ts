import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import {
  CODE,
  codeHash,
  COOLDOWN_MS,
  makeAttempt,
  makeVerification,
  T0,
  tally,
  TTL_MS,
  uniqueId,
  WRONG_CODE,
} from '../fixtures.js';

/** The ATOMIC guarantees, exercised by many callers at once (all calls issued before any settles). */
export function concurrencyContract(getStore: () => Store): void {
  describe('concurrency', () => {
    it('50 parallel correct checks: exactly one approves', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.verifications.recordCheck({
            id: v.id,
            candidateHash: codeHash(v, CODE),
            nowMs: T0 + i,
            maxChecks: 5,
          }),
        ),
      );
      expect(tally(outcomes)).toEqual({ approved: 1, not_pending: 49 });
      expect((await store.verifications.get(v.id))?.status).toBe('approved');
    });

    it('50 parallel wrong checks with maxChecks 5: exactly 5 count, then even the right code is refused', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.verifications.recordCheck({
            id: v.id,
            candidateHash: codeHash(v, WRONG_CODE),
            nowMs: T0,
            maxChecks: 5,
          }),
        ),
      );
      expect(tally(outcomes)).toEqual({ wrong: 5, not_pending: 45 });
      for (const outcome of outcomes) {
        if (outcome.kind === 'wrong' || outcome.kind === 'not_pending') {
          expect(outcome.verification.failedChecks).toBeLessThanOrEqual(5);
        }
      }
      const stored = await store.verifications.get(v.id);
      expect(stored?.failedChecks).toBe(5);
      expect(stored?.status).toBe('max_attempts_reached');
      const right = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs: T0,
        maxChecks: 5,
      });
      expect(right.kind).toBe('not_pending');
      if (right.kind === 'not_pending') expect(right.verification.status).toBe('max_attempts_reached');
    });

    it('20 parallel sends to one number inside the cooldown: exactly one goes out', async () => {
      const store = getStore();
      const destination = makeVerification().destination;
      const nowMs = T0 + 1000;
      // What OtpService.start does: insert, or else resend the active verification.
      const send = async () => {
        const fresh = makeVerification({ destination, createdAtMs: nowMs });
        const inserted = await store.verifications.insertIfNoActive(fresh, nowMs);
        if (inserted.inserted) return { kind: 'inserted' };
        if (!inserted.active) return { kind: 'cooldown' };
        return store.verifications.reserveResend({
          id: inserted.active.id,
          nowMs,
          cooldownMs: COOLDOWN_MS,
          maxSends: 5,
          codeHash: codeHash(inserted.active, '999999'),
          codeCipher: Buffer.from('cipher'),
          expiresAtMs: nowMs + TTL_MS,
          chain: fresh.chain,
          failoverAtMs: undefined,
        });
      };
      const outcomes = await Promise.all(Array.from({ length: 20 }, send));
      expect(tally(outcomes)).toEqual({ inserted: 1, cooldown: 19 });
      const active = await store.verifications.findActive(destination, 'login', nowMs);
      expect(active?.sendCount).toBe(1);
    });

    it('two concurrent advances from the same chain index: exactly one wins', async () => {
      const store = getStore();
      const v = makeVerification({ failoverAtMs: T0 + 30_000 });
      await store.verifications.insertIfNoActive(v, T0);
      const advance = () =>
        store.verifications.advanceChain({
          id: v.id,
          fromIndex: 0,
          toIndex: 1,
          failoverAtMs: T0 + 90_000,
          nowMs: T0 + 30_000,
        });
      const results = await Promise.all([advance(), advance()]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.verifications.get(v.id))?.chainIndex).toBe(1);
    });

    it('parallel duplicate delivery receipts: exactly one applies', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const a = makeAttempt(v, { providerMessageId: 'pm-dup', status: 'sent' });
      await store.attempts.insert(a);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.attempts.applyDeliveryStatus(a.id, 'delivered', T0 + 5)),
      );
      expect(results.filter((r) => r?.changed)).toHaveLength(1);
    });

    it('100 parallel counter hits all count, in one window', async () => {
      const store = getStore();
      const key = uniqueId('counter');
      const hits = await Promise.all(Array.from({ length: 100 }, () => store.counters.hit(key, 60, T0)));
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      expect(new Set(hits.map((h) => h.resetAtMs))).toEqual(new Set([T0 + 60_000]));
    });
  });
}
