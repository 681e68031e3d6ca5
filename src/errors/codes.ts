/**
 * THE error catalog. Every error otpgate returns has a stable `code` from here; the HTTP status
 * comes from this table, never from the place that throws.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  /** True when the same request may succeed later without changes (clients may back off and retry). */
  readonly retryable: boolean;
}

export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.', retryable: false },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.', retryable: false },
  HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request line or headers are too large.',
    retryable: false,
  },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time.', retryable: true },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be application/json.',
    retryable: false,
  },
  INVALID_PHONE_NUMBER: { status: 400, message: 'The phone number is not valid.', retryable: false },
  INVALID_EMAIL: { status: 400, message: 'The e-mail address is not valid.', retryable: false },
  UNAUTHENTICATED: {
    status: 401,
    message: 'A valid API key is required.',
    retryable: false,
  },
  FORBIDDEN: { status: 403, message: 'This API key may not do that.', retryable: false },
  COUNTRY_NOT_ALLOWED: {
    status: 403,
    message: 'Sending to this country is not allowed.',
    retryable: false,
  },
  FRAUD_BLOCKED: { status: 403, message: 'The request was blocked.', retryable: false },
  NOT_FOUND: { status: 404, message: 'No such resource.', retryable: false },
  VERIFICATION_NOT_FOUND: { status: 404, message: 'No such verification.', retryable: false },
  MESSAGE_NOT_FOUND: { status: 404, message: 'No such message.', retryable: false },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.', retryable: false },
  VERIFICATION_EXPIRED: { status: 410, message: 'The verification has expired.', retryable: false },
  VERIFICATION_NOT_PENDING: {
    status: 409,
    message: 'The verification is no longer pending.',
    retryable: false,
  },
  INVALID_CODE: { status: 422, message: 'The code is not valid.', retryable: false },
  NO_ROUTE: { status: 422, message: 'No route can deliver to this destination.', retryable: false },
  CHANNEL_NOT_SUPPORTED: {
    status: 422,
    message: 'The channel is not supported for this destination.',
    retryable: false,
  },
  SEND_REJECTED: {
    status: 422,
    message: 'The provider refused to deliver to this destination.',
    retryable: false,
  },
  INSUFFICIENT_BALANCE: {
    status: 402,
    message: 'The provider balance is too low to send.',
    retryable: false,
  },
  MAX_ATTEMPTS_REACHED: {
    status: 429,
    message: 'Too many wrong codes; request a new verification later.',
    retryable: true,
  },
  MAX_SENDS_REACHED: {
    status: 429,
    message: 'This verification may not be sent again.',
    retryable: false,
  },
  RESEND_TOO_SOON: { status: 429, message: 'A code was sent too recently.', retryable: true },
  RATE_LIMITED: { status: 429, message: 'Too many requests.', retryable: true },
  ALL_ROUTES_FAILED: {
    status: 502,
    message: 'Every route failed to send the message.',
    retryable: true,
  },
  ROUTES_UNAVAILABLE: {
    status: 503,
    message: 'No route is available right now.',
    retryable: true,
  },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    message: 'The webhook signature is not valid.',
    retryable: false,
  },
  STORE_BUSY: {
    status: 503,
    message: 'The store stayed locked by another process; try again shortly.',
    retryable: true,
  },
  NOT_READY: { status: 503, message: 'The service is not ready.', retryable: true },
  INTERNAL: { status: 500, message: 'Internal error.', retryable: true },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
