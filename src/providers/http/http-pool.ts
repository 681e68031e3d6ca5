import net from 'node:net';
import tls from 'node:tls';
import { ResponseParser, type ParsedResponse, type ResponseHeaders } from './response-parser.js';

/**
 * Keep-alive HTTP/1.1 connections to provider gateways, a pool per origin (http: or https:).
 * It does only what a provider call needs: one request per connection at a time, a bounded number
 * of connections per origin with a queue behind them, and idle connections closed after a while.
 * Each exchange is one socket write and the answer parsed from the socket's chunks; measured
 * against the BridgeXAPI fake, that costs ~30 µs of CPU per call where undici's dispatch costs ~50.
 */

export interface HttpPoolOptions {
  /** Open connections per origin; more requests wait in a queue. Default 128. */
  connectionsPerOrigin?: number;
  /** An idle connection is closed after this long. Default 10 s (gateways close theirs too). */
  keepAliveMs?: number;
  /** A longer answer body is refused instead of buffered. */
  maxResponseBytes: number;
  /**
   * Certificates (PEM) trusted for https: origins instead of Node's bundled CAs, for gateways with
   * a private CA. Certificates are always verified.
   */
  ca?: string | Buffer;
}

export interface OutgoingRequest {
  url: URL;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Not changed after a request used it: the pool keeps its serialised lines per object. */
  headers: Readonly<Record<string, string>> | undefined;
  body: string | undefined;
}

export type ExchangeResult =
  | { ok: true; status: number; headers: ResponseHeaders; body: Buffer }
  | { ok: false; kind: 'network' | 'malformed' | 'too_large'; message: string };

/** A request in the pool: queued, written, or waiting for its answer. */
export interface PendingExchange {
  /** Drops the request: out of the queue, or its connection closed (a half-read answer is lost). */
  abort(): void;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;
/** Set by the pool itself from the body and URL; a caller's copy would contradict it. */
const POOL_HEADERS = new Set(['host', 'content-length', 'transfer-encoding']);

function answered(response: ParsedResponse): ExchangeResult {
  return { ok: true, status: response.status, headers: response.headers, body: response.body };
}

class Exchange implements PendingExchange {
  settled = false;
  /** A GET that met a closed keep-alive connection is sent once more on a fresh one. */
  retried = false;
  connection: Connection | undefined;

  constructor(
    readonly origin: OriginPool,
    readonly payload: string,
    readonly method: OutgoingRequest['method'],
    private readonly onDone: (result: ExchangeResult) => void,
  ) {}

  complete(result: ExchangeResult): void {
    if (this.settled) return;
    this.settled = true;
    this.onDone(result);
  }

  abort(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.connection) this.connection.drop();
    else this.origin.unqueue(this);
  }
}

class Connection {
  private exchange: Exchange | undefined;
  private parser: ResponseParser | undefined;
  /** Whether this connection already carried a request (a keep-alive reuse may meet a closed socket). */
  private used = false;
  private receivedAny = false;
  private errorCode: string | undefined;

  constructor(
    private readonly origin: OriginPool,
    private readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode ??= error.code;
    });
    socket.on('close', () => this.onClose());
    socket.on('timeout', () => socket.destroy());
  }

  start(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.connection = this;
    this.parser = new ResponseParser(this.origin.settings.maxResponseBytes);
    this.receivedAny = false;
    this.socket.setTimeout(0);
    this.socket.ref();
    this.socket.write(exchange.payload);
  }

  /** Ends the connection, failing the exchange it carries (the pool is closing). */
  fail(message: string): void {
    const exchange = this.exchange;
    this.drop();
    exchange?.complete({ ok: false, kind: 'network', message });
  }

  /** Ends the connection of an aborted exchange; its answer can no longer be told apart. */
  drop(): void {
    this.exchange = undefined;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const exchange = this.exchange;
    if (!exchange || !this.parser) {
      // Bytes nobody asked for: this connection's framing can no longer be trusted.
      this.socket.destroy();
      return;
    }
    this.receivedAny = true;
    const step = this.parser.push(chunk);
    if (step.kind === 'more') return;
    this.exchange = undefined;
    this.parser = undefined;
    if (step.kind === 'error') {
      this.socket.destroy();
      exchange.complete({ ok: false, kind: step.reason, message: step.message });
      return;
    }
    if (step.response.reusable) this.release();
    else this.socket.destroy();
    exchange.complete(answered(step.response));
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (exchange && this.parser && this.receivedAny) {
      const step = this.parser.end();
      this.exchange = undefined;
      // A cut-short answer is the connection's failure (retryable), not a malformed gateway answer.
      exchange.complete(
        step.kind === 'done'
          ? answered(step.response)
          : { ok: false, kind: 'network', message: step.message },
      );
    }
    this.socket.destroy();
  }

  private onClose(): void {
    this.origin.forget(this);
    const exchange = this.exchange;
    this.exchange = undefined;
    if (exchange && !exchange.settled) {
      exchange.connection = undefined;
      // A kept-alive connection the gateway closed just as we reused it: nothing was answered, so
      // an idempotent GET is safely sent again. A POST is not: the gateway may have acted on it.
      if (this.used && !this.receivedAny && exchange.method === 'GET' && !exchange.retried) {
        exchange.retried = true;
        this.origin.retry(exchange);
      } else {
        const code = this.errorCode ? ` (${this.errorCode})` : '';
        exchange.complete({ ok: false, kind: 'network', message: `connection failed${code}` });
      }
    }
    this.origin.pump();
  }

  private release(): void {
    this.used = true;
    const next = this.origin.nextQueued();
    if (next) {
      this.start(next);
      return;
    }
    // Idle connections neither keep the process alive nor live forever.
    this.socket.unref();
    this.socket.setTimeout(this.origin.settings.keepAliveMs);
    this.origin.park(this);
  }
}

