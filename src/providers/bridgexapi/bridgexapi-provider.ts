import { httpRequest, isRecord, parseJson } from '../http-client.js';
import {
  failure,
  toMicros,
  type CallOptions,
  type DeliveryReport,
  type EstimateRequest,
  type OutboundMessage,
  type Provider,
  type ProviderBalance,
  type ProviderEstimate,
  type ProviderFailureResult,
  type SendResult,
} from '../provider.js';
import { bridgeDetail, bridgeFailure } from './bridgexapi-errors.js';
import { mapBridgeStatus } from './bridgexapi-status.js';
import { decodeOrderTrackingId, encodeOrderTrackingId, type OrderTrackingRef } from './order-tracking-id.js';

export interface BridgeXApiOptions {
  name: string;
  apiKey: string;
  /** Default https://hi.bridgexapi.io; tests point it at a fake. */
  baseUrl?: string;
  /** The BridgeXAPI route_id every message of this instance is sent on. */
  routeId: number;
  /** caller_id used when the route gives no sender. */
  callerId: string;
  /** Upper bound per request, on top of the caller's signal. */
  timeoutMs?: number;
}

export type BridgeXApiProvider = Provider &
  Required<Pick<Provider, 'estimate' | 'balance' | 'fetchDeliveryStatus'>>;

/** BridgeXAPI prices and balances are in EUR (estimate answers say so; send answers do not). */
const CURRENCY = 'EUR';

/** The documented page size of `GET /orders/{order_id}/dlr`; otpgate sends one number per order. */
const ORDER_DLR_LIMIT = 500;

type Answer = { ok: true; body: Record<string, unknown> } | ProviderFailureResult;

/**
 * What a send answer lets us track the message by. A real bx_message_id comes first. An answer with
 * an order_id but a null or missing bx_message_id (the vendor SDK's model allows it) was still
 * accepted, so it gets a synthetic order id (order-tracking-id.ts): calling it malformed would be
 * retryable, fail over, and send the code a second time. Undefined when there is nothing to track by.
 */
function trackingIdOf(body: Record<string, unknown>, msisdn: string): string | undefined {
  const first: unknown = Array.isArray(body.messages) ? body.messages[0] : undefined;
  const id = isRecord(first) ? first.bx_message_id : undefined;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof body.order_id !== 'number') return undefined;
  return encodeOrderTrackingId({ orderId: body.order_id, msisdn });
}

/** BridgeXAPI's msisdn form: digits only, no '+'. */
function msisdnOf(number: string): string {
  return number.replace(/\D/g, '');
}

/** The record of our number among an order's DLR records (compared as digits, like we sent it). */
function recordFor(messages: unknown, ref: OrderTrackingRef): Record<string, unknown> | undefined {
  if (!Array.isArray(messages)) return undefined;
  return (messages as unknown[]).find(
    (record): record is Record<string, unknown> =>
      isRecord(record) && typeof record.msisdn === 'string' && msisdnOf(record.msisdn) === ref.msisdn,
  );
}

/**
 * A DLR record as a report under the id the attempt was stored with (real or synthetic), since
 * the dispatcher matches reports to attempts by that id. Undefined when the record has no status.
 */
function reportOf(providerMessageId: string, record: Record<string, unknown>): DeliveryReport | undefined {
  const { status, error } = record;
  if (typeof status !== 'string') return undefined;
  const errorMessage = typeof error === 'string' && error !== '' ? error.slice(0, 200) : undefined;
  return {
    providerMessageId,
    status: mapBridgeStatus(status),
    providerStatus: status,
    ...(errorMessage ? { errorMessage } : {}),
  };
}

/**
 * BridgeXAPI over its JSON wire API: explicit route_id, X-API-KEY auth, DLR polling by bx_message_id
 * (or by order and number for messages accepted without one).
 */
