import type { DeliveryStatus } from '../../core/index.js';
import { failure, type ProviderFailureResult } from '../provider.js';

/** `0x00000058`: SMPP command_status as the provider code, the way SMSC documentation writes it. */
export function hexStatus(commandStatus: number): string {
  return `0x${commandStatus.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** submit_sm_resp command_status (SMPP 3.4 §5.1.3) → failure. */
export function submitFailure(commandStatus: number): ProviderFailureResult {
  const code = hexStatus(commandStatus);
  switch (commandStatus) {
    case 0x58: // ESME_RTHROTTLED
    case 0x14: // ESME_RMSGQFUL
      return failure('throttled', `smpp: SMSC throttled the submit`, code);
    case 0x0b: // ESME_RINVDSTADR
      return failure('invalid_number', 'smpp: invalid destination address', code);
    case 0x0a: // ESME_RINVSRCADR
    case 0x101: // ESME_RPROHIBITED
      return failure('blocked', 'smpp: source address or destination not permitted', code);
    case 0x08: // ESME_RSYSERR
    case 0x45: // ESME_RSUBMITFAIL
    case 0x04: // ESME_RINVBNDSTS: the SMSC lost our bind; a fresh session may succeed
      return failure('server', 'smpp: SMSC failed to accept the message', code);
    default:
      return failure('rejected', 'smpp: SMSC rejected the message', code);
  }
}

/**
 * Delivery-receipt `stat:` words (SMPP 3.4 Appendix B), in one switch; the message_state TLV is
 * turned into the same words first. Unknown words count as still under way.
 */
export function mapReceiptState(stat: string): DeliveryStatus {
  switch (stat.toUpperCase()) {
    case 'DELIVRD':
      return 'delivered';
    case 'UNDELIV':
    case 'EXPIRED':
      return 'undelivered';
    case 'REJECTD':
      return 'rejected';
    case 'DELETED':
      return 'failed';
    case 'ACCEPTD':
    case 'ENROUTE':
    case 'UNKNOWN':
    default:
      return 'sent';
  }
}

/** message_state TLV (SMPP 3.4 §5.2.28) → the receipt's stat word. */
export function messageStateWord(state: number): string {
  const words = [
    'SCHEDULED',
    'ENROUTE',
    'DELIVRD',
    'EXPIRED',
    'DELETED',
    'UNDELIV',
    'ACCEPTD',
    'UNKNOWN',
    'REJECTD',
    'SKIPPED',
  ];
  return words[state] ?? 'UNKNOWN';
}
