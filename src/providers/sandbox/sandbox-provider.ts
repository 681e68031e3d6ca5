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
  /** Status the sandbox reports for every message: delivered (default) in its answer, others as a receipt. */
  deliveryStatus?: DeliveryStatus;
  /** Outbox size; the oldest entries are dropped first. */
  outboxLimit?: number;
  nowMs?: () => number;
}

/**
 * The development provider: sends nothing and keeps the last messages in memory. By default it
 * answers every send `delivered`, like a perfect gateway; any other configured status arrives as a
 * delivery receipt right after the send answer.
 */
export class SandboxProvider implements Provider {
  readonly name: string;
  readonly type = 'sandbox';
  readonly channels = CHANNELS;
  readonly inProcess = true;
  private readonly outbox: OutboxEntry[] = [];
  private readonly deliveryStatus: DeliveryStatus;
  private readonly outboxLimit: number;
  private readonly nowMs: () => number;
  private counter = 0;
  /** Where the next message goes in the outbox ring (see record). */
  private outboxNext = 0;
  private reportHandler: DeliveryReportHandler | undefined;

  constructor(options: SandboxOptions) {
    this.name = options.name;
    this.deliveryStatus = options.deliveryStatus ?? 'delivered';
    this.outboxLimit = Math.max(1, options.outboxLimit ?? 500);
    this.nowMs = options.nowMs ?? Date.now;
  }

  async send(message: OutboundMessage, _options: CallOptions): Promise<SendResult> {
    this.counter += 1;
    const providerMessageId = `SBX-${this.counter.toString(36)}-${message.attemptId.slice(-8)}`;
    this.record({
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
    const status = this.deliveryStatus;
    // A perfect gateway knows at once that it delivered: it says so in its answer, and the
    // attempt is written delivered, with no receipt to wait for and no failover clock to stop.
    if (status === 'delivered') return { ok: true, providerMessageId, status };
    const handler = this.reportHandler;
    if (handler && status !== 'queued') {
      // Any other outcome (sent, undelivered, failed, …) arrives after the send answer, as a real
      // receipt would, so failover on a failed receipt can be tried out in development. The
      // sandbox knows the attempt, so the receipt is applied by its id (no lookup by message id).
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
    const newestFirst: OutboxEntry[] = [];
    for (let k = 1; k <= Math.min(limit, this.outbox.length); k++) {
      newestFirst.push(this.outbox[(this.outboxNext - k + this.outbox.length) % this.outbox.length]!);
    }
    return newestFirst;
  }

  clearOutbox(): void {
    this.outbox.length = 0;
    this.outboxNext = 0;
  }

  /**
   * A ring of the last `outboxLimit` messages: once full, each new one replaces the oldest in
   * place (dropping the oldest from the front of an array moved every entry, on every send).
   */
  private record(entry: OutboxEntry): void {
    if (this.outbox.length < this.outboxLimit) this.outbox.push(entry);
    else this.outbox[this.outboxNext] = entry;
    this.outboxNext = (this.outboxNext + 1) % this.outboxLimit;
  }
}
