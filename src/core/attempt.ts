import type { Channel } from './verification.js';
import type { DeliveryStatus } from './delivery-status.js';

/** One message handed to one provider over one route: what was sent, at what price, and what happened. */
export interface Attempt {
  /** otpgate's message id (`msg_…`); shown to callers and used in status URLs. */
  id: string;
  verificationId: string;
  /** 0-based position in the verification's failover chain. */
  stepIndex: number;
  routeId: number;
  provider: string;
  channel: Channel;
  /** The id the provider gave the message, when it accepted it. */
  providerMessageId: string | undefined;
  /** Provider-specific extras worth keeping (e.g. BridgeXAPI order_id). */
  providerOrderId: string | undefined;
  priceMicros: number | undefined;
  currency: string | undefined;
  status: DeliveryStatus;
  /** Stable error code from the provider mapping, when the send or delivery failed. */
  errorCode: string | undefined;
  errorMessage: string | undefined;
  createdAtMs: number;
  updatedAtMs: number;
  deliveredAtMs: number | undefined;
  /** ISO country of the destination (for per-country route statistics). */
  country: string | undefined;
}

/** What delivery statistics read of an attempt: loading only these keeps the stats tick cheap. */
export type AttemptOutcome = Pick<
  Attempt,
  'routeId' | 'country' | 'status' | 'createdAtMs' | 'deliveredAtMs'
>;
