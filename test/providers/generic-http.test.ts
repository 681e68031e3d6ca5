import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileTemplate,
  createGenericHttpProvider,
  readPath,
  renderTemplate,
  type GenericHttpOptions,
  type TemplateValues,
} from '../../src/providers/generic-http/index.js';
import { startFakeHttpServer, type FakeHttpAnswer, type FakeHttpServer } from '../fakes/fake-http-server.js';
import { failureOf, messageFactory, webhookFactory } from '../fakes/provider-test-kit.js';

/** Text that breaks naive templating in every format: quotes, backslash, newline, &, =, +, %, unicode, U+2028. */
const NASTY = 'Code "123456"\\ & a=b+c 100% </script>\n\tÄ€ 🙂 \u2028 end';
const CALLBACK = 'https://otp.example.com/v1/webhooks/generic?x=1&y=2';

const message = messageFactory({
  attemptId: 'msg_01',
  verificationId: 'ver_01',
  to: '+4915112345678',
  text: NASTY,
  sender: 'ACME',
  statusCallbackUrl: CALLBACK,
});

const opts = () => ({ signal: AbortSignal.timeout(5_000) });

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const json = (status: number, body: unknown): FakeHttpAnswer => ({ status, body });

/** A tiny gateway: records requests and answers with the next queued reply (default: 200 data.id). */
let base = '';
let server: FakeHttpServer;
const received: Received[] = [];
const replies: FakeHttpAnswer[] = [];

beforeAll(async () => {
  server = await startFakeHttpServer(({ method, path, headers, rawBody }) => {
    received.push({ method, url: path, headers, body: rawBody });
    return replies.shift() ?? json(200, { data: { id: 'gw-1' } });
  });
  base = server.url;
});
afterEach(() => {
  received.length = 0;
  replies.length = 0;
});
afterAll(() => server.close());

const JSON_BODY =
  '{"to":"{{to}}","digits":"{{ to_digits }}","text":"{{text}}","code":"{{code}}","from":"{{sender}}","ref":"{{attempt_id}}","cb":"{{callback_url}}"}';

const baseOptions = (): GenericHttpOptions => ({
  name: 'acme-gw',
  url: `${base}/v2/messages`,
  headers: { authorization: 'Bearer gw-token', 'x-request-ref': '{{attempt_id}}' },
  bodyTemplate: JSON_BODY,
  contentType: 'json',
  response: { messageIdPath: 'data.id' },
});

function provider(overrides: Partial<GenericHttpOptions> = {}) {
  return createGenericHttpProvider({ ...baseOptions(), ...overrides });
}

