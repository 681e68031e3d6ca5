import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { FakeGatewayState, type FakeGatewayControls } from './fake-gateway-state.js';
import { startFakeHttpServer, type FakeHttpAnswer, type FakeHttpRequest } from './fake-http-server.js';

/**
 * A fake Vonage SMS API on 127.0.0.1 with an ephemeral port: POST /sms/json (form or JSON body,
 * api_key/api_secret in the body or Basic auth), answers like Vonage (HTTP 200 with a per-message
 * `status`), splits long texts into parts, keeps a balance, serves GET /account/get-balance, and
 * builds (optionally signed) delivery-receipt parameters. Never logs.
 *
 *   const fake = await startVonageFake();
 *   createVonageProvider({ baseUrl: fake.url, apiKey: fake.apiKey, apiSecret: fake.apiSecret, ... });
 *   fake.enqueue({ vonageStatus: '9', errorText: 'Quota Exceeded - rejected' });
 *   const receipt = fake.deliveryReceipt(messageId, 'delivered', { signatureSecret: 's' });
 */

export type VonageFakeMode = 'normal' | 'server_error' | 'hang' | 'reset' | 'non_json' | 'missing_fields';

/** One-shot step: a mode, an exact HTTP answer, or a Vonage error status for a send. */
export type VonageFakeStep =
  VonageFakeMode | { status: number; body: unknown } | { vonageStatus: string; errorText?: string };

export interface VonageFakeOptions {
  apiKey?: string;
  apiSecret?: string;
  /** Default 10. */
  balanceEur?: number;
  /** Price per SMS part; default 0.0333. */
  priceEur?: number;
  /** Default 1000; 0 records nothing. */
  maxRecordedRequests?: number;
}

export interface VonageFakeRequest extends FakeHttpRequest {
  /** Query, then form or JSON body fields, as strings. */
  params: Record<string, string>;
}

export interface VonageFakeMessage {
  messageId: string;
  to: string;
  from: string;
  text: string;
  type: string;
  clientRef: string | undefined;
  callback: string | undefined;
  parts: number;
  priceEur: number;
}

export interface DeliveryReceiptOptions {
  errCode?: string;
  /** Signs the receipt like Vonage does (timestamp, nonce, sig). */
  signatureSecret?: string;
  signatureMethod?: 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';
  timestampSeconds?: number;
}

/** Also: requests, messages, balanceEur, setMode, enqueue, reset and close (FakeGatewayControls). */
export interface VonageFake extends FakeGatewayControls<
  VonageFakeMode,
  VonageFakeStep,
  VonageFakeRequest,
  VonageFakeMessage
> {
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The parameters of the delivery receipt Vonage would send for a message it accepted. */
  deliveryReceipt(
    messageId: string,
    status: string,
    options?: DeliveryReceiptOptions,
  ): Record<string, string>;
}

const MICROS = 1_000_000;

/** Written apart from the adapter's signer, so each checks the other. */
function sign(
  params: Record<string, string>,
  secret: string,
  method: NonNullable<DeliveryReceiptOptions['signatureMethod']>,
) {
  const joined = Object.entries(params)
    .filter(([name]) => name !== 'sig')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `&${name}=${value.split('&').join('_').split('=').join('_')}`)
    .join('');
  return method === 'md5hash'
    ? createHash('md5').update(`${joined}${secret}`).digest('hex')
    : createHmac(method, secret).update(joined).digest('hex').toUpperCase();
}

function partsOf(text: string, unicode: boolean): number {
  const length = [...text].length;
  const [single, multi] = unicode ? [70, 67] : [160, 153];
  return length <= single ? 1 : Math.ceil(length / multi);
}

