import smpp from 'smpp';
import {
  failure,
  type CallOptions,
  type DeliveryReport,
  type OutboundMessage,
  type Provider,
  type SendResult,
} from '../provider.js';
import { silentLogger, type Logger } from '../../service/logger.js';
import { canonicalSubmitId, type ReceiptIdFormat } from './message-id-format.js';
import { SmppConnection } from './smpp-connection.js';
import { readReceipt } from './smpp-receipt.js';
import { submitFailure } from './smpp-status.js';
import { withTimeout } from '../call-signal.js';

export interface SmppOptions {
  name: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Default sender (the route's sender id wins): digits for a number, text for alphanumeric. */
  sourceAddr: string;
  /** Default: 5 (alphanumeric) for text senders, 1 (international) for numbers. */
  sourceAddrTon?: number;
  /** Default: 0 (unknown) for text senders, 1 (ISDN/E.164) for numbers. */
  sourceAddrNpi?: number;
  /** Default 30. */
  enquireLinkSeconds?: number;
  /** First reconnect delay, doubled per failed attempt up to 30 s. Default 1000. */
  reconnectDelayMs?: number;
  /** Upper bound per send (waiting for the bind plus the submit_sm_resp), on top of the caller's signal. */
  submitTimeoutMs?: number;
  /**
   * How the receipt's message id relates to the submit_sm_resp one (see message-id-format.ts).
   * Default `same`: compared as-is.
   */
  receiptIdFormat?: ReceiptIdFormat;
  /** Receives a warn line per dropped receipt; default silent. */
  logger?: Logger;
  onDeliveryReport?: (report: DeliveryReport) => void;
}

export type SmppProvider = Provider & Required<Pick<Provider, 'setDeliveryReportHandler' | 'close'>>;

/** The longest short_message (SMPP 3.4 §5.2.22); longer texts go in the message_payload TLV. */
const SHORT_MESSAGE_MAX_OCTETS = 254;

/**
 * SMS over SMPP 3.4 as a transceiver (`smpp` package). Connects and binds as soon as it is
 * created and stays bound so receipts (deliver_sm) arrive; call close() to unbind.
 */
export function createSmppProvider(options: SmppOptions): SmppProvider {
  let reportHandler = options.onDeliveryReport;
  const idFormat = options.receiptIdFormat ?? 'same';
  const logger = options.logger ?? silentLogger;
  const connection = new SmppConnection({
    host: options.host,
    port: options.port,
    systemId: options.systemId,
    password: options.password,
    systemType: options.systemType,
    enquireLinkMs: (options.enquireLinkSeconds ?? 30) * 1000,
    reconnectDelayMs: options.reconnectDelayMs ?? 1000,
    onDeliverSm: (pdu) => {
      const reading = readReceipt(pdu, idFormat);
      if (reading.kind === 'bad_id') {
        // The id (an SMSC counter, no secret) is logged cut short; the message text never is.
        logger.warn(
          { provider: options.name, receiptIdFormat: idFormat, receiptId: reading.receiptId.slice(0, 64) },
          'smpp: delivery receipt dropped, its message id does not fit receiptIdFormat',
        );
        return;
      }
      if (reading.kind !== 'report' || !reportHandler) return;
      try {
        reportHandler(reading.report);
      } catch {
        // A failing handler must not take the SMPP session down with it.
      }
    },
  });

  return {
    name: options.name,
    type: 'smpp',
    channels: ['sms'],

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (message.channel !== 'sms')
        return failure('unsupported', `smpp: channel ${message.channel} not offered`);
      const submit = {
        ...sourceAddress(message.sender ?? options.sourceAddr, options),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: message.to.replace(/\D/g, ''),
        registered_delivery: 1, // a receipt for the final outcome, success or failure
        ...encodeText(message.text),
      };
      const outcome = await withTimeout(
        options.submitTimeoutMs,
        (signal) => connection.request(signal, (session, done) => session.submit_sm(submit, done)),
        callOptions.signal,
      );
      if (!outcome.ok) return outcome;
      const response = outcome.pdu;
      if (response.command_status !== 0) return submitFailure(response.command_status);
      const id = response.message_id;
      if (typeof id !== 'string' || id === '')
        return failure('malformed_response', 'smpp: submit_sm_resp without message_id');
      // Stored in the form converted receipt ids take (message-id-format.ts). An id that does not
      // fit the format is kept as sent: the SMSC accepted the message, so failing the send would
      // only send the code twice; its receipts cannot match, so say so.
      const providerMessageId = canonicalSubmitId(id, idFormat);
      if (providerMessageId === undefined)
        logger.warn(
          { provider: options.name, receiptIdFormat: idFormat, messageId: id.slice(0, 64) },
          'smpp: submit_sm_resp message_id does not fit receiptIdFormat, its receipts will not match',
        );
      return { ok: true, providerMessageId: providerMessageId ?? id, status: 'queued' };
    },

    setDeliveryReportHandler(handler: (report: DeliveryReport) => void): void {
      reportHandler = handler;
    },

    close: () => connection.close(),
  };
}

function sourceAddress(sender: string, options: SmppOptions): Record<string, string | number> {
  const numeric = /^\+?\d+$/.test(sender);
  return {
    source_addr_ton: options.sourceAddrTon ?? (numeric ? 1 : 5),
    source_addr_npi: options.sourceAddrNpi ?? (numeric ? 1 : 0),
    source_addr: numeric ? sender.replace('+', '') : sender,
  };
}

/** GSM 03.38 default alphabet (data_coding 0) when every character has a GSM code, else UCS-2 (8). */
export function encodeText(text: string): {
  data_coding: number;
  short_message: Buffer;
  message_payload?: Buffer;
} {
  const gsm = smpp.encodings.ASCII.match(text);
  const bytes = gsm ? smpp.encodings.ASCII.encode(text) : Buffer.from(text, 'utf16le').swap16();
  const data_coding = gsm ? 0x00 : 0x08;
  if (bytes.length <= SHORT_MESSAGE_MAX_OCTETS) return { data_coding, short_message: bytes };
  return { data_coding, short_message: Buffer.alloc(0), message_payload: bytes };
}
