import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

/** The default sandbox routes: 1-8 SMS, 9 voice, 10 WhatsApp, 11 e-mail. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe('POST /v1/estimate reads a request exactly as a send does', () => {
  it('a phone number pinned to the e-mail route is NO_ROUTE from both', async () => {
    const estimate = await t.request('POST', '/v1/estimate', { to: '+31651860670', route_id: 11 });
    const send = await t.request('POST', '/v1/verifications', { to: '+31651860681', route_id: 11 });
    expect([estimate.status, estimate.body.error.code]).toEqual([422, 'NO_ROUTE']);
    expect([send.status, send.body.error.code]).toEqual([422, 'NO_ROUTE']);
    expect(estimate.body.error.details).toMatchObject({ route_id: 11, channel: 'email' });
  });

  it('an e-mail address on the e-mail route is priced when the channel says email, as a send needs', async () => {
    const estimate = await t.request('POST', '/v1/estimate', {
      to: 'user@example.com',
      channel: 'email',
      route_id: 11,
    });
    expect(estimate.status).toBe(200);
    expect(estimate.body).toMatchObject({ route_id: 11, country: null });
    expect(estimate.body.routes.map((r: { channel: string }) => r.channel)).toEqual(['email']);
    // Without the channel both read the address as a phone number.
    const noChannel = await t.request('POST', '/v1/estimate', { to: 'user@example.com', route_id: 11 });
    const sendNoChannel = await t.request('POST', '/v1/verifications', {
      to: 'user@example.com',
      route_id: 11,
    });
    expect(noChannel.body.error.code).toBe('INVALID_PHONE_NUMBER');
    expect(sendNoChannel.body.error.code).toBe('INVALID_PHONE_NUMBER');
  });

  it('route_id and purpose have the same limits as on a send', async () => {
    for (const body of [
      { to: '+31651860670', route_id: 1e308 },
      { to: '+31651860670', route_id: 1_000_001 },
      { to: '+31651860670', purpose: '   ' },
    ]) {
      const estimate = await t.request('POST', '/v1/estimate', body);
      const send = await t.request('POST', '/v1/verifications', { ...body, to: '+31651860682' });
      expect([estimate.status, estimate.body.error.code]).toEqual([send.status, send.body.error.code]);
      expect(estimate.status).toBe(400);
    }
  });
});
