import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { ScriptedProvider } from '../../src/providers/scripted/scripted-provider.js';
import { OtpError } from '../../src/errors/index.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import type { ConfigFile } from '../../src/config/index.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(env: Record<string, string> = {}, config: ConfigFile = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const provider = new ScriptedProvider({ name: 'sandbox' });
  t = await startTestServer({ env, config, overrides: { clock, providers: [provider] } });
  return { t, clock, provider, service: t.app.service };
}

function lastCode(provider: ScriptedProvider): string {
  const message = provider.sent[provider.sent.length - 1]!;
  return message.code;
}

describe('OtpService policy', () => {
  it('expires codes after the TTL', async () => {
    const { clock, service, provider } = await setup();
    const sent = await service.start({ to: '+31651860670' });
    clock.advanceSeconds(300);
    const outcome = await service.check({ id: sent.verification.id, code: lastCode(provider) });
    expect(outcome).toMatchObject({ kind: 'not_pending', status: 'expired' });
  });

  it('a code checked one second before expiry still works', async () => {
    const { clock, service, provider } = await setup();
    const sent = await service.start({ to: '+31651860670' });
    clock.advanceSeconds(299);
    expect((await service.check({ id: sent.verification.id, code: lastCode(provider) })).kind).toBe(
      'approved',
    );
  });

  it('resends after the cooldown with a new code; the old code stops working; failed checks carry over', async () => {
    const { clock, service, provider } = await setup();
    const sent = await service.start({ to: '+31651860670' });
    const firstCode = lastCode(provider);
    const wrong = firstCode === '000000' ? '111111' : '000000';
    await service.check({ id: sent.verification.id, code: wrong });
    await service.check({ id: sent.verification.id, code: wrong });
    clock.advanceSeconds(45);
    const again = await service.start({ to: '0031651860670' });
    expect(again.verification.id).toBe(sent.verification.id);
    expect(again.verification.sendCount).toBe(2);
    const secondCode = lastCode(provider);
    if (secondCode !== firstCode) {
      const old = await service.check({ id: sent.verification.id, code: firstCode });
      expect(old.kind).toBe('wrong');
      expect(old.kind === 'wrong' && old.attemptsRemaining).toBe(2);
    }
    const ok = await service.check({ id: sent.verification.id, code: secondCode });
    expect(ok.kind).toBe('approved');
  });

  it('stops at 5 sends per verification', async () => {
    const { clock, service } = await setup();
    const sent = await service.start({ to: '+31651860670' });
    for (let i = 2; i <= 5; i++) {
      clock.advanceSeconds(45);
      await service.resend(sent.verification.id);
    }
    clock.advanceSeconds(45);
    await expect(service.resend(sent.verification.id)).rejects.toMatchObject({
      code: 'MAX_SENDS_REACHED',
      status: 429,
    });
  });

  it('counts failed checks per destination across verifications and then refuses new sends', async () => {
    const { clock, service, provider } = await setup();
    // 3 verifications x 5 wrong codes = 15 failures = the per-destination limit.
    for (let round = 0; round < 3; round++) {
      const sent = await service.start({ to: '+31651860670' });
      const code = lastCode(provider);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) await service.check({ id: sent.verification.id, code: wrong });
      // A lock-out does not reopen sends: the next code may only go out after the cooldown.
      const early = await service.start({ to: '+31651860670' }).catch((e: unknown) => e);
      // (after the third lock-out the per-destination budget answers first)
      expect((early as OtpError).code).toBe(round < 2 ? 'RESEND_TOO_SOON' : 'RATE_LIMITED');
      clock.advanceSeconds(45);
    }
    const refused = await service.start({ to: '+31651860670' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OtpError);
    expect((refused as OtpError).code).toBe('RATE_LIMITED');
    // Sliding window: the lock lifts when the first verification's 5 wrong codes age out, an hour
    // after it was started (3 x 45 s ago), leaving 10 of 15.
    expect((refused as OtpError).retryAfterSeconds).toBe(3600 - 135);
    clock.advanceSeconds(3600 - 135 - 1);
    await expect(service.start({ to: '+31651860670' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    clock.advanceSeconds(1);
    expect((await service.start({ to: '+31651860670' })).verification.status).toBe('pending');
  });

  it('the per-destination wrong-code lock-out also holds back a resend of a pending verification', async () => {
    const { clock, service, provider } = await setup(
      {},
      { policy: { maxFailedChecksPerDestination: 3, failedChecksWindowSeconds: 60 } },
    );
    const sent = await service.start({ to: '+31651860670' });
    const wrong = lastCode(provider) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await service.check({ id: sent.verification.id, code: wrong });
    clock.advanceSeconds(45);
    const sentBefore = provider.sent.length;
    await expect(service.resend(sent.verification.id)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 15,
    });
    await expect(service.start({ to: '+31651860670' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(provider.sent).toHaveLength(sentBefore);
    clock.advanceSeconds(15);
    expect((await service.resend(sent.verification.id)).verification.sendCount).toBe(2);
  });

  it('keeps rows as long as their wrong codes count, even with a shorter retention', async () => {
    const { clock, service, provider, t } = await setup(
      {},
      { policy: { retentionSeconds: 60, failedChecksWindowSeconds: 7200, maxFailedChecksPerDestination: 5 } },
    );
    const sent = await service.start({ to: '+31651860670' });
    const wrong = lastCode(provider) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await service.check({ id: sent.verification.id, code: wrong });
    // Past TTL + retention but inside the failed-check window: the row still counts, so it stays.
    clock.advanceSeconds(300 + 60 + 1);
    expect(await t.app.background.tickPurge()).toBe(0);
    await expect(service.start({ to: '+31651860670' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    clock.advanceSeconds(7200);
    expect(await t.app.background.tickPurge()).toBe(1);
    expect((await service.start({ to: '+31651860670' })).verification.status).toBe('pending');
  });

  it('uses fixed codes for configured test numbers', async () => {
    const { service, provider } = await setup({ OTPGATE_SANDBOX_TEST_NUMBERS: '+31687654321=424242' });
    const sent = await service.start({ to: '+31687654321' });
    expect(lastCode(provider)).toBe('424242');
    expect((await service.check({ id: sent.verification.id, code: '424242' })).kind).toBe('approved');
  });

  it('honours the configured code length', async () => {
    const { service, provider } = await setup({ OTP_LENGTH: '8' });
    await service.start({ to: '+31651860670' });
    expect(lastCode(provider)).toMatch(/^[0-9]{8}$/);
  });

  it('never logs the code', async () => {
    const lines: string[] = [];
    const logger = {
      info: (f: object, m: string) => lines.push(JSON.stringify(f) + m),
      warn: (f: object, m: string) => lines.push(JSON.stringify(f) + m),
      error: (f: object, m: string) => lines.push(JSON.stringify(f) + m),
    };
    const provider = new ScriptedProvider({ name: 'sandbox' });
    t = await startTestServer({ overrides: { providers: [provider], logger } });
    const sent = await t.app.service.start({ to: '+31651860670' });
    await t.app.service.check({ id: sent.verification.id, code: '999999' });
    await t.app.service.check({ id: sent.verification.id, code: lastCode(provider) });
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line).not.toContain(lastCode(provider));
      expect(line).not.toContain('651860670');
    }
  });
});

describe('concurrency over HTTP', () => {
  it('50 parallel checks with the right code approve exactly once', async () => {
    const { t } = await setup();
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860670' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.request('POST', '/v1/verifications/check', { id: sent.body.id, code: sent.body.debug_code }),
      ),
    );
    expect(results.filter((r) => r.status === 200 && r.body.valid === true)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
  });

  it('50 parallel wrong checks never pass the limit, and the right code is refused afterwards', async () => {
    const { t } = await setup();
    const sent = await t.request('POST', '/v1/verifications', { to: '+31651860670' });
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.request('POST', '/v1/verifications/check', { id: sent.body.id, code: wrong }),
      ),
    );
    expect(results.filter((r) => r.status === 200 && r.body.valid === false)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(45);
    const after = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect(after.status).toBe(429);
  });

  it('20 parallel sends to one number inside the cooldown make exactly one provider call', async () => {
    const { t, provider } = await setup();
    provider.setDefault({ kind: 'delay', ms: 50 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.request('POST', '/send-otp', { phone_number: '31651860670' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 429)).toHaveLength(19);
    expect(provider.sent).toHaveLength(1);
  });
});

describe('background purge and templates', () => {
  it('purges verifications once expired for longer than the retention, keeping newer ones', async () => {
    const { clock, service, t } = await setup();
    const old = await service.start({ to: '+31651860670' });
    clock.advanceSeconds(300 + 86_400 + 1);
    const fresh = await service.start({ to: '+31612345678' });
    expect(await t.app.background.tickPurge()).toBe(1);
    await expect(service.get(old.verification.id)).rejects.toMatchObject({ code: 'VERIFICATION_NOT_FOUND' });
    expect((await service.get(fresh.verification.id)).status).toBe('pending');
  });

  it('renders the message in the requested locale with the brand and lifetime', async () => {
    const { service, provider } = await setup({ OTPGATE_BRAND: 'Acme' });
    await service.start({ to: '+31651860670', locale: 'nl-BE' });
    const message = provider.sent[0]!;
    // nl-BE falls back to the Dutch template; the default TTL of 300 s reads as 5 minutes.
    expect(message.text).toBe(`Acme: je verificatiecode is ${message.code}. Deze verloopt over 5 minuten.`);
    await service.start({ to: '+31612345678', locale: 'en' });
    const english = provider.sent[1]!;
    expect(english.text).toBe(`Acme: your verification code is ${english.code}. It expires in 5 minutes.`);
  });
});

describe('resend options and route/channel config', () => {
  it('a resend may ask for another locale', async () => {
    const { clock, service, provider } = await setup({ OTPGATE_BRAND: 'Acme' });
    const sent = await service.start({ to: '+31651860670', locale: 'en' });
    clock.advanceSeconds(45);
    await service.resend(sent.verification.id, { locale: 'nl' });
    expect(provider.sent[1]!.locale).toBe('nl');
    expect(provider.sent[1]!.text).not.toBe(
      provider.sent[0]!.text.replace(provider.sent[0]!.code, provider.sent[1]!.code),
    );
  });

  it('refuses misspelled provider options instead of ignoring them', async () => {
    await expect(
      startTestServer({
        config: {
          providers: { bx: { type: 'bridgexapi', apikey: 'k', routeId: 3, callerId: 'ACME' } },
          routes: [
            { id: 3, name: 'bx', provider: 'bx', channel: 'sms', rates: [{ prefix: '', priceMicros: 1 }] },
          ],
        },
      }),
    ).rejects.toThrow(/providers\.bx.*apikey|apiKey/);
  });

  it('refuses a route whose provider does not offer its channel', async () => {
    await expect(
      startTestServer({
        config: {
          providers: { bx: { type: 'bridgexapi', apiKey: 'k', routeId: 3, callerId: 'ACME' } },
          routes: [
            {
              id: 3,
              name: 'voice-on-bx',
              provider: 'bx',
              channel: 'voice',
              rates: [{ prefix: '', priceMicros: 1 }],
            },
          ],
        },
      }),
    ).rejects.toThrow(/does not offer channel voice/);
  });
});
