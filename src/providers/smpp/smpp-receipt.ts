import type { DeliveryReport } from '../provider.js';
import { mapReceiptState, messageStateWord } from './smpp-status.js';

/** The receipt text fields of SMPP 3.4 Appendix B (`id:… sub:… dlvrd:… … stat:DELIVRD err:…`). */
export interface ReceiptText {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  stat?: string;
  err?: string;
}

const FIELD = /(?:^|\s)(id|sub|dlvrd|submit date|done date|stat|err):(\S*)/gi;

export function parseReceiptText(text: string): ReceiptText {
  const receipt: ReceiptText = {};
  for (const [, rawKey = '', value = ''] of text.matchAll(FIELD)) {
    const key = rawKey.toLowerCase();
    if (key === 'submit date') receipt.submitDate = value;
    else if (key === 'done date') receipt.doneDate = value;
    else if (key === 'id' || key === 'sub' || key === 'dlvrd' || key === 'stat' || key === 'err')
      receipt[key] = value;
  }
  return receipt;
}

/**
 * esm_class bits 5–2 (SMPP 3.4 §5.2.12): 0001 = SMSC delivery receipt, 1000 = intermediate
 * delivery notification. Anything else (an MO message, an SME acknowledgement) is not ours.
 */
export function isDeliveryReceipt(esmClass: unknown): boolean {
  if (typeof esmClass !== 'number') return false;
  const type = esmClass & 0x3c;
  return type === 0x04 || type === 0x20;
}

/**
 * A deliver_sm receipt → report. The receipted_message_id and message_state TLVs win over the
 * text when present (they are the 3.4 way; the text format is only "vendor specific" guidance).
 */
export function receiptToReport(fields: Readonly<Record<string, unknown>>): DeliveryReport | undefined {
  if (!isDeliveryReceipt(fields.esm_class)) return undefined;
  const text = messageText(fields.short_message) || messageText(fields.message_payload);
  const receipt = parseReceiptText(text);
  const tlvId = typeof fields.receipted_message_id === 'string' ? fields.receipted_message_id : undefined;
  const tlvState =
    typeof fields.message_state === 'number' ? messageStateWord(fields.message_state) : undefined;
  const providerMessageId = tlvId || receipt.id;
  const providerStatus = tlvState ?? receipt.stat;
  if (!providerMessageId || !providerStatus) return undefined;
  const report: DeliveryReport = {
    providerMessageId,
    status: mapReceiptState(providerStatus),
    providerStatus,
  };
  if (receipt.err && !/^0+$/.test(receipt.err)) report.errorCode = receipt.err;
  return report;
}

/** The smpp package decodes short_message into `{ message }`, a string or (unknown coding) a Buffer. */
function messageText(value: unknown): string {
  const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : value;
  if (typeof message === 'string') return message;
  if (Buffer.isBuffer(message)) return message.toString('latin1');
  return '';
}
