/** `otpgate send` / `otpgate check`: thin clients of a running server's v1 API. */
import { request } from 'undici';
import { CliError, EXIT, describeSystemError, type ExitCode } from './exit-codes.js';

export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** Give up when the server has not answered within this many seconds (see timeoutMilliseconds). */
  timeoutSeconds: number;
}

/**
 * The longest `--timeout` accepted: one day. Node timers hold at most 2^31-1 ms (about 24.8 days);
 * a longer delay fires after 1 ms instead, and no CLI call needs to wait for days anyway.
 */
export const MAX_TIMEOUT_SECONDS = 86_400;

/**
 * A timeout in seconds as the whole milliseconds a timer takes: rounded up (0.0001 s is 1 ms, not 0),
 * so the CLI never gives up before the time asked for. Undefined when it is not a positive number
 * of at most MAX_TIMEOUT_SECONDS.
 */
export function timeoutMilliseconds(seconds: number): number | undefined {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) return undefined;
  return Math.max(1, Math.ceil(seconds * 1000));
}

interface ApiAnswer {
  status: number;
  /** The parsed JSON body; undefined when the body is not JSON. */
  body: unknown;
}

/** `otpgate send`: exit 0 when the server accepted the send, 1 when it answered with an error. */
export async function sendCode(options: ClientOptions, payload: Record<string, unknown>): Promise<ExitCode> {
  const answer = await post(options, '/v1/verifications', payload);
  if (!isSuccess(answer)) return refused(answer);
  return EXIT.ok;
}

/**
 * `otpgate check`: exit 0 only when the code was approved, so `otpgate check … && login` is safe.
 * A wrong code (200, valid false) and an error answer (404, 409, 429, …) both exit 1.
 */
export async function checkCode(
  options: ClientOptions,
  payload: { id: string; code: string },
): Promise<ExitCode> {
  const answer = await post(options, '/v1/verifications/check', payload);
  if (!isSuccess(answer)) return refused(answer);
  const result = (answer.body ?? {}) as { valid?: unknown; status?: unknown; attempts_remaining?: unknown };
  if (result.valid === true && result.status === 'approved') return EXIT.ok;
  const details = [
    typeof result.status === 'string' ? `status ${result.status}` : undefined,
    typeof result.attempts_remaining === 'number'
      ? `${result.attempts_remaining} attempt${result.attempts_remaining === 1 ? '' : 's'} remaining`
      : undefined,
  ].filter((part): part is string => part !== undefined);
  console.error(`otpgate: the code is not valid${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
  return EXIT.refused;
}

/** The server's base URL, checked before any connection: http(s) only. */
export function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      `the server URL ${JSON.stringify(raw)} (--url / OTPGATE_URL) is not a valid URL, e.g. http://127.0.0.1:8080`,
      EXIT.usage,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `the server URL ${JSON.stringify(raw)} (--url / OTPGATE_URL) must start with http:// or https://`,
      EXIT.usage,
    );
  }
  return url;
}

/** POSTs JSON and prints the answer (pretty JSON, or the raw text) on stdout. */
async function post(options: ClientOptions, path: string, payload: unknown): Promise<ApiAnswer> {
  const base = parseServerUrl(options.url).href.replace(/\/+$/, '');
  const timeoutMs = timeoutMilliseconds(options.timeoutSeconds);
  if (timeoutMs === undefined) {
    throw new CliError(
      `the timeout ${options.timeoutSeconds} (--timeout) must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS}`,
      EXIT.usage,
    );
  }
  let status: number;
  let text: string;
  try {
    const response = await request(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    const reason =
      (error as Error | null)?.name === 'TimeoutError'
        ? `no answer within ${options.timeoutSeconds} s`
        : describeSystemError(error);
    throw new CliError(`cannot reach ${base} (${reason})`, EXIT.unavailable);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
    console.log(JSON.stringify(body, null, 2));
  } catch {
    body = undefined;
    if (text) console.log(text);
  }
  return { status, body };
}

function isSuccess(answer: ApiAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/** One line on stderr for an error answer: the v1 error code and message when there is an envelope. */
function refused(answer: ApiAnswer): ExitCode {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const what =
    typeof error?.code === 'string'
      ? `${error.code}${typeof error.message === 'string' ? `: ${error.message}` : ''}`
      : 'the server refused the request';
  console.error(`otpgate: ${what} (HTTP ${answer.status})`);
  return EXIT.refused;
}
