import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';
import { ManualClock } from '../../src/core/index.js';

/** The reference FastAPI server's contract (research §1), field for field. */
let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

const SEND_FIELDS = [
  'status',
  'phone_number',
  'purpose',
  'route_id',
  'expires_in_seconds',
  'cooldown_seconds',
  'debug_code',
  'bx_message_id',
  'order_id',
  'delivery_status_url',
].sort();

describe('POST /send-otp', () => {
  it('answers the reference request with exactly the reference fields and types', async () => {
    const res = await t.request('POST', '/send-otp', {
      phone_number: '31651860670',
      purpose: 'login',
      route_id: 3,
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(SEND_FIELDS);
    expect(res.body).toMatchObject({
      status: 'otp_sent',
      phone_number: '*******0670',
      purpose: 'login',
      route_id: 3,
      expires_in_seconds: 300,
      cooldown_seconds: 45,
    });
    expect(res.body.debug_code).toMatch(/^[0-9]{6}$/);
    expect(typeof res.body.bx_message_id).toBe('string');
    expect(res.body.delivery_status_url).toMatch(new RegExp(`^${t.app.config.publicUrl}/v1/messages/msg_`));
    // The status URL is otpgate's own and needs no provider key.
    const status = await fetch(res.body.delivery_status_url.replace(t.app.config.publicUrl, t.url));
    expect(status.status).toBe(200);
    expect(((await status.json()) as any).provider_message_id).toBe(res.body.bx_message_id);
  });

  it('defaults purpose to login and route_id to 3, normalises purpose, accepts a numeric string route', async () => {
    const res = await t.request('POST', '/send-otp', { phone_number: ' 31651860670 ', purpose: ' LOGIN ' });
    expect(res.body).toMatchObject({ purpose: 'login', route_id: 3 });
    const other = await t.request('POST', '/send-otp', { phone_number: '31612345678', route_id: '5' });
    expect(other.body.route_id).toBe(5);
    const view = await t.request('GET', res.body.delivery_status_url.replace(t.app.config.publicUrl, ''));
    expect(view.body.route_id).toBe(3);
  });

  it('keeps nullable fields present as null when there is nothing to show', async () => {
    await t.close();
    t = await startTestServer({ env: { OTPGATE_DEBUG_CODES: 'false' } });
    const res = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    expect(res.status).toBe(200);
    expect(res.body.debug_code).toBeNull();
    expect(res.body.order_id).toBeNull(); // the sandbox has no order ids; the key is still there
    expect(Object.keys(res.body).sort()).toEqual(SEND_FIELDS);
  });

  it('refuses a second send inside the cooldown with 429, the reference text and Retry-After', async () => {
    await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const again = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    expect(again.status).toBe(429);
    expect(again.body.detail).toMatch(/^OTP was sent too recently\. Retry in \d+ seconds\.$/);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps the send cooldown after the code was verified or locked', async () => {
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const ok = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: sent.body.debug_code,
    });
    expect(ok.body.status).toBe('otp_verified');
    const afterVerify = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    expect(afterVerify.status).toBe(429);
    expect(afterVerify.body.detail).toMatch(/^OTP was sent too recently\. Retry in \d+ seconds\.$/);

    const other = await t.request('POST', '/send-otp', { phone_number: '31651860671' });
    const wrong = other.body.debug_code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      await t.request('POST', '/verify-otp', { phone_number: '31651860671', code: wrong });
    }
    const afterLock = await t.request('POST', '/send-otp', { phone_number: '31651860671' });
    expect(afterLock.status).toBe(429);
    const v1 = await t.request('POST', '/v1/verifications', { to: '+31651860671' });
    expect(v1.status).toBe(429);
    expect(v1.body.error.code).toBe('RESEND_TOO_SOON');
    expect(Number(v1.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('validates like the reference: pydantic-shaped 422 lists', async () => {
    const cases: Array<[unknown, string, string]> = [
      [
        { phone_number: '31-651-860670' },
        'phone_number',
        'Value error, phone_number must contain digits only.',
      ],
      [
        { phone_number: '316518' },
        'phone_number',
        'Value error, phone_number must usually be between 10 and 15 digits.',
      ],
      [{ phone_number: 31651860670 }, 'phone_number', 'Input should be a valid string'],
      [{ purpose: 'login' }, 'phone_number', 'Field required'],
      [{ phone_number: '31651860670', purpose: '   ' }, 'purpose', 'Value error, purpose cannot be empty.'],
      [
        { phone_number: '31651860670', purpose: 'p'.repeat(51) },
        'purpose',
        'Value error, purpose must be 50 characters or less.',
      ],
      [{ phone_number: '31651860670', route_id: 9 }, 'route_id', 'Input should be less than or equal to 8'],
      [
        { phone_number: '31651860670', route_id: 0 },
        'route_id',
        'Input should be greater than or equal to 1',
      ],
    ];
    for (const [body, field, msg] of cases) {
      const res = await t.request('POST', '/send-otp', body);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body', field]);
      expect(res.body.detail[0].msg).toBe(msg);
    }
    // route_id parses like pydantic v2's lax int.
    const routeCases: Array<[unknown, number | [string, string]]> = [
      [true, 1],
      ['3.0', 3],
      ['+3', 3],
      [' 4 ', 4],
      ['0_3', 3],
      ['3_0', ['less_than_equal', 'Input should be less than or equal to 8']],
      ['3__0', ['int_parsing', 'Input should be a valid integer, unable to parse string as an integer']],
      [5.0, 5],
      [false, ['greater_than_equal', 'Input should be greater than or equal to 1']],
      [3.5, ['int_from_float', 'Input should be a valid integer, got a number with a fractional part']],
      ['3.5', ['int_parsing', 'Input should be a valid integer, unable to parse string as an integer']],
      [null, ['int_type', 'Input should be a valid integer']],
      [[3], ['int_type', 'Input should be a valid integer']],
    ];
    for (const [i, [routeId, expected]] of routeCases.entries()) {
      const res = await t.request('POST', '/send-otp', {
        phone_number: `3165186${String(i).padStart(4, '0')}`,
        route_id: routeId,
      });
      if (typeof expected === 'number') {
        expect(res.status, JSON.stringify(routeId)).toBe(200);
        expect(res.body.route_id).toBe(expected);
      } else {
        expect(res.status, JSON.stringify(routeId)).toBe(422);
        expect(res.body.detail[0]).toMatchObject({
          type: expected[0],
          loc: ['body', 'route_id'],
          msg: expected[1],
          input: routeId,
        });
      }
    }
    // A number that passes the reference's digit rules but is not a real number: 422, input echoed.
    const invalid = await t.request('POST', '/send-otp', { phone_number: '1234567890' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail[0]).toMatchObject({ loc: ['body', 'phone_number'], input: '1234567890' });
    // A JSON text without Content-Type is not read as JSON (a web page could post it cross-site).
    const undeclared = await fetch(`${t.url}/send-otp`, {
      method: 'POST',
      body: new Blob([JSON.stringify({ phone_number: '31651869876' })]),
    });
    expect(undeclared.status).toBe(422);
    expect(((await undeclared.json()) as { detail: Array<{ type: string }> }).detail[0]?.type).toBe(
      'model_attributes_type',
    );
    expect(t.app.sandbox?.listOutbox(10_000).some((m) => m.to === '+31651869876')).toBe(false);
    const noBody = await fetch(`${t.url}/send-otp`, { method: 'POST' });
    expect(noBody.status).toBe(422);
    expect(((await noBody.json()) as { detail: unknown }).detail).toEqual([
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
    ]);
    const emptyJson = await fetch(`${t.url}/send-otp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    expect(emptyJson.status).toBe(422);
    expect(((await emptyJson.json()) as { detail: unknown }).detail).toEqual([
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
    ]);
    const badJson = await t.request('POST', '/send-otp', '{"phone_number": "+31651860670",}');
    expect(badJson.status).toBe(422);
    // FastAPI: loc is ("body", JSONDecodeError.pos) and ctx.error its msg, as CPython reports them.
    expect(badJson.body.detail).toEqual([
      {
        type: 'json_invalid',
        loc: ['body', 32],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: 'Expecting property name enclosed in double quotes' },
      },
    ]);
    const withMark = await t.request('POST', '/send-otp', '\uFEFF{"phone_number": "31651860670"}');
    expect(withMark.status).toBe(200);
  });

  it('answers provider failures with 502 and a stable reason, never raw exception text', async () => {
    await t.close();
    const { ScriptedProvider } = await import('../../src/providers/scripted/scripted-provider.js');
    const failing = new ScriptedProvider({
      name: 'sandbox',
      defaultStep: { kind: 'fail', failure: 'server' },
    });
    t = await startTestServer({ overrides: { providers: [failing] } });
    const res = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/^SMS send failed: /);
    expect(res.body.detail).not.toMatch(/Error|at |ECONN|scripted/);
    // A failed send does not hold a cooldown: the caller may retry at once.
    failing.setDefault({ kind: 'accept' });
    const retry = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    expect(retry.status).toBe(200);
  });
});

describe('POST /verify-otp', () => {
  it('verifies with exactly the reference fields, once', async () => {
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const ok = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: sent.body.debug_code,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      status: 'otp_verified',
      phone_number: '*******0670',
      purpose: 'login',
      verified: true,
    });
    const replay = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: sent.body.debug_code,
    });
    expect(replay.status).toBe(404);
    expect(replay.body).toEqual({ detail: 'No active OTP found for this phone number and purpose.' });
  });

  it('counts attempts like the reference: 400 with attempts left, then 429, and the right code is refused', async () => {
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 0; left--) {
      const res = await t.request('POST', '/verify-otp', { phone_number: '31651860670', code: wrong });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: `Invalid OTP. Attempts left: ${left}` });
    }
    const locked = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: sent.body.debug_code,
    });
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ detail: 'OTP attempts exceeded.' });
  });

  it("strips and counts like Python: str.strip()'s whitespace, len() in characters", async () => {
    const emoji = await t.request('POST', '/send-otp', {
      phone_number: '31651860674',
      purpose: '😀'.repeat(30),
    });
    expect([emoji.status, emoji.body.purpose]).toEqual([200, '😀'.repeat(30)]);
    // \x1f is whitespace to Python (stripped); the byte-order mark is not (so not a digit either).
    const separator = await t.request('POST', '/send-otp', { phone_number: '31651860675\u001f' });
    expect(separator.status).toBe(200);
    const mark = await t.request('POST', '/send-otp', { phone_number: '\uFEFF31651860676' });
    expect([mark.status, mark.body.detail?.[0]?.loc]).toEqual([422, ['body', 'phone_number']]);
    const v1 = await t.request('POST', '/v1/verifications', { to: '+31651860677', purpose: '😀'.repeat(30) });
    expect(v1.status).toBe(201);
  });

  it('a body that is not UTF-8 is refused, not read with replacement characters', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"phone_number": "31651860680", "purpose": "lo'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('gin"}'),
    ]);
    const post = (path: string) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bytes,
      });
    const reference = await post('/send-otp');
    expect([reference.status, await reference.json()]).toEqual([
      400,
      { detail: 'There was an error parsing the body' },
    ]);
    const v1 = await post('/v1/verifications');
    const body = (await v1.json()) as { error: { code: string; details: unknown } };
    expect([v1.status, body.error.code, body.error.details]).toEqual([
      400,
      'INVALID_JSON',
      { reason: 'not_utf8' },
    ]);
    expect(t.app.sandbox?.listOutbox(10_000).some((m) => m.to === '+31651860680')).toBe(false);
  });

  it('a body nested deeper than Python decodes is a 400 parse error (the reference), not a 500', async () => {
    const post = (path: string, body: string) =>
      fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const path of ['/send-otp', '/verify-otp']) {
      for (const deep of [
        '['.repeat(4500) + ']'.repeat(4500),
        `{"x": ${'['.repeat(7000)}${']'.repeat(7000)}}`,
      ]) {
        const answer = await post(path, deep);
        expect([answer.status, await answer.json()]).toEqual([
          400,
          { detail: 'There was an error parsing the body' },
        ]);
        expect(answer.headers.get('x-process-time-ms')).toMatch(/^\d+\.\d\d$/);
      }
    }
    // Malformed JSON is judged in Python's order: nesting past the limit before the error is the
    // 400, a syntax error before any deep nesting is the usual json_invalid 422.
    const deepBroken = await post('/send-otp', '['.repeat(10_000));
    expect([deepBroken.status, await deepBroken.json()]).toEqual([
      400,
      { detail: 'There was an error parsing the body' },
    ]);
    const brokenFirst = await post('/verify-otp', ']' + '['.repeat(5000));
    expect(brokenFirst.status).toBe(422);
    // Nesting Python does decode is still validated (and echoed) as pydantic does.
    const shallow = await post('/send-otp', '['.repeat(900) + ']'.repeat(900));
    expect(shallow.status).toBe(422);
    // Brackets inside strings are text, not nesting.
    const bracketText = await post(
      '/verify-otp',
      JSON.stringify({ phone_number: '['.repeat(5000), code: '1' }),
    );
    expect(bracketText.status).toBe(422);
    const v1 = await post('/v1/verifications', '['.repeat(4500) + ']'.repeat(4500));
    expect(v1.status).toBe(400);
  });

  it('serves the reference GET /config and its X-Process-Time-Ms header on every reference answer', async () => {
    const settings = await fetch(`${t.url}/config`);
    expect(await settings.json()).toEqual({
      otp_length: 6,
      otp_ttl_seconds: 300,
      otp_send_cooldown_seconds: 45,
      otp_max_attempts: 5,
      default_route_id: 3,
      default_caller_id: t.app.routing.route(3)?.sender ?? null,
      debug_otp: true,
    });
    const answers = [
      settings,
      await fetch(`${t.url}/health`),
      await fetch(`${t.url}/send-otp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      await fetch(`${t.url}/verify-otp`, { method: 'GET' }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 422, 405]);
    for (const res of answers) expect(res.headers.get('x-process-time-ms')).toMatch(/^\d+\.\d{2}$/);
    // Not a v1 header.
    expect((await fetch(`${t.url}/healthz`)).headers.get('x-process-time-ms')).toBeNull();
  });

  it('a lock-out answers 429 until the code would have expired, then 404', async () => {
    await t.close();
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    t = await startTestServer({ overrides: { clock } });
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860671' });
    const wrong = sent.body.debug_code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await t.request('POST', '/verify-otp', { phone_number: '31651860671', code: wrong });
    clock.advanceSeconds(299);
    const locked = await t.request('POST', '/verify-otp', { phone_number: '31651860671', code: wrong });
    expect([locked.status, locked.body]).toEqual([429, { detail: 'OTP attempts exceeded.' }]);
    clock.advanceSeconds(1);
    const gone = await t.request('POST', '/verify-otp', { phone_number: '31651860671', code: wrong });
    expect([gone.status, gone.body]).toEqual([
      404,
      { detail: 'No active OTP found for this phone number and purpose.' },
    ]);
  });

  it('answers 404 for numbers and purposes without a code, and 422 for non-numeric codes', async () => {
    const none = await t.request('POST', '/verify-otp', { phone_number: '31651860670', code: '123456' });
    expect(none.status).toBe(404);
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860670', purpose: 'login' });
    const otherPurpose = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: sent.body.debug_code,
      purpose: 'signup',
    });
    expect(otherPurpose.status).toBe(404);
    const letters = await t.request('POST', '/verify-otp', { phone_number: '31651860670', code: '12ab56' });
    expect(letters.status).toBe(422);
    expect(letters.body.detail[0].msg).toBe('Value error, code must be numeric.');
    const missing = await t.request('POST', '/verify-otp', { phone_number: '31651860670' });
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'code'] });
  });

  it('treats a code of any length as a guess, like the reference: 404 without a code, else a counted wrong code', async () => {
    for (const code of ['1', '12345678901']) {
      const none = await t.request('POST', '/verify-otp', { phone_number: '31651869999', code });
      expect(none.status).toBe(404);
      expect(none.body).toEqual({ detail: 'No active OTP found for this phone number and purpose.' });
    }
    await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const short = await t.request('POST', '/verify-otp', { phone_number: '31651860670', code: '1' });
    expect(short.status).toBe(400);
    expect(short.body).toEqual({ detail: 'Invalid OTP. Attempts left: 4' });
    const long = await t.request('POST', '/verify-otp', {
      phone_number: '31651860670',
      code: '1'.repeat(11),
    });
    expect(long.body).toEqual({ detail: 'Invalid OTP. Attempts left: 3' });
  });
});

