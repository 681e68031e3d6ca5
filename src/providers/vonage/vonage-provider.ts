import { failureForStatus, httpRequest, isRecord, parseJson } from '../http-client.js';
import {
  failure,
  toMicros,
  type CallOptions,
  type DeliveryReport,
  type InboundWebhook,
  type OutboundMessage,
  type Provider,
  type ProviderBalance,
  type ProviderFailureResult,
  type SendResult,
} from '../provider.js';
import { isGsm7 } from './gsm7.js';
import { verifyVonageSignature, type VonageSignatureMethod } from './vonage-signature.js';
import { mapVonageDlrStatus, vonageSendFailure } from './vonage-status.js';

export interface VonageOptions {
  name: string;
  apiKey: string;
  apiSecret: string;
  /** When set, delivery-receipt webhooks must carry a valid `sig`; without it every webhook is accepted. */
  signatureSecret?: string;
  /** As chosen in the Vonage dashboard; default 'md5hash' (Vonage's default). */
  signatureMethod?: VonageSignatureMethod;
  /** Signed webhooks whose `timestamp` is further from now are refused (replays); default 300, 0 = no check. */
  signatureToleranceSeconds?: number;
  /** Default https://rest.nexmo.com; tests point it at a fake. */
  baseUrl?: string;
  /** Sender used when the route gives none. */
  from?: string;
  /** Upper bound per request, on top of the caller's signal. */
  timeoutMs?: number;
  nowMs?: () => number;
}

export type VonageProvider = Provider &
  Required<Pick<Provider, 'balance' | 'verifyWebhook' | 'parseDeliveryReports'>>;

/** Vonage quotes prices and balances in EUR. */
const CURRENCY = 'EUR';

/** Vonage sends numeric fields as strings ("0.03330000"). */
function amount(value: unknown): number | undefined {
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Receipt parameters: query (GET receipts) overlaid with the body (POST form or JSON receipts). */
function webhookFields(request: InboundWebhook): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.query)) if (value !== undefined) fields[name] = value;
  if (isRecord(request.body)) {
    for (const [name, value] of Object.entries(request.body)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        fields[name] = String(value);
    }
  }
  return fields;
}

/** Vonage SMS API (rest.nexmo.com/sms/json) with delivery receipts by webhook. */
export function createVonageProvider(options: VonageOptions): VonageProvider {
  const base = (options.baseUrl ?? 'https://rest.nexmo.com').replace(/\/+$/, '');
  const nowMs = options.nowMs ?? Date.now;
  const toleranceSeconds = options.signatureToleranceSeconds ?? 300;
  // Basic auth keeps the secret out of URLs (and so out of proxy logs) where the API allows it.
  const basicAuth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;

  return {
    name: options.name,
    type: 'vonage',
    channels: ['sms'],

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (message.channel !== 'sms')
        return failure('unsupported', `vonage: channel ${message.channel} not offered`);
      const from = message.sender ?? options.from;
      if (!from) return failure('rejected', 'vonage: no sender configured for this route');
      const form = new URLSearchParams({
        api_key: options.apiKey,
        api_secret: options.apiSecret,
        from,
        to: message.to.replace(/\D/g, ''),
        text: message.text,
        'client-ref': message.attemptId,
      });
      if (!isGsm7(message.text)) form.set('type', 'unicode');
      if (message.statusCallbackUrl) form.set('callback', message.statusCallbackUrl);
      const outcome = await httpRequest({
        url: `${base}/sms/json`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: callOptions.signal,
        timeoutMs: options.timeoutMs,
      });
      if (!outcome.ok) return outcome;
      const { status, text } = outcome.response;
      if (status < 200 || status >= 300) return failureForStatus(status, String(status));
      const body = parseJson(text);
      const parts = isRecord(body) && Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
      if (parts.length === 0) return failure('malformed_response', `vonage: unreadable answer (${status})`);
      // Long texts are split into parts, each with its own status and price; the first part's id is the receipt key.
      const codes = parts.map((part) =>
        typeof part.status === 'number' ? String(part.status) : part.status,
      );
      const refusedAt = codes.findIndex((code) => code !== '0');
      if (refusedAt >= 0) {
        const code = codes[refusedAt];
        if (typeof code !== 'string') return failure('malformed_response', 'vonage: answer without status');
        const errorText = parts[refusedAt]?.['error-text'];
        return vonageSendFailure(code, typeof errorText === 'string' ? errorText : undefined);
      }
      const id = parts[0]?.['message-id'];
      if (typeof id !== 'string' || id === '')
        return failure('malformed_response', 'vonage: answer without message-id');
      const prices = parts.map((part) => amount(part['message-price']));
      const priced = prices.every((price) => price !== undefined);
      return {
        ok: true,
        providerMessageId: id,
        status: 'queued',
        ...(priced
          ? {
              priceMicros: prices.reduce<number>((sum, price) => sum + toMicros(price ?? 0), 0),
              currency: CURRENCY,
            }
          : {}),
      };
    },

    async balance(callOptions: CallOptions): Promise<ProviderBalance | ProviderFailureResult> {
      const outcome = await httpRequest({
        url: `${base}/account/get-balance`,
        method: 'GET',
        headers: { authorization: basicAuth, accept: 'application/json' },
        signal: callOptions.signal,
        timeoutMs: options.timeoutMs,
      });
      if (!outcome.ok) return outcome;
      const { status, text } = outcome.response;
      if (status < 200 || status >= 300) return failureForStatus(status, String(status));
      const body = parseJson(text);
      const value = isRecord(body) ? amount(body.value) : undefined;
      if (value === undefined) return failure('malformed_response', 'vonage: balance answer without value');
      return { ok: true, balanceMicros: toMicros(value), currency: CURRENCY };
    },

    verifyWebhook(request: InboundWebhook): boolean {
      if (!options.signatureSecret) return true;
      const fields = webhookFields(request);
      if (!verifyVonageSignature(fields, options.signatureSecret, options.signatureMethod ?? 'md5hash'))
        return false;
      if (toleranceSeconds === 0) return true;
      const timestamp = amount(fields.timestamp);
      return timestamp !== undefined && Math.abs(nowMs() / 1000 - timestamp) <= toleranceSeconds;
    },

    parseDeliveryReports(request: InboundWebhook): DeliveryReport[] {
      const fields = webhookFields(request);
      const id = fields.messageId ?? fields['message-id'];
      const status = fields.status;
      // Inbound SMS share the endpoint shape but have no status: not a receipt.
      if (!id || !status) return [];
      const errorCode = fields['err-code'];
      const price = amount(fields.price);
      return [
        {
          providerMessageId: id,
          status: mapVonageDlrStatus(status),
          providerStatus: status,
          ...(errorCode && errorCode !== '0' ? { errorCode } : {}),
          ...(price !== undefined ? { priceMicros: toMicros(price), currency: CURRENCY } : {}),
        },
      ];
    },
  };
}
