import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import type { ConfigFile } from '../../src/config/index.js';
import { ScriptedProvider } from '../../src/providers/scripted/scripted-provider.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/** Two SMS routes to NL over two providers, ordered primary → secondary, 30 s delivery timeout. */
const ROUTING: ConfigFile = {
  providers: { primary: { type: 'sandbox' }, secondary: { type: 'sandbox' } },
  routes: [
    {
      id: 1,
      name: 'primary',
      provider: 'primary',
      channel: 'sms',
      sender: 'ACME',
      rates: [
        { prefix: '31', priceMicros: 70_000 },
        { prefix: '316', priceMicros: 65_000 },
      ],
    },
    {
      id: 2,
      name: 'secondary',
      provider: 'secondary',
      channel: 'sms',
      sender: 'ACME',
      rates: [{ prefix: '', priceMicros: 90_000 }],
    },
  ],
  routingPolicies: [
    { name: 'nl', match: { countries: ['NL'] }, strategy: 'ordered', routes: [1, 2], timeoutSeconds: 30 },
  ],
  defaultRouteId: 1,
  breaker: { minimumCalls: 10, failureRateThreshold: 0.5, openSeconds: 30, windowSeconds: 60 },
};

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(dataDir?: string) {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const primary = new ScriptedProvider({ name: 'primary' });
  const secondary = new ScriptedProvider({ name: 'secondary' });
  t = await startTestServer({
    config: ROUTING,
    env: dataDir ? { OTPGATE_DATA_DIR: dataDir } : {},
    overrides: { clock, providers: [primary, secondary] },
  });
  return { t, clock, primary, secondary };
}

const send = (t: TestServer, body: Record<string, unknown> = {}) =>
  t.request('POST', '/v1/verifications', { to: '+31651860670', ...body });

