import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startFakeSmsc, type FakeSmsc } from '../fakes/fake-smsc.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * otpgate over real HTTP with the real SMPP adapter bound to a fake SMSC (the `smpp` package's
 * server): submit_sm out, deliver_sm receipts in over the same session — no HTTP webhook involved.
 */

const PHONE = '+31651860670';

const messageText = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'message' in value ? value.message : value;

/** An SMSC receipt (SMPP 3.4 Appendix B text) for `id`. */
const receiptText = (id: string, stat: string, err = '000') =>
  `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2611241200 done date:2611241201 stat:${stat} err:${err} text:`;

const closeLater = closeAfterEach();

/** Route 1: SMS over the SMSC; route 2: SMS over the sandbox (the fallback of the NL policy). */
async function setup(): Promise<{ t: TestServer; smsc: FakeSmsc }> {
  const smsc = closeLater(await startFakeSmsc({ messageId: (n) => `smsc-${n}`, deliverTo: 'ACME' }));
  const config: ConfigFile = {
    providers: {
      smsc: {
        type: 'smpp',
        host: '127.0.0.1',
        port: smsc.port,
        systemId: 'otpgate',
        password: 's3cret',
        sourceAddr: 'OTPGATE',
        reconnectDelayMs: 20,
        submitTimeoutMs: 2000,
      },
      fallback: { type: 'sandbox' },
    },
    routes: [
      {
        id: 1,
        name: 'smpp',
        provider: 'smsc',
        channel: 'sms',
        sender: 'ACME',
        rates: [{ prefix: '', priceMicros: 30_000 }],
      },
      {
        id: 2,
        name: 'sandbox',
        provider: 'fallback',
        channel: 'sms',
        rates: [{ prefix: '', priceMicros: 90_000 }],
      },
    ],
    routingPolicies: [{ name: 'nl', match: { countries: ['NL'] }, strategy: 'ordered', routes: [1, 2] }],
    defaultRouteId: 1,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, smsc };
}

const status = async (t: TestServer, attemptId: string) =>
  (await t.request('GET', `/v1/messages/${attemptId}`)).body.status as string;

describe('SMPP end to end (real adapter, fake SMSC)', () => {
  it('submits the code and a pushed DELIVRD receipt marks it delivered; closing the app unbinds', async () => {
    const { t, smsc } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE, route_id: 1 });
    expect(res.status).toBe(201);
    expect(res.body.attempt).toMatchObject({
      route_id: 1,
      provider: 'smsc',
      provider_message_id: 'smsc-1',
      status: 'queued',
    });

    expect(smsc.binds).toHaveLength(1);
    expect(smsc.binds[0]).toMatchObject({ command: 'bind_transceiver', system_id: 'otpgate' });
    expect(smsc.submits).toHaveLength(1);
    expect(smsc.submits[0]).toMatchObject({
      destination_addr: '31651860670',
      dest_addr_ton: 1,
      source_addr: 'ACME',
      registered_delivery: 1,
    });
    expect(messageText(smsc.submits[0]!.short_message)).toContain(res.body.debug_code);

    // SMPP has no HTTP receipts: the webhook path does not exist for this provider.
    const webhook = await t.request('POST', '/v1/webhooks/dlr/smsc', { id: 'smsc-1', stat: 'DELIVRD' });
    expect(webhook.status).toBe(404);
    expect(await status(t, res.body.attempt.id)).toBe('queued');

    const answer = await smsc.deliver({ esm_class: 0x04, short_message: receiptText('smsc-1', 'DELIVRD') });
    expect(answer).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
    await waitFor(
      async () => (await status(t, res.body.attempt.id)) === 'delivered',
      3000,
      'delivered receipt',
    );
    const view = await t.request('GET', `/v1/messages/${res.body.attempt.id}`);
    expect(view.body.delivered_at).not.toBeNull();

    expect(smsc.unbinds).toBe(0);
    await t.close();
    closeLater.forget(t); // closed here already, not again in afterEach
    expect(smsc.unbinds).toBe(1);
  });

  it('a pushed UNDELIV receipt fails over to the next route with the same code', async () => {
    const { t, smsc } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempt).toMatchObject({ route_id: 1, provider_message_id: 'smsc-1' });
    const code: string = res.body.debug_code;

    await smsc.deliver({ esm_class: 0x04, short_message: receiptText('smsc-1', 'UNDELIV', '001') });
    await waitFor(
      async () => (await t.request('GET', `/v1/verifications/${res.body.id}`)).body.route_id === 2,
      3000,
      'failover to route 2',
    );
    const outbox = t.app.sandbox?.listOutbox() ?? [];
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.text).toContain(code);
    const view = await t.request('GET', `/v1/verifications/${res.body.id}`);
    expect(view.body.attempts[0]).toMatchObject({ route_id: 1, status: 'undelivered', error_code: '001' });
    expect(view.body.attempts[1]).toMatchObject({ route_id: 2, provider: 'fallback' });
    expect(smsc.submits).toHaveLength(1);
    const check = await t.request('POST', '/v1/verifications/check', { id: res.body.id, code });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });
});
