import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { closeAfterEach } from '../fakes/close-after-each.js';
import { startFakeSmtp, type ReceivedMail } from '../fakes/fake-smtp-server.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/** otpgate over real HTTP with the real e-mail adapter delivering to a local SMTP server. */

const closeLater = closeAfterEach();

async function setup(): Promise<{ t: TestServer; received: ReceivedMail[] }> {
  const { port, received } = closeLater(await startFakeSmtp({ disabledCommands: ['STARTTLS', 'AUTH'] }));
  const config: ConfigFile = {
    providers: {
      mail: {
        type: 'email',
        host: '127.0.0.1',
        port,
        from: '"Acme" <no-reply@otp.example>',
        timeoutMs: 2000,
      },
    },
    routes: [
      {
        id: 1,
        name: 'email',
        provider: 'mail',
        channel: 'email',
        rates: [{ prefix: '', priceMicros: 1_000 }],
      },
    ],
    defaultRouteId: 1,
    // E-mail only: the reference endpoints (SMS over defaultRouteId) are off.
    referenceApi: false,
  };
  const t = closeLater(await startTestServer({ config }));
  return { t, received };
}

describe('e-mail end to end (real adapter, local SMTP server)', () => {
  it('sends the code to the address over SMTP and the code approves', async () => {
    const { t, received } = await setup();
    const res = await t.request('POST', '/v1/verifications', { to: 'alice@example.com', channel: 'email' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ channel: 'email', status: 'pending' });
    expect(res.body.attempt).toMatchObject({
      route_id: 1,
      provider: 'mail',
      channel: 'email',
      status: 'sent',
      price_micros: 1_000,
    });
    const code: string = res.body.debug_code;

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.rcptTo).toEqual(['alice@example.com']);
    expect(mail.mailFrom).toBe('no-reply@otp.example');
    expect(mail.raw).toMatch(/^To: alice@example\.com\r?$/m);
    expect(mail.raw).toMatch(/^Subject: .*verification code\r?$/m);
    // The SMTP Message-ID is what otpgate stored as the provider message id.
    expect(mail.raw).toContain(`Message-ID: ${res.body.attempt.provider_message_id}`);
    const body = mail.raw.slice(mail.raw.search(/\r?\n\r?\n/));
    expect(body).toContain(`verification code is ${code}`);

    // No receipts exist for e-mail, so no failover timer waits on one.
    expect(await t.app.background.tickReceiptPolls()).toBe(0);

    const wrong = await t.request('POST', '/v1/verifications/check', {
      id: res.body.id,
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.body).toMatchObject({ valid: false, status: 'pending' });
    const check = await t.request('POST', '/v1/verifications/check', { id: res.body.id, code });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('checks by address and purpose too (the domain is case-insensitive, the local part kept)', async () => {
    const { t, received } = await setup();
    const res = await t.request('POST', '/v1/verifications', {
      to: 'alice@Example.COM',
      channel: 'email',
      purpose: 'signup',
    });
    expect(res.status).toBe(201);
    expect(received[0]!.rcptTo).toEqual(['alice@example.com']);
    const check = await t.request('POST', '/v1/verifications/check', {
      to: 'alice@EXAMPLE.com',
      purpose: 'signup',
      code: res.body.debug_code,
    });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });
});