export async function startVonageFake(options: VonageFakeOptions = {}): Promise<VonageFake> {
  const apiKey = options.apiKey ?? 'abcd1234';
  const apiSecret = options.apiSecret ?? 'vonage-test-secret';
  const priceMicros = Math.round((options.priceEur ?? 0.0333) * MICROS);
  const state = new FakeGatewayState<VonageFakeMode, VonageFakeStep, VonageFakeRequest, VonageFakeMessage>({
    balanceEur: options.balanceEur ?? 10,
    maxRecordedRequests: options.maxRecordedRequests ?? 1000,
  });

  const refused = (status: string, errorText: string): FakeHttpAnswer => ({
    status: 200,
    body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] },
  });

  function credentials(params: Record<string, string>, headers: IncomingHttpHeaders): [string?, string?] {
    const basic = /^Basic (.+)$/i.exec(headers.authorization ?? '');
    if (basic?.[1]) {
      const [key, ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      return [key, secret.join(':')];
    }
    return [params.api_key, params.api_secret];
  }

  function sendSms(
    params: Record<string, string>,
    headers: IncomingHttpHeaders,
    step: VonageFakeStep | undefined,
  ): FakeHttpAnswer {
    const [key, secret] = credentials(params, headers);
    if (!key || !secret) return refused('2', 'Missing api_key');
    if (key !== apiKey || secret !== apiSecret) return refused('4', 'Bad Credentials');
    for (const name of ['from', 'to', 'text'] as const)
      if (!params[name]) return refused('2', `Missing ${name} param`);
    if (typeof step === 'object' && 'vonageStatus' in step)
      return refused(step.vonageStatus, step.errorText ?? 'Error');
    const to = params.to ?? '';
    if (!/^\d{7,15}$/.test(to)) return refused('3', 'Invalid to address');
    if ((params.callback ?? '').length > 100) return refused('23', 'Invalid callback url');
    const type = params.type ?? 'text';
    const text = params.text ?? '';
    const parts = partsOf(text, type === 'unicode');
    if (priceMicros * parts > state.balanceMicros) return refused('9', 'Quota Exceeded - rejected');
    const answered = [];
    for (let part = 0; part < parts; part += 1) {
      state.balanceMicros -= priceMicros;
      const messageId = randomBytes(8).toString('hex').toUpperCase();
      if (part === 0) {
        state.keep(messageId, {
          messageId,
          to,
          from: params.from ?? '',
          text,
          type,
          clientRef: params['client-ref'],
          callback: params.callback,
          parts,
          priceEur: (priceMicros * parts) / MICROS,
        });
      }
      answered.push({
        to,
        'message-id': messageId,
        status: '0',
        'remaining-balance': state.balanceEur.toFixed(8),
        'message-price': (priceMicros / MICROS).toFixed(8),
        network: '23410',
        ...(params['client-ref'] ? { 'client-ref': params['client-ref'] } : {}),
      });
    }
    return { status: 200, body: { 'message-count': String(parts), messages: answered } };
  }

  function answer(request: FakeHttpRequest, params: Record<string, string>): FakeHttpAnswer {
    const { method, path, headers } = request;
    const step = state.nextStep();
    const current = step ?? state.mode;
    if (typeof current === 'object' && 'body' in current) return current;
    switch (current) {
      case 'server_error':
        return {
          status: 500,
          body: { type: 'https://developer.vonage.com/api-errors#internal', title: 'Internal Error' },
        };
      case 'hang':
      case 'reset':
        return current;
      case 'non_json':
        return { status: 200, body: '<html>gateway timeout</html>' };
      case 'missing_fields':
        return { status: 200, body: { 'message-count': '1' } };
      default:
        break;
    }
    const pathname = path.split('?')[0];
    if (method === 'POST' && pathname === '/sms/json') return sendSms(params, headers, step);
    if (method === 'GET' && pathname === '/account/get-balance') {
      const [key, secret] = credentials(params, headers);
      if (key !== apiKey || secret !== apiSecret) {
        return { status: 401, body: { 'error-code': '401', 'error-code-label': 'authentication failed' } };
      }
      return { status: 200, body: { value: state.balanceEur, autoReload: false } };
    }
    return { status: 404, body: { 'error-code': '404', 'error-code-label': 'not found' } };
  }

  function handle(request: FakeHttpRequest): FakeHttpAnswer {
    const { path, headers, rawBody } = request;
    const params: Record<string, string> = {};
    const url = new URL(path, 'http://fake');
    for (const [name, value] of url.searchParams) params[name] = value;
    if ((headers['content-type'] ?? '').includes('json')) {
      try {
        const json = JSON.parse(rawBody) as unknown;
        if (typeof json === 'object' && json !== null) {
          for (const [name, value] of Object.entries(json)) params[name] = String(value);
        }
      } catch {
        // Vonage answers unreadable bodies like missing parameters.
      }
    } else {
      for (const [name, value] of new URLSearchParams(rawBody)) params[name] = value;
    }
    state.record(request, { params });
    return answer(request, params);
  }

  const server = await startFakeHttpServer(handle);
  return state.expose<VonageFake>(server.close, {
    url: server.url,
    apiKey,
    apiSecret,
    deliveryReceipt(messageId, status, receipt = {}) {
      const message = state.messages.get(messageId);
      const params: Record<string, string> = {
        msisdn: message?.to ?? '447700900000',
        to: message?.from ?? 'OTPGATE',
        'network-code': '23410',
        messageId,
        price: ((message?.priceEur ?? priceMicros / MICROS) || 0).toFixed(8),
        status,
        scts: '2001011400',
        'err-code': receipt.errCode ?? (status === 'delivered' || status === 'accepted' ? '0' : '1'),
        'api-key': apiKey,
        'message-timestamp': new Date().toISOString().slice(0, 19).replace('T', ' '),
        ...(message?.clientRef ? { 'client-ref': message.clientRef } : {}),
      };
      if (!receipt.signatureSecret) return params;
      params.timestamp = String(receipt.timestampSeconds ?? Math.floor(Date.now() / 1000));
      params.nonce = randomUUID();
      params.sig = sign(params, receipt.signatureSecret, receipt.signatureMethod ?? 'md5hash');
      return params;
    },
  });
}
