import { ERROR_CATALOG, type ErrorCode } from './codes.js';

export interface OtpErrorOptions {
  /** Overrides the catalog's generic message; must never contain a code, key or secret. */
  message?: string;
  /** Machine-readable extra facts (field names, limits). Safe to show to the caller. */
  details?: Record<string, unknown>;
  /** Sent as `Retry-After` on 429/503. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** The one error type the domain throws. Its HTTP status is looked up in the catalog. */
export class OtpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: OtpErrorOptions = {}) {
    const spec = ERROR_CATALOG[code];
    super(options.message ?? spec.message, { cause: options.cause });
    this.name = 'OtpError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
