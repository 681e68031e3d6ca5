import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startFakeHttpServer } from '../fakes/fake-http-server.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * otpgate over real HTTP with the configured generic-HTTP adapter: a JSON body template against a
 * small node:http gateway, and its HMAC-signed delivery-report webhook.
 */

const PHONE = '+31651860670';
const DLR_SECRET = 'gateway-dlr-secret';

interface Gateway {
  url: string;
  requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

async function startGateway(): Promise<Gateway> {
  const requests: Gateway['requests'] = [];
  let counter = 0;
  const server = await startFakeHttpServer(({ method, path, headers, rawBody }) => {
    requests.push({ method, url: path, headers, body: rawBody });
    if (headers.authorization !== 'Bearer gw-token') return { status: 401, body: { error: 'unauthorized' } };
    counter += 1;
    return { status: 202, body: { accepted: true, data: { id: `gw-${counter}` } } };
  });
  return { url: server.url, requests, close: server.close };
}

const closeLater = closeAfterEach();

async function setup(): Promise<{ t: TestServer; gateway: Gateway }> {
  const gateway = closeLater(await startGateway());
  const config: ConfigFile = {
    providers: {
      gw: {
        type: 'generic-http',
        url: `${gateway.url}/api/messages`,
        headers: { authorization: 'Bearer gw-token', 'x-client-ref': '{{attempt_id}}' },
        bodyTemplate:
          '{"to":"{{to_digits}}","from":"{{sender}}","text":"{{text}}","otp":"{{code}}","ref":"{{attempt_id}}","callback":"{{callback_url}}"}',
        contentType: 'json',
        response: { messageIdPath: 'data.id', successStatuses: [200, 202] },
        deliveryReport: {
          messageIdPath: 'message.id',
          statusPath: 'message.state',
          statusMap: { DELIVERED: 'delivered', FAILED: 'failed', EXPIRED: 'undelivered' },
          errorCodePath: 'message.error',
          signature: { header: 'x-gw-signature', secret: DLR_SECRET, algorithm: 'sha256', prefix: 'sha256=' },
        },
        timeoutMs: 2000,
      },
    },
    routes: [
      {
        id: 1,
        name: 'gw',
        provider: 'gw',
        channel: 'sms',
        sender: 'ACME',
        rates: [{ prefix: '', priceMicros: 20_000 }],
      },
    ],
    defaultRouteId: 1,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, gateway };
}

const sign = (body: string, secret = DLR_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

const postDlr = (t: TestServer, body: string, signature: string | undefined) =>
  t.request('POST', '/v1/webhooks/dlr/gw', body, {
    'content-type': 'application/json',
    ...(signature !== undefined ? { 'x-gw-signature': signature } : {}),
  });

describe('generic HTTP provider end to end (configured template, local gateway)', () => {
  it('renders the JSON body template and stores the gateway message id', async () => {
    const { t, gateway } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempt).toMatchObject({
      route_id: 1,
      provider: 'gw',
      provider_message_id: 'gw-1',
      status: 'queued',
      price_micros: 20_000,
    });
    expect(gateway.requests).toHaveLength(1);
    const request = gateway.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/messages');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-client-ref']).toBe(res.body.attempt.id);
    const body = JSON.parse(request.body) as Record<string, string>;
    expect(body).toEqual({
      to: '31651860670',
      from: 'ACME',
      text: expect.stringContaining(res.body.debug_code),
      otp: res.body.debug_code,
      ref: res.body.attempt.id,
      callback: `${t.app.config.publicUrl}/v1/webhooks/dlr/gw`,
    });
  });

  it('an HMAC-signed delivery report marks the attempt delivered; a bad signature is refused', async () => {
    const { t } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    const attemptId: string = res.body.attempt.id;
    const report = JSON.stringify({ message: { id: 'gw-1', state: 'DELIVERED' } });

    const forged = await postDlr(t, report, sign(report, 'not-the-secret'));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const unsigned = await postDlr(t, report, undefined);
    expect(unsigned.status).toBe(401);
    // Signed, but over other bytes than those sent.
    const other = JSON.stringify({ message: { id: 'gw-1', state: 'FAILED' } });
    expect((await postDlr(t, report, sign(other))).status).toBe(401);
    expect((await t.request('GET', `/v1/messages/${attemptId}`)).body.status).toBe('queued');

    const ok = await postDlr(t, report, sign(report));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: 1, applied: 1 });
    const view = await t.request('GET', `/v1/messages/${attemptId}`);
    expect(view.body).toMatchObject({ status: 'delivered', provider_message_id: 'gw-1' });
    expect(view.body.delivered_at).not.toBeNull();
  });

  it('maps a failed report with its error code', async () => {
    const { t } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    const report = JSON.stringify({ message: { id: 'gw-1', state: 'EXPIRED', error: 'E42' } });
    const ok = await postDlr(t, report, sign(report));
    expect(ok.body).toEqual({ received: 1, applied: 1 });
    const view = await t.request('GET', `/v1/messages/${res.body.attempt.id}`);
    expect(view.body).toMatchObject({ status: 'undelivered', error_code: 'E42' });
  });
});
