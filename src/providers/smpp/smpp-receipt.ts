import type { DeliveryReport } from '../provider.js';
import { receiptIdToSubmitId, type ReceiptIdFormat } from './message-id-format.js';
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
 * What a deliver_sm amounts to: a report; nothing of ours (an MO message, a receipt without id or
 * state); or a receipt whose id does not fit the configured receiptIdFormat, which is dropped.
 */
export type ReceiptReading =
  { kind: 'report'; report: DeliveryReport } | { kind: 'ignored' } | { kind: 'bad_id'; receiptId: string };

/**
 * A deliver_sm receipt → report. The receipted_message_id and message_state TLVs win over the
 * text when present (they are the 3.4 way; the text format is only "vendor specific" guidance).
 * The receipt id is put in the submit_sm_resp form `idFormat` declares (see message-id-format.ts).
 */
export function readReceipt(
  fields: Readonly<Record<string, unknown>>,
  idFormat: ReceiptIdFormat = 'same',
): ReceiptReading {
  if (!isDeliveryReceipt(fields.esm_class)) return { kind: 'ignored' };
  const text = messageText(fields.short_message) || messageText(fields.message_payload);
  const receipt = parseReceiptText(text);
  const tlvId = typeof fields.receipted_message_id === 'string' ? fields.receipted_message_id : undefined;
  const tlvState =
    typeof fields.message_state === 'number' ? messageStateWord(fields.message_state) : undefined;
  const receiptId = tlvId || receipt.id;
  const providerStatus = tlvState ?? receipt.stat;
  if (!receiptId || !providerStatus) return { kind: 'ignored' };
  const providerMessageId = receiptIdToSubmitId(receiptId, idFormat);
  if (providerMessageId === undefined) return { kind: 'bad_id', receiptId };
  const report: DeliveryReport = {
    providerMessageId,
    status: mapReceiptState(providerStatus),
    providerStatus,
  };
  if (receipt.err && !/^0+$/.test(receipt.err)) report.errorCode = receipt.err;
  return { kind: 'report', report };
}

/** readReceipt's report, or undefined for anything else. */
export function receiptToReport(
  fields: Readonly<Record<string, unknown>>,
  idFormat: ReceiptIdFormat = 'same',
): DeliveryReport | undefined {
  const reading = readReceipt(fields, idFormat);
  return reading.kind === 'report' ? reading.report : undefined;
}

/** The smpp package decodes short_message into `{ message }`, a string or (unknown coding) a Buffer. */
function messageText(value: unknown): string {
  const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : value;
  if (typeof message === 'string') return message;
  if (Buffer.isBuffer(message)) return message.toString('latin1');
  return '';
}