describe('generic HTTP adapter: sending', () => {
  it('describes itself', () => {
    expect(provider()).toMatchObject({ name: 'acme-gw', type: 'generic-http', channels: ['sms'] });
    expect(provider({ channels: ['sms', 'whatsapp'] }).channels).toEqual(['sms', 'whatsapp']);
  });

  it('posts a JSON body with every value escaped, and reads the id at the path', async () => {
    const result = await provider().send(message(), opts());
    expect(result).toEqual({ ok: true, providerMessageId: 'gw-1', status: 'queued' });
    const request = received[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v2/messages');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer gw-token');
    expect(request.headers['x-request-ref']).toBe('msg_01');
    expect(JSON.parse(request.body)).toEqual({
      to: '+4915112345678',
      digits: '4915112345678',
      text: NASTY,
      code: '123456',
      from: 'ACME',
      ref: 'msg_01',
      cb: CALLBACK,
    });
  });

  it('reads ids inside arrays and numeric ids', async () => {
    replies.push(json(201, { messages: [{ id: 12345 }] }));
    expect(
      await provider({ response: { messageIdPath: 'messages.0.id' } }).send(message(), opts()),
    ).toMatchObject({
      ok: true,
      providerMessageId: '12345',
    });
  });

  it('posts form bodies url-encoded', async () => {
    const p = provider({
      contentType: 'form',
      bodyTemplate: 'to={{to}}&text={{text}}&from={{sender}}&cb={{callback_url}}',
    });
    await p.send(message(), opts());
    const request = received[0]!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      to: '+4915112345678',
      text: NASTY,
      from: 'ACME',
      cb: CALLBACK,
    });
  });

  it('sends GET requests with the values in the URL and no body', async () => {
    const p = provider({
      method: 'GET',
      url: `${base}/send?to={{to_digits}}&msg={{text}}&ref={{attempt_id}}`,
      bodyTemplate: undefined,
      response: {},
    });
    expect(await p.send(message(), opts())).toEqual({
      ok: true,
      providerMessageId: 'msg_01',
      status: 'queued',
    });
    const request = received[0]!;
    expect(request.method).toBe('GET');
    expect(request.body).toBe('');
    expect(request.headers['content-type']).toBeUndefined();
    const query = new URL(request.url, base).searchParams;
    expect(query.get('to')).toBe('4915112345678');
    expect(query.get('msg')).toBe(NASTY);
    expect(query.get('ref')).toBe('msg_01');
  });

  it('sends text bodies verbatim, and a configured content-type wins', async () => {
    await provider({ contentType: 'text', bodyTemplate: '{{to}}: {{text}}' }).send(message(), opts());
    expect(received[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(received[0]!.body).toBe(`+4915112345678: ${NASTY}`);
    await provider({ headers: { 'Content-Type': 'application/vnd.acme+json' } }).send(message(), opts());
    expect(received[1]!.headers['content-type']).toBe('application/vnd.acme+json');
  });

  it('keeps header templates from injecting headers', async () => {
    await provider({ headers: { 'x-sender': '{{sender}}' } }).send(
      message({ sender: 'ACME\r\nx-evil: 1' }),
      opts(),
    );
    expect(received[0]!.headers['x-sender']).toBe('ACME  x-evil: 1');
    expect(received[0]!.headers['x-evil']).toBeUndefined();
  });

  it('renders an absent sender or callback as empty', async () => {
    await provider().send(message({ sender: undefined, statusCallbackUrl: undefined }), opts());
    expect(JSON.parse(received[0]!.body)).toMatchObject({ from: '', cb: '' });
  });

  it('refuses configuration mistakes at creation', () => {
    expect(() => provider({ bodyTemplate: '{"to":"{{tp}}"}' })).toThrow(
      /unknown template variable \{\{tp\}\}/,
    );
    expect(() => provider({ url: `${base}/x?k={{api_key}}` })).toThrow(/api_key/);
    expect(() => provider({ bodyTemplate: '{"to":{{to}}}' })).toThrow(/valid JSON/);
    // Every mistake at once, each named by its option.
    expect(() =>
      provider({ url: `${base}/{{a}}`, headers: { 'x-b': '{{b}}' }, bodyTemplate: '{{c}}' }),
    ).toThrow(
      /url unknown template variable \{\{a\}\}.*; headers\.x-b .*\{\{b\}\}.*; bodyTemplate .*\{\{c\}\}/,
    );
  });

  it('refuses channels it is not configured for', async () => {
    expect(failureOf(await provider().send(message({ channel: 'voice' }), opts()))).toMatchObject({
      kind: 'unsupported',
    });
    expect(received).toHaveLength(0);
  });

  describe('failure mapping', () => {
    it.each([
      [500, 'server', true],
      [503, 'server', true],
      [429, 'throttled', true],
      [401, 'auth', true],
      [403, 'auth', true],
      [402, 'insufficient_balance', true],
      [400, 'rejected', false],
      [404, 'rejected', false],
    ] as const)('HTTP %i → %s', async (status, kind, retryable) => {
      replies.push(json(status, { error: 'nope' }));
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind,
        retryable,
        providerCode: String(status),
      });
    });

    it('a status outside successStatuses is a failure', async () => {
      replies.push(json(202, { data: { id: 'x' } }));
      expect(
        failureOf(
          await provider({ response: { messageIdPath: 'data.id', successStatuses: [200] } }).send(
            message(),
            opts(),
          ),
        ),
      ).toMatchObject({
        kind: 'rejected',
        providerCode: '202',
      });
    });

    it('no answer → timeout', async () => {
      replies.push('hang');
      const started = Date.now();
      expect(failureOf(await provider().send(message(), { signal: AbortSignal.timeout(200) }))).toMatchObject(
        {
          kind: 'timeout',
          retryable: true,
        },
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      replies.push('hang');
      expect(failureOf(await provider({ timeoutMs: 150 }).send(message(), opts()))).toMatchObject({
        kind: 'timeout',
      });
    });

    it('connection reset → network', async () => {
      replies.push('reset');
      expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
        kind: 'network',
        retryable: true,
      });
    });

    it('2xx without a readable id → malformed_response', async () => {
      replies.push(
        { status: 200, body: '<html>ok</html>' },
        json(200, { data: {} }),
        json(200, { data: { id: { nested: true } } }),
      );
      for (let i = 0; i < 3; i += 1) {
        expect(failureOf(await provider().send(message(), opts()))).toMatchObject({
          kind: 'malformed_response',
          retryable: true,
        });
      }
    });

    it('never puts header secrets or the text into a failure', async () => {
      replies.push(json(500, { echo: NASTY }), json(401, {}));
      for (let i = 0; i < 2; i += 1) {
        const text = JSON.stringify(await provider().send(message(), opts()));
        expect(text).not.toContain('gw-token');
        expect(text).not.toContain('123456');
      }
    });
  });
});

