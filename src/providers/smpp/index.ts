export { createSmppProvider, encodeText, type SmppOptions, type SmppProvider } from './smpp-provider.js';
export {
  isDeliveryReceipt,
  parseReceiptText,
  readReceipt,
  receiptToReport,
  type ReceiptReading,
  type ReceiptText,
} from './smpp-receipt.js';
export {
  canonicalSubmitId,
  RECEIPT_ID_FORMATS,
  receiptIdToSubmitId,
  type ReceiptIdFormat,
} from './message-id-format.js';
export { hexStatus, mapReceiptState, messageStateWord, submitFailure } from './smpp-status.js';
