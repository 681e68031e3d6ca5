import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, httpRequest } from '../../src/providers/http-client.js';
import { HttpPool } from '../../src/providers/http/http-pool.js';

/** The shared HTTP client against a real loopback server: answers, limits, aborts, refusals. */
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url === '/echo') {
        response.writeHead(201, { 'content-type': 'application/json', 'x-echo': 'yes' });
        response.end(JSON.stringify({ method: request.method, body, query: request.url }));
      } else if (request.url?.startsWith('/query')) {
        response.end(request.url);
      } else if (request.url === '/huge') {
        // More than the limit, in many chunks, as a misbehaving gateway would stream it.
        const chunk = Buffer.alloc(64 * 1024, 'x');
        response.writeHead(200);
        for (let sent = 0; sent <= MAX_RESPONSE_BYTES; sent += chunk.length) response.write(chunk);
        response.end();
      } else if (request.url === '/hang') {
        // Never answers; the caller's signal has to end the wait.
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const never = new AbortController().signal;

describe('httpRequest', () => {
  it('returns status, headers and the whole body of an answer', async () => {
    const outcome = await httpRequest({
      url: `${base}/echo`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      signal: never,
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.status).toBe(201);
    expect(outcome.response.headers['x-echo']).toBe('yes');
    expect(JSON.parse(outcome.response.text)).toEqual({ method: 'POST', body: '{"a":1}', query: '/echo' });
  });

  it('keeps the query string of the URL', async () => {
    const outcome = await httpRequest({ url: `${base}/query?x=1&y=%20`, method: 'GET', signal: never });
    expect(outcome.ok && outcome.response.text).toBe('/query?x=1&y=%20');
  });

  it('refuses an answer larger than MAX_RESPONSE_BYTES as malformed instead of buffering it', async () => {
    const outcome = await httpRequest({ url: `${base}/huge`, method: 'GET', signal: never });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'malformed_response' } });
  });

  it('maps an abort of the caller’s signal to a timeout, and its own timeoutMs too', async () => {
    const controller = new AbortController();
    const pending = httpRequest({ url: `${base}/hang`, method: 'GET', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    const limited = await httpRequest({ url: `${base}/hang`, method: 'GET', signal: never, timeoutMs: 50 });
    expect(limited).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('times out a request still waiting for a free connection in the pool', async () => {
    const oneConnection = new HttpPool({ connectionsPerOrigin: 1, maxResponseBytes: MAX_RESPONSE_BYTES });
    try {
      const holder = new AbortController();
      const first = httpRequest({ url: `${base}/hang`, method: 'GET', signal: holder.signal }, oneConnection);
      const queued = httpRequest(
        { url: `${base}/echo`, method: 'GET', signal: never, timeoutMs: 50 },
        oneConnection,
      );
      expect(await queued).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
      holder.abort();
      expect(await first).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    } finally {
      oneConnection.close();
    }
  });

  it('answers an already aborted signal at once, without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await httpRequest({ url: `${base}/echo`, method: 'GET', signal: controller.signal });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('maps a refused connection to a network failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await httpRequest({ url: `http://127.0.0.1:${port}/`, method: 'GET', signal: never });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network' } });
  });
});
