import { Agent, type Dispatcher } from 'undici';
import { failure, type ProviderFailureResult } from './provider.js';
import { withTimeout } from './call-signal.js';

/**
 * The one HTTP client every HTTP-based adapter uses: keep-alive connection pools per origin
 * (undici Agent), a hard timeout via the caller's AbortSignal, and the mapping of transport
 * errors and HTTP statuses to ProviderFailure kinds, so adapters only map their own bodies.
 */
const sharedAgent = new Agent({ keepAliveTimeout: 10_000, connections: 128, pipelining: 1 });

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** A string body is sent as-is; set the content-type header yourself. */
  body?: string;
  signal: AbortSignal;
  /** The adapter's own limit for this request, on top of the caller's signal. */
  timeoutMs?: number | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export type HttpOutcome = { ok: true; response: HttpResponse } | ProviderFailureResult;

/** Sends one request. Transport failures come back as `network` / `timeout` failures, never throws. */
export async function httpRequest(
  req: HttpRequest,
  dispatcher: Dispatcher = sharedAgent,
): Promise<HttpOutcome> {
  return withTimeout(req.timeoutMs, (signal) => send(req, signal, dispatcher), req.signal);
}

const timedOut = (): ProviderFailureResult => failure('timeout', 'provider did not answer in time');

/** A gateway answer bigger than this is not an answer to an SMS request: it is refused, not buffered. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * One exchange through undici's raw dispatch API: the answer is collected from its chunks as they
 * arrive. `request()` wraps every answer in a Readable stream and a Promise chain to read it,
 * which cost ~85 µs of CPU per provider call (measured against the BridgeXAPI fake: 183 µs → 97 µs).
 */
function send(req: HttpRequest, signal: AbortSignal, dispatcher: Dispatcher): Promise<HttpOutcome> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve(failure('network', 'invalid provider URL'));
  }
  return new Promise<HttpOutcome>((resolve) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    // Answers at once, even while the request still waits for a free connection in the pool:
    // onRequestStart then aborts it before anything is sent.
    const onAbort = (): void => {
      finish(timedOut());
      controller?.abort(new Error('aborted'));
    };
    const finish = (outcome: HttpOutcome): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const transportFailure = (error: unknown): HttpOutcome => {
      if (signal.aborted) return timedOut();
      const code = (error as { code?: unknown } | null)?.code;
      return failure('network', `connection failed${typeof code === 'string' ? ` (${code})` : ''}`);
    };
    if (signal.aborted) return finish(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (signal.aborted) started.abort(new Error('aborted'));
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(current, chunk) {
        receivedBytes += chunk.length;
        if (receivedBytes > MAX_RESPONSE_BYTES) {
          finish(failure('malformed_response', `provider answer larger than ${MAX_RESPONSE_BYTES} bytes`));
          current.abort(new Error('answer too large'));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        finish({ ok: true, response: { status, headers, text } });
      },
      onResponseError(_controller, error) {
        finish(transportFailure(error));
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: req.headers ?? null,
          body: req.body ?? null,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (error) {
      finish(transportFailure(error));
    }
  });
}

/** Parses a JSON body; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Generic status mapping for answers whose body said nothing more specific. */
export function failureForStatus(status: number, providerCode?: string): ProviderFailureResult {
  if (status === 401 || status === 403)
    return failure('auth', `provider refused credentials (${status})`, providerCode);
  if (status === 402) return failure('insufficient_balance', 'provider balance too low', providerCode);
  if (status === 429) return failure('throttled', 'provider throttled the request', providerCode);
  if (status >= 500) return failure('server', `provider error (${status})`, providerCode);
  return failure('rejected', `provider rejected the request (${status})`, providerCode);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
