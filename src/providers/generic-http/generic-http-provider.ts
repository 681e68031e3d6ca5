import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, DeliveryStatus } from '../../core/index.js';
import { failureForStatus, httpRequest, isRecord, parseJson } from '../http-client.js';
import {
  failure,
  type CallOptions,
  type DeliveryReport,
  type InboundWebhook,
  type OutboundMessage,
  type Provider,
  type SendResult,
} from '../provider.js';
import { readScalar } from './dot-path.js';
import { compileTemplate, type TemplateValues } from './template.js';

export interface GenericHttpSignature {
  /** Header carrying the signature, e.g. 'x-signature' (case-insensitive). */
  header: string;
  secret: string;
  /** HMAC over the raw body; default sha256. */
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  /** Default hex. */
  encoding?: 'hex' | 'base64';
  /** Text before the signature in the header, e.g. 'sha256='. */
  prefix?: string;
}

export interface GenericHttpOptions {
  name: string;
  /** May contain placeholders; values are URL-encoded. */
  url: string;
  /** Default POST. GET sends no body (put the fields into the url). */
  method?: 'POST' | 'GET';
  /** Values may contain placeholders; control characters in values become spaces. */
  headers?: Readonly<Record<string, string>>;
  /** Placeholders {{to}} {{to_digits}} {{text}} {{code}} {{sender}} {{attempt_id}} {{callback_url}}. */
  bodyTemplate?: string;
  /** How the body is escaped and labelled; default json (values escaped inside JSON strings). */
  contentType?: 'json' | 'form' | 'text';
  response?: {
    /** Dot path of the message id in the JSON answer ('data.id', 'messages.0.id'); without it the attempt id is used. */
    messageIdPath?: string;
    /** HTTP statuses that mean accepted; default any 2xx. */
    successStatuses?: readonly number[];
  };
  deliveryReport?: {
    messageIdPath: string;
    statusPath: string;
    /** Gateway status word → normalised status (case-insensitive); unknown words become queued. */
    statusMap: Readonly<Record<string, DeliveryStatus>>;
    errorCodePath?: string;
    /** When set, receipts must carry this HMAC of the raw body. */
    signature?: GenericHttpSignature;
  };
  /** Default ['sms']. */
  channels?: readonly Channel[];
  /** Upper bound per request, on top of the caller's signal. */
  timeoutMs?: number;
}

export type GenericHttpProvider = Provider &
  Required<Pick<Provider, 'verifyWebhook' | 'parseDeliveryReports'>>;

const CONTENT_TYPES = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  text: 'text/plain; charset=utf-8',
};
const SAMPLE: TemplateValues = {
  to: '+10000000000',
  to_digits: '10000000000',
  text: 'sample "text" & more',
  code: '000000',
  sender: 'sender',
  attempt_id: 'msg_sample',
  callback_url: 'https://example.invalid/cb',
};

/** A gateway described by configuration: a request template, a response path and a receipt mapping. */
export function createGenericHttpProvider(options: GenericHttpOptions): GenericHttpProvider {
  const method = options.method ?? 'POST';
  const contentType = options.contentType ?? 'json';
  const channels = options.channels ?? ['sms'];
  const renderUrl = compileTemplate(options.url, 'url');
  const renderBody =
    method === 'POST' && options.bodyTemplate !== undefined
      ? compileTemplate(options.bodyTemplate, contentType)
      : undefined;
  const headerRenderers = Object.entries(options.headers ?? {}).map(
    ([name, value]) => [name, compileTemplate(value, 'header')] as const,
  );
  const hasContentType = headerRenderers.some(([name]) => name.toLowerCase() === 'content-type');
  // A JSON template that cannot produce JSON is a config error: fail at start-up, not per send.
  if (renderBody && contentType === 'json' && parseJson(renderBody(SAMPLE)) === undefined) {
    throw new Error(`generic-http ${options.name}: bodyTemplate does not render valid JSON`);
  }
  const success = options.response?.successStatuses;
  const report = options.deliveryReport;
  const statusMap = new Map(
    Object.entries(report?.statusMap ?? {}).map(([word, status]) => [word.toLowerCase(), status]),
  );

  return {
    name: options.name,
    type: 'generic-http',
    channels,

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (!channels.includes(message.channel))
        return failure('unsupported', `${options.name}: channel ${message.channel} not enabled`);
      const values: TemplateValues = {
        to: message.to,
        to_digits: message.to.replace(/\D/g, ''),
        text: message.text,
        code: message.code,
        sender: message.sender ?? '',
        attempt_id: message.attemptId,
        callback_url: message.statusCallbackUrl ?? '',
      };
      const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.5' };
      if (renderBody && !hasContentType) headers['content-type'] = CONTENT_TYPES[contentType];
      for (const [name, render] of headerRenderers) headers[name] = render(values);
      const outcome = await httpRequest({
        url: renderUrl(values),
        method,
        headers,
        ...(renderBody ? { body: renderBody(values) } : {}),
        signal: callOptions.signal,
        timeoutMs: options.timeoutMs,
      });
      if (!outcome.ok) return outcome;
      const { status, text } = outcome.response;
      const accepted = success ? success.includes(status) : status >= 200 && status < 300;
      if (!accepted) return failureForStatus(status, String(status));
      const path = options.response?.messageIdPath;
      if (!path) return { ok: true, providerMessageId: message.attemptId, status: 'queued' };
      const id = readScalar(parseJson(text), path);
      if (id === undefined) return failure('malformed_response', `${options.name}: answer without ${path}`);
      return { ok: true, providerMessageId: id, status: 'queued' };
    },

    verifyWebhook(request: InboundWebhook): boolean {
      const signature = report?.signature;
      if (!signature) return true;
      const header = Object.entries(request.headers).find(
        ([name]) => name.toLowerCase() === signature.header.toLowerCase(),
      )?.[1];
      const prefix = signature.prefix ?? '';
      if (!header || !header.startsWith(prefix)) return false;
      const encoding = signature.encoding ?? 'hex';
      const expected = createHmac(signature.algorithm ?? 'sha256', signature.secret)
        .update(request.rawBody, 'utf8')
        .digest();
      const given = Buffer.from(header.slice(prefix.length).trim(), encoding);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    parseDeliveryReports(request: InboundWebhook): DeliveryReport[] {
      if (!report) return [];
      // POST receipts carry a JSON object, a JSON array of them, or form fields; GET receipts use the query.
      const source = isRecord(request.body) || Array.isArray(request.body) ? request.body : request.query;
      const items: unknown[] = Array.isArray(source) ? source : [source];
      const reports: DeliveryReport[] = [];
      for (const item of items) {
        const id = readScalar(item, report.messageIdPath);
        const word = readScalar(item, report.statusPath);
        if (id === undefined || word === undefined) continue;
        const errorCode = report.errorCodePath ? readScalar(item, report.errorCodePath) : undefined;
        reports.push({
          providerMessageId: id,
          status: statusMap.get(word.toLowerCase()) ?? 'queued',
          providerStatus: word,
          ...(errorCode !== undefined ? { errorCode } : {}),
        });
      }
      return reports;
    },
  };
}
