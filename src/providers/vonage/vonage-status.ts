import type { DeliveryStatus } from '../../core/index.js';
import { failure, type ProviderFailureResult } from '../provider.js';

/**
 * A non-zero `status` of a send answer (developer.vonage.com/api-errors/sms). Account-level
 * problems (credentials, barred or HTTP-disabled account) are `auth` so failover tries another
 * provider; problems with this destination or sender are `blocked` / `invalid_number`.
 */
export function vonageSendFailure(status: string, errorText: string | undefined): ProviderFailureResult {
  const said = `vonage: ${errorText ? errorText.slice(0, 120) : `status ${status}`}`;
  switch (status) {
    case '1': // throttled
    case '10': // too many existing binds
      return failure('throttled', said, status);
    case '4': // invalid credentials
    case '8': // partner account barred
    case '11': // account not enabled for HTTP
    case '14': // invalid signature
    case '32': // signature and api secret disallowed
      return failure('auth', said, status);
    case '5': // internal error
      return failure('server', said, status);
    case '6': // invalid message: unrecognised number prefix, unroutable
    case '33': // number de-activated
      return failure('invalid_number', said, status);
    case '7': // number barred
    case '15': // invalid sender address
    case '17': // message blocked by provider
    case '29': // non-whitelisted destination (demo account)
      return failure('blocked', said, status);
    case '9': // partner quota violation: not enough credit
      return failure('insufficient_balance', said, status);
    case '2': // missing parameters
    case '3': // invalid parameters
    case '12': // message too long
    case '22': // invalid network code
    case '23': // invalid callback url
    default:
      return failure('rejected', said, status);
  }
}

/** The `status` of a delivery receipt (delivered, expired, failed, rejected, accepted, buffered, unknown). */
export function mapVonageDlrStatus(status: string): DeliveryStatus {
  switch (status.trim().toLowerCase()) {
    case 'delivered':
      return 'delivered';
    case 'expired':
      return 'undelivered';
    case 'failed':
      return 'failed';
    case 'rejected':
      return 'rejected';
    // Accepted and buffered are with the carrier; unknown means a receipt came back without a
    // verdict. None is final.
    case 'accepted':
    case 'buffered':
    case 'unknown':
      return 'sent';
    default:
      return 'queued';
  }
}