describe('generic HTTP adapter: delivery receipts', () => {
  const secret = 'receipt-secret';
  const receipts = (signature?: NonNullable<GenericHttpOptions['deliveryReport']>['signature']) =>
    createGenericHttpProvider({
      ...baseOptions(),
      deliveryReport: {
        messageIdPath: 'data.message_id',
        statusPath: 'data.state',
        errorCodePath: 'data.error.code',
        statusMap: { DELIVERED: 'delivered', failed: 'failed', Sent: 'sent', expired: 'undelivered' },
        ...(signature ? { signature } : {}),
      },
    });
  const hook = webhookFactory(CALLBACK);

  it('parses a JSON receipt with a case-insensitive status map and error code', () => {
    const body = { data: { message_id: 'gw-1', state: 'failed', error: { code: 30003 } } };
    expect(receipts().parseDeliveryReports(hook({ body, rawBody: JSON.stringify(body) }))).toEqual([
      { providerMessageId: 'gw-1', status: 'failed', providerStatus: 'failed', errorCode: '30003' },
    ]);
    const delivered = { data: { message_id: 'gw-2', state: 'delivered' } };
    expect(receipts().parseDeliveryReports(hook({ body: delivered }))).toMatchObject([
      { status: 'delivered', providerStatus: 'delivered' },
    ]);
  });

  it('parses arrays of receipts and skips entries without id or status', () => {
    const body = [
      { data: { message_id: 'a', state: 'SENT' } },
      { data: { message_id: 'b' } },
      { data: { message_id: 'c', state: 'mystery' } },
    ];
    expect(receipts().parseDeliveryReports(hook({ body }))).toEqual([
      { providerMessageId: 'a', status: 'sent', providerStatus: 'SENT' },
      { providerMessageId: 'c', status: 'queued', providerStatus: 'mystery' },
    ]);
  });

  it('parses form and GET receipts', () => {
    const flat = createGenericHttpProvider({
      name: 'flat',
      url: `${base}/x`,
      deliveryReport: {
        messageIdPath: 'id',
        statusPath: 'status',
        statusMap: { DELIVRD: 'delivered', UNDELIV: 'undelivered' },
      },
    });
    expect(flat.parseDeliveryReports(hook({ body: { id: 'f1', status: 'UNDELIV' } }))).toMatchObject([
      { providerMessageId: 'f1', status: 'undelivered' },
    ]);
    expect(
      flat.parseDeliveryReports(hook({ method: 'GET', query: { id: 'q1', status: 'DELIVRD' } })),
    ).toMatchObject([{ providerMessageId: 'q1', status: 'delivered' }]);
  });

  it('has no receipt webhook without a deliveryReport config', () => {
    // The webhook route answers 404 for a provider without parseDeliveryReports, and the
    // dispatcher sets no failover deadline for one that can never report a receipt.
    const plain = provider();
    expect(plain.parseDeliveryReports).toBeUndefined();
    expect(plain.verifyWebhook).toBeUndefined();
  });

  it('reads a GET receipt from the query even when it comes with an empty body object', () => {
    const flat = createGenericHttpProvider({
      ...baseOptions(),
      deliveryReport: { messageIdPath: 'id', statusPath: 'status', statusMap: { DELIVRD: 'delivered' } },
    });
    const get = hook({ method: 'GET', body: {}, query: { id: 'q1', status: 'DELIVRD' } });
    expect(flat.parseDeliveryReports(get)).toEqual([
      { providerMessageId: 'q1', status: 'delivered', providerStatus: 'DELIVRD' },
    ]);
    // A POST without a body (no body object, no bytes) carries its receipt in the query too.
    expect(flat.parseDeliveryReports(hook({ query: { id: 'q2', status: 'DELIVRD' } }))).toMatchObject([
      { providerMessageId: 'q2' },
    ]);
    // A POST with a body is read from the body only.
    expect(
      flat.parseDeliveryReports(
        hook({ body: { id: 'b1', status: 'DELIVRD' }, query: { id: 'q3', status: 'DELIVRD' } }),
      ),
    ).toMatchObject([{ providerMessageId: 'b1' }]);
  });

  it('checks a GET receipt signature over the raw query string, not the empty body', () => {
    const p = receipts({ header: 'x-sig', secret });
    const rawQuery = 'data.message_id=gw-1&data.state=DELIVERED&note=a%20b';
    const url = `https://otp.example.com/v1/webhooks/dlr/acme-gw?${rawQuery}`;
    const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
    const get = (signature: string) => hook({ method: 'GET', url, headers: { 'x-sig': signature } });
    expect(p.verifyWebhook(get(hmac(rawQuery)))).toBe(true);
    expect(p.verifyWebhook(get(hmac('')))).toBe(false);
    expect(p.verifyWebhook(get(hmac(`?${rawQuery}`)))).toBe(false);
    expect(p.verifyWebhook(get(hmac(rawQuery.replace('a%20b', 'a b'))))).toBe(false);
    // Without a query string the signature covers the empty string.
    const bare = hook({ method: 'GET', url: url.slice(0, url.indexOf('?')), headers: { 'x-sig': hmac('') } });
    expect(p.verifyWebhook(bare)).toBe(true);
  });

  it('accepts every receipt when no signature is configured', () => {
    expect(receipts().verifyWebhook(hook({ rawBody: '{}' }))).toBe(true);
  });

  it('checks an HMAC-SHA256 hex signature with a prefix over the raw body', () => {
    const p = receipts({ header: 'X-Acme-Signature', secret, prefix: 'sha256=' });
    const rawBody = JSON.stringify({ data: { message_id: 'gw-1', state: 'DELIVERED' } });
    const good = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
    expect(p.verifyWebhook(hook({ rawBody, headers: { 'x-acme-signature': good } }))).toBe(true);
    expect(
      p.verifyWebhook(
        hook({ rawBody, headers: { 'x-acme-signature': good.toUpperCase().replace('SHA256=', 'sha256=') } }),
      ),
    ).toBe(true);
    expect(
      p.verifyWebhook(
        hook({ rawBody: rawBody.replace('DELIVERED', 'FAILED'), headers: { 'x-acme-signature': good } }),
      ),
    ).toBe(false);
    expect(
      p.verifyWebhook(hook({ rawBody, headers: { 'x-acme-signature': good.slice('sha256='.length) } })),
    ).toBe(false);
    expect(p.verifyWebhook(hook({ rawBody, headers: {} }))).toBe(false);
    expect(p.verifyWebhook(hook({ rawBody, headers: { 'x-acme-signature': 'sha256=zz' } }))).toBe(false);
  });

  it('checks base64 HMAC-SHA1 and SHA-512 signatures', () => {
    const rawBody = 'id=1&status=DELIVRD';
    const sha1 = receipts({ header: 'x-sig', secret, algorithm: 'sha1', encoding: 'base64' });
    expect(
      sha1.verifyWebhook(
        hook({ rawBody, headers: { 'x-sig': createHmac('sha1', secret).update(rawBody).digest('base64') } }),
      ),
    ).toBe(true);
    expect(
      sha1.verifyWebhook(
        hook({ rawBody, headers: { 'x-sig': createHmac('sha1', 'wrong').update(rawBody).digest('base64') } }),
      ),
    ).toBe(false);
    const sha512 = receipts({ header: 'x-sig', secret, algorithm: 'sha512' });
    expect(
      sha512.verifyWebhook(
        hook({ rawBody, headers: { 'x-sig': createHmac('sha512', secret).update(rawBody).digest('hex') } }),
      ),
    ).toBe(true);
  });
});

