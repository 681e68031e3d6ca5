import type { IncomingHttpHeaders } from 'node:http';
import { cryptoRandom } from '../../src/core/random.js';
import { FakeGatewayState, type FakeGatewayControls } from './fake-gateway-state.js';
import { startFakeHttpServer, type FakeHttpAnswer, type FakeHttpRequest } from './fake-http-server.js';

/**
 * A fake BridgeXAPI (`/api/v1` wire API as the vendor's SDK v0.2.0 uses it) on 127.0.0.1 with an
 * ephemeral port. It checks X-API-KEY, validates bodies like the SDK's client-side rules, prices per
 * route, keeps a balance, stores one DLR record per message, and plays failure modes. It is shared
 * by the adapter tests, the end-to-end tests and `npm run bench`, so it never logs and keeps at most
 * `maxRecordedRequests` requests.
 *
 * Paths: POST send_sms and estimate; GET balance, dlr/{bx_message_id} and orders/{order_id}/dlr
 * (`limit`=500, `skip`=0; 404 "Order not found" when no record of that order is kept).
 *
 * Usage:
 *   const fake = await startBridgeXApiFake({ apiKey: 'k', balanceEur: 10 });
 *   createBridgeXApiProvider({ baseUrl: fake.url, apiKey: fake.apiKey, ... });
 *   fake.setMode('hang');                 // every request from now on
 *   fake.enqueue('reset', { status: 503, body: { detail: 'busy' } }); // the next two requests
 *   fake.setDlrStatus(bxMessageId, 'DELIVERED');
 *   fake.nullNextMessageIds();            // the next send_sms answers "bx_message_id": null
 *   fake.recordsOfOrder(orderId);         // DLR records of an order (also those answered as null)
 *   await fake.close();
 */

/** Failure modes (and 'normal'). They apply before authentication, to every path. */
export type BridgeXApiFakeMode =
  | 'normal'
  /** 500 {"detail":"Internal Server Error"} */
  | 'server_error'
  /** Reads the request and never answers; only the client's signal (or close()) ends it. */
  | 'hang'
  /** Destroys the connection without an answer. */
  | 'reset'
  /** 200 with a body that is not JSON. */
  | 'non_json'
  /** 200 with JSON that lacks the documented fields. */
  | 'missing_fields';

/** A one-shot step: a mode, or an exact answer. */
export type BridgeXApiFakeStep = BridgeXApiFakeMode | { status: number; body: unknown };

export interface BridgeXApiFakeOptions {
  /** Default 'bx-test-key'. */
  apiKey?: string;
  /** Starting balance; default 1,000,000 so benchmarks never run dry. */
  balanceEur?: number;
  /** Price per message by route_id; defaults cover every valid route. */
  pricesEur?: Readonly<Record<number, number>>;
  /** Valid routes the key may not use: 403 "You are not authorized for route N". */
  unauthorizedRoutes?: readonly number[];
  /** DLR status of a new message; default 'QUEUED'. 'DELIVERED' simulates instant delivery. */
  initialDlrStatus?: string;
  /** Default 22000, like the vendor's examples. */
  firstOrderId?: number;
  /** Default 1000; 0 records nothing (benchmarks). Oldest requests are dropped first. */
  maxRecordedRequests?: number;
  /** DLR records kept; default 100,000, oldest dropped first, so long benchmarks stay bounded. */
  maxMessages?: number;
}

export interface BridgeXApiFakeRequest extends FakeHttpRequest {
  /** Parsed JSON body, undefined when empty or not JSON. */
  json: unknown;
}

/** The DLR record as GET /api/v1/dlr/{id} returns it. */
export interface BridgeXApiFakeMessage {
  bx_message_id: string;
  msisdn: string;
  status: string;
  route_id: number;
  sms_order_id: number;
  created_at: string;
  error: string | null;
  caller_id: string;
  message: string;
}

/** Also: requests, messages, balanceEur, setMode, enqueue, reset and close (FakeGatewayControls). */
export interface BridgeXApiFake extends FakeGatewayControls<
  BridgeXApiFakeMode,
  BridgeXApiFakeStep,
  BridgeXApiFakeRequest,
  BridgeXApiFakeMessage
> {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash, no /api/v1). */
  readonly url: string;
  readonly apiKey: string;
  /** Sets a message's DLR status (e.g. QUEUED → DELIVERED / FAILED); throws for unknown ids. */
  setDlrStatus(bxMessageId: string, status: string, error?: string | null): void;
  /**
   * The next `count` (default 1) accepted send_sms answers carry `"bx_message_id": null`, as the
   * vendor SDK's model allows. The DLR records are still kept under an internal BX id (see
   * recordsOfOrder), so GET orders/{order_id}/dlr finds them by msisdn. reset() clears it.
   */
  nullNextMessageIds(count?: number): void;
  /** The kept DLR records of one order, in send order (empty when none). */
  recordsOfOrder(orderId: number): BridgeXApiFakeMessage[];
}