export function createBridgeXApiProvider(options: BridgeXApiOptions): BridgeXApiProvider {
  const base = `${(options.baseUrl ?? 'https://hi.bridgexapi.io').replace(/\/+$/, '')}/api/v1`;
  // Built once: the HTTP pool serialises a headers object it has seen before from its cache.
  const headers = { 'X-API-KEY': options.apiKey, Accept: 'application/json' };
  const jsonHeaders = { ...headers, 'Content-Type': 'application/json' };

  /** One round trip; 2xx bodies that are not a JSON object are malformed, error bodies are mapped. */
  async function call(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    callOptions: CallOptions,
  ): Promise<Answer> {
    const outcome = await httpRequest({
      url: `${base}${path}`,
      method,
      headers: body === undefined ? headers : jsonHeaders,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: callOptions.signal,
      timeoutMs: options.timeoutMs,
    });
    if (!outcome.ok) return outcome;
    const { status, text } = outcome.response;
    const parsed = parseJson(text);
    if (status < 200 || status >= 300 || bridgeDetail(parsed)) return bridgeFailure(status, parsed);
    if (!isRecord(parsed)) return failure('malformed_response', `bridgexapi: unreadable answer (${status})`);
    return { ok: true, body: parsed };
  }

  // The SDK rejects a leading '+' instead of stripping it; E.164 always has one, so we send digits.
  const smsBody = (to: string, text: string, sender: string | undefined) => ({
    route_id: options.routeId,
    caller_id: sender ?? options.callerId,
    numbers: [msisdnOf(to)],
    message: text,
  });

  /** GET /dlr/{bx_message_id}: the one record of a real id ("DLR record not found" → undefined). */
  async function messageRecord(
    bxMessageId: string,
    callOptions: CallOptions,
  ): Promise<Record<string, unknown> | undefined> {
    const answer = await call('GET', `/dlr/${encodeURIComponent(bxMessageId)}`, undefined, callOptions);
    return answer.ok ? answer.body : undefined;
  }

  /** GET /orders/{order_id}/dlr: a synthetic id's record, found in its order by number. */
  async function orderRecord(
    ref: OrderTrackingRef,
    callOptions: CallOptions,
  ): Promise<Record<string, unknown> | undefined> {
    // One page is enough: otpgate puts exactly one number into each send_sms order.
    const path = `/orders/${ref.orderId}/dlr?limit=${ORDER_DLR_LIMIT}&skip=0`;
    const answer = await call('GET', path, undefined, callOptions);
    return answer.ok ? recordFor(answer.body.messages, ref) : undefined;
  }

  return {
    name: options.name,
    type: 'bridgexapi',
    channels: ['sms'],

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (message.channel !== 'sms')
        return failure('unsupported', `bridgexapi: channel ${message.channel} not offered`);
      const answer = await call(
        'POST',
        '/send_sms',
        smsBody(message.to, message.text, message.sender),
        callOptions,
      );
      if (!answer.ok) return answer;
      const { body } = answer;
      const id = trackingIdOf(body, msisdnOf(message.to));
      if (id === undefined) {
        return failure('malformed_response', 'bridgexapi: send answer without bx_message_id or order_id');
      }
      const cost = body.cost;
      return {
        ok: true,
        providerMessageId: id,
        ...(typeof body.order_id === 'number' ? { providerOrderId: String(body.order_id) } : {}),
        status: 'queued',
        ...(typeof cost === 'number' && Number.isFinite(cost)
          ? { priceMicros: toMicros(cost), currency: CURRENCY }
          : {}),
      };
    },

    async estimate(
      request: EstimateRequest,
      callOptions: CallOptions,
    ): Promise<ProviderEstimate | ProviderFailureResult> {
      if (request.channel !== 'sms')
        return failure('unsupported', `bridgexapi: channel ${request.channel} not offered`);
      const answer = await call(
        'POST',
        '/estimate',
        smsBody(request.to, request.text, request.sender),
        callOptions,
      );
      if (!answer.ok) return answer;
      const { body } = answer;
      if (typeof body.estimated_cost !== 'number')
        return failure('malformed_response', 'bridgexapi: estimate without cost');
      return {
        ok: true,
        priceMicros: toMicros(body.estimated_cost),
        currency: typeof body.currency === 'string' ? body.currency : CURRENCY,
        ...(typeof body.balance === 'number' ? { balanceMicros: toMicros(body.balance) } : {}),
        ...(typeof body.sufficient_balance === 'boolean'
          ? { sufficientBalance: body.sufficient_balance }
          : {}),
      };
    },

    async balance(callOptions: CallOptions): Promise<ProviderBalance | ProviderFailureResult> {
      const answer = await call('GET', '/balance', undefined, callOptions);
      if (!answer.ok) return answer;
      const { body } = answer;
      if (typeof body.balance !== 'number')
        return failure('malformed_response', 'bridgexapi: balance answer without balance');
      return {
        ok: true,
        balanceMicros: toMicros(body.balance),
        currency: typeof body.currency === 'string' ? body.currency : CURRENCY,
      };
    },

    /**
     * Undefined when BridgeXAPI has no record yet ("DLR record not found", or the order does not
     * list our number) and also when the lookup itself fails: polling is retried later anyway, and
     * the port never throws. Synthetic ids (accepted without bx_message_id) are polled by order.
     */
    async fetchDeliveryStatus(
      providerMessageId: string,
      callOptions: CallOptions,
    ): Promise<DeliveryReport | undefined> {
      const ref = decodeOrderTrackingId(providerMessageId);
      const record = ref
        ? await orderRecord(ref, callOptions)
        : await messageRecord(providerMessageId, callOptions);
      return record ? reportOf(providerMessageId, record) : undefined;
    },
  };
}