describe('request templates', () => {
  const values: TemplateValues = {
    to: '+4915112345678',
    to_digits: '4915112345678',
    text: NASTY,
    code: '123456',
    sender: 'ACME',
    attempt_id: 'msg_01',
    callback_url: CALLBACK,
  };
  const withText = (text: string): TemplateValues => ({ ...values, text });

  it('escapes for JSON strings, including control characters and line separators', () => {
    const out = renderTemplate('{"t":"{{text}}"}', 'json', withText('a"b\\c\nd\u0001e\u2028f\u2029'));
    expect(out).toBe('{"t":"a\\"b\\\\c\\nd\\u0001e\\u2028f\\u2029"}');
    expect(JSON.parse(out)).toEqual({ t: 'a"b\\c\nd\u0001e\u2028f\u2029' });
  });

  it('round-trips any string through JSON and form escaping', () => {
    const json = compileTemplate('{"t":"{{text}}"}', 'json');
    const form = compileTemplate('t={{text}}&x=1', 'form');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect((JSON.parse(json(withText(text))) as { t: string }).t).toBe(text);
        expect(new URLSearchParams(form(withText(text))).get('t')).toBe(text);
      }),
    );
  });

  it('url-encodes reserved characters and survives lone surrogates', () => {
    expect(renderTemplate('/s?m={{text}}', 'url', withText('a&b=c d+e/f?#'))).toBe(
      '/s?m=a%26b%3Dc%20d%2Be%2Ff%3F%23',
    );
    expect(renderTemplate('{{text}}', 'form', withText('x\ud800y'))).toBe('x%EF%BF%BDy');
  });

  it('neutralises control characters in headers and keeps text verbatim', () => {
    expect(renderTemplate('Bearer {{text}}', 'header', withText('a\r\nb\u0000c\u007f'))).toBe(
      'Bearer a  b c ',
    );
    expect(renderTemplate('{{text}}', 'text', values)).toBe(NASTY);
  });

  it('replaces every occurrence, allows spaces in braces, leaves other braces alone', () => {
    expect(renderTemplate('{{code}}-{{ code }}-{{code}}', 'text', values)).toBe('123456-123456-123456');
    expect(renderTemplate('{"a":{"b":"{{sender}}"}}', 'json', values)).toBe('{"a":{"b":"ACME"}}');
    expect(renderTemplate('no placeholders', 'json', values)).toBe('no placeholders');
  });

  it('rejects unknown variables', () => {
    expect(() => compileTemplate('{{secret}}', 'text')).toThrow(/unknown template variable/);
  });
});

describe('readPath', () => {
  it('follows objects and array indexes but never inherited members', () => {
    const doc = { data: { id: 'x' }, messages: [{ id: 1 }, { id: 2 }] };
    expect(readPath(doc, 'data.id')).toBe('x');
    expect(readPath(doc, 'messages.1.id')).toBe(2);
    expect(readPath(doc, 'messages.9.id')).toBeUndefined();
    expect(readPath(doc, 'data.missing.deeper')).toBeUndefined();
    expect(readPath(doc, '__proto__')).toBeUndefined();
    expect(readPath(doc, 'data.constructor')).toBeUndefined();
    expect(readPath(doc, 'messages.length')).toBeUndefined();
  });
});
