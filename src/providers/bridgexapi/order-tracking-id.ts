/**
 * A tracking id for a BridgeXAPI message that was accepted without a `bx_message_id`.
 *
 * Why: the vendor's SDK model allows `messages[].bx_message_id` to be null in a successful
 * `send_sms` answer. The message was still accepted (the answer has an `order_id`), so treating it
 * as a failure would fail over and send the code a second time, at a second cost. Such a message
 * is tracked by its order and number instead, through `GET /api/v1/orders/{order_id}/dlr`.
 *
 * Format: `order:<order_id>:<msisdn>`, the msisdn as sent (digits, no '+'). Real ids look like
 * `BX-<order_id>-<16 hex>`, so the two can never collide, and the id stays a plain string that the
 * dispatcher can store and match receipts by like any other provider message id.
 */
export interface OrderTrackingRef {
  orderId: number;
  /** Digits only, exactly as they went out in `numbers`. */
  msisdn: string;
}

const PREFIX = 'order:';
const PATTERN = /^order:(\d{1,15}):(\d{1,20})$/;

/** The synthetic id; undefined when the parts could not be decoded again (never stored then). */
export function encodeOrderTrackingId(ref: OrderTrackingRef): string | undefined {
  const id = `${PREFIX}${ref.orderId}:${ref.msisdn}`;
  return decodeOrderTrackingId(id) ? id : undefined;
}

/** The order and number behind a synthetic id; undefined for real `BX-…` ids and anything else. */
export function decodeOrderTrackingId(id: string): OrderTrackingRef | undefined {
  const match = PATTERN.exec(id);
  if (!match) return undefined;
  const orderId = Number(match[1]);
  if (!Number.isSafeInteger(orderId)) return undefined;
  return { orderId, msisdn: match[2] ?? '' };
}

/** True for ids made by encodeOrderTrackingId: they are otpgate's, not BridgeXAPI's. */
export function isOrderTrackingId(id: string): boolean {
  return decodeOrderTrackingId(id) !== undefined;
}
