import type { Clock } from '../core/index.js';
import { OutcomeWindow } from './outcome-window.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Rolling window the failure rate is measured over. */
  windowSeconds: number;
  /** Calls the window must hold before the rate may open the breaker (no verdict on 2 calls). */
  minimumCalls: number;
  /** Failure share (0–1] of the window's calls that opens the breaker. */
  failureRateThreshold: number;
  /** How long an open breaker rejects calls before it lets one probe through. */
  openSeconds: number;
}

// Opossum-style defaults from the research notes: ≥ 50% failures over ≥ 10 calls, 30 s open.
export const DEFAULT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = Object.freeze({
  windowSeconds: 60,
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openSeconds: 30,
});

export interface BreakerSnapshot {
  state: BreakerState;
  /** Failures and calls in the current window. */
  failures: number;
  calls: number;
  openedAtMs?: number;
  /** When an open breaker lets its probe through (in the past once half-open). */
  retryAtMs?: number;
}

export function resolveBreakerOptions(options: Partial<CircuitBreakerOptions> = {}): CircuitBreakerOptions {
  const resolved = { ...DEFAULT_BREAKER_OPTIONS, ...stripUndefined(options) };
  if (!Number.isInteger(resolved.windowSeconds) || resolved.windowSeconds < 1) {
    throw new RangeError(`breaker windowSeconds must be a positive integer, got ${resolved.windowSeconds}`);
  }
  if (!Number.isInteger(resolved.minimumCalls) || resolved.minimumCalls < 1) {
    throw new RangeError(`breaker minimumCalls must be a positive integer, got ${resolved.minimumCalls}`);
  }
  if (!(resolved.failureRateThreshold > 0 && resolved.failureRateThreshold <= 1)) {
    throw new RangeError(
      `breaker failureRateThreshold must be in (0, 1], got ${resolved.failureRateThreshold}`,
    );
  }
  if (!(resolved.openSeconds > 0)) {
    throw new RangeError(`breaker openSeconds must be positive, got ${resolved.openSeconds}`);
  }
  return resolved;
}

/**
 * One route's circuit breaker: closed → open when the window's failure rate crosses the threshold
 * → half-open after `openSeconds`, where exactly one probe may go → closed on its success, open
 * again on its failure.
 *
 * Outcomes reported while open, or while half-open with no probe out, come from calls started
 * before the breaker opened; they are ignored so a late success cannot close it without a probe.
 */
export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  private readonly window: OutcomeWindow;
  private phase: BreakerState = 'closed';
  private openedAtMs: number | undefined;
  private retryAtMs: number | undefined;
  private probeStartedAtMs: number | undefined;

  constructor(
    options: Partial<CircuitBreakerOptions>,
    private readonly clock: Clock,
  ) {
    this.options = resolveBreakerOptions(options);
    this.window = new OutcomeWindow(this.options.windowSeconds);
  }

  /** Ask before using the route. Closed: yes. Open: no. Half-open: yes to one probe at a time. */
  tryAcquire(): boolean {
    const nowMs = this.refresh();
    if (this.phase === 'closed') return true;
    if (this.phase === 'open') return false;
    if (this.probeInFlight(nowMs)) return false;
    this.probeStartedAtMs = nowMs;
    return true;
  }

  recordSuccess(): void {
    const nowMs = this.refresh();
    if (this.phase === 'closed') {
      // Checked after successes too: 5 failures then 5 successes is still a 50% window at 10 calls.
      this.recordClosed(nowMs, false);
    } else if (this.phase === 'half_open' && this.probeStartedAtMs !== undefined) {
      this.close();
    }
  }

  recordFailure(): void {
    const nowMs = this.refresh();
    if (this.phase === 'closed') {
      this.recordClosed(nowMs, true);
    } else if (this.phase === 'half_open' && this.probeStartedAtMs !== undefined) {
      this.open(nowMs);
    }
  }

  /** Current state; reading it never consumes the half-open probe. */
  state(): BreakerState {
    this.refresh();
    return this.phase;
  }

  /** Milliseconds until an open breaker lets a probe through; undefined unless open. */
  retryAfterMs(): number | undefined {
    const nowMs = this.refresh();
    if (this.phase !== 'open' || this.retryAtMs === undefined) return undefined;
    return Math.max(0, this.retryAtMs - nowMs);
  }

  snapshot(): BreakerSnapshot {
    const nowMs = this.refresh();
    const { calls, failures } = this.window.totals(nowMs);
    const snapshot: BreakerSnapshot = { state: this.phase, failures, calls };
    if (this.openedAtMs !== undefined) snapshot.openedAtMs = this.openedAtMs;
    if (this.retryAtMs !== undefined) snapshot.retryAtMs = this.retryAtMs;
    return snapshot;
  }

  /** Moves an open breaker whose time is up to half-open; returns the time it looked at. */
  private refresh(): number {
    const nowMs = this.clock.nowMs();
    if (this.phase === 'open' && this.retryAtMs !== undefined && nowMs >= this.retryAtMs) {
      this.phase = 'half_open';
      this.probeStartedAtMs = undefined;
    }
    return nowMs;
  }

  // A probe whose caller died never reports; after another open period a new probe may go so the
  // route is not stuck half-open forever.
  private probeInFlight(nowMs: number): boolean {
    if (this.probeStartedAtMs === undefined) return false;
    return nowMs - this.probeStartedAtMs < this.options.openSeconds * 1000;
  }

  private recordClosed(nowMs: number, failed: boolean): void {
    this.window.record(nowMs, failed);
    const { calls, failures } = this.window.totals(nowMs);
    if (calls >= this.options.minimumCalls && failures / calls >= this.options.failureRateThreshold) {
      this.open(nowMs);
    }
  }

  private open(nowMs: number): void {
    this.phase = 'open';
    this.openedAtMs = nowMs;
    this.retryAtMs = nowMs + this.options.openSeconds * 1000;
    this.probeStartedAtMs = undefined;
  }

  private close(): void {
    this.phase = 'closed';
    this.openedAtMs = undefined;
    this.retryAtMs = undefined;
    this.probeStartedAtMs = undefined;
    // The failures that opened the breaker are history once a probe got through.
    this.window.clear();
  }
}

/** One breaker per route id, created on first use, all with the same options and clock. */
export class BreakerRegistry {
  private readonly breakers = new Map<number, CircuitBreaker>();
  private readonly options: CircuitBreakerOptions;

  constructor(
    options: Partial<CircuitBreakerOptions>,
    private readonly clock: Clock,
  ) {
    this.options = resolveBreakerOptions(options);
  }

  get(routeId: number): CircuitBreaker {
    let breaker = this.breakers.get(routeId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options, this.clock);
      this.breakers.set(routeId, breaker);
    }
    return breaker;
  }

  /** State without creating a breaker: a route never used is closed. */
  state(routeId: number): BreakerState {
    return this.breakers.get(routeId)?.state() ?? 'closed';
  }

  /** Snapshots of every breaker used so far, for health and admin views. */
  snapshots(): Map<number, BreakerSnapshot> {
    const result = new Map<number, BreakerSnapshot>();
    for (const [routeId, breaker] of this.breakers) result.set(routeId, breaker.snapshot());
    return result;
  }
}

function stripUndefined<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