describe('routing and failover end to end over HTTP', () => {
  it('uses a pinned route_id and prices it by its rate card (longest prefix wins)', async () => {
    const { t, primary, secondary } = await setup();
    const viaSecondary = await send(t, { route_id: 2 });
    expect(viaSecondary.status).toBe(201);
    expect(viaSecondary.body.attempt).toMatchObject({
      route_id: 2,
      provider: 'secondary',
      price_micros: 90_000,
      currency: 'EUR',
    });
    expect(secondary.sent).toHaveLength(1);
    expect(primary.sent).toHaveLength(0);
    const viaPrimary = await send(t, { to: '+31201234567', route_id: 1 });
    expect(viaPrimary.body.attempt).toMatchObject({ route_id: 1, price_micros: 70_000 });
    const mobile = await send(t, { to: '+31612345678', route_id: 1 });
    expect(mobile.body.attempt.price_micros).toBe(65_000);
  });

  it('the estimate matches what the send records', async () => {
    const { t } = await setup();
    const estimate = await t.request('POST', '/v1/estimate', { to: '+31651860670' });
    expect(estimate.status).toBe(200);
    expect(estimate.body).toMatchObject({
      route_id: 1,
      segments: 1,
      encoding: 'GSM-7',
      unit_price_micros: 65_000,
      total_price_micros: 65_000,
      currency: 'EUR',
    });
    expect(estimate.body.routes.map((r: any) => r.route_id)).toEqual([1, 2]);
    const sent = await send(t);
    expect(sent.body.attempt.price_micros).toBe(estimate.body.total_price_micros);
    expect(sent.body.attempt.route_id).toBe(estimate.body.route_id);
    const long = await t.request('POST', '/v1/estimate', {
      to: '+31651860670',
      route_id: 2,
      message: 'ж'.repeat(71),
    });
    expect(long.body).toMatchObject({ encoding: 'UCS-2', segments: 2, total_price_micros: 180_000 });
  });

  it('a primary answering 500 fails over within the same request', async () => {
    const { t, primary, secondary } = await setup();
    primary.script({ kind: 'fail', failure: 'server', providerCode: '500' });
    const res = await send(t);
    expect(res.status).toBe(201);
    expect(res.body.attempts.map((a: any) => [a.route_id, a.status])).toEqual([
      [1, 'failed'],
      [2, 'queued'],
    ]);
    expect(res.body.attempts[0].error_code).toBe('500');
    expect(secondary.sent[0]!.code).toBe(primary.sent[0]!.code);
    const check = await t.request('POST', '/v1/verifications/check', {
      id: res.body.id,
      code: res.body.debug_code,
    });
    expect(check.body.valid).toBe(true);
  });

  it('a non-retryable failure (invalid number) stops the chain', async () => {
    const { t, secondary } = await setup();
    (t.app.routing.provider('primary') as ScriptedProvider).script({
      kind: 'fail',
      failure: 'invalid_number',
    });
    const res = await send(t);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_PHONE_NUMBER']);
    expect(secondary.sent).toHaveLength(0);
  });

  it('every route failing is a 502 ALL_ROUTES_FAILED and the verification is failed', async () => {
    const { t, primary, secondary } = await setup();
    primary.setDefault({ kind: 'fail', failure: 'timeout' });
    secondary.setDefault({ kind: 'fail', failure: 'network' });
    const res = await send(t);
    expect([res.status, res.body.error.code]).toEqual([502, 'ALL_ROUTES_FAILED']);
  });

  it('a failed delivery receipt fails over to the next step with the same code, which verifies', async () => {
    const { t, primary, secondary } = await setup();
    const res = await send(t);
    expect(res.body.attempt.route_id).toBe(1);
    primary.report(res.body.attempt.provider_message_id, 'failed', 'EXPIRED');
    await waitFor(() => secondary.sent.length === 1);
    expect(secondary.sent[0]!.code).toBe(res.body.debug_code);
    const view = await t.request('GET', `/v1/verifications/${res.body.id}`);
    expect(view.body.attempts.map((a: any) => [a.route_id, a.status])).toEqual([
      [1, 'failed'],
      [2, 'queued'],
    ]);
    expect(view.body.route_id).toBe(2);
    // A duplicate failed receipt does not send again.
    primary.report(res.body.attempt.provider_message_id, 'failed');
    await new Promise((r) => setTimeout(r, 50));
    expect(secondary.sent).toHaveLength(1);
    const check = await t.request('POST', '/v1/verifications/check', {
      id: res.body.id,
      code: res.body.debug_code,
    });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('no delivered receipt within the step timeout fails over with the same code', async () => {
    const { t, clock, secondary } = await setup();
    const res = await send(t);
    clock.advanceSeconds(29);
    expect(await t.app.background.tickFailovers()).toBe(0);
    clock.advanceSeconds(2);
    expect(await t.app.background.tickFailovers()).toBe(1);
    expect(secondary.sent).toHaveLength(1);
    expect(secondary.sent[0]!.code).toBe(res.body.debug_code);
    const check = await t.request('POST', '/v1/verifications/check', {
      id: res.body.id,
      code: res.body.debug_code,
    });
    expect(check.body.valid).toBe(true);
  });

  it('a delivered receipt cancels the failover timer', async () => {
    const { t, clock, primary, secondary } = await setup();
    const res = await send(t);
    primary.report(res.body.attempt.provider_message_id, 'delivered');
    await waitFor(
      async () => (await t.request('GET', `/v1/messages/${res.body.attempt.id}`)).body.status === 'delivered',
    );
    clock.advanceSeconds(60);
    expect(await t.app.background.tickFailovers()).toBe(0);
    expect(secondary.sent).toHaveLength(0);
  });

  it('a failover claimed from before a resend never sends the old code', async () => {
    const { t, clock, secondary } = await setup();
    const res = await send(t);
    const stale = await t.app.store.verifications.get(res.body.id);
    clock.advanceSeconds(45);
    const resent = await t.request('POST', `/v1/verifications/${res.body.id}/resend`);
    expect(resent.status).toBe(200);
    await t.app.dispatcher.onTimeout(stale!);
    expect(secondary.sent).toHaveLength(0);
  });

  it("receipts for the message of an earlier send neither move nor stop the resent code's chain", async () => {
    const { t, clock, primary, secondary } = await setup();
    const first = await send(t);
    clock.advanceSeconds(45);
    const resent = await t.request('POST', `/v1/verifications/${first.body.id}/resend`);
    expect(resent.status).toBe(200);
    const oldMessage = first.body.attempt.provider_message_id;
    // A late failed receipt of the old message: no failover while the new message is in flight.
    primary.report(oldMessage, 'failed', 'EXPIRED');
    await waitFor(
      async () => (await t.request('GET', `/v1/messages/${first.body.attempt.id}`)).body.status === 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(secondary.sent).toHaveLength(0);
    // A late delivered receipt of the old message does not cancel the new message's timer either.
    const second = await send(t, { to: '+31651860671' });
    clock.advanceSeconds(45);
    await t.request('POST', `/v1/verifications/${second.body.id}/resend`);
    primary.report(second.body.attempt.provider_message_id, 'delivered');
    await waitFor(
      async () =>
        (await t.request('GET', `/v1/messages/${second.body.attempt.id}`)).body.status === 'delivered',
    );
    clock.advanceSeconds(31);
    expect(await t.app.background.tickFailovers()).toBe(2);
    expect(secondary.sent.map((m) => m.to)).toEqual(expect.arrayContaining(['+31651860670', '+31651860671']));
    const newCode = resent.body.debug_code;
    expect(secondary.sent.find((m) => m.to === '+31651860670')?.code).toBe(newCode);
  });

  it('a pending failover survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-restart-'));
    const first = await setup(dataDir);
    const res = await send(first.t);
    await first.t.close();
    t = undefined;
    const second = await setup(dataDir);
    second.clock.setMs(first.clock.nowMs() + 31_000);
    expect(await second.t.app.background.tickFailovers()).toBe(1);
    expect(second.secondary.sent[0]!.code).toBe(res.body.debug_code);
  });

  it('the breaker opens after failures, the route is skipped, and a good probe closes it', async () => {
    const { t, clock, primary, secondary } = await setup();
    primary.setDefault({ kind: 'fail', failure: 'server' });
    for (let i = 0; i < 10; i++) {
      const res = await send(t, { to: `+3161234${String(i).padStart(4, '0')}` });
      expect(res.body.attempt.route_id).toBe(2);
    }
    const routes = await t.request('GET', '/v1/routes');
    expect(routes.body.routes.find((r: any) => r.id === 1).breaker.state).toBe('open');
    const callsBefore = primary.sent.length;
    const skipped = await send(t, { to: '+31612349999' });
    expect(skipped.body.attempts.map((a: any) => a.route_id)).toEqual([2]);
    expect(primary.sent.length).toBe(callsBefore);

    clock.advanceSeconds(31);
    primary.setDefault({ kind: 'accept' });
    const probe = await send(t, { to: '+31612348888' });
    expect(probe.body.attempt.route_id).toBe(1);
    const after = await t.request('GET', '/v1/routes');
    expect(after.body.routes.find((r: any) => r.id === 1).breaker.state).toBe('closed');
    expect(secondary.sent.length).toBe(11);
  });

  it('refused credentials and an empty account open the breaker; refused numbers do not', async () => {
    const { t, primary } = await setup();
    primary.setDefault({ kind: 'fail', failure: 'invalid_number' });
    for (let i = 0; i < 10; i++) await send(t, { to: `+3161234${String(i).padStart(4, '0')}` });
    const afterRefusals = await t.request('GET', '/v1/routes');
    expect(afterRefusals.body.routes.find((r: any) => r.id === 1).breaker.state).toBe('closed');

    for (const [i, kind] of (['auth', 'insufficient_balance'] as const).entries()) {
      primary.setDefault({ kind: 'fail', failure: kind });
      for (let k = 0; k < 5; k++) {
        const res = await send(t, { to: `+316123${String(i)}${String(k).padStart(4, '0')}` });
        expect(res.body.attempt.route_id).toBe(2);
      }
    }
    const routes = await t.request('GET', '/v1/routes');
    expect(routes.body.routes.find((r: any) => r.id === 1).breaker.state).toBe('open');
  });

  it('lists routes with prices, health and breaker state', async () => {
    const { t } = await setup();
    const res = await t.request('GET', '/v1/routes');
    expect(res.body.routes).toHaveLength(2);
    expect(res.body.routes[0]).toMatchObject({
      id: 1,
      name: 'primary',
      provider: 'primary',
      channel: 'sms',
      sender: 'ACME',
      enabled: true,
      currency: 'EUR',
      rates: [
        { prefix: '31', price_micros: 70_000 },
        { prefix: '316', price_micros: 65_000 },
      ],
      breaker: { state: 'closed' },
    });
  });

  it('unknown routes and destinations without a route are typed errors', async () => {
    const { t } = await setup();
    const unknown = await send(t, { route_id: 77 });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    const noRoute = await send(t, { to: '+14155552671', route_id: 1 });
    expect([noRoute.status, noRoute.body.error.code]).toEqual([422, 'NO_ROUTE']);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('quality routing from measured receipts', () => {
  it('orders routes by measured delivery rate per country, then price', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const primary = new ScriptedProvider({ name: 'primary' });
    const secondary = new ScriptedProvider({ name: 'secondary' });
    t = await startTestServer({
      config: {
        ...ROUTING,
        routingPolicies: [{ name: 'q', strategy: 'quality', routes: [1, 2], timeoutSeconds: 30 }],
      },
      overrides: { clock, providers: [primary, secondary] },
    });
    // With no data both routes are neutral, so the cheaper primary leads.
    const first = await send(t, { to: '+31612340000' });
    expect(first.body.attempt.route_id).toBe(1);
    // Primary receipts fail (each fails over to the secondary, whose receipts say delivered).
    for (let i = 1; i <= 8; i++) {
      const res = await send(t, { to: `+3161234${String(i).padStart(4, '0')}` });
      primary.report(res.body.attempt.provider_message_id, 'undelivered');
      await waitFor(() => secondary.sent.length === i);
      secondary.report(`secondary-${i}`, 'delivered');
    }
    // Receipts are applied asynchronously; refresh the statistics until the last one is in.
    await waitFor(async () => {
      await t!.app.background.tickStats();
      return t!.app.routing.stats.summaryForRoute(2).delivered === 8;
    });
    const health = (await t.request('GET', '/v1/routes')).body.routes;
    // Route 1: 8 undelivered (+1 still queued); route 2: 8 delivered.
    expect(health.find((r: any) => r.id === 1).health).toMatchObject({
      delivered: 0,
      failed: 8,
      delivery_rate: 0,
    });
    expect(health.find((r: any) => r.id === 2).health).toMatchObject({
      delivered: 8,
      failed: 0,
      delivery_rate: 1,
    });
    const after = await send(t, { to: '+31612349999' });
    expect(after.body.attempt.route_id).toBe(2);
  });
});

describe('longer chains', () => {
  it('each step arms its own timer: no receipt at step 1 nor at step 2 reaches step 3 with the same code', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const providers = ['p1', 'p2', 'p3'].map((name) => new ScriptedProvider({ name }));
    t = await startTestServer({
      config: {
        providers: { p1: { type: 'sandbox' }, p2: { type: 'sandbox' }, p3: { type: 'sandbox' } },
        routes: [1, 2, 3].map((id) => ({
          id,
          name: `r${id}`,
          provider: `p${id}`,
          channel: 'sms' as const,
          rates: [{ prefix: '', priceMicros: 10_000 * id }],
        })),
        routingPolicies: [{ name: 'chain', strategy: 'ordered', routes: [1, 2, 3], timeoutSeconds: 20 }],
        defaultRouteId: 1,
      },
      overrides: { clock, providers },
    });
    const res = await send(t);
    clock.advanceSeconds(21);
    expect(await t.app.background.tickFailovers()).toBe(1);
    expect(providers[1]!.sent).toHaveLength(1);
    clock.advanceSeconds(21);
    expect(await t.app.background.tickFailovers()).toBe(1);
    expect(providers[2]!.sent).toHaveLength(1);
    expect(providers[2]!.sent[0]!.code).toBe(res.body.debug_code);
    // The last step has no successor, so no timer remains.
    clock.advanceSeconds(60);
    expect(await t.app.background.tickFailovers()).toBe(0);
    const view = await t.request('GET', `/v1/verifications/${res.body.id}`);
    expect(view.body.attempts.map((a: any) => a.route_id)).toEqual([1, 2, 3]);
  });
});
