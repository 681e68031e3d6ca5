import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startFakeHttpServer } from '../fakes/fake-http-server.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * `/v1/webhooks/dlr/<generic-http instance>` over real HTTP: receipts as a JSON or form body, as a
 * GET query string or as the query of a body-less POST, signed receipts of each kind, and an
 * instance without a `deliveryReport` block (no webhook at all).
 */

/** A new number for every send, so the resend cooldown of one number never applies. */
let phones = 0;
const nextPhone = () => `+3165186${String(670 + (phones++ % 300)).padStart(4, '0')}`;
const SECRET = 'gform-dlr-secret';
const RECEIPTS = { messageIdPath: 'mid', statusPath: 'st', statusMap: { ok: 'delivered', bad: 'failed' } };

const closeLater = closeAfterEach();

async function setup(): Promise<TestServer> {
  // The gateway accepts everything; without response.messageIdPath the message id is otpgate's own.
  const gateway = closeLater(await startFakeHttpServer(() => ({ status: 200, body: { ok: true } })));
  const instance = (extra: object) => ({ type: 'generic-http', url: `${gateway.url}/send`, ...extra });
  const route = (id: number, provider: string) => ({
    id,
    name: provider,
    provider,
    channel: 'sms',
    rates: [{ prefix: '', priceMicros: 10_000 }],
  });
  const config: ConfigFile = {
    providers: {
      gform: instance({ deliveryReport: RECEIPTS }),
      gsigned: instance({
        deliveryReport: { ...RECEIPTS, signature: { header: 'x-sig', secret: SECRET, prefix: 'sha256=' } },
      }),
      gplain: instance({}),
    },
    routes: [route(1, 'gform'), route(2, 'gsigned'), route(3, 'gplain')],
    routingPolicies: [
      { name: 'plain-first', match: { purposes: ['login'] }, strategy: 'ordered', routes: [3, 1] },
      { name: 'receipts-first', match: { purposes: ['signup'] }, strategy: 'ordered', routes: [1, 3] },
    ],
    defaultRouteId: 1,
  } as ConfigFile;
  return closeLater(await startTestServer({ config }));
}

/** Starts a verification over the route and answers its message id (otpgate's, as the gateway gave none). */
async function sendOver(t: TestServer, routeId: number): Promise<string> {
  const res = await t.request('POST', '/v1/verifications', { to: nextPhone(), route_id: routeId });
  expect(res.status).toBe(201);
  return res.body.attempt.id as string;
}

const statusOf = async (t: TestServer, id: string): Promise<string> =>
  (await t.request('GET', `/v1/messages/${id}`)).body.status as string;

const sign = (text: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(text, 'utf8').digest('hex')}`;

describe('generic-http receipt webhooks', () => {
  it('applies a receipt sent as a GET query string', async () => {
    const t = await setup();
    const id = await sendOver(t, 1);
    const res = await t.request('GET', `/v1/webhooks/dlr/gform?mid=${id}&st=ok`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, applied: 1 });
    expect(await statusOf(t, id)).toBe('delivered');
  });

  it('applies a receipt in the query string of a POST without a body', async () => {
    const t = await setup();
    const id = await sendOver(t, 1);
    const res = await t.request('POST', `/v1/webhooks/dlr/gform?mid=${id}&st=bad`);
    expect(res.body).toEqual({ received: 1, applied: 1 });
    expect(await statusOf(t, id)).toBe('failed');
  });

  it('reads and signs an empty form POST by its query string (gateways send those)', async () => {
    const t = await setup();
    const id = await sendOver(t, 2);
    const query = `mid=${id}&st=ok`;
    const res = await t.request('POST', `/v1/webhooks/dlr/gsigned?${query}`, '', {
      'content-type': 'application/x-www-form-urlencoded',
      'x-sig': sign(query),
    });
    expect([res.status, res.body]).toEqual([200, { received: 1, applied: 1 }]);
    expect(await statusOf(t, id)).toBe('delivered');
  });

  it('reads a POSTed form or JSON body, not the query string', async () => {
    const t = await setup();
    const first = await sendOver(t, 1);
    const second = await sendOver(t, 1);
    const decoy = `mid=${first}&st=bad`;
    const form = await t.request('POST', `/v1/webhooks/dlr/gform?${decoy}`, `mid=${first}&st=ok`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.body).toEqual({ received: 1, applied: 1 });
    expect(await statusOf(t, first)).toBe('delivered');
    const json = await t.request('POST', `/v1/webhooks/dlr/gform?mid=${second}&st=bad`, {
      mid: second,
      st: 'ok',
    });
    expect(json.body).toEqual({ received: 1, applied: 1 });
    expect(await statusOf(t, second)).toBe('delivered');
  });

  it('checks a GET receipt signature over the raw query string', async () => {
    const t = await setup();
    const id = await sendOver(t, 2);
    const query = `mid=${id}&st=ok`;
    const get = (signature: string) =>
      t.request('GET', `/v1/webhooks/dlr/gsigned?${query}`, undefined, { 'x-sig': signature });
    // The HMAC of the empty body is the same for every GET: it must not sign any query.
    for (const forged of [sign(''), sign(query, 'not-the-secret'), sign(`mid=${id}&st=bad`)]) {
      const res = await get(forged);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await statusOf(t, id)).toBe('queued');
    const ok = await get(sign(query));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: 1, applied: 1 });
    expect(await statusOf(t, id)).toBe('delivered');
  });

  it('still checks a POST receipt signature over the raw body', async () => {
    const t = await setup();
    const id = await sendOver(t, 2);
    const body = `mid=${id}&st=ok`;
    const post = (signature: string) =>
      t.request('POST', '/v1/webhooks/dlr/gsigned', body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-sig': signature,
      });
    expect((await post(sign(''))).status).toBe(401);
    expect((await post(sign(body))).body).toEqual({ received: 1, applied: 1 });
  });

  it('refuses a valid signature with anything after it, truncated or extended (401)', async () => {
    const t = await setup();
    const id = await sendOver(t, 2);
    const body = `mid=${id}&st=ok`;
    const post = (signature: string) =>
      t.request('POST', '/v1/webhooks/dlr/gsigned', body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-sig': signature,
      });
    const good = sign(body);
    for (const forged of [`${good}0`, `${good}zz`, `${good}00`, good.slice(0, -1)]) {
      const res = await post(forged);
      expect(res.status, forged).toBe(401);
      expect(res.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await statusOf(t, id)).toBe('queued');
    expect((await post(good)).body).toEqual({ received: 1, applied: 1 });
  });

  it('answers 404 NOT_FOUND for an instance without a deliveryReport block', async () => {
    const t = await setup();
    const id = await sendOver(t, 3);
    for (const [method, body] of [
      ['POST', { mid: id, st: 'ok' }],
      ['GET', undefined],
    ] as const) {
      const res = await t.request(method, `/v1/webhooks/dlr/gplain?mid=${id}&st=ok`, body);
      expect(res.status, method).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect(await statusOf(t, id)).toBe('queued');
  });

  it('sets no failover deadline after a step that can never report a receipt', async () => {
    const t = await setup();
    const deadlineAfter = async (purpose: string) => {
      const res = await t.request('POST', '/v1/verifications', { to: nextPhone(), purpose });
      expect(res.status).toBe(201);
      return (await t.app.store.verifications.get(res.body.id as string))?.failoverAtMs;
    };
    expect(await deadlineAfter('signup')).toEqual(expect.any(Number));
    expect(await deadlineAfter('login')).toBeUndefined();
  });
});
