/**
 * Exit statuses of the `otpgate` command. The numbers above 1 are the sysexits.h ones, so a
 * supervisor or a script can tell "the server said no" from "there was no server to ask".
 */
export const EXIT = {
  ok: 0,
  /** send/check: the server answered with an error (4xx/5xx); check: the code was not approved. */
  refused: 1,
  /** The command line is wrong: unknown option, missing argument, a server URL that is not http(s). */
  usage: 64, // EX_USAGE
  /** send/check: the server cannot be reached; serve: cannot listen on the configured host and port. */
  unavailable: 69, // EX_UNAVAILABLE
  /** serve: the configuration (environment, OTPGATE_CONFIG, data directory) is invalid. */
  config: 78, // EX_CONFIG
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An expected failure: printed as one `otpgate: …` line on stderr, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Short, human reasons for the system error codes a network or socket call ends with. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
};

/** "connection refused", "host not found", …: the reason a system call failed, for one error line. */
export function describeSystemError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code]) return REASONS[code];
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
