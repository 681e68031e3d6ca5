import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { CODE, codeHash, COOLDOWN_MS, makeVerification, T0, TTL_MS, WRONG_CODE } from '../fixtures.js';

/** Single-caller behaviour of the VerificationRepo (concurrency lives in concurrency.ts). */
export function verificationContract(getStore: () => Store): void {
  describe('verifications: insert and reads', () => {
    it('stores every field exactly, Buffers included', async () => {
      const store = getStore();
      const v = makeVerification({
        routeId: 7,
        failoverAtMs: T0 + 30_000,
        locale: undefined,
        country: undefined,
      });
      expect(await store.verifications.insertIfNoActive(v, T0)).toEqual({ inserted: true });
      const stored = await store.verifications.get(v.id);
      expect(stored).toEqual(v);
      expect(Buffer.isBuffer(stored?.codeHash)).toBe(true);
      expect(Buffer.isBuffer(stored?.codeCipher)).toBe(true);
      expect(stored?.codeHash.equals(v.codeHash)).toBe(true);
      expect(stored?.codeCipher.equals(v.codeCipher)).toBe(true);
    });

    it('hands out copies: mutating inputs or results never changes stored state', async () => {
      const store = getStore();
      const v = makeVerification();
      const original = { ...v, codeHash: Buffer.from(v.codeHash), chain: v.chain.map((s) => ({ ...s })) };
      await store.verifications.insertIfNoActive(v, T0);
      v.status = 'approved';
      v.codeHash.fill(0);
      v.chain[0]!.routeId = 99;
      const read = await store.verifications.get(v.id);
      expect(read?.status).toBe('pending');
      expect(read?.codeHash.equals(original.codeHash)).toBe(true);
      expect(read?.chain).toEqual(original.chain);
      read!.codeHash.fill(0);
      read!.chain.push({ routeId: 5, timeoutSeconds: 1 });
      read!.failedChecks = 42;
      const again = await store.verifications.get(v.id);
      expect(again?.codeHash.equals(original.codeHash)).toBe(true);
      expect(again?.chain).toEqual(original.chain);
      expect(again?.failedChecks).toBe(0);
    });

    it('rejects a duplicate id without changing anything', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      await store.verifications.finish(v.id, 'canceled', T0);
      await expect(
        store.verifications.insertIfNoActive(makeVerification({ id: v.id }), T0),
      ).rejects.toThrow();
      expect((await store.verifications.get(v.id))?.status).toBe('canceled');
    });

    it('returns undefined for unknown ids', async () => {
      expect(await getStore().verifications.get('ver_missing')).toBeUndefined();
    });

    it('refuses a second insert while one is active for the same destination and purpose', async () => {
      const store = getStore();
      const first = makeVerification();
      const second = makeVerification({ destination: first.destination });
      await store.verifications.insertIfNoActive(first, T0);
      const outcome = await store.verifications.insertIfNoActive(second, T0 + 1000);
      expect(outcome).toEqual({ inserted: false, active: first });
      expect(await store.verifications.get(second.id)).toBeUndefined();
    });

    it('keeps destinations and purposes independent', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const otherPurpose = makeVerification({ destination: v.destination, purpose: 'signup' });
      const otherNumber = makeVerification({ purpose: v.purpose });
      expect((await store.verifications.insertIfNoActive(otherPurpose, T0)).inserted).toBe(true);
      expect((await store.verifications.insertIfNoActive(otherNumber, T0)).inserted).toBe(true);
    });

    it('allows a new verification once the previous one is no longer pending', async () => {
      const store = getStore();
      const first = makeVerification();
      await store.verifications.insertIfNoActive(first, T0);
      await store.verifications.finish(first.id, 'canceled', T0 + 1);
      const second = makeVerification({ destination: first.destination, createdAtMs: T0 + 2 });
      expect(await store.verifications.insertIfNoActive(second, T0 + 2)).toEqual({ inserted: true });
    });

    it('keeps the send cooldown after the previous verification was settled', async () => {
      const store = getStore();
      const cooldownMs = 45_000;
      const first = makeVerification({ lastSentAtMs: T0 });
      await store.verifications.insertIfNoActive(first, T0, cooldownMs);
      await store.verifications.finish(first.id, 'canceled', T0 + 1000);
      const second = makeVerification({ destination: first.destination, createdAtMs: T0 + 10_000 });
      expect(await store.verifications.insertIfNoActive(second, T0 + 10_000, cooldownMs)).toEqual({
        inserted: false,
        active: undefined,
        retryAfterMs: 35_000,
      });
      expect(await store.verifications.get(second.id)).toBeUndefined();
      // Another purpose has its own cooldown; the same one opens again when it is over.
      const otherPurpose = makeVerification({ destination: first.destination, purpose: 'signup' });
      expect(
        (await store.verifications.insertIfNoActive(otherPurpose, T0 + 10_000, cooldownMs)).inserted,
      ).toBe(true);
      const later = makeVerification({ destination: first.destination, createdAtMs: T0 + cooldownMs });
      expect(await store.verifications.insertIfNoActive(later, T0 + cooldownMs, cooldownMs)).toEqual({
        inserted: true,
      });
    });

    it('settles a pending but expired verification as expired and inserts the new one', async () => {
      const store = getStore();
      const old = makeVerification();
      await store.verifications.insertIfNoActive(old, T0);
      const nowMs = old.expiresAtMs;
      const fresh = makeVerification({ destination: old.destination, createdAtMs: nowMs });
      expect(await store.verifications.insertIfNoActive(fresh, nowMs)).toEqual({ inserted: true });
      expect((await store.verifications.get(old.id))?.status).toBe('expired');
      expect((await store.verifications.findActive(old.destination, old.purpose, nowMs))?.id).toBe(fresh.id);
    });

    it('findActive returns only the pending, unexpired verification', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      expect(await store.verifications.findActive(v.destination, v.purpose, T0)).toEqual(v);
      expect(await store.verifications.findActive(v.destination, v.purpose, v.expiresAtMs - 1)).toEqual(v);
      expect(await store.verifications.findActive(v.destination, v.purpose, v.expiresAtMs)).toBeUndefined();
      expect(await store.verifications.findActive(v.destination, 'other', T0)).toBeUndefined();
      await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs: T0,
        maxChecks: 5,
      });
      expect(await store.verifications.findActive(v.destination, v.purpose, T0)).toBeUndefined();
    });

    it('findLatest returns the most recently created verification in any status', async () => {
      const store = getStore();
      const first = makeVerification();
      expect(await store.verifications.findLatest(first.destination, first.purpose)).toBeUndefined();
      await store.verifications.insertIfNoActive(first, T0);
      await store.verifications.finish(first.id, 'canceled', T0 + 10);
      const second = makeVerification({ destination: first.destination, createdAtMs: T0 + 20 });
      await store.verifications.insertIfNoActive(second, T0 + 20);
      await store.verifications.recordCheck({
        id: second.id,
        candidateHash: codeHash(second, CODE),
        nowMs: T0 + 30,
        maxChecks: 5,
      });
      const latest = await store.verifications.findLatest(first.destination, first.purpose);
      expect(latest?.id).toBe(second.id);
      expect(latest?.status).toBe('approved');
      expect(await store.verifications.findLatest(first.destination, 'other')).toBeUndefined();
    });
  });

  describe('verifications: recordCheck', () => {
    it('approves the right code once; later checks are not_pending', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const args = { id: v.id, candidateHash: codeHash(v, CODE), nowMs: T0 + 5, maxChecks: 5 };
      const first = await store.verifications.recordCheck(args);
      expect(first.kind).toBe('approved');
      if (first.kind !== 'approved') return;
      expect(first.verification.status).toBe('approved');
      expect(first.verification.updatedAtMs).toBe(T0 + 5);
      const second = await store.verifications.recordCheck(args);
      expect(second.kind).toBe('not_pending');
      if (second.kind === 'not_pending') expect(second.verification.status).toBe('approved');
    });

    it('counts wrong codes and locks at maxChecks', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const wrong = { id: v.id, candidateHash: codeHash(v, WRONG_CODE), nowMs: T0, maxChecks: 3 };
      for (let n = 1; n <= 3; n++) {
        const outcome = await store.verifications.recordCheck(wrong);
        expect(outcome.kind).toBe('wrong');
        if (outcome.kind !== 'wrong') return;
        expect(outcome.verification.failedChecks).toBe(n);
        expect(outcome.verification.status).toBe(n === 3 ? 'max_attempts_reached' : 'pending');
      }
      const right = await store.verifications.recordCheck({ ...wrong, candidateHash: codeHash(v, CODE) });
      expect(right.kind).toBe('not_pending');
      const stored = await store.verifications.get(v.id);
      expect(stored?.failedChecks).toBe(3);
      expect(stored?.status).toBe('max_attempts_reached');
    });

    it('refuses a check when earlier failures already use up a lowered maxChecks', async () => {
      const store = getStore();
      const v = makeVerification({ failedChecks: 4 });
      await store.verifications.insertIfNoActive(v, T0);
      const outcome = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs: T0,
        maxChecks: 3,
      });
      expect(outcome.kind).toBe('not_pending');
      if (outcome.kind === 'not_pending') expect(outcome.verification.status).toBe('max_attempts_reached');
      expect((await store.verifications.get(v.id))?.failedChecks).toBe(4);
    });

    it('rejects a hash bound to another verification', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const foreign = codeHash({ ...v, id: 'ver_other' }, CODE);
      const outcome = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: foreign,
        nowMs: T0,
        maxChecks: 5,
      });
      expect(outcome.kind).toBe('wrong');
    });

    it('returns not_found for an unknown id', async () => {
      const outcome = await getStore().verifications.recordCheck({
        id: 'ver_missing',
        candidateHash: Buffer.alloc(32),
        nowMs: T0,
        maxChecks: 5,
      });
      expect(outcome).toEqual({ kind: 'not_found' });
    });

    it('expires: a check at expiresAtMs is not_pending and the row becomes expired', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const nowMs = v.expiresAtMs;
      const outcome = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs,
        maxChecks: 5,
      });
      expect(outcome.kind).toBe('not_pending');
      if (outcome.kind === 'not_pending') expect(outcome.verification.status).toBe('expired');
      expect((await store.verifications.get(v.id))?.status).toBe('expired');
      expect(await store.verifications.findActive(v.destination, v.purpose, nowMs)).toBeUndefined();
      expect(await store.verifications.countActive(nowMs)).toBe(0);
      const next = makeVerification({ destination: v.destination, createdAtMs: nowMs });
      expect(await store.verifications.insertIfNoActive(next, nowMs)).toEqual({ inserted: true });
    });
  });

  describe('verifications: reserveResend', () => {
    const resendArgs = (
      v: { id: string; destination: string; purpose: string },
      nowMs: number,
      code = '777777',
    ) => ({
      id: v.id,
      nowMs,
      cooldownMs: COOLDOWN_MS,
      maxSends: 3,
      codeHash: codeHash(v, code),
      codeCipher: Buffer.from(`cipher-${code}`),
      expiresAtMs: nowMs + TTL_MS,
      chain: [{ routeId: 3, timeoutSeconds: 20 }],
      failoverAtMs: nowMs + 20_000,
    });

    it('returns not_found for an unknown id', async () => {
      const outcome = await getStore().verifications.reserveResend(resendArgs(makeVerification(), T0));
      expect(outcome).toEqual({ kind: 'not_found' });
    });

    it('enforces the cooldown with the exact retry delay', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const outcome = await store.verifications.reserveResend(resendArgs(v, T0 + 10_000));
      expect(outcome.kind).toBe('cooldown');
      if (outcome.kind === 'cooldown') {
        expect(outcome.retryAfterMs).toBe(COOLDOWN_MS - 10_000);
        expect(outcome.verification).toEqual(v);
      }
      expect(await store.verifications.get(v.id)).toEqual(v);
    });

    it('installs the new code, timer and chain, and resets the chain position', async () => {
      const store = getStore();
      const v = makeVerification({ chainIndex: 1, failoverAtMs: T0 + 30_000 });
      await store.verifications.insertIfNoActive(v, T0);
      const nowMs = T0 + COOLDOWN_MS;
      const args = { ...resendArgs(v, nowMs), channel: 'voice' as const };
      const outcome = await store.verifications.reserveResend(args);
      expect(outcome.kind).toBe('ok');
      const stored = await store.verifications.get(v.id);
      expect(stored).toEqual({
        ...v,
        channel: 'voice',
        codeHash: args.codeHash,
        codeCipher: args.codeCipher,
        expiresAtMs: args.expiresAtMs,
        lastSentAtMs: nowMs,
        sendCount: 2,
        chain: args.chain,
        chainIndex: 0,
        failoverAtMs: args.failoverAtMs,
        updatedAtMs: nowMs,
      });
      if (outcome.kind === 'ok') expect(outcome.verification).toEqual(stored);
      const oldCode = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs,
        maxChecks: 5,
      });
      expect(oldCode.kind).toBe('wrong');
      const newCode = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, '777777'),
        nowMs,
        maxChecks: 5,
      });
      expect(newCode.kind).toBe('approved');
    });

    it('stops at maxSends', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      let nowMs = T0;
      for (let sends = 2; sends <= 3; sends++) {
        nowMs += COOLDOWN_MS;
        const outcome = await store.verifications.reserveResend(resendArgs(v, nowMs));
        expect(outcome.kind).toBe('ok');
      }
      nowMs += COOLDOWN_MS;
      const outcome = await store.verifications.reserveResend(resendArgs(v, nowMs));
      expect(outcome.kind).toBe('max_sends');
      expect((await store.verifications.get(v.id))?.sendCount).toBe(3);
    });

    it('keeps failedChecks across resends', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      for (let n = 0; n < 2; n++) {
        await store.verifications.recordCheck({
          id: v.id,
          candidateHash: codeHash(v, WRONG_CODE),
          nowMs: T0,
          maxChecks: 3,
        });
      }
      const outcome = await store.verifications.reserveResend(resendArgs(v, T0 + COOLDOWN_MS));
      expect(outcome.kind).toBe('ok');
      if (outcome.kind === 'ok') expect(outcome.verification.failedChecks).toBe(2);
      const third = await store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, WRONG_CODE),
        nowMs: T0 + COOLDOWN_MS,
        maxChecks: 3,
      });
      expect(third.kind).toBe('wrong');
      if (third.kind === 'wrong') {
        expect(third.verification.failedChecks).toBe(3);
        expect(third.verification.status).toBe('max_attempts_reached');
      }
    });

    it('refuses verifications that are not pending or past their TTL', async () => {
      const store = getStore();
      const approved = makeVerification();
      await store.verifications.insertIfNoActive(approved, T0);
      await store.verifications.recordCheck({
        id: approved.id,
        candidateHash: codeHash(approved, CODE),
        nowMs: T0,
        maxChecks: 5,
      });
      const a = await store.verifications.reserveResend(resendArgs(approved, T0 + COOLDOWN_MS));
      expect(a.kind).toBe('not_pending');
      if (a.kind === 'not_pending') expect(a.verification.status).toBe('approved');

      const stale = makeVerification();
      await store.verifications.insertIfNoActive(stale, T0);
      const b = await store.verifications.reserveResend(resendArgs(stale, stale.expiresAtMs));
      expect(b.kind).toBe('not_pending');
      if (b.kind === 'not_pending') expect(b.verification.status).toBe('expired');
      expect((await store.verifications.get(stale.id))?.sendCount).toBe(1);
    });
  });

  describe('verifications: finish, chain, timers', () => {
    it('finish moves pending to canceled or failed once', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      const first = await store.verifications.finish(v.id, 'canceled', T0 + 1);
      expect(first?.changed).toBe(true);
      expect(first?.verification.status).toBe('canceled');
      expect(first?.verification.updatedAtMs).toBe(T0 + 1);
      const second = await store.verifications.finish(v.id, 'failed', T0 + 2);
      expect(second?.changed).toBe(false);
      expect(second?.verification.status).toBe('canceled');
      expect(await store.verifications.finish('ver_missing', 'failed', T0)).toBeUndefined();
    });

    it('advanceChain is a compare-and-set on the chain position', async () => {
      const store = getStore();
      const v = makeVerification({ failoverAtMs: T0 + 30_000 });
      await store.verifications.insertIfNoActive(v, T0);
      const args = { id: v.id, fromIndex: 0, toIndex: 1, failoverAtMs: T0 + 90_000, nowMs: T0 + 30_000 };
      expect(await store.verifications.advanceChain(args)).toBe(true);
      const stored = await store.verifications.get(v.id);
      expect(stored?.chainIndex).toBe(1);
      expect(stored?.failoverAtMs).toBe(T0 + 90_000);
      expect(stored?.updatedAtMs).toBe(T0 + 30_000);
      expect(await store.verifications.advanceChain(args)).toBe(false);
      expect(
        await store.verifications.advanceChain({
          ...args,
          fromIndex: 1,
          toIndex: 1,
          failoverAtMs: undefined,
        }),
      ).toBe(true);
      expect((await store.verifications.get(v.id))?.failoverAtMs).toBeUndefined();
      expect(await store.verifications.advanceChain({ ...args, id: 'ver_missing' })).toBe(false);
    });

    it('advanceChain with a send count refuses a claim made before a resend', async () => {
      const store = getStore();
      const v = makeVerification({ failoverAtMs: T0 + 30_000 });
      await store.verifications.insertIfNoActive(v, T0);
      const resent = await store.verifications.reserveResend({
        id: v.id,
        nowMs: T0 + 60_000,
        cooldownMs: 45_000,
        maxSends: 5,
        codeHash: v.codeHash,
        codeCipher: v.codeCipher,
        expiresAtMs: T0 + 360_000,
        chain: v.chain,
        failoverAtMs: T0 + 90_000,
      });
      expect(resent.kind).toBe('ok');
      const stale = { id: v.id, fromIndex: 0, toIndex: 1, failoverAtMs: undefined, nowMs: T0 + 61_000 };
      expect(await store.verifications.advanceChain({ ...stale, sendCount: v.sendCount })).toBe(false);
      expect((await store.verifications.get(v.id))?.chainIndex).toBe(0);
      expect(await store.verifications.advanceChain({ ...stale, sendCount: v.sendCount + 1 })).toBe(true);
    });

    it('advanceChain refuses verifications that are no longer pending', async () => {
      const store = getStore();
      const v = makeVerification();
      await store.verifications.insertIfNoActive(v, T0);
      await store.verifications.finish(v.id, 'canceled', T0);
      const moved = await store.verifications.advanceChain({
        id: v.id,
        fromIndex: 0,
        toIndex: 1,
        failoverAtMs: undefined,
        nowMs: T0,
      });
      expect(moved).toBe(false);
    });

    it('clearFailover clears the timer only at the given chain position', async () => {
      const store = getStore();
      const v = makeVerification({ failoverAtMs: T0 + 30_000 });
      await store.verifications.insertIfNoActive(v, T0);
      await store.verifications.clearFailover(v.id, 1, T0, T0 + 1);
      expect((await store.verifications.get(v.id))?.failoverAtMs).toBe(T0 + 30_000);
      await store.verifications.clearFailover(v.id, 0, T0, T0 + 2);
      const stored = await store.verifications.get(v.id);
      expect(stored?.failoverAtMs).toBeUndefined();
      expect(stored?.updatedAtMs).toBe(T0 + 2);
      await store.verifications.clearFailover('ver_missing', 0, T0, T0);
    });

    it('clearFailover leaves the timer of a later send alone (a receipt of an earlier message)', async () => {
      const store = getStore();
      const v = makeVerification({ lastSentAtMs: T0 + 5_000, failoverAtMs: T0 + 35_000 });
      await store.verifications.insertIfNoActive(v, T0 + 5_000);
      // The delivered message was created at T0, before the send at T0 + 5 s.
      await store.verifications.clearFailover(v.id, 0, T0, T0 + 6_000);
      expect((await store.verifications.get(v.id))?.failoverAtMs).toBe(T0 + 35_000);
      await store.verifications.clearFailover(v.id, 0, T0 + 5_000, T0 + 7_000);
      expect((await store.verifications.get(v.id))?.failoverAtMs).toBeUndefined();
    });

    it('countActive counts pending, unexpired verifications only', async () => {
      const store = getStore();
      const live = [makeVerification(), makeVerification(), makeVerification()];
      for (const v of live) await store.verifications.insertIfNoActive(v, T0);
      const short = makeVerification({ expiresAtMs: T0 + 1000 });
      await store.verifications.insertIfNoActive(short, T0);
      expect(await store.verifications.countActive(T0)).toBe(4);
      expect(await store.verifications.countActive(T0 + 1000)).toBe(3);
      await store.verifications.finish(live[0]!.id, 'canceled', T0);
      expect(await store.verifications.countActive(T0)).toBe(3);
      expect(await store.verifications.countActive(T0 + TTL_MS)).toBe(0);
    });

    it('listDueFailovers returns due timers of pending rows, oldest first, up to limit', async () => {
      const store = getStore();
      const late = makeVerification({ failoverAtMs: T0 + 3000 });
      const early = makeVerification({ failoverAtMs: T0 + 1000 });
      const middle = makeVerification({ failoverAtMs: T0 + 2000 });
      const future = makeVerification({ failoverAtMs: T0 + 60_000 });
      const unarmed = makeVerification();
      const done = makeVerification({ failoverAtMs: T0 + 500 });
      for (const v of [late, early, middle, future, unarmed, done])
        await store.verifications.insertIfNoActive(v, T0);
      await store.verifications.finish(done.id, 'canceled', T0);
      const due = await store.verifications.listDueFailovers(T0 + 3000, 10);
      expect(due.map((v) => v.id)).toEqual([early.id, middle.id, late.id]);
      const limited = await store.verifications.listDueFailovers(T0 + 3000, 2);
      expect(limited.map((v) => v.id)).toEqual([early.id, middle.id]);
      expect(await store.verifications.listDueFailovers(T0 + 999, 10)).toEqual([]);
      await store.verifications.advanceChain({
        id: early.id,
        fromIndex: 0,
        toIndex: 1,
        failoverAtMs: T0 + 10_000,
        nowMs: T0 + 1000,
      });
      const after = await store.verifications.listDueFailovers(T0 + 3000, 10);
      expect(after.map((v) => v.id)).toEqual([middle.id, late.id]);
    });
  });
}
