import type { ChainStep, Channel } from '../core/index.js';
import { OtpError } from '../errors/index.js';
import type { BreakerRegistry } from './circuit-breaker.js';
import { destinationDigits, isEmailDestination } from './destination.js';
import { findPolicy, isSet, policyMatches, type SendFacts } from './policy-match.js';
import { priceFor } from './rate-card.js';
import { comparableMicros, type Pricing } from './pricing.js';
import type { Route, RoutingPolicy, RoutingStrategy } from './route.js';
import type { RouteStatsCache } from './route-stats.js';

export interface SelectChainInput {
  /** E.164 phone number or e-mail address. */
  destination: string;
  country: string | undefined;
  channel: Channel;
  purpose: string;
  pinnedRouteId?: number | undefined;
  routes: readonly Route[];
  policies: readonly RoutingPolicy[];
  breakers: BreakerRegistry;
  stats: RouteStatsCache;
  defaultTimeoutSeconds: number;
  pricing: Pricing;
}

/**
 * A route without enough delivery data ranks as if it delivered 90%: a healthy route still beats
 * it, a struggling one does not, and a new route gets traffic so it can earn a measured rate.
 */
export const NEUTRAL_DELIVERY_RATE = 0.9;

interface Candidate {
  route: Route;
  /** In the base currency, so routes priced in different currencies compare fairly. */
  comparablePriceMicros: number;
}

/**
 * The ordered failover chain for one send.
 *
 * - A pinned route is the whole chain, even while its breaker is open: an explicit choice is
 *   honoured or refused, never silently rerouted.
 * - Otherwise the first matching policy with a route on the send's channel picks candidates and
 *   strategy; with none, all enabled routes of the requested channel are ordered by cost.
 *
 * Throws OtpError ROUTE_NOT_FOUND (unknown or disabled pinned route), NO_ROUTE (nothing can
 * deliver to the destination) or ROUTES_UNAVAILABLE (routes exist but every breaker is open).
 */
export function selectChain(input: SelectChainInput): ChainStep[] {
  const isEmail = isEmailDestination(input.destination);
  const facts: SendFacts = {
    digits: destinationDigits(input.destination),
    isEmail,
    country: input.country,
    channel: input.channel,
    purpose: input.purpose,
  };
  const pinnedPolicy = findPolicy(input.policies, facts);

  if (input.pinnedRouteId !== undefined) {
    const route = pinnedRoute(input, isEmail);
    return [
      {
        routeId: route.id,
        timeoutSeconds: stepTimeoutSeconds(route, pinnedPolicy, input.defaultTimeoutSeconds),
      },
    ];
  }

  // The first matching policy with a route on the send's channel decides (its rate cards then
  // bind: a number they do not cover is NO_ROUTE, not a silent reroute). A policy with no route on
  // that channel at all (an SMS-only country policy and a WhatsApp send) falls through to the next,
  // and after the last to cost ordering over the requested channel's routes.
  const policy = input.policies.find(
    (candidate) => policyMatches(candidate, facts) && servesChannel(input, candidate, isEmail),
  );
  const covered = coveredBy(input, policy, isEmail);
  if (covered.length === 0) {
    throw new OtpError('NO_ROUTE', { details: { channel: input.channel, country: input.country ?? null } });
  }

  const available = covered.filter((c) => input.breakers.state(c.route.id) !== 'open');
  if (available.length === 0) throw routesUnavailable(covered, input.breakers);

  const ordered = order(available, policy?.strategy ?? 'cost', input.stats, input.country);
  const maxSteps = policy?.maxSteps ?? ordered.length;
  return ordered.slice(0, Math.max(1, maxSteps)).map(({ route }) => ({
    routeId: route.id,
    timeoutSeconds: stepTimeoutSeconds(route, policy, input.defaultTimeoutSeconds),
  }));
}

/** Enabled routes of the policy (or all) on the allowed channels that can carry this kind of destination. */
function usableRoutes(input: SelectChainInput, policy: RoutingPolicy | undefined, isEmail: boolean): Route[] {
  // Only a policy that names several channels opts into cross-channel failover.
  const channels = new Set<Channel>(
    policy && isSet(policy.match.channels) ? policy.match.channels : [input.channel],
  );
  return candidateRoutes(input.routes, policy).filter(
    (route) => route.enabled && channels.has(route.channel) && reaches(route, isEmail),
  );
}

function servesChannel(input: SelectChainInput, policy: RoutingPolicy, isEmail: boolean): boolean {
  return usableRoutes(input, policy, isEmail).length > 0;
}

