/** Normalised delivery states of one send attempt, whatever the provider calls them. */
export const DELIVERY_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'rejected',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Final states: no later receipt may change them. */
export function isFinalDelivery(status: DeliveryStatus): boolean {
  return status === 'delivered' || status === 'undelivered' || status === 'failed' || status === 'rejected';
}

/** States that mean the user did not get the code and the chain should move on. */
export function isFailedDelivery(status: DeliveryStatus): boolean {
  return status === 'undelivered' || status === 'failed' || status === 'rejected';
}

/** Receipts may arrive out of order; a later state never goes back to an earlier one. */
const RANK: Record<DeliveryStatus, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  undelivered: 2,
  failed: 2,
  rejected: 2,
};

export function deliveryRank(status: DeliveryStatus): number {
  return RANK[status];
}
