/**
 * Message ids between submit_sm_resp and the delivery receipt, for SMSCs that write them in
 * different bases.
 *
 * Why: SMPP 3.4 leaves the message_id format to the SMSC, and SMSCs disagree. Some answer
 * submit_sm_resp with a hex id and put the same id in decimal in the receipt (the deliver_sm text
 * `id:` field or the receipted_message_id TLV), or the other way round; Kannel's `msg-id-type`
 * option lists these combinations. otpgate matches a receipt to its attempt by the exact id from
 * submit_sm_resp, so with such an SMSC no receipt would ever match and every message would fail
 * over on its timeout. Some SMSCs also zero-pad the receipt id ("0000023041").
 *
 * Canonical form: otpgate stores nothing besides the id, so it cannot know later whether the SMSC
 * wrote the hex in upper or lower case, or with leading zeros. When a conversion is configured,
 * both sides are therefore brought to one form, the shortest lower-case spelling in the
 * submit_sm_resp base: the id from submit_sm_resp before it is stored (`5A01`, `005a01` → `5a01`),
 * and the receipt id before its report is emitted (`23041`, `0000023041` → `5a01`). With the
 * default `same`, ids pass through untouched, exactly as before.
 *
 * BigInt, not Number: SMSC ids are often 64-bit counters, beyond 2^53.
 */

export const RECEIPT_ID_FORMATS = [
  'same',
  'submit_hex_receipt_decimal',
  'submit_decimal_receipt_hex',
] as const;
export type ReceiptIdFormat = (typeof RECEIPT_ID_FORMATS)[number];

/**
 * SMPP 3.4 message_id is a C-Octet String of at most 65 octets with its NUL (§5.2.23); anything
 * longer is not an id, whatever its digits.
 */
const MAX_ID_LENGTH = 64;
const DIGITS: Record<10 | 16, RegExp> = { 10: /^[0-9]+$/, 16: /^[0-9a-f]+$/i };

/**
 * The id from submit_sm_resp as it is stored and later matched; undefined when its digits do not
 * fit the declared format (the caller keeps the id as sent then: receipts cannot match it).
 */
export function canonicalSubmitId(id: string, format: ReceiptIdFormat): string | undefined {
  if (format === 'same') return id;
  const radix = submitRadix(format);
  return render(parse(id, radix), radix);
}

/**
 * A receipt's message id → the canonical submit_sm_resp id it stands for; undefined when its
 * digits do not fit the declared format.
 */
export function receiptIdToSubmitId(id: string, format: ReceiptIdFormat): string | undefined {
  if (format === 'same') return id;
  return render(parse(id, submitRadix(format) === 16 ? 10 : 16), submitRadix(format));
}

function submitRadix(format: Exclude<ReceiptIdFormat, 'same'>): 10 | 16 {
  return format === 'submit_hex_receipt_decimal' ? 16 : 10;
}

function parse(id: string, radix: 10 | 16): bigint | undefined {
  if (id.length > MAX_ID_LENGTH || !DIGITS[radix].test(id)) return undefined;
  return BigInt(radix === 16 ? `0x${id}` : id);
}

/** toString gives lower-case hex without leading zeros: the canonical form. */
function render(value: bigint | undefined, radix: 10 | 16): string | undefined {
  return value === undefined ? undefined : value.toString(radix);
}
