import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/store.js';
import { makeAttempt, makeVerification, T0 } from '../fixtures.js';

/** AttemptRepo: send records, delivery receipts and the listings background jobs read. */
export function attemptContract(getStore: () => Store): void {
  async function withVerification(store: Store) {
    const v = makeVerification();
    await store.verifications.insertIfNoActive(v, T0);
    return v;
  }

  describe('attempts', () => {
    it('stores every field exactly and hands out copies', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const a = makeAttempt(v, {
        stepIndex: 1,
        providerMessageId: 'pm-1',
        providerOrderId: 'order-9',
        priceMicros: 12_345,
        currency: 'EUR',
        status: 'sent',
        errorCode: 'X',
        errorMessage: 'y',
        deliveredAtMs: undefined,
        country: undefined,
      });
      await store.attempts.insert(a);
      const read = await store.attempts.get(a.id);
      expect(read).toEqual(a);
      read!.status = 'failed';
      a.status = 'failed';
      expect((await store.attempts.get(a.id))?.status).toBe('sent');
      expect(await store.attempts.get('msg_missing')).toBeUndefined();
    });

    it('refuses an attempt for an unknown verification', async () => {
      const store = getStore();
      await expect(store.attempts.insert(makeAttempt({ id: 'ver_missing' }))).rejects.toThrow();
    });

    it('update sets only the given fields and makes the attempt findable by provider message id', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const a = makeAttempt(v, { provider: 'bridgexapi' });
      await store.attempts.insert(a);
      expect(await store.attempts.findByProviderMessageId('bridgexapi', 'bx-1')).toBeUndefined();
      const updated = await store.attempts.update(
        a.id,
        { providerMessageId: 'bx-1', priceMicros: 9000, currency: 'USD', status: 'sent' },
        T0 + 10,
      );
      expect(updated).toEqual({
        ...a,
        providerMessageId: 'bx-1',
        priceMicros: 9000,
        currency: 'USD',
        status: 'sent',
        updatedAtMs: T0 + 10,
      });
      expect(await store.attempts.get(a.id)).toEqual(updated);
      expect(await store.attempts.findByProviderMessageId('bridgexapi', 'bx-1')).toEqual(updated);
      expect(await store.attempts.findByProviderMessageId('other', 'bx-1')).toBeUndefined();
      const again = await store.attempts.update(a.id, { providerOrderId: 'o-1' }, T0 + 20);
      expect(again?.providerMessageId).toBe('bx-1');
      expect(again?.providerOrderId).toBe('o-1');
      expect(await store.attempts.update('msg_missing', { status: 'failed' }, T0)).toBeUndefined();
    });

    it('lists the attempts of a verification in creation order', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const other = await withVerification(store);
      const second = makeAttempt(v, { stepIndex: 1, createdAtMs: T0 + 2000 });
      const first = makeAttempt(v, { stepIndex: 0, createdAtMs: T0 + 1000 });
      await store.attempts.insert(second);
      await store.attempts.insert(first);
      await store.attempts.insert(makeAttempt(other));
      const listed = await store.attempts.listByVerification(v.id);
      expect(listed.map((a) => a.id)).toEqual([first.id, second.id]);
      expect(await store.attempts.listByVerification('ver_missing')).toEqual([]);
    });

    it('applies delivery statuses monotonically: forward only, finals frozen, duplicates ignored', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const a = makeAttempt(v, { providerMessageId: 'pm-2' });
      await store.attempts.insert(a);

      const sent = await store.attempts.applyDeliveryStatus(a.id, 'sent', T0 + 1);
      expect(sent?.changed).toBe(true);
      expect(sent?.attempt.status).toBe('sent');
      expect((await store.attempts.applyDeliveryStatus(a.id, 'sent', T0 + 2))?.changed).toBe(false);
      expect((await store.attempts.applyDeliveryStatus(a.id, 'queued', T0 + 3))?.changed).toBe(false);

      const delivered = await store.attempts.applyDeliveryStatus(a.id, 'delivered', T0 + 4);
      expect(delivered?.changed).toBe(true);
      expect(delivered?.attempt.deliveredAtMs).toBe(T0 + 4);
      expect(delivered?.attempt.updatedAtMs).toBe(T0 + 4);

      const duplicate = await store.attempts.applyDeliveryStatus(a.id, 'delivered', T0 + 5);
      expect(duplicate).toEqual({ changed: false, attempt: delivered?.attempt });
      const late = await store.attempts.applyDeliveryStatus(a.id, 'failed', T0 + 6, { code: 'E1' });
      expect(late?.changed).toBe(false);
      expect(await store.attempts.get(a.id)).toEqual(delivered?.attempt);
      expect(await store.attempts.applyDeliveryStatus('msg_missing', 'sent', T0)).toBeUndefined();
    });

    it('skips straight to a final status and keeps its error', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const a = makeAttempt(v, { providerMessageId: 'pm-3' });
      await store.attempts.insert(a);
      const failed = await store.attempts.applyDeliveryStatus(a.id, 'undelivered', T0 + 7, {
        code: 'ABSENT_SUBSCRIBER',
        message: 'handset off',
      });
      expect(failed?.changed).toBe(true);
      expect(failed?.attempt).toMatchObject({
        status: 'undelivered',
        errorCode: 'ABSENT_SUBSCRIBER',
        errorMessage: 'handset off',
        deliveredAtMs: undefined,
      });
      expect(await store.attempts.get(a.id)).toEqual(failed?.attempt);
    });

    it('listAwaitingReceipt: this provider, with a message id, not final, since the given time, up to limit', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const waitingOld = makeAttempt(v, {
        provider: 'p1',
        providerMessageId: 'a',
        status: 'sent',
        createdAtMs: T0,
      });
      const waitingNew = makeAttempt(v, {
        provider: 'p1',
        providerMessageId: 'b',
        status: 'queued',
        createdAtMs: T0 + 2000,
      });
      const waitingMid = makeAttempt(v, {
        provider: 'p1',
        providerMessageId: 'c',
        status: 'sent',
        createdAtMs: T0 + 1000,
      });
      const tooOld = makeAttempt(v, {
        provider: 'p1',
        providerMessageId: 'd',
        status: 'sent',
        createdAtMs: T0 - 1,
      });
      const noId = makeAttempt(v, { provider: 'p1', status: 'queued', createdAtMs: T0 + 500 });
      const final = makeAttempt(v, {
        provider: 'p1',
        providerMessageId: 'e',
        status: 'sent',
        createdAtMs: T0 + 600,
      });
      const otherProvider = makeAttempt(v, { provider: 'p2', providerMessageId: 'f', createdAtMs: T0 + 700 });
      for (const a of [waitingOld, waitingNew, waitingMid, tooOld, noId, final, otherProvider]) {
        await store.attempts.insert(a);
      }
      await store.attempts.applyDeliveryStatus(final.id, 'delivered', T0 + 800);

      const listed = await store.attempts.listAwaitingReceipt('p1', T0, 10);
      expect(listed.map((a) => a.id)).toEqual([waitingOld.id, waitingMid.id, waitingNew.id]);
      expect((await store.attempts.listAwaitingReceipt('p1', T0, 2)).map((a) => a.id)).toEqual([
        waitingOld.id,
        waitingMid.id,
      ]);
      expect((await store.attempts.listAwaitingReceipt('p2', T0, 10)).map((a) => a.id)).toEqual([
        otherProvider.id,
      ]);
      expect(await store.attempts.listAwaitingReceipt('p3', T0, 10)).toEqual([]);

      // A message id learnt later (update) makes an attempt pollable.
      await store.attempts.update(noId.id, { providerMessageId: 'g' }, T0 + 900);
      expect((await store.attempts.listAwaitingReceipt('p1', T0, 10)).map((a) => a.id)).toContain(noId.id);
    });

    it('listOutcomesSince: created at or after the time, newest first, up to limit, outcome fields only', async () => {
      const store = getStore();
      const v = await withVerification(store);
      const times = [T0 - 1000, T0, T0 + 1000, T0 + 2000, T0 + 3000];
      const attempts = times.map((createdAtMs) => makeAttempt(v, { createdAtMs, updatedAtMs: createdAtMs }));
      for (const a of attempts) await store.attempts.insert(a);
      await store.attempts.applyDeliveryStatus(attempts[4]!.id, 'delivered', T0 + 3500);
      const listed = await store.attempts.listOutcomesSince(T0, 10);
      expect(listed.map((a) => a.createdAtMs)).toEqual([T0 + 3000, T0 + 2000, T0 + 1000, T0]);
      expect(listed[0]).toEqual({
        routeId: attempts[4]!.routeId,
        country: attempts[4]!.country,
        status: 'delivered',
        createdAtMs: T0 + 3000,
        deliveredAtMs: T0 + 3500,
      });
      expect(listed[1]).toEqual({
        routeId: attempts[3]!.routeId,
        country: attempts[3]!.country,
        status: attempts[3]!.status,
        createdAtMs: T0 + 2000,
        deliveredAtMs: undefined,
      });
      expect((await store.attempts.listOutcomesSince(T0, 2)).map((a) => a.createdAtMs)).toEqual([
        T0 + 3000,
        T0 + 2000,
      ]);
      expect(await store.attempts.listOutcomesSince(T0 + 5000, 10)).toEqual([]);
    });
  });
}
