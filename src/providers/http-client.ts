import { Agent, request, type Dispatcher } from 'undici';
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

async function send(req: HttpRequest, signal: AbortSignal, dispatcher: Dispatcher): Promise<HttpOutcome> {
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      dispatcher,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const text = await res.body.text();
    return { ok: true, response: { status: res.statusCode, headers: res.headers, text } };
  } catch (error) {
    if (signal.aborted) return failure('timeout', 'provider did not answer in time');
    const code = (error as { code?: unknown }).code;
    return failure('network', `connection failed${typeof code === 'string' ? ` (${code})` : ''}`);
  }
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
