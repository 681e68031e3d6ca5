import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createBridgeXApiProvider,
  decodeOrderTrackingId,
  encodeOrderTrackingId,
  isOrderTrackingId,
  mapBridgeStatus,
} from '../../src/providers/bridgexapi/index.js';
import { startBridgeXApiFake, type BridgeXApiFake } from '../fakes/bridgexapi-fake.js';
import { failureOf, messageFactory } from '../fakes/provider-test-kit.js';

const TEXT = 'Your code is 123456';

const message = messageFactory({
  attemptId: 'msg_01',
  verificationId: 'ver_01',
  to: '+31612345678',
  text: TEXT,
});

const opts = () => ({ signal: AbortSignal.timeout(5_000) });

describe('BridgeXAPI adapter', () => {
  let fake: BridgeXApiFake;
  const provider = (overrides: Partial<Parameters<typeof createBridgeXApiProvider>[0]> = {}) =>
    createBridgeXApiProvider({
      name: 'bx-main',
      apiKey: fake.apiKey,
      baseUrl: `${fake.url}/`,
      routeId: 3,
      callerId: 'OTPGATE',
      ...overrides,
    });

  beforeAll(async () => {
    fake = await startBridgeXApiFake({ apiKey: 'bx-secret-key', balanceEur: 10 });
  });
  afterEach(() => {
    fake.reset();
    fake.balanceEur = 10;
  });
  afterAll(() => fake.close());

  it('describes itself', () => {
    const p = provider();
    expect(p.name).toBe('bx-main');
    expect(p.type).toBe('bridgexapi');
    expect(p.channels).toEqual(['sms']);
  });

  it('sends on the configured route and reads ids, order and cost', async () => {
    const result = await provider().send(message(), opts());
    expect(result).toEqual({
      ok: true,
      providerMessageId: expect.stringMatching(/^BX-22000-[0-9a-f]{16}$/),
      providerOrderId: '22000',
      status: 'queued',
      priceMicros: 71_000,
      currency: 'EUR',
    });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/api/v1/send_sms');
    expect(request.headers['x-api-key']).toBe('bx-secret-key');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.json).toEqual({
      route_id: 3,
      caller_id: 'OTPGATE',
      numbers: ['31612345678'],
      message: TEXT,
    });
    expect(fake.balanceEur).toBeCloseTo(10 - 0.071, 6);
  });

  it("uses the route's sender as caller_id when it has one", async () => {
    await provider().send(message({ sender: 'ACME' }), opts());
    expect(fake.requests[0]!.json).toMatchObject({ caller_id: 'ACME' });
  });

  it('refuses channels other than sms without calling the gateway', async () => {
    const failure = failureOf(await provider().send(message({ channel: 'voice' }), opts()));
    expect(failure).toMatchObject({ kind: 'unsupported', retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('estimates with price, balance and sufficiency', async () => {
    const estimate = await provider({ routeId: 1 }).estimate(
      { to: '+31612345678', channel: 'sms', text: TEXT, sender: undefined },
      opts(),
    );
    expect(estimate).toEqual({
      ok: true,
      priceMicros: 51_000,
      currency: 'EUR',
      balanceMicros: 10_000_000,
      sufficientBalance: true,
    });
    expect(fake.requests[0]!.path).toBe('/api/v1/estimate');
    expect(fake.requests[0]!.json).toEqual({
      route_id: 1,
      caller_id: 'OTPGATE',
      numbers: ['31612345678'],
      message: TEXT,
    });

    fake.balanceEur = 0.01;
    const poor = await provider({ routeId: 1 }).estimate(
      { to: '+31612345678', channel: 'sms', text: TEXT, sender: undefined },
      opts(),
    );
    expect(poor).toMatchObject({ ok: true, sufficientBalance: false, balanceMicros: 10_000 });
  });

  it('reads the balance', async () => {
    fake.balanceEur = 201.7;
    expect(await provider().balance(opts())).toEqual({
      ok: true,
      balanceMicros: 201_700_000,
      currency: 'EUR',
    });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/balance' });
    expect(fake.requests[0]!.headers['x-api-key']).toBe('bx-secret-key');
  });

  it('polls delivery status by bx_message_id', async () => {
    const p = provider();
    const sent = await p.send(message(), opts());
    if (!sent.ok) throw new Error('send failed');
    const id = sent.providerMessageId;

    expect(await p.fetchDeliveryStatus(id, opts())).toEqual({
      providerMessageId: id,
      status: 'queued',
      providerStatus: 'QUEUED',
    });
    expect(fake.requests.at(-1)!.path).toBe(`/api/v1/dlr/${id}`);

    fake.setDlrStatus(id, 'DELIVERED');
    expect(await p.fetchDeliveryStatus(id, opts())).toMatchObject({
      status: 'delivered',
      providerStatus: 'DELIVERED',
    });

    fake.setDlrStatus(id, 'FAILED', 'Absent subscriber');
    expect(await p.fetchDeliveryStatus(id, opts())).toEqual({
      providerMessageId: id,
      status: 'failed',
      providerStatus: 'FAILED',
      errorMessage: 'Absent subscriber',
    });
  });

  it('answers undefined for unknown messages and failed lookups', async () => {
    const p = provider();
    expect(await p.fetchDeliveryStatus('BX-1-0000000000000000', opts())).toBeUndefined();
    fake.enqueue('server_error');
    expect(await p.fetchDeliveryStatus('BX-1-0000000000000000', opts())).toBeUndefined();
  });

  describe('accepted without bx_message_id (the SDK model allows null)', () => {
    // The shared fake keeps counting order ids across tests, so each test reads its own.
    const nullIdSend = async (p: ReturnType<typeof provider>) => {
      fake.nullNextMessageIds();
      const sent = await p.send(message(), opts());
      if (!sent.ok) throw new Error('send failed');
      return { id: sent.providerMessageId, orderId: Number(sent.providerOrderId) };
    };

    it('is accepted under a synthetic order id after one gateway call, not failed over', async () => {
      fake.nullNextMessageIds();
      const result = await provider().send(message(), opts());
      expect(result).toEqual({
        ok: true,
        providerMessageId: expect.stringMatching(/^order:\d+:31612345678$/),
        providerOrderId: expect.stringMatching(/^\d+$/),
        status: 'queued',
        priceMicros: 71_000,
        currency: 'EUR',
      });
      if (!result.ok) throw new Error('send failed');
      expect(result.providerMessageId).toBe(`order:${result.providerOrderId}:31612345678`);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.path).toBe('/api/v1/send_sms');
      // The gateway did take (and charge for) the message.
      expect(fake.recordsOfOrder(Number(result.providerOrderId))).toHaveLength(1);
      expect(fake.balanceEur).toBeCloseTo(10 - 0.071, 6);
    });

    it('accepts a missing bx_message_id or messages list as long as order_id is a number', async () => {
      fake.enqueue(
        { status: 200, body: { status: 'success', order_id: 7, messages: [{ msisdn: '31612345678' }] } },
        { status: 200, body: { status: 'success', order_id: 8 } },
      );
      expect(await provider().send(message(), opts())).toMatchObject({
        ok: true,
        providerMessageId: 'order:7:31612345678',
        providerOrderId: '7',
      });
      expect(await provider().send(message(), opts())).toMatchObject({
        ok: true,
        providerMessageId: 'order:8:31612345678',
      });
    });

    it('a real bx_message_id without an order_id is accepted too (nothing to fail over for)', async () => {
      fake.enqueue({
        status: 200,
        body: { status: 'success', messages: [{ bx_message_id: 'BX-3-0123456789abcdef' }] },
      });
      const result = await provider().send(message(), opts());
      expect(result).toEqual({ ok: true, providerMessageId: 'BX-3-0123456789abcdef', status: 'queued' });
    });

    it('polls a synthetic id through GET /orders/{order_id}/dlr and maps DELIVERED / FAILED', async () => {
      const p = provider();
      const { id, orderId } = await nullIdSend(p);
      const record = fake.recordsOfOrder(orderId)[0]!;

      expect(await p.fetchDeliveryStatus(id, opts())).toEqual({
        providerMessageId: id,
        status: 'queued',
        providerStatus: 'QUEUED',
      });
      const poll = fake.requests.at(-1)!;
      expect(poll).toMatchObject({ method: 'GET', path: `/api/v1/orders/${orderId}/dlr?limit=500&skip=0` });
      expect(poll.headers['x-api-key']).toBe('bx-secret-key');

      fake.setDlrStatus(record.bx_message_id, 'DELIVERED');
      expect(await p.fetchDeliveryStatus(id, opts())).toEqual({
        providerMessageId: id,
        status: 'delivered',
        providerStatus: 'DELIVERED',
      });

      fake.setDlrStatus(record.bx_message_id, 'FAILED', 'Absent subscriber');
      expect(await p.fetchDeliveryStatus(id, opts())).toEqual({
        providerMessageId: id,
        status: 'failed',
        providerStatus: 'FAILED',
        errorMessage: 'Absent subscriber',
      });
      // Never asked the per-message endpoint with the synthetic id.
      expect(fake.requests.some((r) => r.path.startsWith('/api/v1/dlr/'))).toBe(false);
    });

    it("picks its own number's record out of the order", async () => {
      fake.enqueue({
        status: 200,
        body: {
          total: 2,
          skip: 0,
          limit: 500,
          messages: [
            { bx_message_id: 'BX-9-aaaaaaaaaaaaaaaa', msisdn: '31600000000', status: 'FAILED' },
            { bx_message_id: 'BX-9-bbbbbbbbbbbbbbbb', msisdn: '31612345678', status: 'DELIVERED' },
          ],
        },
      });
      expect(await provider().fetchDeliveryStatus('order:9:31612345678', opts())).toEqual({
        providerMessageId: 'order:9:31612345678',
        status: 'delivered',
        providerStatus: 'DELIVERED',
      });
    });

    it('answers undefined when the order or the number is not found, or the lookup fails', async () => {
      const p = provider();
      const { id, orderId } = await nullIdSend(p);
      // Unknown order: the fake answers 404 "Order not found".
      expect(await p.fetchDeliveryStatus('order:99999:31612345678', opts())).toBeUndefined();
      expect(fake.requests.at(-1)!.path).toBe('/api/v1/orders/99999/dlr?limit=500&skip=0');
      // Known order, another number.
      expect(await p.fetchDeliveryStatus(`order:${orderId}:31699999999`, opts())).toBeUndefined();
      // Unexpected shapes and failed lookups.
      fake.enqueue({ status: 200, body: { total: 0, messages: [] } }, { status: 200, body: { total: 1 } });
      expect(await p.fetchDeliveryStatus(id, opts())).toBeUndefined();
      expect(await p.fetchDeliveryStatus(id, opts())).toBeUndefined();
      fake.enqueue('server_error');
      expect(await p.fetchDeliveryStatus(id, opts())).toBeUndefined();
      expect(await provider({ apiKey: 'nope' }).fetchDeliveryStatus(id, opts())).toBeUndefined();
      // Still there for the right key.
      expect(await p.fetchDeliveryStatus(id, opts())).toMatchObject({ status: 'queued' });
    });
  });

  describe('failure mapping', () => {
    it('5xx → server (retryable)', async () => {
      fake.setMode('server_error');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'server',
        retryable: true,
        providerCode: '500',
      });
    });

    it('5xx with a non-JSON body → server', async () => {
      fake.enqueue({ status: 502, body: 'Bad Gateway' });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'server',
        retryable: true,
      });
    });

    it('no answer → timeout via the caller signal', async () => {
      fake.setMode('hang');
      const started = Date.now();
      const failure = failureOf(await provider().send(message(), { signal: AbortSignal.timeout(200) }));
      expect(failure).toMatchObject({ kind: 'timeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('no answer → timeout via timeoutMs', async () => {
      fake.setMode('hang');
      const failure = failureOf(await provider({ timeoutMs: 150 }).send(message(), opts()));
      expect(failure).toMatchObject({ kind: 'timeout', retryable: true });
    });

    it('connection reset → network', async () => {
      fake.setMode('reset');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'network',
        retryable: true,
      });
    });

    it('refused connection → network', async () => {
      const closed = await startBridgeXApiFake();
      await closed.close();
      const p = createBridgeXApiProvider({
        name: 'x',
        apiKey: 'k',
        baseUrl: closed.url,
        routeId: 1,
        callerId: 'OTP',
      });
      expect(failureOf(await p.send(message(), opts()))).toMatchObject({ kind: 'network' });
    });

    it('200 with a non-JSON body → malformed_response', async () => {
      fake.setMode('non_json');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'malformed_response',
        retryable: true,
      });
    });

    it('200 JSON without bx_message_id / order_id → malformed_response', async () => {
      fake.setMode('missing_fields');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'malformed_response',
      });
      // Neither a usable bx_message_id nor a usable numeric order_id: nothing to track it by.
      fake.enqueue(
        { status: 200, body: { status: 'success', messages: [{ bx_message_id: null }] } },
        { status: 200, body: { status: 'success', order_id: '5', messages: [{ bx_message_id: '' }] } },
        { status: 200, body: { status: 'success', order_id: 1.5, messages: [{ bx_message_id: null }] } },
      );
      for (let i = 0; i < 3; i += 1) {
        expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
          kind: 'malformed_response',
        });
      }
      expect(failureOf(await provider().balance(opts()))).toMatchObject({ kind: 'malformed_response' });
    });

    it('wrong or missing API key → auth (retryable on another route)', async () => {
      const wrong = failureOf(await provider({ apiKey: 'nope' }).send(message(), opts()));
      expect(wrong).toMatchObject({ kind: 'auth', retryable: true, providerCode: '401' });
      expect(wrong.message).toContain('Invalid or inactive API Key');
      fake.enqueue({ status: 403, body: { detail: 'Missing X-API-KEY header' } });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({ kind: 'auth' });
    });

    it('insufficient balance → insufficient_balance', async () => {
      fake.balanceEur = 0.01;
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'insufficient_balance',
        retryable: true,
        providerCode: '402',
      });
      expect(fake.messages.size).toBe(0);
    });

    it('invalid route_id → blocked (not retryable)', async () => {
      expect(failureOf(await provider({ routeId: 6 }).send(message(), opts()))).toMatchObject({
        kind: 'blocked',
        retryable: false,
        providerCode: '400',
      });
    });

    it('route not authorized / sender not allowed → blocked', async () => {
      const restricted = await startBridgeXApiFake({ apiKey: 'k', unauthorizedRoutes: [5] });
      try {
        const p = createBridgeXApiProvider({
          name: 'x',
          apiKey: 'k',
          baseUrl: restricted.url,
          routeId: 5,
          callerId: 'OTP',
        });
        expect(failureOf(await p.send(message(), opts()))).toMatchObject({
          kind: 'blocked',
          retryable: false,
        });
      } finally {
        await restricted.close();
      }
      fake.enqueue({ status: 403, body: { detail: 'Sender ID not allowed for route 8' } });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'blocked',
        retryable: false,
      });
    });

    it('vendor send failed → server (retryable)', async () => {
      fake.enqueue({ status: 400, body: { detail: 'Vendor send failed' } });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'server',
        retryable: true,
      });
    });

    it('pricing / estimate failed and no pricing → rejected', async () => {
      fake.enqueue(
        { status: 400, body: { detail: 'Pricing failed for destination' } },
        { status: 400, body: { detail: 'Estimate failed' } },
        { status: 400, body: { detail: 'No pricing available for destination' } },
      );
      for (let i = 0; i < 3; i += 1) {
        expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
          kind: 'rejected',
          retryable: false,
        });
      }
    });

    it('bad number → invalid_number; other validation lists → rejected', async () => {
      const short = failureOf(await provider().send(message({ to: '+31612' }), opts()));
      expect(short).toMatchObject({ kind: 'invalid_number', retryable: false, providerCode: '422' });
      fake.enqueue({ status: 400, body: { detail: 'Invalid number format' } });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({ kind: 'invalid_number' });
      const long = failureOf(await provider().send(message({ text: 'x'.repeat(200) }), opts()));
      expect(long).toMatchObject({ kind: 'rejected', retryable: false, providerCode: '422' });
    });

    it('unknown details fall back to the HTTP status', async () => {
      fake.enqueue(
        { status: 429, body: { detail: 'Slow down' } },
        { status: 418, body: { detail: 'Teapot' } },
      );
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'throttled',
        message: 'bridgexapi: Slow down',
      });
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({ kind: 'rejected' });
    });

    it('never puts the API key or the message text into a failure', async () => {
      fake.enqueue({ status: 500, body: { detail: 'Vendor send failed' } });
      const results = [
        await provider().send(message(), opts()),
        await provider({ apiKey: 'other-secret' }).send(message(), opts()),
      ];
      for (const result of results) {
        const text = JSON.stringify(result);
        expect(text).not.toContain('bx-secret-key');
        expect(text).not.toContain('other-secret');
        expect(text).not.toContain(TEXT);
      }
    });
  });
});

