import type { Channel, DeliveryStatus } from '../core/index.js';

/**
 * The Provider port: one gateway account (an "instance" with its credentials). Expected gateway
 * failures are RETURNED as `{ ok: false, failure }`, never thrown, so failover is a plain loop.
 * Adapters must honour `signal` (abort = timeout) and never log message text, codes or secrets.
 */
export interface Provider {
  /** Instance name from config, e.g. "bx-main"; unique. */
  readonly name: string;
  /** Adapter type, e.g. "bridgexapi", "twilio", "sandbox". */
  readonly type: string;
  readonly channels: readonly Channel[];
  /**
   * True for a provider that answers from memory, without I/O, and so can neither hang nor be
   * aborted (the sandbox): the dispatcher then spares the call its timeout timer and abort signal.
   */
  readonly inProcess?: boolean;
  send(message: OutboundMessage, options: CallOptions): Promise<SendResult>;
  /** Price of a message as the provider quotes it, with the balance where it reports one. */
  estimate?(
    request: EstimateRequest,
    options: CallOptions,
  ): Promise<ProviderEstimate | ProviderFailureResult>;
  balance?(options: CallOptions): Promise<ProviderBalance | ProviderFailureResult>;
  /** Polls the delivery state of one message; undefined when the provider does not know it (yet). */
  fetchDeliveryStatus?(providerMessageId: string, options: CallOptions): Promise<DeliveryReport | undefined>;
  /** Checks the webhook's signature. Providers without signatures omit this. */
  verifyWebhook?(request: InboundWebhook): boolean;
  /** Turns a delivery-receipt webhook into normalised reports (empty when it carries none). */
  parseDeliveryReports?(request: InboundWebhook): DeliveryReport[];
  /** Providers that push receipts over their own connection (SMPP deliver_sm, the sandbox) report them here. */
  setDeliveryReportHandler?(handler: DeliveryReportHandler): void;
  close?(): Promise<void>;
}

export interface CallOptions {
  signal: AbortSignal;
}

export interface OutboundMessage {
  /** otpgate's message id (`msg_…`), usable as the provider's client reference. */
  attemptId: string;
  verificationId: string;
  /** E.164 phone number (with +) or e-mail address. */
  to: string;
  channel: Channel;
  /** Rendered message text (SMS / WhatsApp / e-mail text part / what a voice call says). */
  text: string;
  /** The bare code, for channels that format it themselves (voice reads digits one by one). */
  code: string;
  /** E-mail subject; undefined for other channels. */
  subject: string | undefined;
  /** Sender id / caller id / from address of the route. */
  sender: string | undefined;
  /** The language `text` is written in ("nl", "pt-br"), after template fallback; undefined: unknown. */
  locale: string | undefined;
  /** Absolute URL the provider should post delivery receipts to, when the provider supports it. */
  statusCallbackUrl: string | undefined;
}

export type SendResult = SendAccepted | ProviderFailureResult;

export interface SendAccepted {
  ok: true;
  providerMessageId: string;
  /** Usually queued or sent; a provider that answers synchronously may say delivered. */
  status: DeliveryStatus;
  priceMicros?: number;
  currency?: string;
  /** Extra provider id worth keeping (BridgeXAPI order_id). */
  providerOrderId?: string;
}

export interface ProviderFailureResult {
  ok: false;
  failure: ProviderFailure;
}

export type ProviderFailureKind =
  | 'network' // connection refused/reset, DNS
  | 'timeout' // no answer in time (aborted)
  | 'server' // 5xx
  | 'throttled' // 429 / throughput exceeded
  | 'malformed_response' // 2xx with a body we cannot read
  | 'auth' // bad credentials
  | 'invalid_number'
  | 'blocked' // destination/sender/content blocked or not permitted
  | 'insufficient_balance'
  | 'rejected' // other 4xx
  | 'unsupported'; // channel or operation not offered

export interface ProviderFailure {
  kind: ProviderFailureKind;
  /** True when another route (or a later retry) may succeed: network, timeout, server, throttled, malformed_response, auth, insufficient_balance. */
  retryable: boolean;
  /** The provider's own error code or status, if any (safe to store; never contains secrets). */
  providerCode?: string;
  /** Short description for logs and the attempt record; no secrets, no message text. */
  message: string;
}

export interface EstimateRequest {
  to: string;
  channel: Channel;
  text: string;
  sender: string | undefined;
}

export interface ProviderEstimate {
  ok: true;
  priceMicros: number;
  currency: string;
  balanceMicros?: number;
  sufficientBalance?: boolean;
}

export interface ProviderBalance {
  ok: true;
  balanceMicros: number;
  currency: string;
}

export interface DeliveryReport {
  providerMessageId: string;
  status: DeliveryStatus;
  /** The provider's raw status word, kept for debugging. */
  providerStatus: string;
  errorCode?: string;
  errorMessage?: string;
  priceMicros?: number;
  currency?: string;
}

/**
 * Receives pushed receipts. `attemptId` is given only by providers that run inside otpgate and were
 * told the attempt in `OutboundMessage.attemptId` (the sandbox): the receipt then needs no lookup by
 * provider message id. Never set it from anything a gateway sent.
 */
export type DeliveryReportHandler = (report: DeliveryReport, attemptId?: string) => void;

/** A webhook as the HTTP layer hands it to a provider. */
export interface InboundWebhook {
  method: string;
  /** The absolute public URL the provider called (signatures often cover it). */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received, decoded as UTF-8 (signatures are computed over it). */
  rawBody: string;
  /** Parsed body: JSON object, or form fields for application/x-www-form-urlencoded. */
  body: unknown;
  query: Readonly<Record<string, string | undefined>>;
}

/** Helper for adapters: money as integer micros (1 EUR = 1_000_000). */
export function toMicros(amount: number): number {
  return Math.round(amount * 1_000_000);
}

export function failure(
  kind: ProviderFailureKind,
  message: string,
  providerCode?: string,
): ProviderFailureResult {
  const retryable =
    kind === 'network' ||
    kind === 'timeout' ||
    kind === 'server' ||
    kind === 'throttled' ||
    kind === 'malformed_response' ||
    kind === 'auth' ||
    kind === 'insufficient_balance';
  return { ok: false, failure: { kind, retryable, message, ...(providerCode ? { providerCode } : {}) } };
}
