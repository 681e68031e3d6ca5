import type { AttemptOutcome, ChainStep, Clock } from '../core/index.js';
import type { Provider } from '../providers/provider.js';
import { BreakerRegistry } from './circuit-breaker.js';
import { RouteStatsCache } from './route-stats.js';
import type { Route, RoutingPolicy } from './route.js';
import type { PlanInput, RoutingTable } from './routing-table.js';
import { selectChain } from './select-chain.js';
import type { Pricing } from './pricing.js';

export interface RouterOptions {
  routes: readonly Route[];
  policies: readonly RoutingPolicy[];
  providers: ReadonlyMap<string, Provider>;
  breaker: { windowSeconds: number; minimumCalls: number; failureRateThreshold: number; openSeconds: number };
  defaultTimeoutSeconds: number;
  pricing: Pricing;
  clock: Clock;
  /** Rolling window for quality statistics. */
  statsWindowSeconds?: number;
}

/** The node's routing state: configured routes and providers, per-route breakers and delivery statistics. */
export class Router implements RoutingTable {
  readonly breakers: BreakerRegistry;
  readonly stats: RouteStatsCache;
  private readonly byId: Map<number, Route>;
  private readonly statsWindowSeconds: number;

  constructor(private readonly o: RouterOptions) {
    this.byId = new Map(o.routes.map((r) => [r.id, r]));
    this.breakers = new BreakerRegistry(o.breaker, o.clock);
    this.stats = new RouteStatsCache();
    this.statsWindowSeconds = o.statsWindowSeconds ?? 3600;
  }

  routes(): readonly Route[] {
    return this.o.routes;
  }

  route(id: number): Route | undefined {
    return this.byId.get(id);
  }

  provider(name: string): Provider | undefined {
    return this.o.providers.get(name);
  }

  providers(): readonly Provider[] {
    return [...this.o.providers.values()];
  }

  plan(input: PlanInput): ChainStep[] {
    return selectChain({
      destination: input.destination,
      country: input.country,
      channel: input.channel,
      purpose: input.purpose,
      ...(input.pinnedRouteId !== undefined ? { pinnedRouteId: input.pinnedRouteId } : {}),
      routes: [...this.o.routes],
      policies: [...this.o.policies],
      breakers: this.breakers,
      stats: this.stats,
      defaultTimeoutSeconds: this.o.defaultTimeoutSeconds,
      pricing: this.o.pricing,
    });
  }

  acquire(routeId: number): boolean {
    return this.breakers.get(routeId).tryAcquire();
  }

  recordOutcome(routeId: number, ok: boolean): void {
    const breaker = this.breakers.get(routeId);
    if (ok) breaker.recordSuccess();
    else breaker.recordFailure();
  }

  /** Feeds recent attempts into the quality statistics (called by the background stats tick). */
  updateStats(attempts: readonly AttemptOutcome[], nowMs: number): void {
    this.stats.update(attempts, nowMs, this.statsWindowSeconds);
  }
}
