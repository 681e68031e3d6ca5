import { createHmac, randomBytes } from 'node:crypto';
import {
  startFakeHttpServer,
  type FakeHttpAnswer,
  type FakeHttpRequest,
  type FakeHttpServer,
} from './fake-http-server.js';

/**
 * A fake Twilio REST API (2010-04-01 Messages and Calls) on 127.0.0.1: checks HTTP Basic auth,
 * validates like Twilio, answers with realistic resource JSON, plays scripted failures, records
 * every request, and posts signed status callbacks the way Twilio does.
 */

/** What the fake does with the next request (any route, after the auth check). */
export type TwilioFakeStep =
  | { kind: 'ok'; status?: string; price?: string | null; priceUnit?: string }
  | { kind: 'error'; httpStatus: number; code?: number; message?: string }
  /** Never answers; the client's signal has to end it. */
  | { kind: 'hang' }
  /** Destroys the connection without an answer. */
  | { kind: 'reset' }
  /** 201 with a body that is not JSON. */
  | { kind: 'malformed' };

export interface TwilioFakeRequest extends FakeHttpRequest {
  form: URLSearchParams;
}

export interface TwilioFakeResource {
  sid: string;
  kind: 'message' | 'call';
  to: string;
  from: string;
  status: string;
  body: string | undefined;
  twiml: string | undefined;
  statusCallback: string | undefined;
  errorCode: number | null;
  price: string | null;
  priceUnit: string;
}

export interface StatusCallbackOptions {
  errorCode?: number;
  /** URL to sign (default: the StatusCallback given at create). */
  url?: string;
  /** Where to actually POST, when the signed public URL is not reachable from the test. */
  postTo?: string;
}

/** Twilio's X-Twilio-Signature, written independently of the adapter so the two check each other. */
export function signTwilioRequest(authToken: string, url: string, params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort();
  let data = url;
  for (const key of keys) for (const value of params.getAll(key).sort()) data += key + value;
  return createHmac('sha1', authToken).update(data).digest('base64');
}

export class TwilioFake {
  readonly requests: TwilioFakeRequest[] = [];
  readonly resources = new Map<string, TwilioFakeResource>();
  private readonly steps: TwilioFakeStep[] = [];
  private server: FakeHttpServer | undefined;

  private constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  /** http://127.0.0.1:<port>, the value for the adapter's baseUrl. */
  get baseUrl(): string {
    return this.server?.url ?? '';
  }

  static async start(options: { accountSid?: string; authToken?: string } = {}): Promise<TwilioFake> {
    const fake = new TwilioFake(
      options.accountSid ?? `AC${randomBytes(16).toString('hex')}`,
      options.authToken ?? randomBytes(16).toString('hex'),
    );
    fake.server = await startFakeHttpServer((request) => fake.handle(request));
    return fake;
  }

