import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.js';
import { signTwilioRequest } from '../fakes/twilio-fake.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * HTTP-level semantics over real loopback HTTP: which media types each scope accepts, 405 with
 * Allow for a wrong method, trailing slashes, errors from Node's HTTP parser, snake_case views and
 * the error responses the OpenAPI document declares.
 */

const TWILIO_SID = `AC${'0'.repeat(32)}`;
const TWILIO_TOKEN = 'twilio-test-auth-token';

// A Twilio instance for the form-encoded webhook; it is never sent through, so its API is not needed.
const CONFIG: ConfigFile = {
  providers: {
    sandbox: { type: 'sandbox' },
    tw: { type: 'twilio', accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15005550006' },
  },
  routes: [
    {
      id: 1,
      name: 'sandbox-sms',
      provider: 'sandbox',
      channel: 'sms',
      rates: [{ prefix: '', priceMicros: 50_000 }],
    },
  ],
  defaultRouteId: 1,
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ config: CONFIG });
});
afterAll(async () => {
  await t.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const sentCount = () => t.app.sandbox?.listOutbox(1000).length ?? 0;

/** One raw HTTP/1.1 exchange: writes `data`, reads until the server closes the connection. */
function rawExchange(
  data: string,
  onServerSocket?: (socket: Socket) => void,
  server: TestServer = t,
): Promise<string> {
  return new Promise((resolve) => {
    const { port } = new URL(server.url);
    if (onServerSocket) server.server.server.once('connection', onServerSocket);
    const socket = connect(Number(port), '127.0.0.1', () => {
      if (data) socket.write(data);
    });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
  });
}

function parseRaw(raw: string): { status: number; headers: Record<string, string>; body: any } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : undefined };
}

describe('form-encoded and other non-JSON bodies', () => {
  it('are refused on the v1 endpoints with 415 UNSUPPORTED_MEDIA_TYPE, and nothing is sent', async () => {
    const before = sentCount();
    const cases: Array<[string, string, Record<string, string>]> = [
      ['/v1/verifications', 'to=%2B31651860260', FORM],
      ['/v1/verifications/check', 'to=%2B31651860260&code=123456', FORM],
      ['/v1/estimate', 'to=%2B31651860260', FORM],
      ['/v1/verifications/ver_x/resend', 'route_id=1', FORM],
      ['/v1/verifications/ver_x/cancel', 'x=1', FORM],
      [
        '/v1/verifications',
        '--b\r\nContent-Disposition: form-data; name="to"\r\n\r\n+31651860260\r\n--b--',
        {
          'content-type': 'multipart/form-data; boundary=b',
        },
      ],
    ];
    for (const [path, body, headers] of cases) {
      const res = await t.request('POST', path, body, headers);
      expect([path, res.status, res.body?.error?.code]).toEqual([path, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(res.body.error.request_id).toMatch(/^req_/);
    }
    expect(sentCount()).toBe(before);
  });

  it("get the reference server's pydantic 422 on /send-otp and /verify-otp, and nothing is sent", async () => {
    const before = sentCount();
    const cases: Array<[string, string, string]> = [
      ['/send-otp', 'phone_number=31651860260', 'application/x-www-form-urlencoded'],
      ['/verify-otp', 'phone_number=31651860260&code=123456', 'application/x-www-form-urlencoded'],
      ['/send-otp', 'phone_number=31651860260', 'text/plain'],
    ];
    for (const [path, body, contentType] of cases) {
      const res = await t.request('POST', path, body, { 'content-type': contentType });
      expect([path, contentType, res.status]).toEqual([path, contentType, 422]);
      expect(res.body).toEqual({
        detail: [
          {
            type: 'model_attributes_type',
            loc: ['body'],
            msg: 'Input should be a valid dictionary or object to extract fields from',
            input: body,
          },
        ],
      });
    }
    expect(sentCount()).toBe(before);
  });

  it('a reference request without Content-Type is not read as JSON (current FastAPI: a 422), so no send', async () => {
    const { port } = new URL(t.url);
    const body = JSON.stringify({ phone_number: '31651860261' });
    const res = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: Number(port), method: 'POST', path: '/send-otp' },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body); // no content-type header
    });
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'], input: body });
  });

  it('are still accepted by the provider webhooks (Twilio posts its callbacks as forms)', async () => {
    const params = new URLSearchParams({
      AccountSid: TWILIO_SID,
      MessageSid: `SM${'1'.repeat(32)}`,
      MessageStatus: 'delivered',
    });
    const url = `${t.app.config.publicUrl}/v1/webhooks/dlr/tw`;
    const res = await t.request('POST', '/v1/webhooks/dlr/tw', params.toString(), {
      ...FORM,
      'x-twilio-signature': signTwilioRequest(TWILIO_TOKEN, url, params),
    });
    // Parsed and signature-checked: one report, for a message otpgate does not know.
    expect([res.status, res.body]).toEqual([200, { received: 1, applied: 0 }]);
    // The same form body one scope over is refused.
    const v1 = await t.request('POST', '/v1/verifications', params.toString(), FORM);
    expect(v1.status).toBe(415);
  });
});

