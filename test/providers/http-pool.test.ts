import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, type HttpOutcome } from '../../src/providers/http-client.js';
import { HttpPool } from '../../src/providers/http/http-pool.js';

/**
 * The keep-alive pool behind httpRequest against real loopback servers on raw sockets: the test
 * writes every answer byte itself, so it controls framing, `Connection: close` and when a kept-alive
 * socket goes away, and counts connections through the server's 'connection' event.
 */

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Which connection carried it, from 1 in accept order. */
  connection: number;
  /** Its place on that connection, from 1: 2 and up are keep-alive reuses. */
  sequence: number;
  socket: Socket;
}

interface RawServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  requests: RawRequest[];
  close(): Promise<void>;
}

type Handler = (request: RawRequest) => void;

const servers: RawServer[] = [];
const pools: HttpPool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A loopback server that splits the bytes it reads into requests and hands each to `handler`. */
async function rawServer(handler: Handler): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state: RawServer = {
    url: '',
    connections: 0,
    requests: [],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = net.createServer((socket) => {
    const connection = ++state.connections;
    let sequence = 0;
    let buffered = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const [requestLine = '', ...lines] = buffered.slice(0, headEnd).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        const body = buffered.slice(headEnd + 4, headEnd + 4 + length);
        buffered = buffered.slice(headEnd + 4 + length);
        const [method = '', path = ''] = requestLine.split(' ');
        const request = { method, path, headers, body, connection, sequence: ++sequence, socket };
        state.requests.push(request);
        handler(request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(state);
  return state;
}

/** A keep-alive answer whose body is the request's path and the connection that carried it. */
function answer(request: RawRequest, extraHeaders = ''): void {
  const body = `${request.path} on ${request.connection}`;
  request.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extraHeaders}\r\n${body}`);
}

function newPool(connectionsPerOrigin: number): HttpPool {
  const pool = new HttpPool({ maxResponseBytes: 1024 * 1024, connectionsPerOrigin });
  pools.push(pool);
  return pool;
}

const never = new AbortController().signal;

function get(pool: HttpPool, url: string, signal = never): Promise<HttpOutcome> {
  return httpRequest({ url, method: 'GET', signal }, pool);
}

function textOf(outcome: HttpOutcome): string | undefined {
  return outcome.ok ? outcome.response.text : undefined;
}

/** Waits (generously) until `condition` holds; fails the test if it never does. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('HttpPool', () => {
  it('sends the next request over the idle kept-alive connection', async () => {
    const server = await rawServer((request) => answer(request));
    const pool = newPool(4);
    expect(textOf(await get(pool, `${server.url}/a`))).toBe('/a on 1');
    expect(textOf(await get(pool, `${server.url}/b`))).toBe('/b on 1');
    expect(textOf(await get(pool, `${server.url}/c?x=1`))).toBe('/c?x=1 on 1');
    expect(server.connections).toBe(1);
    expect(server.requests.map((request) => request.sequence)).toEqual([1, 2, 3]);
  });

  it('writes the request as the server expects it: Host, headers, Content-Length and body', async () => {
    const server = await rawServer((request) => answer(request));
    const pool = newPool(1);
    const outcome = await httpRequest(
      {
        url: `${server.url}/send`,
        method: 'POST',
        // The pool sets Content-Length from the body; a caller's contradicting copy is dropped.
        headers: { 'content-type': 'application/json', 'Content-Length': '999' },
        body: '{"to":"+1555"}',
        signal: never,
      },
      pool,
    );
    expect(textOf(outcome)).toBe('/send on 1');
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/send', body: '{"to":"+1555"}' });
    expect(request?.headers).toMatchObject({
      host: new URL(server.url).host,
      'content-type': 'application/json',
      'content-length': '14',
    });
  });

  it('opens at most connectionsPerOrigin connections and queues the other requests', async () => {
    // Answers are held back until all four requests are out, so only the limit stops new connections.
    const held: RawRequest[] = [];
    const server = await rawServer((request) => held.push(request));
    const pool = newPool(2);
    const pending = ['/1', '/2', '/3', '/4'].map((path) => get(pool, `${server.url}${path}`));
    await until(() => held.length === 2, 'two requests');
    await pause(50);
    // The two others wait in the pool's queue, not on a third connection.
    expect(server.connections).toBe(2);
    expect(held.length).toBe(2);
    for (const request of held.splice(0)) answer(request);
    await until(() => held.length === 2, 'the queued requests');
    for (const request of held.splice(0)) answer(request);
    const texts = (await Promise.all(pending)).map(textOf);
    expect(texts.map((text) => text?.split(' on ')[0])).toEqual(['/1', '/2', '/3', '/4']);
    expect(server.connections).toBe(2);
  });

  it('closes a connection answered with Connection: close and opens a new one for the next request', async () => {
    const server = await rawServer((request) =>
      answer(request, request.connection === 1 ? 'Connection: close\r\n' : ''),
    );
    const pool = newPool(1);
    expect(textOf(await get(pool, `${server.url}/a`))).toBe('/a on 1');
    expect(textOf(await get(pool, `${server.url}/b`))).toBe('/b on 2');
    expect(textOf(await get(pool, `${server.url}/c`))).toBe('/c on 2');
    expect(server.connections).toBe(2);
  });

  it('sends a GET again on a new connection when its kept-alive connection was closed unanswered', async () => {
    // The gateway closed the idle connection as the request went out: it closes instead of answering
    // any second request on a connection (deterministic, where racing its idle timeout would not be).
    const server = await rawServer((request) => {
      if (request.sequence > 1) request.socket.destroy();
      else answer(request);
    });
    const pool = newPool(4);
    expect(textOf(await get(pool, `${server.url}/first`))).toBe('/first on 1');
    expect(textOf(await get(pool, `${server.url}/again`))).toBe('/again on 2');
    expect(server.requests.map(({ path, connection }) => `${path} ${connection}`)).toEqual([
      '/first 1',
      '/again 1',
      '/again 2',
    ]);
  });

  it('fails a retried GET whose new connection closes unanswered too, instead of sending it again', async () => {
    // A gateway that drops every request must not be sent the same GET in a loop: one retry, then
    // the failure. After the first answer, connection 1 and every later one close unanswered.
    let closeFresh = false;
    const server = await rawServer((request) => {
      if (request.sequence > 1 || (closeFresh && request.connection > 1)) request.socket.destroy();
      else answer(request);
    });
    const pool = newPool(4);
    expect(textOf(await get(pool, `${server.url}/first`))).toBe('/first on 1');
    closeFresh = true;
    expect(await get(pool, `${server.url}/again`)).toMatchObject({
      ok: false,
      failure: { kind: 'network' },
    });
    expect(server.requests.filter(({ path }) => path === '/again')).toHaveLength(2);
  });

  it('does not send a POST again when its kept-alive connection was closed unanswered', async () => {
    // The gateway may have acted on the POST before closing: sending it twice could send two SMS.
    const server = await rawServer((request) => {
      if (request.sequence > 1) request.socket.destroy();
      else answer(request);
    });
    const pool = newPool(4);
    expect(textOf(await get(pool, `${server.url}/first`))).toBe('/first on 1');
    const outcome = await httpRequest(
      { url: `${server.url}/send`, method: 'POST', body: 'x', signal: never },
      pool,
    );
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect(server.requests.filter(({ path }) => path === '/send')).toHaveLength(1);
    expect(server.connections).toBe(1);
  });

  it(
    // The gateway may close all idle connections at once (its keep-alive timeout ran out for all):
    // the retry must not meet a second dead one.
    'retries the GET on a new connection even when other idle connections are stale as well',
    async () => {
      const held: RawRequest[] = [];
      const server = await rawServer((request) => {
        if (request.sequence > 1) request.socket.destroy();
        else if (request.connection <= 2 && held.length < 2) held.push(request);
        else answer(request);
      });
      const pool = newPool(4);
      // Two requests at once open two connections; both are answered and parked idle.
      const first = [get(pool, `${server.url}/a`), get(pool, `${server.url}/b`)];
      await until(() => held.length === 2, 'two connections');
      for (const request of held) answer(request);
      await Promise.all(first);
      expect(server.connections).toBe(2);
      expect(await get(pool, `${server.url}/again`)).toMatchObject({
        ok: true,
        response: { text: '/again on 3' },
      });
    },
  );

  it('does not send a request whose queued wait was aborted', async () => {
    const held: RawRequest[] = [];
    const server = await rawServer((request) => {
      if (request.path === '/slow') held.push(request);
      else answer(request);
    });
    const pool = newPool(1);
    const slow = get(pool, `${server.url}/slow`);
    await until(() => held.length === 1, 'the slow request');
    const caller = new AbortController();
    const queued = get(pool, `${server.url}/dropped`, caller.signal);
    caller.abort();
    expect(await queued).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    // The connection frees up: the aborted request must not be sent on it.
    answer(held[0]!);
    expect(textOf(await slow)).toBe('/slow on 1');
    expect(textOf(await get(pool, `${server.url}/next`))).toBe('/next on 1');
    expect(server.requests.map(({ path }) => path)).toEqual(['/slow', '/next']);
  });

  it('fails a request with a CR or LF in a header value without sending anything', async () => {
    // A value like that would let the caller's data write a header (or a request) of its own.
    const server = await rawServer((request) => answer(request));
    const pool = newPool(1);
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb']) {
      const outcome = await httpRequest(
        { url: `${server.url}/x`, method: 'GET', headers: { 'x-note': value }, signal: never },
        pool,
      );
      expect(outcome).toMatchObject({
        ok: false,
        failure: { kind: 'network', message: 'invalid request header' },
      });
    }
    await pause(50);
    expect(server.connections).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('fails the queued requests when the pool is closed', async () => {
    const held: RawRequest[] = [];
    const server = await rawServer((request) => held.push(request));
    const pool = newPool(1);
    const caller = new AbortController();
    const inFlight = get(pool, `${server.url}/held`, caller.signal);
    await until(() => held.length === 1, 'the first request');
    const queued = [get(pool, `${server.url}/q1`), get(pool, `${server.url}/q2`)];
    pool.close();
    for (const outcome of await Promise.all(queued))
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network', message: 'client closed' } });
    caller.abort();
    await inFlight;
    expect(server.requests.map(({ path }) => path)).toEqual(['/held']);
  });

  it(
    // Without a timeout or an abort of its own, the caller of a request in flight would wait forever.
    'settles a request already in flight when the pool is closed',
    async () => {
      const held: RawRequest[] = [];
      const server = await rawServer((request) => held.push(request));
      const pool = newPool(1);
      // Aborted at the end only so the sweep lets go of a request left hanging by the bug.
      const caller = new AbortController();
      const inFlight = get(pool, `${server.url}/held`, caller.signal);
      await until(() => held.length === 1, 'the request');
      pool.close();
      const settled = await Promise.race([inFlight, pause(300).then(() => 'still waiting' as const)]);
      caller.abort();
      await inFlight;
      expect(settled).toMatchObject({ ok: false, failure: { kind: 'network' } });
    },
  );
});