  /** Queue behaviours for the next requests, in order; afterwards the fake answers normally. */
  script(...steps: TwilioFakeStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  setStatus(sid: string, status: string, errorCode: number | null = null): TwilioFakeResource {
    const resource = this.resources.get(sid);
    if (!resource) throw new Error(`unknown sid ${sid}`);
    resource.status = status;
    resource.errorCode = errorCode;
    return resource;
  }

  /** Moves the resource to `status` and POSTs Twilio's status callback, signed, to its StatusCallback. */
  async sendStatusCallback(
    sid: string,
    status: string,
    options: StatusCallbackOptions = {},
  ): Promise<{ status: number; body: string; params: URLSearchParams; url: string }> {
    const resource = this.setStatus(sid, status, options.errorCode ?? null);
    const url = options.url ?? resource.statusCallback;
    if (!url) throw new Error('no StatusCallback was given for this resource');
    const params = new URLSearchParams({ AccountSid: this.accountSid, ApiVersion: '2010-04-01' });
    if (resource.kind === 'message') {
      params.set('MessageSid', sid);
      params.set('MessageStatus', status);
      params.set('SmsSid', sid);
      params.set('SmsStatus', status);
    } else {
      params.set('CallSid', sid);
      params.set('CallStatus', status);
      params.set('Direction', 'outbound-api');
      params.set('CallbackSource', 'call-progress-events');
      params.set('Called', resource.to);
      params.set('Caller', resource.from);
      if (status === 'completed') params.set('CallDuration', '14');
    }
    params.set('From', resource.from);
    params.set('To', resource.to);
    if (options.errorCode !== undefined) params.set('ErrorCode', String(options.errorCode));
    const response = await fetch(options.postTo ?? url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest(this.authToken, url, params),
        'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
      },
      body: params.toString(),
    });
    return { status: response.status, body: await response.text(), params, url };
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private handle(request: FakeHttpRequest): FakeHttpAnswer {
    const { method, path, headers, rawBody } = request;
    const form = new URLSearchParams(rawBody);
    this.requests.push({ ...request, form });

    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)(?:\/([^/]+))?\.json$/.exec(path);
    if (!match) return this.error(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (headers.authorization !== expected || match[1] !== this.accountSid) {
      return this.error(401, 20003, 'Authenticate');
    }

    const step = this.steps.shift() ?? { kind: 'ok' };
    if (step.kind === 'hang' || step.kind === 'reset') return step.kind;
    if (step.kind === 'malformed') return this.reply(201, '<html><body>Bad Gateway</body></html>');
    if (step.kind === 'error')
      return this.error(step.httpStatus, step.code, step.message ?? 'Scripted failure');

    const [, , collection, sid] = match;
    if (method === 'GET' && sid) {
      const resource = this.resources.get(sid);
      if (!resource) return this.error(404, 20404, `The requested resource ${path} was not found`);
      return this.reply(200, this.render(resource));
    }
    if (method !== 'POST' || sid) return this.error(405, 20004, 'Method not allowed');

    const to = form.get('To');
    const from = form.get('From');
    if (!to) return this.error(400, 21604, "A 'To' phone number is required.");
    if (!/^(whatsapp:)?\+[1-9]\d{6,14}$/.test(to)) return this.error(400, 21211, `Invalid 'To' Phone Number`);
    const kind = collection === 'Calls' ? 'call' : 'message';
    if (kind === 'message' && !from && !form.get('MessagingServiceSid')) {
      return this.error(400, 21603, "A 'From' phone number is required.");
    }
    if (kind === 'message' && !form.get('Body')) return this.error(400, 21602, 'Message body is required.');
    if (kind === 'call' && (!from || (!form.get('Twiml') && !form.get('Url')))) {
      return this.error(400, 21205, 'Url parameter is required.');
    }
    const resource: TwilioFakeResource = {
      sid: `${kind === 'call' ? 'CA' : 'SM'}${randomBytes(16).toString('hex')}`,
      kind,
      to,
      from: from ?? '',
      status: step.status ?? (from ? 'queued' : 'accepted'),
      body: form.get('Body') ?? undefined,
      twiml: form.get('Twiml') ?? undefined,
      statusCallback: form.get('StatusCallback') ?? undefined,
      errorCode: null,
      price: step.price ?? null,
      priceUnit: step.priceUnit ?? 'USD',
    };
    this.resources.set(resource.sid, resource);
    return this.reply(201, this.render(resource, form.get('MessagingServiceSid')));
  }

  private render(resource: TwilioFakeResource, messagingServiceSid?: string | null): Record<string, unknown> {
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const collection = resource.kind === 'call' ? 'Calls' : 'Messages';
    const common = {
      sid: resource.sid,
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      direction: 'outbound-api',
      from: resource.from,
      to: resource.to,
      status: resource.status,
      price: resource.price,
      price_unit: resource.priceUnit,
      uri: `/2010-04-01/Accounts/${this.accountSid}/${collection}/${resource.sid}.json`,
    };
    if (resource.kind === 'call') {
      return {
        ...common,
        parent_call_sid: null,
        duration: null,
        start_time: null,
        end_time: null,
        answered_by: null,
      };
    }
    return {
      ...common,
      body: resource.body,
      num_segments: '1',
      num_media: '0',
      messaging_service_sid: messagingServiceSid ?? null,
      date_sent: null,
      error_code: resource.errorCode,
      error_message: null,
      subresource_uris: { media: `${common.uri.slice(0, -5)}/Media.json` },
    };
  }

  private error(httpStatus: number, code: number | undefined, message: string): FakeHttpAnswer {
    const body =
      code === undefined
        ? { message, status: httpStatus }
        : { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: httpStatus };
    return this.reply(httpStatus, body);
  }

  /** A string body goes out as text/html, anything else as JSON (see startFakeHttpServer). */
  private reply(status: number, body: unknown): FakeHttpAnswer {
    return { status, body, headers: { 'twilio-request-id': `RQ${randomBytes(16).toString('hex')}` } };
  }
}
