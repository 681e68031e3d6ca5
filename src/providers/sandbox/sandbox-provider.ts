import { CHANNELS, type DeliveryStatus } from '../../core/index.js';
import type {
  CallOptions,
  DeliveryReportHandler,
  OutboundMessage,
  Provider,
  SendResult,
} from '../provider.js';

/** A message the sandbox "sent": what `GET /v1/dev/outbox` shows in development mode. */
export interface OutboxEntry {
  providerMessageId: string;
  attemptId: string;
  verificationId: string;
  to: string;
  channel: OutboundMessage['channel'];
  sender: string | undefined;
  text: string;
  subject: string | undefined;
  sentAtMs: number;
}

export interface SandboxOptions {
  name: string;
  /** Status the sandbox reports for every message right after accepting it. */
  deliveryStatus?: DeliveryStatus;
  /** Outbox size; the oldest entries are dropped first. */
  outboxLimit?: number;
  nowMs?: () => number;
}

/**
 * The development provider: sends nothing, keeps the last messages in memory and reports a
 * delivery receipt (delivered by default) right after each send, like a perfect gateway.
 */
export class SandboxProvider implements Provider {
  readonly name: string;
  readonly type = 'sandbox';
  readonly channels = CHANNELS;
  private readonly outbox: OutboxEntry[] = [];
  private readonly deliveryStatus: DeliveryStatus;
  private readonly outboxLimit: number;
  private readonly nowMs: () => number;
  private counter = 0;
  private reportHandler: DeliveryReportHandler | undefined;

  constructor(options: SandboxOptions) {
    this.name = options.name;
    this.deliveryStatus = options.deliveryStatus ?? 'delivered';
    this.outboxLimit = options.outboxLimit ?? 500;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async send(message: OutboundMessage, _options: CallOptions): Promise<SendResult> {
    this.counter += 1;
    const providerMessageId = `SBX-${this.counter.toString(36)}-${message.attemptId.slice(-8)}`;
    this.outbox.push({
      providerMessageId,
      attemptId: message.attemptId,
      verificationId: message.verificationId,
      to: message.to,
      channel: message.channel,
      sender: message.sender,
      text: message.text,
      subject: message.subject,
      sentAtMs: this.nowMs(),
    });
    if (this.outbox.length > this.outboxLimit) this.outbox.splice(0, this.outbox.length - this.outboxLimit);
    const handler = this.reportHandler;
    const status = this.deliveryStatus;
    if (handler && status !== 'queued') {
      // After the send answer, as a real receipt would arrive.
      // It knows the attempt, so the receipt is applied by its id (no lookup by message id).
      const attemptId = message.attemptId;
      setImmediate(() => handler({ providerMessageId, status, providerStatus: status }, attemptId));
    }
    return { ok: true, providerMessageId, status: 'queued' };
  }

  setDeliveryReportHandler(handler: DeliveryReportHandler): void {
    this.reportHandler = handler;
  }

  /** Newest first. */
  listOutbox(limit = 50): OutboxEntry[] {
    return this.outbox.slice(-limit).reverse();
  }

  clearOutbox(): void {
    this.outbox.length = 0;
  }
}
