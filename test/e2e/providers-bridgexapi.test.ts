import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { startBridgeXApiFake, type BridgeXApiFake } from '../fakes/bridgexapi-fake.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { ManualClock } from '../../src/core/index.js';

/**
 * otpgate over real HTTP with the real BridgeXAPI adapter talking to the local fake gateway:
 * /send-otp fields, DLR polling, receipt and send-error failover, balance errors and estimates, and
 * sends BridgeXAPI accepts with `bx_message_id: null` (tracked by order, never sent twice).
 */

const PHONE = '+31651860670';
const DIGITS = '31651860670';

const closeLater = closeAfterEach();

async function fake(options: Parameters<typeof startBridgeXApiFake>[0] = {}): Promise<BridgeXApiFake> {
  return closeLater(await startBridgeXApiFake({ balanceEur: 10, ...options }));
}

const bridgeProvider = (f: BridgeXApiFake, routeId: number) => ({
  type: 'bridgexapi',
  apiKey: f.apiKey,
  baseUrl: f.url,
  routeId,
  callerId: 'OTPGATE',
  timeoutMs: 2000,
});

/** One otpgate route 3 over one BridgeXAPI instance on BridgeXAPI route 3 (0.071 EUR in the fake). */
async function single(rateMicros = 71_000): Promise<{ t: TestServer; bx: BridgeXApiFake }> {
  const bx = await fake();
  const config: ConfigFile = {
    providers: { bx: bridgeProvider(bx, 3) },
    routes: [
      {
        id: 3,
        name: 'bx-route-3',
        provider: 'bx',
        channel: 'sms',
        sender: 'ACME',
        rates: [{ prefix: '', priceMicros: rateMicros }],
      },
    ],
    defaultRouteId: 3,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, bx };
}

/** NL chain: route 1 over instance "bx-a" (fake A, BridgeXAPI route 3) → route 2 over "bx-b" (fake B, route 8). */
async function chain(clock?: ManualClock): Promise<{ t: TestServer; a: BridgeXApiFake; b: BridgeXApiFake }> {
  const a = await fake({ firstOrderId: 1000 });
  const b = await fake({ firstOrderId: 5000 });
  const config: ConfigFile = {
    providers: { 'bx-a': bridgeProvider(a, 3), 'bx-b': bridgeProvider(b, 8) },
    routes: [
      {
        id: 1,
        name: 'primary',
        provider: 'bx-a',
        channel: 'sms',
        rates: [{ prefix: '31', priceMicros: 71_000 }],
      },
      {
        id: 2,
        name: 'secondary',
        provider: 'bx-b',
        channel: 'sms',
        rates: [{ prefix: '', priceMicros: 75_000 }],
      },
    ],
    routingPolicies: [
      { name: 'nl', match: { countries: ['NL'] }, strategy: 'ordered', routes: [1, 2], timeoutSeconds: 30 },
    ],
    defaultRouteId: 1,
  };
  const t = closeLater(await startTestServer({ config, ...(clock ? { overrides: { clock } } : {}) }));
  return { t, a, b };
}

const sendSms = (f: BridgeXApiFake) =>
  f.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/send_sms');

