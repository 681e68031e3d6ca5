import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The sandbox pushes a delivered receipt right after each send and, running inside otpgate, names
 * the attempt: the receipt is applied by the attempt's id, without a lookup by provider message id,
 * and it still stops the failover clock of its step.
 */
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('sandbox receipts', () => {
  it('are applied to the attempt by its id: delivered, the failover timer cleared, no lookup by message id', async () => {
    t = await startTestServer();
    const lookups: string[] = [];
    const attempts = t.app.store.attempts;
    const find = attempts.findByProviderMessageId.bind(attempts);
    attempts.findByProviderMessageId = (provider, id) => {
      lookups.push(id);
      return find(provider, id);
    };
    const cleared: string[] = [];
    const verifications = t.app.store.verifications;
    const clear = verifications.clearFailover.bind(verifications);
    verifications.clearFailover = (id, atIndex, sentAtMs, nowMs) => {
      cleared.push(id);
      return clear(id, atIndex, sentAtMs, nowMs);
    };
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860670' });
    expect(sent.status).toBe(201);
    const id = sent.body.id as string;
    await waitFor(
      async () =>
        (await t!.request('GET', `/v1/messages/${sent.body.attempt.id}`)).body.status === 'delivered',
    );
    // The default sandbox chain has eight steps, so the send armed a failover timer; the receipt stopped it.
    expect((await verifications.get(id))?.chain).toHaveLength(8);
    expect(cleared).toEqual([id]);
    expect((await verifications.get(id))?.failoverAtMs).toBeUndefined();
    expect(lookups).toEqual([]);
  });

  it('fall back to the lookup by message id when the named attempt is not stored', async () => {
    t = await startTestServer();
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860671' });
    await waitFor(
      async () =>
        (await t!.request('GET', `/v1/messages/${sent.body.attempt.id}`)).body.status === 'delivered',
    );
    // A second receipt for the same message, naming an attempt id that does not exist: found by its
    // message id instead, and a duplicate there (nothing changes).
    const result = await t.app.dispatcher.onReceipt(
      'sandbox',
      {
        providerMessageId: sent.body.attempt.provider_message_id,
        status: 'delivered',
        providerStatus: 'delivered',
      },
      'msg_not_stored',
    );
    expect(result).toMatchObject({
      changed: false,
      attempt: { id: sent.body.attempt.id, status: 'delivered' },
    });
  });
});
