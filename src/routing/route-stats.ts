import { isFailedDelivery, type AttemptOutcome } from '../core/index.js';

export interface RouteStats {
  /** Attempts created in the window. */
  sent: number;
  delivered: number;
  /** Undelivered, failed or rejected. */
  failed: number;
  /** delivered / (delivered + failed); undefined until enough attempts reached a final state. */
  deliveryRate: number | undefined;
  /** Median time from send to the delivered receipt; undefined when nothing was delivered. */
  medianTimeToDeliverMs: number | undefined;
}

export interface RouteStatsOptions {
  /** Final attempts needed before a delivery rate is trusted (2 of 2 delivered says little). */
  minimumFinalAttempts?: number;
}

export const DEFAULT_MINIMUM_FINAL_ATTEMPTS = 5;
// An hour holds enough traffic for a meaningful rate on most routes yet still reacts within the day.
export const DEFAULT_STATS_WINDOW_SECONDS = 3600;

/** Attempts with no country (e-mail, non-geographic numbers) are grouped under ISO's "unknown" code. */
export const UNKNOWN_COUNTRY = 'ZZ';

export function routeStatsKey(routeId: number, country: string | undefined): string {
  return `${routeId}:${country ?? UNKNOWN_COUNTRY}`;
}

/**
 * Delivery statistics per (route, country) over the attempts created in the last
 * `windowSeconds` before `nowMs`, keyed by `routeStatsKey`.
 */
export function computeRouteStats(
  attempts: readonly AttemptOutcome[],
  nowMs: number,
  windowSeconds: number,
  options: RouteStatsOptions = {},
): Map<string, RouteStats> {
  return tallyBy(attempts, nowMs, windowSeconds, options, (a) => routeStatsKey(a.routeId, a.country));
}

/** The same statistics per route over all countries (for health views, not for routing). */
export function computeRouteSummaries(
  attempts: readonly AttemptOutcome[],
  nowMs: number,
  windowSeconds: number,
  options: RouteStatsOptions = {},
): Map<number, RouteStats> {
  return tallyBy(attempts, nowMs, windowSeconds, options, (a) => a.routeId);
}

interface Tally {
  sent: number;
  delivered: number;
  failed: number;
  deliverMs: number[];
}

function tallyBy<K>(
  attempts: readonly AttemptOutcome[],
  nowMs: number,
  windowSeconds: number,
  options: RouteStatsOptions,
  keyOf: (attempt: AttemptOutcome) => K,
): Map<K, RouteStats> {
  const minimumFinal = options.minimumFinalAttempts ?? DEFAULT_MINIMUM_FINAL_ATTEMPTS;
  const sinceMs = nowMs - windowSeconds * 1000;
  const tallies = new Map<K, Tally>();
  for (const attempt of attempts) {
    if (attempt.createdAtMs <= sinceMs || attempt.createdAtMs > nowMs) continue;
    const key = keyOf(attempt);
    let tally = tallies.get(key);
    if (!tally) {
      tally = { sent: 0, delivered: 0, failed: 0, deliverMs: [] };
      tallies.set(key, tally);
    }
    tally.sent++;
    if (attempt.status === 'delivered') {
      tally.delivered++;
      if (attempt.deliveredAtMs !== undefined) {
        tally.deliverMs.push(Math.max(0, attempt.deliveredAtMs - attempt.createdAtMs));
      }
    } else if (isFailedDelivery(attempt.status)) {
      tally.failed++;
    }
  }
  const stats = new Map<K, RouteStats>();
  for (const [key, tally] of tallies) {
    const final = tally.delivered + tally.failed;
    stats.set(key, {
      sent: tally.sent,
      delivered: tally.delivered,
      failed: tally.failed,
      deliveryRate: final >= minimumFinal ? tally.delivered / final : undefined,
      medianTimeToDeliverMs: median(tally.deliverMs),
    });
  }
  return stats;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  if (sorted.length % 2 === 1) return upper;
  return Math.round(((sorted[middle - 1] ?? upper) + upper) / 2);
}

const NO_TRAFFIC: Readonly<RouteStats> = Object.freeze({
  sent: 0,
  delivered: 0,
  failed: 0,
  deliveryRate: undefined,
  medianTimeToDeliverMs: undefined,
});

/**
 * The latest route statistics, recomputed by the caller on a timer (`update`) so route selection
 * on the send path only reads a map and never scans attempts.
 */
export class RouteStatsCache {
  private byRouteCountry = new Map<string, RouteStats>();
  private byRoute = new Map<number, RouteStats>();
  private updatedAtMs: number | undefined;
  readonly windowSeconds: number;
  private readonly options: RouteStatsOptions;

  constructor(options: RouteStatsOptions & { windowSeconds?: number } = {}) {
    this.windowSeconds = options.windowSeconds ?? DEFAULT_STATS_WINDOW_SECONDS;
    this.options = options;
  }

  /** Replaces the statistics with those of `attempts`; `windowSeconds` overrides the configured window. */
  update(attempts: readonly AttemptOutcome[], nowMs: number, windowSeconds = this.windowSeconds): void {
    this.byRouteCountry = computeRouteStats(attempts, nowMs, windowSeconds, this.options);
    this.byRoute = computeRouteSummaries(attempts, nowMs, windowSeconds, this.options);
    this.updatedAtMs = nowMs;
  }

  get(routeId: number, country: string | undefined): RouteStats | undefined {
    return this.byRouteCountry.get(routeStatsKey(routeId, country));
  }

  /** One route over all countries; zero counts when it carried nothing in the window. */
  summaryForRoute(routeId: number): RouteStats {
    return this.byRoute.get(routeId) ?? { ...NO_TRAFFIC };
  }

  /** Every (route, country) seen in the window, keyed by `routeStatsKey`. */
  all(): ReadonlyMap<string, RouteStats> {
    return this.byRouteCountry;
  }

  /** When `update` last ran; undefined before the first refresh. */
  lastUpdatedAtMs(): number | undefined {
    return this.updatedAtMs;
  }
}
