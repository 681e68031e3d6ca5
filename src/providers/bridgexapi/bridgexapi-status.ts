import type { DeliveryStatus } from '../../core/index.js';

/**
 * BridgeXAPI publishes no complete DLR enum (only QUEUED at submit and DELIVERED / FAILED in
 * examples), so the status is an opaque upper-case word. Unknown words stay `queued`: the
 * normalised status never claims more than we know, and the raw word is kept as providerStatus.
 */
export function mapBridgeStatus(providerStatus: string): DeliveryStatus {
  switch (providerStatus.trim().toUpperCase()) {
    case 'DELIVERED':
    case 'DELIVRD':
      return 'delivered';
    case 'FAILED':
      return 'failed';
    case 'UNDELIVERED':
    case 'UNDELIV':
    case 'EXPIRED':
      return 'undelivered';
    case 'REJECTED':
    case 'REJECTD':
      return 'rejected';
    case 'SENT':
    case 'SUBMITTED':
    case 'ENROUTE':
      return 'sent';
    case 'QUEUED':
    case 'ACCEPTED':
    case 'PENDING':
    default:
      return 'queued';
  }
}
