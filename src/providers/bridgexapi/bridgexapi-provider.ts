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
import { callSignal } from '../call-signal.js';

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

type Answer = { ok: true; body: Record<string, unknown> } | ProviderFailureResult;

/** BridgeXAPI over its JSON wire API: explicit route_id, X-API-KEY auth, DLR polling by bx_message_id. */
export function createBridgeXApiProvider(options: BridgeXApiOptions): BridgeXApiProvider {
  const base = `${(options.baseUrl ?? 'https://hi.bridgexapi.io').replace(/\/+$/, '')}/api/v1`;
  const headers = { 'X-API-KEY': options.apiKey, Accept: 'application/json' };

  const signalFor = (callOptions: CallOptions): AbortSignal =>
    callSignal(callOptions.signal, options.timeoutMs);

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
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signalFor(callOptions),
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
    numbers: [to.replace(/\D/g, '')],
    message: text,
  });

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
      const first: unknown = Array.isArray(body.messages) ? body.messages[0] : undefined;
      const id = isRecord(first) ? first.bx_message_id : undefined;
      if (typeof id !== 'string' || id === '' || typeof body.order_id !== 'number') {
        return failure('malformed_response', 'bridgexapi: send answer without bx_message_id or order_id');
      }
      const cost = body.cost;
      return {
        ok: true,
        providerMessageId: id,
        providerOrderId: String(body.order_id),
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
     * Undefined when BridgeXAPI has no record yet ("DLR record not found") and also when the
     * lookup itself fails: polling is retried later anyway, and the port never throws.
     */
    async fetchDeliveryStatus(
      providerMessageId: string,
      callOptions: CallOptions,
    ): Promise<DeliveryReport | undefined> {
      const answer = await call(
        'GET',
        `/dlr/${encodeURIComponent(providerMessageId)}`,
        undefined,
        callOptions,
      );
      if (!answer.ok) return undefined;
      const { status, error } = answer.body;
      if (typeof status !== 'string') return undefined;
      const errorMessage = typeof error === 'string' && error !== '' ? error.slice(0, 200) : undefined;
      return {
        providerMessageId,
        status: mapBridgeStatus(status),
        providerStatus: status,
        ...(errorMessage ? { errorMessage } : {}),
      };
    },
  };
}
