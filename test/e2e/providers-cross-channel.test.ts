import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { startBridgeXApiFake, type BridgeXApiFake } from '../fakes/bridgexapi-fake.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { TwilioFake } from '../fakes/twilio-fake.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * Cross-channel failover with real adapters: SMS over BridgeXAPI first, a Twilio voice call when
 * the SMS gateway fails — opted into by a policy whose match names both channels.
 */

const PHONE = '+31651860670';

const closeLater = closeAfterEach();

async function setup(): Promise<{ t: TestServer; bx: BridgeXApiFake; twilio: TwilioFake }> {
  const bx = closeLater(await startBridgeXApiFake({ balanceEur: 10 }));
  const twilio = closeLater(await TwilioFake.start());
  const config: ConfigFile = {
    providers: {
      bx: {
        type: 'bridgexapi',
        apiKey: bx.apiKey,
        baseUrl: bx.url,
        routeId: 3,
        callerId: 'ACME',
        timeoutMs: 2000,
      },
      tw: {
        type: 'twilio',
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        baseUrl: twilio.baseUrl,
        from: '+15005550006',
        timeoutMs: 2000,
      },
    },
    routes: [
      { id: 1, name: 'sms', provider: 'bx', channel: 'sms', rates: [{ prefix: '', priceMicros: 71_000 }] },
      {
        id: 2,
        name: 'voice',
        provider: 'tw',
        channel: 'voice',
        rates: [{ prefix: '', priceMicros: 150_000 }],
      },
    ],
    routingPolicies: [
      { name: 'sms-then-voice', match: { channels: ['sms', 'voice'] }, strategy: 'ordered', routes: [1, 2] },
    ],
    defaultRouteId: 1,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, bx, twilio };
}

const calls = (f: TwilioFake) =>
  f.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json'));

describe('cross-channel failover end to end', () => {
  it('the SMS gateway answering 500 falls back to a voice call in the same request, with the same code', async () => {
    const { t, bx, twilio } = await setup();
    bx.setMode('server_error');
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.channel).toBe('sms'); // what was asked for
    expect(res.body.attempts.map((a: any) => [a.route_id, a.provider, a.channel, a.status])).toEqual([
      [1, 'bx', 'sms', 'failed'],
      [2, 'tw', 'voice', 'queued'],
    ]);
    expect(res.body.attempt).toMatchObject({ channel: 'voice', route_id: 2 });
    expect(res.body.attempt.provider_message_id).toMatch(/^CA[0-9a-f]{32}$/);

    expect(bx.requests.filter((r) => r.path === '/api/v1/send_sms')).toHaveLength(1);
    const placed = calls(twilio);
    expect(placed).toHaveLength(1);
    const code: string = res.body.debug_code;
    expect(placed[0]!.form.get('Twiml')).toContain([...code].join(', '));

    const check = await t.request('POST', '/v1/verifications/check', { id: res.body.id, code });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('with a healthy SMS gateway the voice route is not used', async () => {
    const { t, bx, twilio } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: PHONE });
    expect(res.status).toBe(201);
    expect(res.body.attempts.map((a: any) => [a.route_id, a.channel, a.status])).toEqual([
      [1, 'sms', 'queued'],
    ]);
    expect(bx.messages.size).toBe(1);
    expect(twilio.requests).toHaveLength(0);
    const estimate = await t.request('POST', '/v1/estimate', { to: PHONE });
    expect(estimate.body.routes.map((r: any) => [r.route_id, r.channel])).toEqual([
      [1, 'sms'],
      [2, 'voice'],
    ]);
  });
});
