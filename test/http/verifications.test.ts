import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

const start = (body: Record<string, unknown> = {}) =>
  t.request('POST', '/v1/verifications', { to: '+31651860670', ...body });

describe('POST /v1/verifications', () => {
  it('sends a code and answers 201 with the documented fields', async () => {
    const res = await start();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      to: '*******0670',
      channel: 'sms',
      purpose: 'login',
      attempts_remaining: 5,
      sends_remaining: 4,
    });
    expect(res.body.id).toMatch(/^ver_[0-9a-f]{30}$/);
    expect(res.body.debug_code).toMatch(/^[0-9]{6}$/);
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(300_000);
    expect(Date.parse(res.body.resend_after) - Date.parse(res.body.created_at)).toBe(45_000);
    expect(res.body.attempt).toMatchObject({
      provider: 'sandbox',
      route_id: expect.any(Number),
      status: expect.any(String),
    });
    expect(res.body.attempt.provider_message_id).toMatch(/^SBX-/);
    expect(JSON.stringify(res.body)).not.toContain('651860670');
  });

  it('accepts the same number written three ways as one destination', async () => {
    const first = await start({ to: '+31 6 5186 0670' });
    expect(first.status).toBe(201);
    for (const to of ['0031651860670', '31651860670']) {
      const again = await start({ to });
      expect(again.status).toBe(429);
      expect(again.body.error.code).toBe('RESEND_TOO_SOON');
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(40);
    }
  });

  it('shows the sandbox message in the dev outbox with the code that verifies', async () => {
    const sent = await start();
    const outbox = await t.request('GET', '/v1/dev/outbox');
    expect(outbox.status).toBe(200);
    const message = outbox.body.messages.find((m: any) => m.verification_id === sent.body.id);
    expect(message.text).toContain(sent.body.debug_code);
    const check = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('refuses bad input with typed 4xx errors in one envelope', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ to: 'not a number' }, 400, 'INVALID_PHONE_NUMBER'],
      [{ to: '+999123' }, 400, 'INVALID_PHONE_NUMBER'],
      [{ to: 31651860670 }, 400, 'VALIDATION_FAILED'],
      [{ to: '+31651860670', extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{ to: '+31651860670', channel: 'pigeon' }, 400, 'VALIDATION_FAILED'],
      [{ to: '+31651860670', route_id: 'three' }, 400, 'VALIDATION_FAILED'],
      [{ to: '+31651860670', route_id: 999 }, 404, 'ROUTE_NOT_FOUND'],
      [{ to: '+31651860670', purpose: '' }, 400, 'VALIDATION_FAILED'],
      [{ to: 'bob', channel: 'email' }, 400, 'INVALID_EMAIL'],
      [[1, 2], 400, 'VALIDATION_FAILED'],
      [{}, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.request('POST', '/v1/verifications', body);
      expect([JSON.stringify(body), res.status, res.body?.error?.code]).toEqual([
        JSON.stringify(body),
        status,
        code,
      ]);
      expect(res.body.error.request_id).toMatch(/^req_/);
      expect(typeof res.body.error.message).toBe('string');
    }
  });

  it('answers invalid JSON, huge bodies and wrong media types with typed errors', async () => {
    const invalid = await t.request('POST', '/v1/verifications', '{"to": ');
    expect([invalid.status, invalid.body.error.code]).toEqual([400, 'INVALID_JSON']);
    const empty = await t.request('POST', '/v1/verifications', '');
    expect(empty.status).toBe(400);
    // Whitespace only: JSON.parse fails, and only then is the body recognised as empty.
    const blank = await t.request('POST', '/v1/verifications', ' \n ');
    expect([blank.status, blank.body.error.code, blank.body.error.message]).toEqual([
      400,
      'INVALID_JSON',
      'The request body is empty.',
    ]);
    const huge = await t.request('POST', '/v1/verifications', {
      to: '+31651860670',
      purpose: 'x'.repeat(100_000),
    });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const text = await t.request('POST', '/v1/verifications', 'to=+31651860670', {
      'content-type': 'text/plain',
    });
    expect([text.status, text.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const unknown = await t.request('GET', '/v1/nothing-here');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('POST /v1/verifications/check', () => {
  it('approves the right code exactly once (single use)', async () => {
    const sent = await start();
    const ok = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id: sent.body.id, status: 'approved', valid: true, attempts_remaining: 5 });
    const replay = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect([replay.status, replay.body.error.code]).toEqual([409, 'VERIFICATION_NOT_PENDING']);
  });

  it('counts wrong codes down and locks at zero', async () => {
    const sent = await start();
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    for (let remaining = 4; remaining >= 0; remaining--) {
      const res = await t.request('POST', '/v1/verifications/check', { id: sent.body.id, code: wrong });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: false, attempts_remaining: remaining });
    }
    const locked = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect([locked.status, locked.body.error.code]).toEqual([429, 'MAX_ATTEMPTS_REACHED']);
    const view = await t.request('GET', `/v1/verifications/${sent.body.id}`);
    expect(view.body.status).toBe('max_attempts_reached');
  });

  it('checks by destination and purpose, answering every failure the same way', async () => {
    const sent = await start({ purpose: 'signup' });
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    const sameFailure = { id: null, status: 'pending', valid: false, attempts_remaining: null };
    const byWrong = await t.request('POST', '/v1/verifications/check', {
      to: '+31651860670',
      purpose: 'signup',
      code: wrong,
    });
    const byUnknown = await t.request('POST', '/v1/verifications/check', {
      to: '+31612345678',
      purpose: 'signup',
      code: wrong,
    });
    const byOtherPurpose = await t.request('POST', '/v1/verifications/check', {
      to: '+31651860670',
      purpose: 'login',
      code: wrong,
    });
    for (const res of [byWrong, byUnknown, byOtherPurpose]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual(sameFailure);
    }
    // The wrong code still counted against the verification.
    const view = await t.request('GET', `/v1/verifications/${sent.body.id}`);
    expect(view.body.attempts_remaining).toBe(4);
    const ok = await t.request('POST', '/v1/verifications/check', {
      to: '0031651860670',
      purpose: 'SIGNUP',
      code: sent.body.debug_code,
    });
    expect(ok.body).toMatchObject({ id: sent.body.id, status: 'approved', valid: true });
    const used = await t.request('POST', '/v1/verifications/check', {
      to: '+31651860670',
      purpose: 'signup',
      code: sent.body.debug_code,
    });
    expect([used.status, used.body]).toEqual([200, sameFailure]);
  });

  it('by destination, a locked verification answers like any other failure and the right code stays refused', async () => {
    const sent = await start();
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await t.request('POST', '/v1/verifications/check', { to: '+31651860670', code: wrong });
    const locked = await t.request('POST', '/v1/verifications/check', {
      to: '+31651860670',
      code: sent.body.debug_code,
    });
    expect([locked.status, locked.body.valid, locked.body.attempts_remaining]).toEqual([200, false, null]);
    const view = await t.request('GET', `/v1/verifications/${sent.body.id}`);
    expect(view.body.status).toBe('max_attempts_reached');
  });

  it('refuses non-numeric and malformed codes with 400', async () => {
    const sent = await start();
    for (const code of ['abcdef', '12', '12345678901', 123456, '', '12 456']) {
      const res = await t.request('POST', '/v1/verifications/check', { id: sent.body.id, code });
      expect([String(code), res.status, res.body.error.code]).toEqual([
        String(code),
        400,
        'VALIDATION_FAILED',
      ]);
    }
    const unknown = await t.request('POST', '/v1/verifications/check', { id: 'ver_nope', code: '123456' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'VERIFICATION_NOT_FOUND']);
  });
});