/** The usable routes whose rate card covers the destination, with their price. */
function coveredBy(
  input: SelectChainInput,
  policy: RoutingPolicy | undefined,
  isEmail: boolean,
): Candidate[] {
  const covered: Candidate[] = [];
  for (const route of usableRoutes(input, policy, isEmail)) {
    const priceMicros = priceFor(route, input.destination);
    if (priceMicros !== undefined) {
      const comparablePriceMicros = comparableMicros(input.pricing, priceMicros, route.currency);
      covered.push({ route, comparablePriceMicros });
    }
  }
  return covered;
}

function pinnedRoute(input: SelectChainInput, isEmail: boolean): Route {
  const routeId = input.pinnedRouteId;
  const route = input.routes.find((r) => r.id === routeId);
  if (!route) throw new OtpError('ROUTE_NOT_FOUND', { details: { route_id: routeId } });
  if (!route.enabled) {
    throw new OtpError('ROUTE_NOT_FOUND', {
      message: `Route ${route.id} is disabled.`,
      details: { route_id: route.id, reason: 'disabled' },
    });
  }
  // The pinned route's own channel is used even when it differs from the requested one (the
  // request's channel may just be the default); only phone vs e-mail must agree.
  if (!reaches(route, isEmail) || priceFor(route, input.destination) === undefined) {
    throw new OtpError('NO_ROUTE', {
      message: `Route ${route.id} cannot deliver to this destination.`,
      details: { route_id: route.id, channel: route.channel, country: input.country ?? null },
    });
  }
  return route;
}

/** E-mail routes carry only e-mail addresses; every other channel carries only phone numbers. */
function reaches(route: Route, isEmail: boolean): boolean {
  return (route.channel === 'email') === isEmail;
}

function candidateRoutes(routes: readonly Route[], policy: RoutingPolicy | undefined): Route[] {
  if (!policy?.routes) return [...routes];
  const byId = new Map(routes.map((route) => [route.id, route]));
  // A route listed twice would only repeat a step the breaker and timeout already judged.
  const ids = [...new Set(policy.routes)];
  return ids.map((id) => byId.get(id)).filter((route): route is Route => route !== undefined);
}

function order(
  candidates: Candidate[],
  strategy: RoutingStrategy,
  stats: RouteStatsCache,
  country: string | undefined,
): Candidate[] {
  switch (strategy) {
    case 'ordered':
      return candidates;
    case 'cost':
      return [...candidates].sort(byCost);
    case 'quality': {
      const rank = new Map(
        candidates.map((c) => {
          const s = stats.get(c.route.id, country);
          return [
            c.route.id,
            {
              deliveryRate: s?.deliveryRate ?? NEUTRAL_DELIVERY_RATE,
              medianMs: s?.medianTimeToDeliverMs ?? Number.POSITIVE_INFINITY,
            },
          ];
        }),
      );
      return [...candidates].sort((a, b) => {
        const ra = rank.get(a.route.id);
        const rb = rank.get(b.route.id);
        if (!ra || !rb) return byCost(a, b);
        if (ra.deliveryRate !== rb.deliveryRate) return rb.deliveryRate - ra.deliveryRate;
        if (ra.medianMs !== rb.medianMs) return ra.medianMs < rb.medianMs ? -1 : 1;
        return byCost(a, b);
      });
    }
  }
}

function routesUnavailable(covered: readonly Candidate[], breakers: BreakerRegistry): OtpError {
  const waitsMs = covered
    .map((c) => breakers.get(c.route.id).retryAfterMs())
    .filter((ms): ms is number => ms !== undefined);
  const soonestMs = waitsMs.length > 0 ? Math.min(...waitsMs) : undefined;
  return new OtpError('ROUTES_UNAVAILABLE', {
    details: { route_ids: covered.map((c) => c.route.id) },
    ...(soonestMs !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil(soonestMs / 1000)) } : {}),
  });
}

/** A step waits for its receipt as long as its policy says, else its route, else the default. */
function stepTimeoutSeconds(route: Route, policy: RoutingPolicy | undefined, defaultSeconds: number): number {
  return policy?.timeoutSeconds ?? (route.timeoutSeconds > 0 ? route.timeoutSeconds : defaultSeconds);
}

/** Cheapest first (in the base currency); the route id breaks ties, so the order is stable. */
function byCost(a: Candidate, b: Candidate): number {
  return a.comparablePriceMicros - b.comparablePriceMicros || a.route.id - b.route.id;
}