describe('concurrency on the reference endpoints', () => {
  it('50 parallel /verify-otp with the right code: exactly one otp_verified, the rest 404', async () => {
    const sent = await t.request('POST', '/send-otp', { phone_number: '31651860670' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.request('POST', '/verify-otp', { phone_number: '31651860670', code: sent.body.debug_code }),
      ),
    );
    expect(results.filter((r) => r.status === 200 && r.body.verified === true)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(49);
  });
});

describe('GET /health', () => {
  it('has the reference fields', async () => {
    const res = await t.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['active_otps', 'service', 'status', 'version']);
    expect(res.body.status).toBe('ok');
    expect(Number.isInteger(res.body.active_otps)).toBe(true);
  });
});

describe('OTPGATE_REFERENCE_API=false', () => {
  it('turns the reference paths off (they tell numbers with a code from numbers without); v1 stays', async () => {
    await t.close();
    t = await startTestServer({ env: { OTPGATE_REFERENCE_API: 'false' } });
    for (const [method, path] of [
      ['POST', '/send-otp'],
      ['POST', '/verify-otp'],
      ['GET', '/config'],
      ['GET', '/health'],
    ] as const) {
      const res = await t.request(
        method,
        path,
        method === 'POST' ? { phone_number: '31651860670' } : undefined,
      );
      // otpgate's own 404, like any unknown path: nothing answers in the reference's shapes.
      expect([res.status, res.body.error?.code, res.headers.get('x-process-time-ms')], path).toEqual([
        404,
        'NOT_FOUND',
        null,
      ]);
    }
    expect(t.app.sandbox?.listOutbox(10_000).length).toBe(0);
    expect((await t.request('POST', '/v1/verifications', { to: '+31651860670' })).status).toBe(201);
  });
});