class OriginPool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly queue: Exchange[] = [];

  constructor(
    private readonly url: URL,
    readonly settings: PoolSettings,
  ) {}

  enqueue(exchange: Exchange): void {
    const idle = this.idle.pop();
    if (idle) idle.start(exchange);
    else if (this.open.size < this.settings.connectionsPerOrigin) this.connect().start(exchange);
    else this.queue.push(exchange);
  }

  /** A retry never takes an idle connection: it may be as stale as the one that just failed. */
  retry(exchange: Exchange): void {
    if (this.open.size < this.settings.connectionsPerOrigin) this.connect().start(exchange);
    else this.queue.unshift(exchange);
  }

  nextQueued(): Exchange | undefined {
    return this.queue.shift();
  }

  unqueue(exchange: Exchange): void {
    const index = this.queue.indexOf(exchange);
    if (index >= 0) this.queue.splice(index, 1);
  }

  park(connection: Connection): void {
    this.idle.push(connection);
  }

  forget(connection: Connection): void {
    this.open.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** Starts queued exchanges on connections a close has made room for. */
  pump(): void {
    while (this.queue.length > 0 && this.open.size < this.settings.connectionsPerOrigin)
      this.connect().start(this.queue.shift()!);
  }

  destroy(): void {
    for (const exchange of this.queue.splice(0))
      exchange.complete({ ok: false, kind: 'network', message: 'client closed' });
    for (const connection of [...this.open]) connection.fail('client closed');
  }

  private connect(): Connection {
    const { url } = this;
    // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const socket = secure
      ? tls.connect({
          host,
          port,
          ...(net.isIP(host) ? {} : { servername: host }),
          ...(this.settings.ca === undefined ? {} : { ca: this.settings.ca }),
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host, port });
    const connection = new Connection(this, socket);
    this.open.add(connection);
    return connection;
  }
}

type PoolSettings = Required<Omit<HttpPoolOptions, 'ca'>> & Pick<HttpPoolOptions, 'ca'>;

export class HttpPool {
  private readonly origins = new Map<string, OriginPool>();
  private readonly settings: PoolSettings;

  constructor(options: HttpPoolOptions) {
    this.settings = { connectionsPerOrigin: 128, keepAliveMs: 10_000, ...options };
  }

  /** Sends `request`; `onDone` is called once, never synchronously, unless the exchange is aborted first. */
  send(request: OutgoingRequest, onDone: (result: ExchangeResult) => void): PendingExchange {
    const { url } = request;
    const payload = requestPayload(request);
    const origin = this.originOf(url);
    if (payload === undefined || origin === undefined) {
      const message = origin ? 'invalid request header' : `unsupported URL scheme ${url.protocol}`;
      let aborted = false;
      queueMicrotask(() => {
        if (!aborted) onDone({ ok: false, kind: 'network', message });
      });
      return { abort: () => (aborted = true) };
    }
    const exchange = new Exchange(origin, payload, request.method, onDone);
    origin.enqueue(exchange);
    return exchange;
  }

  /** Closes every connection and fails every queued request. */
  close(): void {
    for (const origin of this.origins.values()) origin.destroy();
    this.origins.clear();
  }

  private originOf(url: URL): OriginPool | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const key = url.origin;
    let origin = this.origins.get(key);
    if (!origin) {
      origin = new OriginPool(url, this.settings);
      this.origins.set(key, origin);
    }
    return origin;
  }
}

/**
 * The header lines of a headers object, checked and serialised once per object: adapters pass the
 * same constant objects on every call. Undefined when a name or value is unsafe.
 */
const headerLinesOf = new WeakMap<object, string | undefined>();

function headerLines(headers: Readonly<Record<string, string>>): string | undefined {
  if (headerLinesOf.has(headers)) return headerLinesOf.get(headers);
  let lines: string | undefined = '';
  for (const name in headers) {
    const value = headers[name]!;
    if (!TOKEN.test(name) || UNSAFE_VALUE.test(value)) {
      lines = undefined;
      break;
    }
    if (!POOL_HEADERS.has(name.toLowerCase())) lines += `${name}: ${value}\r\n`;
  }
  headerLinesOf.set(headers, lines);
  return lines;
}

/** The request's bytes as one string (head and body, written at once); undefined for an unsafe header. */
function requestPayload(request: OutgoingRequest): string | undefined {
  const { url, method, headers, body } = request;
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  if (headers) {
    const lines = headerLines(headers);
    if (lines === undefined) return undefined;
    head += lines;
  }
  // POST and PUT say their (maybe empty) length; a GET without a body says nothing.
  if (body !== undefined || method === 'POST' || method === 'PUT')
    head += `Content-Length: ${body === undefined ? 0 : Buffer.byteLength(body)}\r\n`;
  return `${head}\r\n${body ?? ''}`;
}