describe('order tracking ids', () => {
  it('round-trips order and number', () => {
    const id = encodeOrderTrackingId({ orderId: 22000, msisdn: '31612345678' });
    expect(id).toBe('order:22000:31612345678');
    expect(decodeOrderTrackingId(id!)).toEqual({ orderId: 22000, msisdn: '31612345678' });
    expect(isOrderTrackingId(id!)).toBe(true);
  });

  it('never takes a real BridgeXAPI id or anything else for one', () => {
    for (const id of ['BX-22000-0123456789abcdef', 'order:22000:', 'order::316', 'order:1:+316', 'x']) {
      expect(decodeOrderTrackingId(id)).toBeUndefined();
      expect(isOrderTrackingId(id)).toBe(false);
    }
  });

  it('refuses parts it could not decode again', () => {
    for (const orderId of [-1, 1.5, 1e21, Number.NaN]) {
      expect(encodeOrderTrackingId({ orderId, msisdn: '31612345678' })).toBeUndefined();
    }
    expect(encodeOrderTrackingId({ orderId: 1, msisdn: '' })).toBeUndefined();
  });
});

describe('mapBridgeStatus', () => {
  it.each([
    ['DELIVERED', 'delivered'],
    ['delivered', 'delivered'],
    ['FAILED', 'failed'],
    ['UNDELIVERED', 'undelivered'],
    ['EXPIRED', 'undelivered'],
    ['REJECTED', 'rejected'],
    ['QUEUED', 'queued'],
    ['ACCEPTED', 'queued'],
    ['PENDING', 'queued'],
    ['SENT', 'sent'],
    ['SUBMITTED', 'sent'],
    ['ENROUTE', 'sent'],
    ['SOMETHING_NEW', 'queued'],
  ] as const)('%s → %s', (raw, status) => {
    expect(mapBridgeStatus(raw)).toBe(status);
  });
});
