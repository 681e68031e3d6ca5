import smpp from 'smpp';
import { failure, type ProviderFailureResult } from '../provider.js';
import { hexStatus } from './smpp-status.js';

export interface SmppConnectionOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string | undefined;
  enquireLinkMs: number;
  reconnectDelayMs: number;
  /** Every deliver_sm (already answered with deliver_sm_resp). */
  onDeliverSm: (pdu: smpp.PDU) => void;
}

/** No bind_transceiver_resp in this time (or no TCP connect): drop the socket and try again. */
const BIND_TIMEOUT_MS = 10_000;
const MAX_RECONNECT_DELAY_MS = 30_000;

type Ready = { ok: true; session: smpp.Session } | ProviderFailureResult;

/**
 * One bound transceiver session that stays up: binds on connect, sends enquire_link every
 * period (an unanswered one means a dead link), answers the SMSC's requests, and reconnects
 * with exponential backoff when the socket closes. Callers wait for the bind within their signal.
 */
export class SmppConnection {
  private session: smpp.Session | undefined;
  private bound = false;
  private closed = false;
  private attempts = 0;
  private bindFailure: ProviderFailureResult | undefined;
  private awaitingEnquire = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly waiters = new Set<(ready: Ready) => void>();
  private readonly inflight = new Set<(lost: ProviderFailureResult) => void>();

  constructor(private readonly options: SmppConnectionOptions) {
    this.connect();
  }

  /** Sends one request PDU and resolves with its response, or a failure (never throws). */
  async request(
    signal: AbortSignal,
    write: (session: smpp.Session, onResponse: (pdu: smpp.PDU) => void) => boolean,
  ): Promise<{ ok: true; pdu: smpp.PDU } | ProviderFailureResult> {
    const ready = await this.ready(signal);
    if (!ready.ok) return ready;
    return new Promise((resolve) => {
      const settle = (result: { ok: true; pdu: smpp.PDU } | ProviderFailureResult): void => {
        signal.removeEventListener('abort', onAbort);
        this.inflight.delete(settle);
        resolve(result);
      };
      const onAbort = (): void => settle(failure('timeout', 'smpp: SMSC did not answer in time'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.inflight.add(settle);
      if (!write(ready.session, (pdu) => settle({ ok: true, pdu })))
        settle(failure('network', 'smpp: connection not writable'));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    this.flushWaiters(failure('network', 'smpp: provider closed'));
    const session = this.session;
    if (!session) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => session.destroy(), 1_000);
      session.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (!this.bound || !session.unbind(() => session.close())) session.destroy();
    });
  }

  private ready(signal: AbortSignal): Promise<Ready> {
    if (this.closed) return Promise.resolve(failure('network', 'smpp: provider closed'));
    if (this.session && this.bound) return Promise.resolve({ ok: true, session: this.session });
    // A refused bind fails fast until a later bind succeeds; the reconnect loop keeps trying.
    if (this.bindFailure) return Promise.resolve(this.bindFailure);
    return new Promise((resolve) => {
      const settle = (ready: Ready): void => {
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(settle);
        resolve(ready);
      };
      const onAbort = (): void => settle(failure('network', 'smpp: not connected to the SMSC'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(settle);
    });
  }

  private connect(): void {
    if (this.closed) return;
    const session = smpp.connect({ host: this.options.host, port: this.options.port });
    this.session = session;
    const bindTimer = this.timer(setTimeout(() => !this.bound && session.destroy(), BIND_TIMEOUT_MS));
    session.on('connect', () => {
      const bind = {
        system_id: this.options.systemId,
        password: this.options.password,
        system_type: this.options.systemType ?? '',
        interface_version: 0x34,
      };
      session.bind_transceiver(bind, (pdu) => {
        clearTimeout(bindTimer);
        if (this.session !== session) return;
        if (pdu.command_status !== 0) {
          this.bindFailure = failure('auth', 'smpp: SMSC refused the bind', hexStatus(pdu.command_status));
          this.flushWaiters(this.bindFailure);
          return session.destroy();
        }
        this.bound = true;
        this.attempts = 0;
        this.bindFailure = undefined;
        this.startEnquireLink(session);
        this.flushWaiters({ ok: true, session });
      });
    });
    session.on('pdu', (pdu: smpp.PDU) => this.onRequest(session, pdu));
    // Socket errors are followed by 'close'; a PDU parse error is not, so end the socket here.
    session.on('error', () => session.destroy());
    session.socket.once('close', () => this.onClose(session));
  }

  private onRequest(session: smpp.Session, pdu: smpp.PDU): void {
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'deliver_sm':
        session.send(pdu.response());
        this.options.onDeliverSm(pdu);
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        session.send(pdu.response(), () => session.close());
        return;
      case 'unknown':
        session.send(pdu.response()); // generic_nack
        return;
      default:
        return;
    }
  }

  private onClose(session: smpp.Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.bound = false;
    this.clearTimers();
    for (const lost of [...this.inflight])
      lost(failure('network', 'smpp: connection lost before the SMSC answered'));
    if (this.closed) return;
    const delay = Math.min(
      this.options.reconnectDelayMs * 2 ** Math.min(this.attempts, 10),
      MAX_RECONNECT_DELAY_MS,
    );
    this.attempts += 1;
    this.timer(setTimeout(() => this.connect(), delay));
  }

  private startEnquireLink(session: smpp.Session): void {
    this.awaitingEnquire = false;
    const tick = (): void => {
      if (this.awaitingEnquire) return session.destroy(); // the last one was never answered
      this.awaitingEnquire = true;
      session.enquire_link(() => {
        this.awaitingEnquire = false;
      });
    };
    this.timer(setInterval(tick, this.options.enquireLinkMs));
  }

  private flushWaiters(ready: Ready): void {
    for (const waiter of [...this.waiters]) waiter(ready);
  }

  /** Timers stay referenced: an open provider is meant to keep its link (close() ends it). */
  private timer(timer: NodeJS.Timeout): NodeJS.Timeout {
    this.timers.push(timer);
    return timer;
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