describe('a wrong method on an existing path', () => {
  it('is 405 METHOD_NOT_ALLOWED with Allow on v1 paths, parametric ones included', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/v1/verifications/ver_x', 'GET, HEAD'],
      ['DELETE', '/v1/verifications', 'POST'],
      ['GET', '/v1/verifications/ver_x/cancel', 'POST'],
      ['PUT', '/v1/routes', 'GET, HEAD'],
      ['GET', '/v1/estimate', 'POST'],
      ['PATCH', '/v1/messages/msg_x', 'GET, HEAD'],
      ['DELETE', '/v1/webhooks/dlr/tw', 'GET, HEAD, POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      // No CORS support: OPTIONS is just another method the path does not take.
      ['OPTIONS', '/v1/verifications', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await t.request(method, path);
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(res.body.error.details.allowed).toEqual(allow.split(', '));
    }
  });

  it('is FastAPI\'s {"detail": "Method Not Allowed"} on the reference paths', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/send-otp', 'POST'],
      ['PUT', '/verify-otp', 'POST'],
      ['POST', '/health', 'GET, HEAD'],
      ['OPTIONS', '/send-otp', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await t.request(method, path);
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(res.body).toEqual({ detail: 'Method Not Allowed' });
    }
  });

  it('HEAD keeps working where GET exists; unknown paths stay 404 without Allow', async () => {
    expect((await t.request('HEAD', '/health')).status).toBe(200);
    expect((await t.request('HEAD', '/v1/routes')).status).toBe(200);
    const unknown = await t.request('GET', '/v1/nothing-here');
    expect([unknown.status, unknown.body.error.code, unknown.headers.get('allow')]).toEqual([
      404,
      'NOT_FOUND',
      null,
    ]);
    const deeper = await t.request('DELETE', '/v1/verifications/ver_x/nothing');
    expect([deeper.status, deeper.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('a trailing slash', () => {
  it('reaches the same route', async () => {
    const health = await t.request('GET', '/health/');
    expect(health.status).toBe(200);
    expect(Object.keys(health.body).sort()).toEqual(['active_otps', 'service', 'status', 'version']);
    expect((await t.request('GET', '/healthz/')).status).toBe(200);
    const routes = await t.request('GET', '/v1/routes/');
    expect([routes.status, routes.body.routes[0].id]).toEqual([200, 1]);
    const sent = await t.request('POST', '/v1/verifications/', { to: '+31651860262' });
    expect(sent.status).toBe(201);
    const read = await t.request('GET', `/v1/verifications/${sent.body.id}/`);
    expect([read.status, read.body.id]).toEqual([200, sent.body.id]);
  });

  it("keeps the reference paths' error bodies", async () => {
    const wrongMethod = await t.request('GET', '/send-otp/');
    expect([wrongMethod.status, wrongMethod.body]).toEqual([405, { detail: 'Method Not Allowed' }]);
    const form = await t.request('POST', '/verify-otp/', 'code=1', FORM);
    expect([form.status, form.body.detail[0].type]).toEqual([422, 'model_attributes_type']);
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it('an unknown method is a typed 400 with Connection: close', async () => {
    const res = parseRaw(await rawExchange('FOO /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('close');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { reason: 'HPE_INVALID_METHOD' },
      docs: expect.stringMatching(/#validation_failed$/),
    });
    expect(res.body.error.request_id).toMatch(/^req_/);
  });

  it('a 100 KB path is a typed 431 HEADERS_TOO_LARGE with Connection: close', async () => {
    const res = parseRaw(
      await rawExchange(`GET /v1/verifications/${'x'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect(res.status).toBe(431);
    expect(res.headers.connection).toBe('close');
    expect(res.body.error.code).toBe('HEADERS_TOO_LARGE');
    expect(res.body.error.request_id).toMatch(/^req_/);
  });

  it('a request timeout is a typed 408 REQUEST_TIMEOUT with Connection: close', async () => {
    // Node reports timeouts on its own schedule (every 30 s by default), so raise the same
    // clientError it raises, on the real connection.
    const raw = await rawExchange('', (serverSocket) => {
      setImmediate(() =>
        t.server.server.emit(
          'clientError',
          Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
          serverSocket,
        ),
      );
    });
    const res = parseRaw(raw);
    expect([res.status, res.headers.connection, res.body.error.code]).toEqual([
      408,
      'close',
      'REQUEST_TIMEOUT',
    ]);
  });
});

describe('a client that stalls inside its body', () => {
  it('gets a 408 once requestTimeoutSeconds have passed, and the connection is closed', async () => {
    const slow = await startTestServer({ config: { requestTimeoutSeconds: 1 } });
    try {
      const startedMs = Date.now();
      const raw = await rawExchange(
        'POST /send-otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"phone',
        undefined,
        slow,
      );
      const res = parseRaw(raw);
      expect([res.status, res.headers.connection, res.body.error.code]).toEqual([
        408,
        'close',
        'REQUEST_TIMEOUT',
      ]);
      // The deadline is checked every second here, not every 30 s (Node's default).
      expect(Date.now() - startedMs).toBeLessThan(10_000);
    } finally {
      await slow.close();
    }
  });
});

describe('GET /v1/routes', () => {
  it('health is snake_case like the rest of the API, with nulls before there is data', async () => {
    const res = await t.request('GET', '/v1/routes');
    expect(res.status).toBe(200);
    expect(res.body.routes[0].health).toEqual({
      sent: expect.any(Number),
      delivered: expect.any(Number),
      failed: expect.any(Number),
      delivery_rate: null,
      median_time_to_deliver_ms: null,
    });
    const camel: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (/[A-Z]/.test(key)) camel.push(`${path}.${key}`);
          walk(v, `${path}.${key}`);
        }
      }
    };
    walk(res.body, '$');
    expect(camel).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  const errorSchemaOf = (response: any) => response?.content?.['application/json']?.schema;

  it('declares the error responses of /v1/estimate, /v1/routes and /v1/messages/{id} with the error envelope', async () => {
    const doc = (await t.request('GET', '/docs/json')).body;
    const expected: Array<[string, string, string[]]> = [
      ['/v1/estimate', 'post', ['400', '401', '404', '413', '415', '422', '503']],
      ['/v1/routes', 'get', ['401']],
      ['/v1/messages/{id}', 'get', ['400', '401', '404']],
    ];
    for (const [path, method, statuses] of expected) {
      const responses = doc.paths[path][method].responses;
      expect(Object.keys(responses), `${method} ${path}`).toContain('200');
      for (const status of statuses) {
        const schema = errorSchemaOf(responses[status]);
        expect(schema, `${method} ${path} ${status}`).toBeDefined();
        expect(Object.keys(schema.properties.error.properties).sort()).toEqual(
          ['code', 'details', 'docs', 'message', 'request_id'].sort(),
        );
        expect(typeof responses[status].description).toBe('string');
      }
    }
    expect(doc.paths['/v1/estimate'].post.responses['401'].description).toMatch(/token/i);
    const health =
      doc.paths['/v1/routes'].get.responses['200'].content['application/json'].schema.properties.routes.items
        .properties.health.properties;
    expect(Object.keys(health).sort()).toEqual(
      ['delivered', 'delivery_rate', 'failed', 'median_time_to_deliver_ms', 'sent'].sort(),
    );
  });

  it('lists 401 on every operation behind the API token', async () => {
    const doc = (await t.request('GET', '/docs/json')).body;
    const missing: string[] = [];
    let checked = 0;
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/v1/') || path.startsWith('/v1/webhooks/')) continue;
      for (const [method, operation] of Object.entries<any>(operations)) {
        checked++;
        if (!errorSchemaOf(operation.responses?.['401'])) missing.push(`${method} ${path}`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    expect(missing).toEqual([]);
  });

  it('a 401 on those operations really uses the envelope when a token is configured', async () => {
    const secured = await startTestServer({ config: CONFIG, env: { OTPGATE_API_TOKEN: 'tok-123' } });
    try {
      for (const [method, path] of [
        ['GET', '/v1/routes'],
        ['POST', '/v1/estimate'],
        ['GET', '/v1/messages/msg_x'],
      ] as const) {
        const res = await secured.request(method, path);
        expect([method, path, res.status, res.body.error.code]).toEqual([
          method,
          path,
          401,
          'UNAUTHENTICATED',
        ]);
        expect(res.body.error.request_id).toMatch(/^req_/);
      }
    } finally {
      await secured.close();
    }
  });
});