describe('read, cancel and resend', () => {
  it('GET shows status and attempts; cancel ends it', async () => {
    const sent = await start();
    const view = await t.request('GET', `/v1/verifications/${sent.body.id}`);
    expect(view.status).toBe(200);
    expect(view.body.attempts).toHaveLength(1);
    expect(view.body.debug_code).toBeUndefined();
    const canceled = await t.request('POST', `/v1/verifications/${sent.body.id}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    const check = await t.request('POST', '/v1/verifications/check', {
      id: sent.body.id,
      code: sent.body.debug_code,
    });
    expect(check.status).toBe(409);
    const again = await t.request('POST', `/v1/verifications/${sent.body.id}/cancel`);
    expect([again.status, again.body.error.code]).toEqual([409, 'VERIFICATION_NOT_PENDING']);
    const missing = await t.request('GET', '/v1/verifications/ver_missing');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'VERIFICATION_NOT_FOUND']);
  });

  it("a pinned route's channel is the verification's channel: the record says what was sent", async () => {
    const voice = await start({ to: '+31651860678', route_id: 9 });
    expect([voice.status, voice.body.channel, voice.body.attempt.channel]).toEqual([201, 'voice', 'voice']);
    const sms = await start({ to: '+31651860679', channel: 'voice', route_id: 1 });
    expect([sms.status, sms.body.channel, sms.body.attempt.channel]).toEqual([201, 'sms', 'sms']);
  });

  it('a resend over a route of another channel updates the channel: the record follows the sends', async () => {
    await t.close();
    t = await startTestServer({ env: { OTPGATE_RESEND_COOLDOWN_SECONDS: '0' } });
    // A start for a number with a pending SMS verification, now asking for a call: a resend by voice.
    const sms = await start({ to: '+31651860682' });
    const call = await start({ to: '+31651860682', channel: 'voice' });
    expect([call.body.id, call.body.channel, call.body.attempt.channel]).toEqual([
      sms.body.id,
      'voice',
      'voice',
    ]);
    // The resend endpoint pinned to an SMS route on a verification that started as a call.
    const voice = await start({ to: '+31651860683', route_id: 9 });
    const resent = await t.request('POST', `/v1/verifications/${voice.body.id}/resend`, { route_id: 1 });
    expect([resent.status, resent.body.channel, resent.body.attempt.channel]).toEqual([200, 'sms', 'sms']);
    expect((await t.request('GET', `/v1/verifications/${voice.body.id}`)).body.channel).toBe('sms');
  });

  it('cancel of a locked or approved verification is 409 VERIFICATION_NOT_PENDING with its status', async () => {
    const locked = await start({ to: '+31651860672' });
    const wrong = locked.body.debug_code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await t.request('POST', '/v1/verifications/check', { id: locked.body.id, code: wrong });
    const cancelLocked = await t.request('POST', `/v1/verifications/${locked.body.id}/cancel`);
    expect([cancelLocked.status, cancelLocked.body.error.code, cancelLocked.body.error.details]).toEqual([
      409,
      'VERIFICATION_NOT_PENDING',
      { status: 'max_attempts_reached' },
    ]);
    const approved = await start({ to: '+31651860673' });
    await t.request('POST', '/v1/verifications/check', {
      id: approved.body.id,
      code: approved.body.debug_code,
    });
    const cancelApproved = await t.request('POST', `/v1/verifications/${approved.body.id}/cancel`);
    expect([cancelApproved.status, cancelApproved.body.error.details]).toEqual([409, { status: 'approved' }]);
  });

  it('resend inside the cooldown is refused with Retry-After', async () => {
    const sent = await start();
    const res = await t.request('POST', `/v1/verifications/${sent.body.id}/resend`);
    expect([res.status, res.body.error.code]).toEqual([429, 'RESEND_TOO_SOON']);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(44);
  });
});

describe('health and docs', () => {
  it('serves liveness, readiness and OpenAPI', async () => {
    expect((await t.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.request('GET', '/readyz')).body).toMatchObject({ status: 'ready', store: 'sqlite' });
    const spec = await t.request('GET', '/docs/json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/v1/verifications', '/v1/verifications/check', '/send-otp', '/verify-otp']),
    );
    const ui = await t.request('GET', '/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });
});
