import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The node:http plumbing every HTTP fake in the tests shares: a loopback server on 127.0.0.1 with an
 * ephemeral port that collects each request body and hands it to a synchronous handler, which says
 * what to do: answer, never answer, or drop the connection. It never logs and keeps connections
 * alive (the BridgeXAPI fake serves `npm run bench` through it).
 *
 *   const server = await startFakeHttpServer((request) =>
 *     request.path === '/ok' ? { status: 200, body: { ok: true } } : 'hang',
 *   );
 *   fetch(`${server.url}/ok`);
 *   await server.close(); // also ends hanging and kept-alive connections
 */

/** One request as the fake received it. */
export interface FakeHttpRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/**
 * What the fake does with a request:
 * - `{ status, body, headers }`: answers. A string body is sent as is (text/html), any other body as
 *   JSON (application/json), both with content-length; no body sends none. `headers` are added and
 *   win over those defaults.
 * - `'hang'`: reads the request and never answers; only the client (or close()) ends it.
 * - `'reset'`: destroys the connection without an answer.
 */
export type FakeHttpAnswer =
  { status: number; body?: unknown; headers?: OutgoingHttpHeaders } | 'hang' | 'reset';

export type FakeHttpHandler = (request: FakeHttpRequest) => FakeHttpAnswer;

export interface FakeHttpServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every connection, hanging and kept-alive ones included. */
  close(): Promise<void>;
}

export async function startFakeHttpServer(handler: FakeHttpHandler): Promise<FakeHttpServer> {
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handler({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      });
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      if (answer.body === undefined) {
        res.writeHead(answer.status, answer.headers).end();
        return;
      }
      const isText = typeof answer.body === 'string';
      const text = isText ? (answer.body as string) : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': isText ? 'text/html' : 'application/json',
        'content-length': Buffer.byteLength(text),
        ...answer.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and kept-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