const VALID_ROUTES = new Set([1, 2, 3, 4, 5, 7, 8]);
const DEFAULT_PRICES_EUR: Readonly<Record<number, number>> = {
  1: 0.051,
  2: 0.061,
  3: 0.071,
  4: 0.081,
  5: 0.091,
  7: 0.091,
  8: 0.075,
};
const MICROS = 1_000_000;
/** Page defaults of GET /api/v1/orders/{order_id}/dlr, as the SDK documents them. */
const ORDER_DLR_LIMIT = 500;

function validation(loc: (string | number)[], msg: string): FakeHttpAnswer {
  return { status: 422, body: { detail: [{ type: 'value_error', loc: ['body', ...loc], msg }] } };
}

/** The record as the DLR endpoints answer it: without the fake's own bookkeeping fields. */
function dlrView(record: BridgeXApiFakeMessage): Omit<BridgeXApiFakeMessage, 'caller_id' | 'message'> {
  const { caller_id: _callerId, message: _message, ...dlr } = record;
  return dlr;
}

/** A non-negative integer query parameter, or the default when absent; undefined when invalid. */
function queryInt(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

export async function startBridgeXApiFake(options: BridgeXApiFakeOptions = {}): Promise<BridgeXApiFake> {
  const apiKey = options.apiKey ?? 'bx-test-key';
  const prices = { ...DEFAULT_PRICES_EUR, ...options.pricesEur };
  const unauthorized = new Set(options.unauthorizedRoutes ?? []);
  const state = new FakeGatewayState<
    BridgeXApiFakeMode,
    BridgeXApiFakeStep,
    BridgeXApiFakeRequest,
    BridgeXApiFakeMessage
  >({
    balanceEur: options.balanceEur ?? 1_000_000,
    maxRecordedRequests: options.maxRecordedRequests ?? 1000,
    maxMessages: options.maxMessages ?? 100_000,
  });
  let nextOrderId = options.firstOrderId ?? 22000;
  let nullIdsLeft = 0;

  /** Linear over the kept records: fine for tests, and benchmarks never poll by order. */
  function recordsOfOrder(orderId: number): BridgeXApiFakeMessage[] {
    return [...state.messages.values()].filter((record) => record.sms_order_id === orderId);
  }

  /** GET /api/v1/orders/{order_id}/dlr: the order's records, one page of them. */
  function orderDlr(orderPath: string, query: URLSearchParams): FakeHttpAnswer {
    if (!/^\d{1,15}$/.test(orderPath)) return validation(['order_id'], 'Input should be a valid integer');
    const limit = queryInt(query, 'limit', ORDER_DLR_LIMIT);
    const skip = queryInt(query, 'skip', 0);
    if (limit === undefined || skip === undefined)
      return validation(['limit'], 'limit and skip must be non-negative integers');
    const records = recordsOfOrder(Number(orderPath));
    if (records.length === 0) return { status: 404, body: { detail: 'Order not found' } };
    const messages = records.slice(skip, skip + limit).map(dlrView);
    return { status: 200, body: { total: records.length, skip, limit, messages } };
  }

  function modeAnswer(step: BridgeXApiFakeStep): FakeHttpAnswer | undefined {
    if (typeof step !== 'string') return step;
    switch (step) {
      case 'normal':
        return undefined;
      case 'server_error':
        return { status: 500, body: { detail: 'Internal Server Error' } };
      case 'hang':
      case 'reset':
        return step;
      case 'non_json':
        return { status: 200, body: '<html>502 Bad Gateway</html>' };
      case 'missing_fields':
        return { status: 200, body: { status: 'success' } };
    }
  }

  function sms(json: unknown, send: boolean): FakeHttpAnswer {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return validation([], 'Input should be a valid dictionary');
    }
    const body = json as Record<string, unknown>;
    const routeId = body.route_id;
    if (typeof routeId !== 'number' || !VALID_ROUTES.has(routeId))
      return { status: 400, body: { detail: 'Invalid route_id' } };
    if (unauthorized.has(routeId))
      return { status: 403, body: { detail: `You are not authorized for route ${routeId}` } };
    const callerId = typeof body.caller_id === 'string' ? body.caller_id.trim() : '';
    if (callerId.length < 3 || callerId.length > 11)
      return validation(['caller_id'], 'caller_id must be 3-11 characters');
    const numbers = body.numbers;
    if (!Array.isArray(numbers) || numbers.length === 0)
      return validation(['numbers'], 'numbers must be a non-empty list');
    for (const [index, number] of numbers.entries()) {
      if (typeof number !== 'string' || !/^\d{10,15}$/.test(number)) {
        return validation(['numbers', index], 'Invalid number: use 10-15 digits without +');
      }
    }
    const message = body.message;
    if (
      typeof message !== 'string' ||
      message.length === 0 ||
      message.length > 158 ||
      !/^[\x20-\x7e\n\r]*$/.test(message)
    ) {
      return validation(['message'], 'message must be 1-158 ASCII characters');
    }
    const costMicros = Math.round((prices[routeId] ?? 0.05) * MICROS) * numbers.length;
    const cost = costMicros / MICROS;
    if (!send) {
      return {
        status: 200,
        body: {
          status: 'success',
          message: 'Estimate calculated successfully.',
          route_id: routeId,
          count: numbers.length,
          estimated_cost: cost,
          currency: 'EUR',
          balance: state.balanceEur,
          sufficient_balance: costMicros <= state.balanceMicros,
          sandbox: false,
        },
      };
    }
    if (costMicros > state.balanceMicros) {
      return {
        status: 402,
        body: { detail: `Insufficient balance: required ${cost}, available ${state.balanceEur}` },
      };
    }
    state.balanceMicros -= costMicros;
    const orderId = nextOrderId++;
    const createdAt = new Date().toISOString();
    const nullIds = nullIdsLeft > 0;
    if (nullIds) nullIdsLeft -= 1;
    const accepted = (numbers as string[]).map((msisdn) => {
      const record: BridgeXApiFakeMessage = {
        // Pooled CSPRNG bytes: randomBytes(8) per message was a tenth of the fake's CPU in the bench.
        bx_message_id: `BX-${orderId}-${cryptoRandom.hex(8)}`,
        msisdn,
        status: options.initialDlrStatus ?? 'QUEUED',
        route_id: routeId,
        sms_order_id: orderId,
        created_at: createdAt,
        error: null,
        caller_id: callerId,
        message,
      };
      state.keep(record.bx_message_id, record);
      return { bx_message_id: nullIds ? null : record.bx_message_id, msisdn, status: 'QUEUED' };
    });
    return {
      status: 200,
      body: {
        status: 'success',
        message: `SMS batch accepted via route ${routeId}`,
        order_id: orderId,
        route_id: routeId,
        count: accepted.length,
        messages: accepted,
        cost,
        balance_after: state.balanceEur,
      },
    };
  }

  function route(method: string, path: string, headers: IncomingHttpHeaders, json: unknown): FakeHttpAnswer {
    const key = headers['x-api-key'];
    if (key === undefined || key === '') return { status: 401, body: { detail: 'Missing API Key' } };
    if (key !== apiKey) return { status: 401, body: { detail: 'Invalid or inactive API Key' } };
    const [pathname = '', search = ''] = path.split('?');
    if (method === 'POST' && pathname === '/api/v1/send_sms') return sms(json, true);
    if (method === 'POST' && pathname === '/api/v1/estimate') return sms(json, false);
    if (method === 'GET' && pathname === '/api/v1/balance') {
      const balance = state.balanceEur;
      return {
        status: 200,
        body: { status: 'success', balance, currency: 'EUR', sandbox: false, username: 'fake' },
      };
    }
    if (method === 'GET' && pathname.startsWith('/api/v1/dlr/')) {
      const record = state.messages.get(decodeURIComponent(pathname.slice('/api/v1/dlr/'.length)));
      if (!record) return { status: 404, body: { detail: 'DLR record not found' } };
      return { status: 200, body: dlrView(record) };
    }
    const order = /^\/api\/v1\/orders\/([^/]+)\/dlr$/.exec(pathname);
    if (method === 'GET' && order)
      return orderDlr(decodeURIComponent(order[1] ?? ''), new URLSearchParams(search));
    return { status: 404, body: { detail: 'Not Found' } };
  }

  function handle(request: FakeHttpRequest): FakeHttpAnswer {
    const { method, path, headers, rawBody } = request;
    let json: unknown;
    try {
      json = rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown);
    } catch {
      json = undefined;
    }
    state.record(request, { json });
    const step = state.nextStep();
    return (
      modeAnswer(step ?? state.mode) ??
      (rawBody !== '' && json === undefined
        ? validation([], 'JSON decode error')
        : route(method, path, headers, json))
    );
  }

  const server = await startFakeHttpServer(handle);
  const fake = state.expose<BridgeXApiFake>(server.close, {
    url: server.url,
    apiKey,
    setDlrStatus(bxMessageId, status, error = null) {
      const record = state.messages.get(bxMessageId);
      if (!record) throw new Error(`bridgexapi fake: unknown message ${bxMessageId}`);
      record.status = status;
      record.error = error;
    },
    nullNextMessageIds(count = 1) {
      nullIdsLeft = count;
    },
    recordsOfOrder,
  });
  // The shared reset() knows nothing of the null-id countdown; a reset fake answers real ids again.
  const sharedReset = fake.reset;
  fake.reset = () => {
    sharedReset();
    nullIdsLeft = 0;
  };
  return fake;
}
