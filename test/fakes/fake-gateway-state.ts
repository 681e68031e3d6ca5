import type { FakeHttpRequest } from './fake-http-server.js';

/**
 * The state and controls the scripted gateway fakes (BridgeXAPI, Vonage) share: a request log capped
 * at `maxRecordedRequests`, the messages the gateway accepted, a standing failure mode plus one-shot
 * steps that go first, and a balance kept in integer micros so thousands of bench sends do not drift.
 *
 *   const state = new FakeGatewayState<Mode, Step, Request, Message>({ balanceEur: 10, maxRecordedRequests: 1000 });
 *   const server = await startFakeHttpServer((request) => {
 *     state.record(request, { json });            // the fake's extra Request fields
 *     const step = state.nextStep();              // then the standing mode: step ?? state.mode
 *     ...
 *   });
 *   return state.expose<MyFake>(server.close, { url: server.url, apiKey, ... });
 */

const MICROS = 1_000_000;

/** The controls every scripted gateway fake offers, merged into its returned object by expose(). */
export interface FakeGatewayControls<Mode, Step, Request, Message> {
  readonly requests: readonly Request[];
  readonly messages: ReadonlyMap<string, Message>;
  balanceEur: number;
  /** Mode for every later request until changed. */
  setMode(mode: Mode): void;
  /** Steps for the next requests, one each, before the mode applies. */
  enqueue(...steps: Step[]): void;
  /** Forgets requests, messages and steps; mode back to 'normal'. Balance is kept. */
  reset(): void;
  close(): Promise<void>;
}

export class FakeGatewayState<Mode extends string, Step, Request extends FakeHttpRequest, Message> {
  readonly requests: Request[] = [];
  readonly messages = new Map<string, Message>();
  mode: Mode | 'normal' = 'normal';
  balanceMicros: number;
  private readonly steps: Step[] = [];
  private readonly maxRecorded: number;
  private readonly maxMessages: number;

  constructor(options: { balanceEur: number; maxRecordedRequests: number; maxMessages?: number }) {
    this.balanceMicros = Math.round(options.balanceEur * MICROS);
    this.maxRecorded = options.maxRecordedRequests;
    this.maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  }

  get balanceEur(): number {
    return this.balanceMicros / MICROS;
  }

  set balanceEur(value: number) {
    this.balanceMicros = Math.round(value * MICROS);
  }

  /**
   * Logs a request with the fake's own `fields` (parsed body…) unless recording is off (0); the oldest
   * go first past the cap. Nothing is built when it is off, so benchmarks pay nothing for it.
   */
  record(request: FakeHttpRequest, fields: Omit<Request, keyof FakeHttpRequest>): void {
    if (this.maxRecorded <= 0) return;
    // Listed, not spread: `npm run bench` records every request, and a double spread costs ~15 % there.
    const { method, path, headers, rawBody } = request;
    this.requests.push({ method, path, headers, rawBody, ...fields } as Request);
    if (this.requests.length > this.maxRecorded)
      this.requests.splice(0, this.requests.length - this.maxRecorded);
  }

  /** Keeps a message; past `maxMessages` the oldest is dropped (Maps iterate in insertion order). */
  keep(id: string, message: Message): void {
    this.messages.set(id, message);
    if (this.messages.size > this.maxMessages) this.messages.delete(this.messages.keys().next().value ?? '');
  }

  /** Takes the next one-shot step, if one is queued. */
  nextStep(): Step | undefined {
    return this.steps.shift();
  }

  /** The fake's public object: its own `fields` plus the shared controls. */
  expose<Fake extends FakeGatewayControls<Mode, Step, Request, Message>>(
    close: () => Promise<void>,
    fields: Omit<Fake, keyof FakeGatewayControls<Mode, Step, Request, Message>>,
  ): Fake {
    const balance = {
      get: () => this.balanceEur,
      set: (value: number) => {
        this.balanceEur = value;
      },
    };
    const controls: FakeGatewayControls<Mode, Step, Request, Message> = {
      requests: this.requests,
      messages: this.messages,
      get balanceEur() {
        return balance.get();
      },
      set balanceEur(value: number) {
        balance.set(value);
      },
      setMode: (next) => {
        this.mode = next;
      },
      enqueue: (...next) => {
        this.steps.push(...next);
      },
      reset: () => {
        this.requests.length = 0;
        this.steps.length = 0;
        this.messages.clear();
        this.mode = 'normal';
      },
      close,
    };
    // Assigned onto the controls, so the balanceEur accessor survives.
    return Object.assign(controls, fields) as Fake;
  }
}
