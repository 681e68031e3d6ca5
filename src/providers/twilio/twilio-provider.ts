import type { Channel } from '../../core/index.js';
import { httpRequest, isRecord, parseJson } from '../http-client.js';
import {
  failure,
  toMicros,
  type CallOptions,
  type DeliveryReport,
  type InboundWebhook,
  type OutboundMessage,
  type Provider,
  type SendResult,
} from '../provider.js';
import { buildCreateRequest } from './twilio-request.js';
import { verifyTwilioSignature } from './twilio-signature.js';
import { mapTwilioStatus, twilioErrorFailure } from './twilio-status.js';

export interface TwilioOptions {
  name: string;
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; tests point it at a fake. */
  baseUrl?: string;
  /** SMS sender and voice caller id (E.164) unless the route gives one. */
  from?: string;
  messagingServiceSid?: string;
  /** WhatsApp-enabled sender, E.164 (the `whatsapp:` prefix is added). */
  whatsappFrom?: string;
  /** Default: sms, plus whatsapp when whatsappFrom is set, plus voice when from is set. */
  channels?: readonly Extract<Channel, 'sms' | 'whatsapp' | 'voice'>[];
  /** Upper bound per request, on top of the caller's signal. */
  timeoutMs?: number;
}

export type TwilioProvider = Provider &
  Required<Pick<Provider, 'fetchDeliveryStatus' | 'verifyWebhook' | 'parseDeliveryReports'>>;

/** Twilio Programmable Messaging (SMS, WhatsApp) and Voice (a `<Say>` call) over the REST API. */
export function createTwilioProvider(options: TwilioOptions): TwilioProvider {
  const base = `${(options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const senders = {
    from: options.from,
    messagingServiceSid: options.messagingServiceSid,
    whatsappFrom: options.whatsappFrom,
  };
  const channels: readonly Channel[] = options.channels ?? [
    'sms',
    ...(options.whatsappFrom ? (['whatsapp'] as const) : []),
    ...(options.from ? (['voice'] as const) : []),
  ];

  return {
    name: options.name,
    type: 'twilio',
    channels,

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (!channels.includes(message.channel))
        return failure('unsupported', `twilio: channel ${message.channel} not enabled`);
      const create = buildCreateRequest(message, senders);
      if (typeof create === 'string') return failure('rejected', `twilio: ${create}`);
      const outcome = await httpRequest({
        url: `${base}/${create.resource}.json`,
        method: 'POST',
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: create.form.toString(),
        signal: callOptions.signal,
        timeoutMs: options.timeoutMs,
      });
      if (!outcome.ok) return outcome;
      const { status, text } = outcome.response;
      const json = parseJson(text);
      if (status < 200 || status >= 300) return twilioErrorFailure(status, errorCode(json));
      const resource = readResource(json);
      if (!resource) return failure('malformed_response', 'twilio: unreadable create response');
      const { providerMessageId, status: deliveryStatus, priceMicros, currency } = resource;
      return {
        ok: true,
        providerMessageId,
        status: deliveryStatus,
        ...(priceMicros !== undefined ? { priceMicros } : {}),
        ...(currency !== undefined ? { currency } : {}),
      };
    },

    async fetchDeliveryStatus(
      providerMessageId: string,
      callOptions: CallOptions,
    ): Promise<DeliveryReport | undefined> {
      const resource = providerMessageId.startsWith('CA') ? 'Calls' : 'Messages';
      const outcome = await httpRequest({
        url: `${base}/${resource}/${encodeURIComponent(providerMessageId)}.json`,
        method: 'GET',
        headers: { authorization, accept: 'application/json' },
        signal: callOptions.signal,
        timeoutMs: options.timeoutMs,
      });
      // Unknown id, transport error or unreadable answer: nothing known yet, the poller retries.
      if (!outcome.ok || outcome.response.status !== 200) return undefined;
      return readResource(parseJson(outcome.response.text));
    },

    verifyWebhook(request: InboundWebhook): boolean {
      const signature = Object.entries(request.headers).find(
        ([key]) => key.toLowerCase() === 'x-twilio-signature',
      )?.[1];
      return verifyTwilioSignature(options.authToken, signature, request.url, request.rawBody);
    },

    parseDeliveryReports(request: InboundWebhook): DeliveryReport[] {
      const fields = formFields(request);
      const sid = fields.get('MessageSid') ?? fields.get('SmsSid') ?? fields.get('CallSid');
      const word = fields.get('MessageStatus') ?? fields.get('SmsStatus') ?? fields.get('CallStatus');
      const status = word === undefined ? undefined : mapTwilioStatus(word);
      if (!sid || !word || !status) return [];
      const errorCode = fields.get('ErrorCode');
      return [{ providerMessageId: sid, status, providerStatus: word, ...(errorCode ? { errorCode } : {}) }];
    },
  };
}

function errorCode(json: unknown): number | undefined {
  if (!isRecord(json)) return undefined;
  const code = typeof json.code === 'string' ? Number(json.code) : json.code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** A Message or Call resource as a report; undefined when it is not one. */
function readResource(json: unknown): DeliveryReport | undefined {
  if (!isRecord(json) || typeof json.sid !== 'string' || typeof json.status !== 'string') return undefined;
  const status = mapTwilioStatus(json.status);
  if (!status) return undefined;
  const report: DeliveryReport = {
    providerMessageId: json.sid,
    status,
    providerStatus: json.status,
    ...price(json),
  };
  if (
    typeof json.error_code === 'number' ||
    (typeof json.error_code === 'string' && json.error_code !== '')
  ) {
    report.errorCode = String(json.error_code);
  }
  if (typeof json.error_message === 'string' && json.error_message !== '')
    report.errorMessage = json.error_message;
  return report;
}

/** Twilio quotes what it charged as a negative decimal string ("-0.00750"), null until known. */
function price(resource: Record<string, unknown>): { priceMicros?: number; currency?: string } {
  const raw = resource.price;
  const amount =
    typeof raw === 'string' && raw !== '' ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isFinite(amount)) return {};
  const unit = resource.price_unit;
  return {
    priceMicros: toMicros(Math.abs(amount)),
    ...(typeof unit === 'string' ? { currency: unit.toUpperCase() } : {}),
  };
}

function formFields(request: InboundWebhook): Map<string, string> {
  if (isRecord(request.body)) {
    const fields = new Map<string, string>();
    for (const [key, value] of Object.entries(request.body))
      if (typeof value === 'string') fields.set(key, value);
    return fields;
  }
  return new Map(new URLSearchParams(request.rawBody));
}
