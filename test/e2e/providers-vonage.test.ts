import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startVonageFake, type VonageFake } from '../fakes/vonage-fake.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * otpgate over real HTTP with the real Vonage adapter talking to the local fake: the message-id is
 * stored, signed delivery receipts (POST form and GET query) are applied once, forged ones refused.
 */

const PHONE = '+31651860670';
const SIGNATURE_SECRET = 'vonage-signature-secret-e2e';

const closeLater = closeAfterEach();

async function setup(): Promise<{ t: TestServer; fake: VonageFake }> {
  const fake = closeLater(await startVonageFake());
  const config: ConfigFile = {
    providers: {
      vg: {
        type: 'vonage',
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        baseUrl: fake.url,
        signatureSecret: SIGNATURE_SECRET,
        from: 'OTPGATE',
        timeoutMs: 2000,
      },
    },
    routes: [
      { id: 1, name: 'vonage', provider: 'vg', channel: 'sms', rates: [{ prefix: '', priceMicros: 40_000 }] },
    ],
    defaultRouteId: 1,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, fake };
}

async function send(t: TestServer, to = PHONE) {
  const res = await t.request('POST', '/v1/verifications', { to });
  expect(res.status).toBe(201);
  return res.body;
}

const postReceipt = (t: TestServer, params: Record<string, string>) =>
  t.request('POST', '/v1/webhooks/dlr/vg', new URLSearchParams(params).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });

const status = async (t: TestServer, attemptId: string) =>
  (await t.request('GET', `/v1/messages/${attemptId}`)).body.status as string;

describe('Vonage end to end (real adapter, fake API)', () => {
  it('sends over the SMS API and stores the message-id', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    expect(fake.messages.size).toBe(1);
    const [message] = [...fake.messages.values()];
    expect(body.attempt).toMatchObject({
      route_id: 1,
      provider: 'vg',
      provider_message_id: message!.messageId,
      status: 'queued',
    });
    expect(message).toMatchObject({
      to: '31651860670',
      from: 'OTPGATE',
      clientRef: body.attempt.id,
      callback: `${t.app.config.publicUrl}/v1/webhooks/dlr/vg`,
    });
    expect(message!.text).toContain(body.debug_code);
    const request = fake.requests.find((r) => r.path === '/sms/json');
    expect(request?.params).toMatchObject({ api_key: fake.apiKey, api_secret: fake.apiSecret });
  });

  it('a signed receipt POSTed as a form marks the attempt delivered', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    const receipt = fake.deliveryReceipt(body.attempt.provider_message_id, 'delivered', {
      signatureSecret: SIGNATURE_SECRET,
    });
    expect(receipt.sig).toBeDefined();
    const res = await postReceipt(t, receipt);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, applied: 1 });
    const view = await t.request('GET', `/v1/messages/${body.attempt.id}`);
    expect(view.body.status).toBe('delivered');
    expect(view.body.delivered_at).not.toBeNull();
  });

  it('a signed receipt sent as a GET query string marks the attempt delivered', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    const receipt = fake.deliveryReceipt(body.attempt.provider_message_id, 'delivered', {
      signatureSecret: SIGNATURE_SECRET,
    });
    const res = await t.request('GET', `/v1/webhooks/dlr/vg?${new URLSearchParams(receipt).toString()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, applied: 1 });
    expect(await status(t, body.attempt.id)).toBe('delivered');
  });

  it('a receipt with a bad signature is 401 and changes nothing', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    const id: string = body.attempt.provider_message_id;

    const wrongSecret = fake.deliveryReceipt(id, 'delivered', { signatureSecret: 'some-other-secret' });
    const forged = await postReceipt(t, wrongSecret);
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');

    // Signed for "failed", then the status was altered in transit.
    const tampered = { ...fake.deliveryReceipt(id, 'failed', { signatureSecret: SIGNATURE_SECRET }) };
    tampered.status = 'delivered';
    expect((await postReceipt(t, tampered)).status).toBe(401);

    const unsigned = fake.deliveryReceipt(id, 'delivered');
    const viaGet = await t.request('GET', `/v1/webhooks/dlr/vg?${new URLSearchParams(unsigned).toString()}`);
    expect(viaGet.status).toBe(401);
    expect(viaGet.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');

    expect(await status(t, body.attempt.id)).toBe('queued');
  });

  it('a duplicate receipt changes nothing', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    const receipt = fake.deliveryReceipt(body.attempt.provider_message_id, 'delivered', {
      signatureSecret: SIGNATURE_SECRET,
    });
    const first = await postReceipt(t, receipt);
    expect(first.body).toEqual({ received: 1, applied: 1 });
    const view = await t.request('GET', `/v1/messages/${body.attempt.id}`);
    expect(view.body.status).toBe('delivered');
    // A later, contradicting receipt for the same message is ignored too (delivered is final).
    const contradicting = fake.deliveryReceipt(body.attempt.provider_message_id, 'failed', {
      signatureSecret: SIGNATURE_SECRET,
    });
    for (const again of [receipt, contradicting]) {
      const res = await postReceipt(t, again);
      expect(res.status).toBe(200);
      expect(res.body.received).toBe(1);
    }
    const after = await t.request('GET', `/v1/messages/${body.attempt.id}`);
    expect(after.body).toEqual(view.body); // same status, delivered_at and updated_at
  });

  // BUG (reported): the webhook's `applied` counts receipts that matched one of our attempts
  // (Dispatcher.onReceipt returns the attempt even when the store ignored the receipt), so a
  // duplicate answers applied 1 although nothing was applied.
  it('a duplicate receipt answers applied 0 the second time', async () => {
    const { t, fake } = await setup();
    const body = await send(t);
    const receipt = fake.deliveryReceipt(body.attempt.provider_message_id, 'delivered', {
      signatureSecret: SIGNATURE_SECRET,
    });
    expect((await postReceipt(t, receipt)).body).toEqual({ received: 1, applied: 1 });
    const second = await postReceipt(t, receipt);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ received: 1, applied: 0 });
  });
});
