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
import { compileTemplate, type TemplateEscape, type TemplateValues } from './template.js';

export interface GenericHttpSignature {
  /** Header carrying the signature, e.g. 'x-signature' (case-insensitive). */
  header: string;
  secret: string;
  /** HMAC over the raw body (a GET's raw query string); default sha256. */
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
    /** When set, receipts must carry this HMAC of the raw body (of the raw query string when they have no body). */
    signature?: GenericHttpSignature;
  };
  /** Default ['sms']. */
  channels?: readonly Channel[];
  /** Upper bound per request, on top of the caller's signal. */
  timeoutMs?: number;
}

/** An instance with a `deliveryReport` block: the only kind that takes receipt webhooks. */
export type GenericHttpProvider = Provider &
  Required<Pick<Provider, 'verifyWebhook' | 'parseDeliveryReports'>>;

type Render = (values: TemplateValues) => string;

interface CompiledRequest {
  renderUrl: Render;
  /** Only a POST sends a body. */
  renderBody: Render | undefined;
  headerRenderers: readonly (readonly [string, Render])[];
}

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

/**
 * Compiles the url, header and body templates once. Every mistake is collected as
 * "<option> <problem>" (`bodyTemplate …`, `headers.x-key …`) instead of thrown at the first, so
 * start-up can list them with all other configuration problems.
 */
function compileRequest(options: Omit<GenericHttpOptions, 'name'>): {
  request: CompiledRequest;
  problems: string[];
} {
  const problems: string[] = [];
  const unusable: Render = () => '';
  const compile = (option: string, template: string, escape: TemplateEscape): Render | undefined => {
    try {
      return compileTemplate(template, escape);
    } catch (error) {
      problems.push(`${option} ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const method: unknown = options.method ?? 'POST';
  // The type says so, but a JavaScript caller can pass anything; a PUT would go out without its body.
  if (method !== 'POST' && method !== 'GET') problems.push('method must be POST or GET');
  const contentType = options.contentType ?? 'json';
  const renderUrl = compile('url', options.url, 'url') ?? unusable;
  const headerRenderers = Object.entries(options.headers ?? {}).map(
    ([name, value]) => [name, compile(`headers.${name}`, value, 'header') ?? unusable] as const,
  );
  // Compiled even for a GET, which sends no body: an unknown placeholder is a typo either way.
  const renderBody =
    options.bodyTemplate === undefined
      ? undefined
      : compile('bodyTemplate', options.bodyTemplate, contentType);
  const bodySent = method === 'POST' && renderBody !== undefined;
  // A JSON template that cannot produce JSON is a config error: fail at start-up, not per send.
  if (bodySent && contentType === 'json' && parseJson(renderBody(SAMPLE)) === undefined) {
    problems.push('bodyTemplate does not render valid JSON');
  }
  return { request: { renderUrl, renderBody: bodySent ? renderBody : undefined, headerRenderers }, problems };
}

/**
 * Configuration mistakes in a generic-http instance's options, each as "<option> <problem>";
 * empty when the instance can be built. The provider registry reports them as a ConfigError.
 */
export function genericHttpOptionProblems(options: Omit<GenericHttpOptions, 'name'>): string[] {
  return compileRequest(options).problems;
}

/**
 * Whether `given` is exactly `expected`, the HMAC as Node encodes it (lower-case hex, padded
 * base64): hex case-insensitively, base64 only in that canonical form. The texts are compared, not
 * what Buffer.from decodes from them, because decoding is lenient (it drops an odd last digit, junk
 * after the digest, stray base64 characters), so a valid digest with anything around it would pass.
 * Constant time over the bytes once the lengths agree.
 */
function sameSignatureText(given: string, expected: string, encoding: 'hex' | 'base64'): boolean {
  const a = Buffer.from(encoding === 'hex' ? given.toLowerCase() : given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Where a receipt is and which bytes its signature covers: a POSTed JSON or form body (the raw
 * body), or for a GET, or a POST without a body, the query string exactly as sent (without `?`).
 * One answer for both, so the fields read are always the ones the signature covered; the HMAC of
 * an empty body must never vouch for a query string.
 */
function receiptSource(request: InboundWebhook): { fields: unknown; signedText: string } {
  const { body } = request;
  const hasBody =
    request.method !== 'GET' &&
    request.method !== 'HEAD' &&
    // An empty form POST parses to {}: that is no body, and its receipt is in the query string.
    (request.rawBody !== '' || (isRecord(body) && Object.keys(body).length > 0) || Array.isArray(body));
  if (hasBody) return { fields: body, signedText: request.rawBody };
  const queryAt = request.url.indexOf('?');
  return { fields: request.query, signedText: queryAt === -1 ? '' : request.url.slice(queryAt + 1) };
}

/**
 * A gateway described by configuration: a request template, a response path and a receipt
 * mapping. Only an instance with a `deliveryReport` block reads receipt webhooks; without one it
 * has no webhook (404) and, like e-mail, reports no receipts at all.
 */
export function createGenericHttpProvider(
  options: GenericHttpOptions & Required<Pick<GenericHttpOptions, 'deliveryReport'>>,
): GenericHttpProvider;
export function createGenericHttpProvider(options: GenericHttpOptions): Provider;
export function createGenericHttpProvider(options: GenericHttpOptions): Provider {
  const method = options.method ?? 'POST';
  const contentType = options.contentType ?? 'json';
  const channels = options.channels ?? ['sms'];
  const { request: compiled, problems } = compileRequest(options);
  if (problems.length > 0) throw new Error(`generic-http ${options.name}: ${problems.join('; ')}`);
  const { renderUrl, renderBody, headerRenderers } = compiled;
  const hasContentType = headerRenderers.some(([name]) => name.toLowerCase() === 'content-type');
  const success = options.response?.successStatuses;
  const report = options.deliveryReport;

  const provider: Provider = {
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
  };
  if (!report) return provider;

  const statusMap = new Map(
    Object.entries(report.statusMap).map(([word, status]) => [word.toLowerCase(), status]),
  );
  return {
    ...provider,

    verifyWebhook(request: InboundWebhook): boolean {
      const signature = report.signature;
      if (!signature) return true;
      const header = Object.entries(request.headers).find(
        ([name]) => name.toLowerCase() === signature.header.toLowerCase(),
      )?.[1];
      const prefix = signature.prefix ?? '';
      if (!header || !header.startsWith(prefix)) return false;
      const encoding = signature.encoding ?? 'hex';
      const expected = createHmac(signature.algorithm ?? 'sha256', signature.secret)
        .update(receiptSource(request).signedText, 'utf8')
        .digest(encoding);
      return sameSignatureText(header.slice(prefix.length).trim(), expected, encoding);
    },

    parseDeliveryReports(request: InboundWebhook): DeliveryReport[] {
      // A JSON object, a JSON array of them, form fields, or the query string.
      const { fields } = receiptSource(request);
      const items: unknown[] = Array.isArray(fields) ? fields : [fields];
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
