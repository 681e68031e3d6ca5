import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { NEVER_ABORTED } from '../../src/providers/call-signal.js';

/**
 * The default sandbox is a perfect gateway: it answers each send `delivered`, so the attempt is
 * written delivered and no failover clock is left running. A sandbox configured with another
 * outcome pushes it as a receipt right after the send; running inside otpgate, it names the
 * attempt, and the receipt is applied by the attempt's id, without a lookup by provider message id.
 */
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Counts the store calls a receipt would make: lookups by message id and cleared failover timers. */
function watchReceiptCalls(server: TestServer): { lookups: string[]; cleared: string[] } {
  const lookups: string[] = [];
  const attempts = server.app.store.attempts;
  const find = attempts.findByProviderMessageId.bind(attempts);
  attempts.findByProviderMessageId = (provider, id) => {
    lookups.push(id);
    return find(provider, id);
  };
  const cleared: string[] = [];
  const verifications = server.app.store.verifications;
  const clear = verifications.clearFailover.bind(verifications);
  verifications.clearFailover = (id, atIndex, sentAtMs, nowMs) => {
    cleared.push(id);
    return clear(id, atIndex, sentAtMs, nowMs);
  };
  return { lookups, cleared };
}

describe('sandbox delivery', () => {
  it('answers delivered: the attempt is stored delivered and no failover timer stays armed', async () => {
    t = await startTestServer();
    const calls = watchReceiptCalls(t);
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860670' });
    expect(sent.status).toBe(201);
    expect(sent.body.attempt.status).toBe('delivered');
    const id = sent.body.id as string;
    const message = await t.request('GET', `/v1/messages/${sent.body.attempt.id}`);
    expect(message.body).toMatchObject({ status: 'delivered' });
    expect(typeof message.body.delivered_at).toBe('string');
    // The default sandbox chain has eight steps, so the verification was written with a timer for
    // its first step; the delivered answer disarmed it in the same write as the attempt.
    const stored = await t.app.store.verifications.get(id);
    expect(stored?.chain).toHaveLength(8);
    expect(stored?.failoverAtMs).toBeUndefined();
    expect(stored?.chainIndex).toBe(0);
    expect(calls).toEqual({ lookups: [], cleared: [] });
  });

  it('pushes any other outcome as a receipt applied by attempt id; a failed one fails over with the same code', async () => {
    t = await startTestServer({ config: { sandbox: { deliveryStatus: 'failed' } } });
    const calls = watchReceiptCalls(t);
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860671' });
    expect(sent.status).toBe(201);
    expect(sent.body.attempt.status).toBe('queued');
    const id = sent.body.id as string;
    // Each failed receipt moves the code one step on; the first failover is enough here.
    await waitFor(async () => ((await t!.app.store.attempts.listByVerification(id)).length ?? 0) >= 2);
    const attempts = await t.app.store.attempts.listByVerification(id);
    expect(attempts[0]).toMatchObject({ id: sent.body.attempt.id, status: 'failed', stepIndex: 0 });
    expect(attempts[1]).toMatchObject({ stepIndex: 1 });
    // The same code went out on the next step.
    const texts = t.app.sandbox!.listOutbox(10).filter((m) => m.verificationId === id);
    expect(new Set(texts.map((m) => m.text)).size).toBe(1);
    expect(calls.lookups).toEqual([]);
  });

  it('is called without a timeout timer or abort signal of its own: it answers from memory', async () => {
    t = await startTestServer();
    const sandbox = t.app.sandbox!;
    const signals: AbortSignal[] = [];
    const send = sandbox.send.bind(sandbox);
    sandbox.send = (message, options) => {
      signals.push(options.signal);
      return send(message, options);
    };
    expect((await t.request('POST', '/v1/verifications', { to: '+31651860673' })).status).toBe(201);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toBe(NEVER_ABORTED);
  });

  it('falls back to the lookup by message id when the named attempt is not stored', async () => {
    t = await startTestServer();
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860672' });
    // A receipt for the message naming an attempt id that does not exist: found by its message id
    // instead, and a duplicate there (nothing changes).
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
