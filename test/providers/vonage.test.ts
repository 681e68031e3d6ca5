import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVonageProvider,
  isGsm7,
  mapVonageDlrStatus,
  verifyVonageSignature,
  vonageSignature,
  type VonageOptions,
} from '../../src/providers/vonage/index.js';
import { failureOf, messageFactory, webhookFactory } from '../fakes/provider-test-kit.js';
import { startVonageFake, type VonageFake } from '../fakes/vonage-fake.js';

const TEXT = 'Your code is 123456';
const CALLBACK = 'https://otp.example.com/v1/webhooks/vonage';

const message = messageFactory({
  attemptId: 'msg_01HX',
  verificationId: 'ver_01',
  to: '+447700900123',
  text: TEXT,
  statusCallbackUrl: CALLBACK,
});

const opts = () => ({ signal: AbortSignal.timeout(5_000) });

const webhook = webhookFactory(CALLBACK);

describe('Vonage adapter', () => {
  let fake: VonageFake;
  const provider = (overrides: Partial<VonageOptions> = {}) =>
    createVonageProvider({
      name: 'vonage-main',
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      baseUrl: `${fake.url}/`,
      from: 'OTPGATE',
      ...overrides,
    });

  beforeAll(async () => {
    fake = await startVonageFake({ balanceEur: 10 });
  });
  afterEach(() => {
    fake.reset();
    fake.balanceEur = 10;
  });
  afterAll(() => fake.close());

  it('describes itself', () => {
    expect(provider()).toMatchObject({ name: 'vonage-main', type: 'vonage', channels: ['sms'] });
  });

  it('sends a form-encoded SMS with client-ref and callback', async () => {
    const result = await provider().send(message(), opts());
    expect(result).toEqual({
      ok: true,
      providerMessageId: expect.stringMatching(/^[0-9A-F]{16}$/),
      status: 'queued',
      priceMicros: 33_300,
      currency: 'EUR',
    });
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/sms/json');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.params).toEqual({
      api_key: fake.apiKey,
      api_secret: fake.apiSecret,
      from: 'OTPGATE',
      to: '447700900123',
      text: TEXT,
      'client-ref': 'msg_01HX',
      callback: CALLBACK,
    });
    expect(fake.balanceEur).toBeCloseTo(10 - 0.0333, 6);
  });

  it('marks non-GSM text as unicode and prices every part of long texts', async () => {
    await provider().send(message({ text: 'Ваш код 123456' }), opts());
    expect(fake.requests[0]!.params.type).toBe('unicode');

    const long = await provider().send(
      message({ text: `${TEXT} `.repeat(10), statusCallbackUrl: undefined }),
      opts(),
    );
    expect(long).toMatchObject({ ok: true, priceMicros: 66_600 });
    if (!long.ok) throw new Error('send failed');
    expect(fake.messages.get(long.providerMessageId)?.parts).toBe(2);
    expect(fake.requests[1]!.params.type).toBeUndefined();
    expect(fake.requests[1]!.params.callback).toBeUndefined();
  });

  it("prefers the route's sender and refuses to send without any", async () => {
    await provider().send(message({ sender: 'ACME' }), opts());
    expect(fake.requests[0]!.params.from).toBe('ACME');
    const none = failureOf(await provider({ from: undefined }).send(message(), opts()));
    expect(none).toMatchObject({ kind: 'rejected', retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses other channels', async () => {
    expect(failureOf(await provider().send(message({ channel: 'whatsapp' }), opts()))).toMatchObject({
      kind: 'unsupported',
    });
  });

  it('reads the balance with Basic auth, keeping the secret out of the URL', async () => {
    fake.balanceEur = 15.5359;
    expect(await provider().balance(opts())).toEqual({
      ok: true,
      balanceMicros: 15_535_900,
      currency: 'EUR',
    });
    const request = fake.requests[0]!;
    expect(request).toMatchObject({ method: 'GET', path: '/account/get-balance' });
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.apiKey}:${fake.apiSecret}`).toString('base64')}`,
    );
    expect(request.path).not.toContain(fake.apiSecret);
    expect(failureOf(await provider({ apiSecret: 'wrong' }).balance(opts()))).toMatchObject({ kind: 'auth' });
    fake.enqueue('missing_fields');
    expect(failureOf(await provider().balance(opts()))).toMatchObject({ kind: 'malformed_response' });
  });

  describe('failure mapping', () => {
    it('5xx → server', async () => {
      fake.setMode('server_error');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'server',
        retryable: true,
        providerCode: '500',
      });
    });

    it('no answer → timeout', async () => {
      fake.setMode('hang');
      expect(failureOf(await provider().send(message(), { signal: AbortSignal.timeout(200) }))).toMatchObject(
        {
          kind: 'timeout',
          retryable: true,
        },
      );
      expect(failureOf(await provider({ timeoutMs: 150 }).send(message(), opts()))).toMatchObject({
        kind: 'timeout',
      });
    });

    it('connection reset → network', async () => {
      fake.setMode('reset');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'network',
        retryable: true,
      });
    });

    it('unreadable 200 → malformed_response', async () => {
      fake.enqueue('non_json', 'missing_fields', {
        status: 200,
        body: { 'message-count': '1', messages: [{ status: '0' }] },
      });
      for (let i = 0; i < 3; i += 1) {
        expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
          kind: 'malformed_response',
          retryable: true,
        });
      }
    });

    it('bad credentials (status 4) → auth', async () => {
      const failure = failureOf(await provider({ apiSecret: 'wrong' }).send(message(), opts()));
      expect(failure).toEqual({
        kind: 'auth',
        retryable: true,
        providerCode: '4',
        message: 'vonage: Bad Credentials',
      });
    });

    it('real gateway checks: bad number, long callback, no credit', async () => {
      expect(failureOf(await provider().send(message({ to: '+44' }), opts()))).toMatchObject({
        kind: 'rejected',
        providerCode: '3',
      });
      const longCallback = `${CALLBACK}?${'x'.repeat(100)}`;
      expect(
        failureOf(await provider().send(message({ statusCallbackUrl: longCallback }), opts())),
      ).toMatchObject({
        kind: 'rejected',
        providerCode: '23',
      });
      fake.balanceEur = 0.01;
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'insufficient_balance',
        retryable: true,
        providerCode: '9',
      });
    });

    it.each([
      ['1', 'throttled', true],
      ['2', 'rejected', false],
      ['3', 'rejected', false],
      ['4', 'auth', true],
      ['5', 'server', true],
      ['6', 'invalid_number', false],
      ['7', 'blocked', false],
      ['8', 'auth', true],
      ['9', 'insufficient_balance', true],
      ['10', 'throttled', true],
      ['11', 'auth', true],
      ['12', 'rejected', false],
      ['14', 'auth', true],
      ['15', 'blocked', false],
      ['17', 'blocked', false],
      ['22', 'rejected', false],
      ['23', 'rejected', false],
      ['29', 'blocked', false],
      ['32', 'auth', true],
      ['33', 'invalid_number', false],
      ['99', 'rejected', false],
    ] as const)('status %s → %s', async (vonageStatus, kind, retryable) => {
      fake.enqueue({ vonageStatus, errorText: 'gateway says no' });
      expect(failureOf(await provider().send(message(), opts()))).toEqual({
        kind,
        retryable,
        providerCode: vonageStatus,
        message: 'vonage: gateway says no',
      });
    });

    it('never puts secrets or the text into a failure', async () => {
      const results = [await provider({ apiSecret: 'wrong-secret' }).send(message(), opts())];
      fake.enqueue({ vonageStatus: '5' });
      results.push(await provider().send(message(), opts()));
      for (const result of results) {
        const text = JSON.stringify(result);
        for (const secret of ['wrong-secret', fake.apiSecret, TEXT]) expect(text).not.toContain(secret);
      }
    });
  });

  describe('delivery receipts', () => {
    it('parses a GET receipt (query parameters)', async () => {
      const sent = await provider().send(message(), opts());
      if (!sent.ok) throw new Error('send failed');
      const query = fake.deliveryReceipt(sent.providerMessageId, 'delivered');
      expect(provider().parseDeliveryReports(webhook({ method: 'GET', query }))).toEqual([
        {
          providerMessageId: sent.providerMessageId,
          status: 'delivered',
          providerStatus: 'delivered',
          priceMicros: 33_300,
          currency: 'EUR',
        },
      ]);
      expect(query['client-ref']).toBe('msg_01HX');
    });

    it('parses POST JSON and POST form receipts with error codes', () => {
      const json = fake.deliveryReceipt('0A0000001234567B', 'failed', { errCode: '6' });
      const [report] = provider().parseDeliveryReports(
        webhook({ body: json, rawBody: JSON.stringify(json) }),
      );
      expect(report).toMatchObject({
        providerMessageId: '0A0000001234567B',
        status: 'failed',
        providerStatus: 'failed',
        errorCode: '6',
      });

      const form = fake.deliveryReceipt('0A0000001234567C', 'expired', { errCode: '3' });
      expect(
        provider().parseDeliveryReports(
          webhook({ body: form, rawBody: new URLSearchParams(form).toString() }),
        ),
      ).toMatchObject([{ providerMessageId: '0A0000001234567C', status: 'undelivered', errorCode: '3' }]);
    });

    it('ignores webhooks that are not receipts', () => {
      const inbound = {
        msisdn: '447700900001',
        to: '447700900000',
        messageId: 'abc',
        text: 'hi',
        type: 'text',
      };
      expect(provider().parseDeliveryReports(webhook({ body: inbound }))).toEqual([]);
      expect(provider().parseDeliveryReports(webhook({ body: 'nonsense' }))).toEqual([]);
    });

    it.each([
      ['delivered', 'delivered'],
      ['expired', 'undelivered'],
      ['failed', 'failed'],
      ['rejected', 'rejected'],
      ['accepted', 'sent'],
      ['buffered', 'sent'],
      ['unknown', 'sent'],
      ['something-new', 'queued'],
    ] as const)('status %s → %s', (raw, status) => {
      expect(mapVonageDlrStatus(raw)).toBe(status);
    });
  });

  describe('webhook signatures', () => {
    const secret = 'dlr-signature-secret';
    const nowSeconds = 1_700_000_000;
    const signed = (method?: 'md5hash' | 'sha256' | 'sha512', timestampSeconds = nowSeconds) =>
      createVonageProvider({
        name: 'v',
        apiKey: 'abcd1234',
        apiSecret: 'x',
        signatureSecret: secret,
        ...(method ? { signatureMethod: method } : {}),
        nowMs: () => timestampSeconds * 1000,
      });

    it('accepts everything when no signature secret is configured', () => {
      expect(provider().verifyWebhook(webhook({ body: { messageId: 'x', status: 'delivered' } }))).toBe(true);
    });

    it('accepts a valid md5hash signature in a GET query and a POST body', () => {
      const params = fake.deliveryReceipt('0A0000001234567B', 'delivered', {
        signatureSecret: secret,
        timestampSeconds: nowSeconds,
      });
      expect(signed().verifyWebhook(webhook({ method: 'GET', query: params }))).toBe(true);
      expect(signed().verifyWebhook(webhook({ body: params }))).toBe(true);
    });

    it('accepts HMAC signatures (Vonage sends them upper-case)', () => {
      for (const method of ['sha256', 'sha512'] as const) {
        const params = fake.deliveryReceipt('0A01', 'failed', {
          signatureSecret: secret,
          signatureMethod: method,
          timestampSeconds: nowSeconds,
        });
        expect(params.sig).toMatch(/^[0-9A-F]+$/);
        expect(signed(method).verifyWebhook(webhook({ body: params }))).toBe(true);
        expect(signed('md5hash').verifyWebhook(webhook({ body: params }))).toBe(false);
      }
    });

    it('rejects tampered, unsigned, wrongly keyed and stale receipts', () => {
      const params = fake.deliveryReceipt('0A01', 'failed', {
        signatureSecret: secret,
        timestampSeconds: nowSeconds,
      });
      expect(signed().verifyWebhook(webhook({ body: { ...params, status: 'delivered' } }))).toBe(false);
      const { sig: _sig, ...unsigned } = params;
      expect(signed().verifyWebhook(webhook({ body: unsigned }))).toBe(false);
      const other = fake.deliveryReceipt('0A01', 'failed', {
        signatureSecret: 'other',
        timestampSeconds: nowSeconds,
      });
      expect(signed().verifyWebhook(webhook({ body: other }))).toBe(false);
      expect(signed(undefined, nowSeconds + 301).verifyWebhook(webhook({ body: params }))).toBe(false);
      expect(signed(undefined, nowSeconds + 299).verifyWebhook(webhook({ body: params }))).toBe(true);
      const lenient = createVonageProvider({
        name: 'v',
        apiKey: 'abcd1234',
        apiSecret: 'x',
        signatureSecret: secret,
        signatureToleranceSeconds: 0,
        nowMs: () => (nowSeconds + 86_400) * 1000,
      });
      expect(lenient.verifyWebhook(webhook({ body: params }))).toBe(true);
    });

    // Vectors from Vonage's own SDK tests (vonage-python-sdk http_client/tests/test_auth.py and v2 tests).
    it('matches the SDK test vectors', () => {
      expect(vonageSignature({ a: '1', b: '2', timestamp: '1461605396' }, 'secret', 'md5hash')).toBe(
        '6af838ef94998832dbfc29020b564830',
      );
      const params = { param1: 'value1', param2: 'value2', timestamp: '1234567890' };
      expect(vonageSignature(params, 'signature_secret', 'md5')).toBe('724c2bf6ca423c36e20631b11d1c5753');
      expect(vonageSignature(params, 'signature_secret', 'sha256')).toBe(
        '280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287',
      );
      const special = { param1: 'value&1', param2: 'value=2', timestamp: '1234567890' };
      expect(vonageSignature(special, 'signature_secret', 'md5')).toBe('2bbf0abafb2c55e5af6231513896a2ac');
      const incoming = { param: 'value', timestamp: '1234567890', sig: '655A4D0B7F064DFF438DEFC52B012CF5' };
      expect(verifyVonageSignature(incoming, 'signature_secret', 'md5')).toBe(true);
      expect(
        verifyVonageSignature({ ...incoming, sig: 'invalid_signature' }, 'signature_secret', 'md5'),
      ).toBe(false);
    });
  });
});

describe('isGsm7', () => {
  it('knows the GSM 03.38 alphabet and its extension', () => {
    expect(isGsm7('Your code is 123456 @£$¥ èé ÄÖÑÜ §¿ {}[]~|€^\\')).toBe(true);
    expect(isGsm7('Ваш код')).toBe(false);
    expect(isGsm7('code 🙂')).toBe(false);
    expect(isGsm7('ç')).toBe(false);
  });
});