describe('API token (API_AUTH_TOKEN)', () => {
  it('is checked before validation, in constant time, with the reference 401 body', async () => {
    await t.close();
    t = await startTestServer({ env: { API_AUTH_TOKEN: 'sekrit-token' } });
    const bad = await t.request('POST', '/send-otp', { phone_number: 'garbage' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ detail: 'Unauthorized.' });
    const v1 = await t.request('POST', '/v1/verifications', { to: '+31651860670' });
    expect([v1.status, v1.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const wrongScheme = await t.request(
      'POST',
      '/send-otp',
      { phone_number: '31651860670' },
      { authorization: 'bearer sekrit-token' },
    );
    expect(wrongScheme.status).toBe(401);
    const ok = await t.request(
      'POST',
      '/send-otp',
      { phone_number: '31651860670' },
      { authorization: 'Bearer sekrit-token' },
    );
    expect(ok.status).toBe(200);
    expect((await t.request('GET', '/health')).status).toBe(200);
    expect((await t.request('GET', '/healthz')).status).toBe(200);
    // A trailing slash is the same route for auth too: probes stay public, reference paths keep their body.
    expect((await t.request('GET', '/health/')).status).toBe(200);
    expect((await t.request('GET', '/healthz/')).status).toBe(200);
    const slashed = await t.request('POST', '/send-otp/', { phone_number: '31651860670' });
    expect([slashed.status, slashed.body]).toEqual([401, { detail: 'Unauthorized.' }]);
    const settings = await t.request('GET', '/config');
    expect([settings.status, settings.body]).toEqual([401, { detail: 'Unauthorized.' }]);
    const wrongMethod = await t.request('GET', '/send-otp');
    expect([wrongMethod.status, wrongMethod.body]).toEqual([401, { detail: 'Unauthorized.' }]);
    expect(wrongMethod.headers.get('x-process-time-ms')).toMatch(/^\d+\.\d{2}$/);
    const allowed = await t.request('GET', '/config', undefined, { authorization: 'Bearer sekrit-token' });
    expect([allowed.status, allowed.body.otp_length]).toEqual([200, 6]);
  });
});
