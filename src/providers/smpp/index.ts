export { createSmppProvider, encodeText, type SmppOptions, type SmppProvider } from './smpp-provider.js';
export { isDeliveryReceipt, parseReceiptText, receiptToReport, type ReceiptText } from './smpp-receipt.js';
export { hexStatus, mapReceiptState, messageStateWord, submitFailure } from './smpp-status.js';