describe('BridgeXAPI end to end (real adapter, fake gateway)', () => {
  it('/send-otp on route 3 returns the BridgeXAPI ids and an otpgate delivery_status_url', async () => {
    const { t, bx } = await single();
    const res = await t.request('POST', '/send-otp', {
      phone_number: DIGITS,
      purpose: 'login',
      route_id: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'otp_sent', route_id: 3, purpose: 'login' });
    const code: string = res.body.debug_code;
    expect(code).toMatch(/^\d{6}$/);

    // The fake saw exactly one send_sms, authenticated, on route 3, digits only, with the code.
    const sends = sendSms(bx);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.headers['x-api-key']).toBe(bx.apiKey);
    expect(sends[0]!.json).toMatchObject({ route_id: 3, caller_id: 'ACME', numbers: [DIGITS] });
    const sent = sends[0]!.json as { message: string };
    expect(sent.message).toContain(code);

    const record = [...bx.messages.values()][0]!;
    expect(res.body.bx_message_id).toMatch(/^BX-\d+-[0-9a-f]{16}$/);
    expect(res.body.bx_message_id).toBe(record.bx_message_id);
    expect(res.body.bx_message_id.startsWith(`BX-${record.sms_order_id}-`)).toBe(true);
    expect(res.body.order_id).toBe(String(record.sms_order_id));
    expect(typeof res.body.order_id).toBe('string');

    const statusUrl = new URL(res.body.delivery_status_url as string);
    expect(`${statusUrl.protocol}//${statusUrl.host}`).toBe(t.app.config.publicUrl);
    expect(statusUrl.pathname).toMatch(/^\/v1\/messages\/msg_[A-Za-z0-9]+$/);
    // No key of any kind on this request.
    const viaHttp = await fetch(`${t.url}${statusUrl.pathname}`);
    expect(viaHttp.status).toBe(200);
    const message = (await viaHttp.json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      route_id: 3,
      provider: 'bx',
      channel: 'sms',
      provider_message_id: record.bx_message_id,
      status: 'queued',
    });
  });

  it('polls the DLR: DELIVERED at the gateway becomes delivered in otpgate', async () => {
    const { t, bx } = await single();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    const attempt = res.body.attempt;
    // Nothing changed at the gateway yet: the poll applies nothing.
    expect(await t.app.background.tickReceiptPolls()).toBe(0);

    bx.setDlrStatus(attempt.provider_message_id, 'DELIVERED');
    expect(await t.app.background.tickReceiptPolls()).toBe(1);
    expect(
      bx.requests.some(
        (r) =>
          r.method === 'GET' && r.path === `/api/v1/dlr/${encodeURIComponent(attempt.provider_message_id)}`,
      ),
    ).toBe(true);
    const view = await t.request('GET', `/v1/messages/${attempt.id}`);
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('delivered');
    expect(view.body.delivered_at).not.toBeNull();
    // A delivered message is not polled again.
    expect(await t.app.background.tickReceiptPolls()).toBe(0);
  });

  it('/send-otp accepted with bx_message_id null: one send_sms, null id with order_id, delivered via the order poll', async () => {
    const { t, a, b } = await chain();
    a.nullNextMessageIds();
    const res = await t.request('POST', '/send-otp', { phone_number: DIGITS, purpose: 'login' });
    expect(res.status).toBe(200);
    // As the reference server would answer: BridgeXAPI's null, the order id as a string.
    expect(res.body).toMatchObject({
      status: 'otp_sent',
      route_id: 1,
      bx_message_id: null,
      order_id: '1000',
    });
    const statusPath = new URL(res.body.delivery_status_url as string).pathname;
    expect(statusPath).toMatch(/^\/v1\/messages\/msg_[A-Za-z0-9]+$/);
    // Exactly one SMS went out: no second send_sms on either gateway.
    expect(sendSms(a)).toHaveLength(1);
    expect(sendSms(b)).toHaveLength(0);
    expect(a.recordsOfOrder(1000)).toHaveLength(1);

    const queued = await t.request('GET', statusPath);
    expect(queued.body).toMatchObject({
      route_id: 1,
      provider: 'bx-a',
      provider_message_id: `order:1000:${DIGITS}`,
      status: 'queued',
    });
    expect(await t.app.background.tickReceiptPolls()).toBe(0);

    a.setDlrStatus(a.recordsOfOrder(1000)[0]!.bx_message_id, 'DELIVERED');
    expect(await t.app.background.tickReceiptPolls()).toBe(1);
    expect(
      a.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/orders/1000/dlr?limit=500&skip=0'),
    ).toBe(true);
    const delivered = await t.request('GET', statusPath);
    expect(delivered.body.status).toBe('delivered');
    expect(delivered.body.delivered_at).not.toBeNull();
    expect(sendSms(a)).toHaveLength(1);
    expect(sendSms(b)).toHaveLength(0);

    const verified = await t.request('POST', '/verify-otp', {
      phone_number: DIGITS,
      code: res.body.debug_code,
      purpose: 'login',
    });
    expect(verified.body).toMatchObject({ status: 'otp_verified', verified: true });
  });

  it('an unpinned send accepted with bx_message_id null does not fail over to the secondary', async () => {
    const { t, a, b } = await chain();
    a.nullNextMessageIds();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempts.map((x: any) => [x.route_id, x.provider, x.status])).toEqual([
      [1, 'bx-a', 'queued'],
    ]);
    expect(res.body.attempt.provider_message_id).toBe(`order:1000:${DIGITS}`);
    expect(sendSms(a)).toHaveLength(1);
    expect(sendSms(b)).toHaveLength(0);
  });

  it('a FAILED DLR on the primary fails over (by polling) with the same code, which verifies via /verify-otp', async () => {
    const { t, a, b } = await chain();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempt).toMatchObject({ route_id: 1, provider: 'bx-a', status: 'queued' });
    const code: string = res.body.debug_code;
    expect(sendSms(b)).toHaveLength(0);

    a.setDlrStatus(res.body.attempt.provider_message_id, 'FAILED', 'EXPIRED');
    expect(await t.app.background.tickReceiptPolls()).toBe(1);

    const second = sendSms(b);
    expect(second).toHaveLength(1);
    expect(second[0]!.json).toMatchObject({ route_id: 8, numbers: [DIGITS] });
    expect((second[0]!.json as { message: string }).message).toContain(code);
    const view = await t.request('GET', `/v1/verifications/${res.body.id}`);
    expect(view.body.route_id).toBe(2);
    expect(view.body.attempts.map((x: any) => [x.route_id, x.provider, x.status])).toEqual([
      [1, 'bx-a', 'failed'],
      [2, 'bx-b', 'queued'],
    ]);
    expect(sendSms(a)).toHaveLength(1);

    const verified = await t.request('POST', '/verify-otp', { phone_number: DIGITS, code, purpose: 'login' });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'otp_verified', verified: true });
  });

  /**
   * A send over the chain whose gateway then says `dlrStatus` about it, while no polling sweep has
   * asked yet; the step times out and the failover sweep runs once. Returns the DLR polls it made.
   */
  async function timedOutStep(dlrStatus: string, dlrError?: string) {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const { t, a, b } = await chain(clock);
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    const messageId: string = res.body.attempt.provider_message_id;
    a.setDlrStatus(messageId, dlrStatus, dlrError);
    clock.advanceSeconds(31);
    expect(await t.app.background.tickFailovers()).toBe(1);
    const dlrGets = a.requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/dlr/${messageId}`);
    return { clock, t, b, res, dlrGets };
  }

  it('at the step timeout the gateway is asked once: DELIVERED there stops the clock, with no second message', async () => {
    const { clock, t, b, res, dlrGets } = await timedOutStep('DELIVERED');
    expect(dlrGets).toHaveLength(1);
    expect(sendSms(b)).toHaveLength(0);
    expect((await t.request('GET', `/v1/messages/${res.body.attempt.id}`)).body.status).toBe('delivered');
    expect((await t.app.store.verifications.get(res.body.id))?.failoverAtMs).toBeUndefined();
    clock.advanceSeconds(60);
    expect(await t.app.background.tickFailovers()).toBe(0);
  });

  it('at the step timeout a message still on its way at the gateway fails over with the same code', async () => {
    const { b, res, dlrGets } = await timedOutStep('SENT');
    expect(dlrGets).toHaveLength(1);
    const second = sendSms(b);
    expect(second).toHaveLength(1);
    expect((second[0]!.json as { message: string }).message).toContain(res.body.debug_code);
  });

  it('at the step timeout a FAILED answer from the gateway fails over as its receipt would', async () => {
    const { t, b, res, dlrGets } = await timedOutStep('FAILED', 'EXPIRED');
    expect(dlrGets).toHaveLength(1);
    expect(sendSms(b)).toHaveLength(1);
    const view = await t.request('GET', `/v1/verifications/${res.body.id}`);
    expect(view.body.attempts.map((x: any) => [x.route_id, x.status])).toEqual([
      [1, 'failed'],
      [2, 'queued'],
    ]);
  });

  it('at the step timeout a message already stored failed (its failover cut short) fails over without a poll', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const { t, a, b } = await chain(clock);
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    // The failed receipt was stored, but the process stopped before its failover claimed the chain.
    await t.app.store.attempts.applyDeliveryStatus(res.body.attempt.id, 'failed', clock.nowMs());
    clock.advanceSeconds(31);
    expect(await t.app.background.tickFailovers()).toBe(1);
    expect(a.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
    expect(sendSms(b)).toHaveLength(1);
    clock.advanceSeconds(1);
    expect(await t.app.background.tickFailovers()).toBe(0);
  });

  it('a primary answering 500 fails over to the secondary within the same request', async () => {
    const { t, a, b } = await chain();
    a.setMode('server_error');
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempts.map((x: any) => [x.route_id, x.status, x.error_code])).toEqual([
      [1, 'failed', '500'],
      [2, 'queued', null],
    ]);
    expect(sendSms(a)).toHaveLength(1);
    const second = sendSms(b);
    expect(second).toHaveLength(1);
    expect((second[0]!.json as { message: string }).message).toContain(res.body.debug_code);
    expect(res.body.attempt.provider_message_id).toBe([...b.messages.keys()][0]);
    const check = await t.request('POST', '/v1/verifications/check', {
      id: res.body.id,
      code: res.body.debug_code,
    });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('an empty balance on a single-route chain is 402 INSUFFICIENT_BALANCE', async () => {
    const { t, bx } = await single();
    bx.balanceEur = 0;
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('INSUFFICIENT_BALANCE');
    expect(sendSms(bx)).toHaveLength(1);
    expect(bx.messages.size).toBe(0);
    // The refused verification does not hold a cooldown: after a top-up the same request sends.
    bx.balanceEur = 1;
    const retry = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(retry.status).toBe(201);
    expect(retry.body.attempt).toMatchObject({ route_id: 3, status: 'queued' });
    expect(bx.messages.size).toBe(1);
  });

  it('the estimate reports the gateway balance, and its price equals what the send records (rate card = gateway price)', async () => {
    const { t, bx } = await single(71_000);
    const estimate = await t.request('POST', '/v1/estimate', { to: PHONE, route_id: 3 });
    expect(estimate.status).toBe(200);
    expect(estimate.body).toMatchObject({
      route_id: 3,
      segments: 1,
      encoding: 'GSM-7',
      unit_price_micros: 71_000,
      total_price_micros: 71_000,
      currency: 'EUR',
      balance_micros: 10_000_000,
      sufficient_balance: true,
    });
    const asked = bx.requests.filter((r) => r.path === '/api/v1/estimate');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.json).toMatchObject({ route_id: 3, caller_id: 'ACME', numbers: [DIGITS] });
    expect(sendSms(bx)).toHaveLength(0); // an estimate never sends

    const sent = await t.request('POST', '/v1/verifications', { to: PHONE, route_id: 3 });
    expect(sent.status).toBe(201);
    expect(sent.body.attempt.price_micros).toBe(estimate.body.total_price_micros);
    expect(sent.body.attempt.currency).toBe(estimate.body.currency);

    // The balance comes from the gateway: after the send it is lower, and too little is reported.
    bx.balanceEur = 0.05;
    const low = await t.request('POST', '/v1/estimate', { to: PHONE, route_id: 3 });
    expect(low.body).toMatchObject({ balance_micros: 50_000, sufficient_balance: false });
  });

  // BUG (reported): the estimate prices by the rate card only, while the send overwrites the
  // attempt's price with the cost the adapter reports (dispatcher.ts, result.priceMicros), so the
  // two disagree as soon as the rate card is not exactly the gateway's price. The provider's own
  // quote (estimate().priceMicros, 71 000 here) is fetched by the estimate but thrown away.
  it('the estimate equals the recorded price even when the rate card differs from the gateway price', async () => {
    const { t } = await single(65_000);
    const estimate = await t.request('POST', '/v1/estimate', { to: PHONE, route_id: 3 });
    expect(estimate.status).toBe(200);
    const sent = await t.request('POST', '/v1/verifications', { to: PHONE, route_id: 3 });
    expect(sent.status).toBe(201);
    // Today: estimate 65 000 (rate card), recorded 71 000 (gateway cost).
    expect(sent.body.attempt.price_micros).toBe(estimate.body.total_price_micros);
  });
});
