import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

/** Whatever a client sends, otpgate answers with a typed status (never 5xx) and a JSON body. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { OTPGATE_RESEND_COOLDOWN_SECONDS: '0' } });
});
afterAll(async () => {
  await t.close();
});

const ENDPOINTS = [
  '/v1/verifications',
  '/v1/verifications/check',
  '/v1/estimate',
  '/send-otp',
  '/verify-otp',
];

const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.constantFrom(
    '+31651860670',
    '31651860670',
    '123456',
    'sms',
    'email',
    'login',
    '',
    ' ',
    '\u0000',
    '９９９',
  ),
);
const body = fc.oneof(
  fc.record(
    {
      to: fieldValue,
      phone_number: fieldValue,
      code: fieldValue,
      id: fieldValue,
      purpose: fieldValue,
      channel: fieldValue,
      route_id: fieldValue,
      locale: fieldValue,
      message: fieldValue,
    },
    { requiredKeys: [] },
  ),
  fc.json(),
  fc.string(),
);

describe('bad input never reaches a 500', () => {
  it('random bodies on every POST endpoint get a 2xx or a typed 4xx with a JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), body, async (path, payload) => {
        const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
        const res = await t.request('POST', path, raw);
        expect(res.status, `${path} ${raw} → ${res.status} ${res.text}`).toBeLessThan(500);
        expect(res.body, `${path} ${raw} → ${res.text}`).toBeDefined();
        if (res.status >= 400 && !['/send-otp', '/verify-otp'].includes(path)) {
          expect(typeof res.body.error.code).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('odd paths, methods and ids are typed 4xx', async () => {
    const cases: Array<[string, string, number]> = [
      ['GET', `/v1/verifications/${'x'.repeat(500)}`, 400],
      ['GET', '/v1/verifications/%00', 404],
      ['POST', '/v1/verifications/ver_x/cancel', 404],
      ['POST', '/v1/verifications/ver_x/resend', 404],
      ['DELETE', '/v1/verifications', 405],
      ['DELETE', '/v1/verifications/ver_x', 405],
      ['GET', '/v1/messages/nope', 404],
      ['POST', '/v1/webhooks/dlr/unknown-provider', 404],
    ];
    for (const [method, path, status] of cases) {
      const res = await t.request(method, path);
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(res.body.error.code).toBeTruthy();
    }
  });

  it('a resend with a malformed body is a 400, not a 500', async () => {
    const sent = await t.request('POST', '/v1/verifications', { to: '+31687654321' });
    const res = await t.request('POST', `/v1/verifications/${sent.body.id}/resend`, { route_id: 'x' });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
