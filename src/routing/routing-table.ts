import type { Channel, ChainStep } from '../core/index.js';
import type { Provider } from '../providers/provider.js';
import type { Route } from './route.js';

export interface PlanInput {
  destination: string;
  country: string | undefined;
  channel: Channel;
  purpose: string;
  pinnedRouteId: number | undefined;
}

/** What the service needs from routing: the routes, their providers, chain planning and breakers. */
export interface RoutingTable {
  routes(): readonly Route[];
  route(id: number): Route | undefined;
  provider(name: string): Provider | undefined;
  providers(): readonly Provider[];
  /** Ordered failover chain for a send; throws OtpError NO_ROUTE / ROUTE_NOT_FOUND / ROUTES_UNAVAILABLE. */
  plan(input: PlanInput): ChainStep[];
  /** Breaker gate before using a route (half-open lets exactly one probe through). */
  acquire(routeId: number): boolean;
  recordOutcome(routeId: number, ok: boolean): void;
}
