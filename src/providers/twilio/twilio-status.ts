import type { DeliveryStatus } from '../../core/index.js';
import { failureForStatus } from '../http-client.js';
import { failure, type ProviderFailureResult } from '../provider.js';

/**
 * Message and Call statuses in one switch (both resources post to the same callback handler).
 * Undefined for words that are not an outbound delivery state (e.g. inbound `received`).
 * A call is `sent` while dialled, ringing or in progress, and `delivered` once `completed`:
 * answered, and the TwiML (the code, twice) ran to the end.
 */
export function mapTwilioStatus(status: string): DeliveryStatus | undefined {
  switch (status) {
    case 'queued':
    case 'accepted':
    case 'scheduled':
      return 'queued';
    case 'sending':
    case 'sent':
    case 'initiated':
    case 'ringing':
    case 'answered':
    case 'in-progress':
      return 'sent';
    case 'delivered':
    case 'read':
    case 'completed': // calls: answered and the TwiML (the code, twice) ran to the end
      return 'delivered';
    case 'undelivered':
    case 'partially_delivered':
    case 'busy':
    case 'no-answer':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * Maps Twilio's error body `{ code, message, more_info, status }` to a failure. Codes from the
 * Twilio error dictionary (https://www.twilio.com/docs/api/errors); anything else falls back to
 * the HTTP status. Twilio's own message is not copied: it can echo the phone number.
 */
export function twilioErrorFailure(httpStatus: number, code: number | undefined): ProviderFailureResult {
  const providerCode = code === undefined ? String(httpStatus) : String(code);
  switch (code) {
    case 21211: // Invalid 'To' phone number
    case 21614: // 'To' number is not a valid mobile number
    case 21217: // Phone number does not appear to be valid (voice)
    case 21401: // Invalid phone number
    case 13224: // Dial: invalid or unsupported number
      return failure('invalid_number', 'twilio: invalid destination number', providerCode);
    case 21408: // Permission to send an SMS has not been enabled for the region
    case 21215: // Geo permission configuration does not permit the call
    case 21610: // Recipient unsubscribed (replied STOP)
    case 21612: // 'To' and 'From' cannot be connected
    case 21606: // 'From' is not a valid message-enabled number for this account
    case 21212: // Invalid 'From' number
    case 21608: // Trial account: 'To' number is not verified
    case 63016: // WhatsApp: outside the 24-hour window, a template is required
      return failure('blocked', 'twilio: destination or sender not permitted', providerCode);
    case 20003: // Authentication failed
    case 20005: // Account not active
      return failure('auth', 'twilio: credentials refused', providerCode);
    case 20429: // Too many requests
    case 30001: // Queue overflow
    case 14107: // SMS send rate limit exceeded
      return failure('throttled', 'twilio: rate limited', providerCode);
    default:
      return failureForStatus(httpStatus, providerCode);
  }
}
