import { CHANNELS, type Channel, type DeliveryStatus } from '../../core/index.js';
import {
  failure,
  type CallOptions,
  type DeliveryReport,
  type OutboundMessage,
  type Provider,
  type ProviderFailureKind,
  type SendResult,
} from '../provider.js';

/** What the scripted provider does with the next send. */
export type ScriptStep =
  | { kind: 'accept'; status?: DeliveryStatus; priceMicros?: number; currency?: string }
  | { kind: 'fail'; failure: ProviderFailureKind; providerCode?: string }
  /** Waits `ms` (or until aborted → timeout failure) and then does `then`. */
  | { kind: 'delay'; ms: number; then?: ScriptStep }
  /** Never answers; only the caller's abort signal ends it. */
  | { kind: 'hang' };

export interface ScriptedProviderOptions {
  name: string;
  channels?: readonly Channel[];
  /** Used when the script queue is empty. */
  defaultStep?: ScriptStep;
}

/**
 * An in-memory provider for tests: each send takes the next scripted step (success, failure,
 * delay, hang), records the message, and receipts are pushed on demand with `report()`.
 */
export class ScriptedProvider implements Provider {
  readonly name: string;
  readonly type = 'scripted';
  readonly channels: readonly Channel[];
  readonly sent: OutboundMessage[] = [];
  private readonly queue: ScriptStep[] = [];
  private defaultStep: ScriptStep;
  private reportHandler: ((report: DeliveryReport) => void) | undefined;
  private readonly polled = new Map<string, DeliveryReport>();
  private counter = 0;

  constructor(options: ScriptedProviderOptions) {
    this.name = options.name;
    this.channels = options.channels ?? CHANNELS;
    this.defaultStep = options.defaultStep ?? { kind: 'accept' };
  }

  /** Queue steps for the next sends, in order. */
  script(...steps: ScriptStep[]): this {
    this.queue.push(...steps);
    return this;
  }

  setDefault(step: ScriptStep): this {
    this.defaultStep = step;
    return this;
  }

  async send(message: OutboundMessage, options: CallOptions): Promise<SendResult> {
    this.sent.push(message);
    return this.run(this.queue.shift() ?? this.defaultStep, options.signal);
  }

  setDeliveryReportHandler(handler: (report: DeliveryReport) => void): void {
    this.reportHandler = handler;
  }

  /** Pushes a receipt as if the gateway called back. */
  report(providerMessageId: string, status: DeliveryStatus, errorCode?: string): void {
    this.reportHandler?.({
      providerMessageId,
      status,
      providerStatus: status,
      ...(errorCode ? { errorCode } : {}),
    });
  }

  /** Makes `fetchDeliveryStatus` answer with this status (polling providers). */
  setPolledStatus(providerMessageId: string, status: DeliveryStatus): void {
    this.polled.set(providerMessageId, { providerMessageId, status, providerStatus: status });
  }

  async fetchDeliveryStatus(providerMessageId: string): Promise<DeliveryReport | undefined> {
    return this.polled.get(providerMessageId);
  }

  private async run(step: ScriptStep, signal: AbortSignal): Promise<SendResult> {
    switch (step.kind) {
      case 'accept':
        this.counter += 1;
        return {
          ok: true,
          providerMessageId: `${this.name}-${this.counter}`,
          status: step.status ?? 'queued',
          ...(step.priceMicros !== undefined ? { priceMicros: step.priceMicros } : {}),
          ...(step.currency !== undefined ? { currency: step.currency } : {}),
        };
      case 'fail':
        return failure(step.failure, `scripted ${step.failure}`, step.providerCode);
      case 'delay': {
        const aborted = await sleep(step.ms, signal);
        if (aborted) return failure('timeout', 'provider did not answer in time');
        return this.run(step.then ?? { kind: 'accept' }, signal);
      }
      case 'hang':
        await sleep(Number.POSITIVE_INFINITY, signal);
        return failure('timeout', 'provider did not answer in time');
    }
  }
}

/** Resolves true when aborted, false when the time passed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), ms) : undefined;
    signal.addEventListener(
      'abort',
      () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
}
