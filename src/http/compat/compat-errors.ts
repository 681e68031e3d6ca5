import type { OtpError } from '../../errors/index.js';
import { valueError } from './pydantic-errors.js';

/**
 * Maps otpgate errors to the reference server's statuses and `detail` texts. Provider failures
 * become its 502 "SMS send failed: …" with a stable reason instead of raw exception text.
 */
export function compatErrorBody(
  error: OtpError,
  action: 'send' | 'verify',
  /** The request's phone_number as sent, echoed in a 422 item's `input` as pydantic does. */
  phoneInput: unknown = null,
): { status: number; body: { detail: unknown } } {
  switch (error.code) {
    case 'RESEND_TOO_SOON':
      return {
        status: 429,
        body: { detail: `OTP was sent too recently. Retry in ${error.retryAfterSeconds ?? 1} seconds.` },
      };
    case 'MAX_SENDS_REACHED':
      return { status: 429, body: { detail: 'OTP send limit reached. Try again later.' } };
    case 'RATE_LIMITED':
      return { status: 429, body: { detail: 'Too many requests. Try again later.' } };
    case 'MAX_ATTEMPTS_REACHED':
      return { status: 429, body: { detail: 'OTP attempts exceeded.' } };
    case 'INVALID_PHONE_NUMBER':
      // Refused by the provider (the send was tried) is a send failure; refused by our parser is bad input.
      return action === 'send' && error.details?.last_failure
        ? { status: 502, body: { detail: 'SMS send failed: the provider rejected the destination number.' } }
        : {
            status: 422,
            body: {
              detail: [valueError('phone_number', 'phone_number is not a valid phone number.', phoneInput)],
            },
          };
    case 'ROUTE_NOT_FOUND':
      return { status: 502, body: { detail: 'SMS send failed: route is not configured.' } };
    case 'NO_ROUTE':
      return { status: 502, body: { detail: 'SMS send failed: no route can deliver to this number.' } };
    case 'ROUTES_UNAVAILABLE':
      return { status: 502, body: { detail: 'SMS send failed: no route is available right now.' } };
    case 'INSUFFICIENT_BALANCE':
      return { status: 502, body: { detail: 'SMS send failed: insufficient balance.' } };
    case 'SEND_REJECTED':
      return { status: 502, body: { detail: 'SMS send failed: the provider refused the message.' } };
    case 'ALL_ROUTES_FAILED':
      return { status: 502, body: { detail: 'SMS send failed: the provider did not accept the message.' } };
    default:
      return { status: error.status, body: { detail: error.message } };
  }
}
