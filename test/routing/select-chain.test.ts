import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, ManualClock, type Channel } from '../../src/core/index.js';
import { OtpError } from '../../src/errors/index.js';
import { BreakerRegistry } from '../../src/routing/circuit-breaker.js';
import { priceFor } from '../../src/routing/rate-card.js';
import type { Route, RoutingPolicy } from '../../src/routing/route.js';
import type { Pricing } from '../../src/routing/pricing.js';
import { RouteStatsCache } from '../../src/routing/route-stats.js';
import { selectChain, type SelectChainInput } from '../../src/routing/select-chain.js';
import { makeAttempt, makeRoute } from './fixtures.js';

const NL = '+31612345678';
const UK = '+447700900123';
const US = '+12025550123';
const EMAIL = 'user@example.com';

const ROUTES: Route[] = [
  makeRoute({
    id: 1,
    rates: [
      { prefix: '', priceMicros: 80_000 },
      { prefix: '31', priceMicros: 30_000 },
    ],
  }),
  makeRoute({ id: 2, rates: [{ prefix: '', priceMicros: 50_000 }] }),
  makeRoute({ id: 3, rates: [{ prefix: '', priceMicros: 1_000 }], enabled: false }),
  makeRoute({ id: 4, channel: 'voice', rates: [{ prefix: '', priceMicros: 120_000 }], timeoutSeconds: 60 }),
  makeRoute({ id: 5, channel: 'whatsapp', rates: [{ prefix: '', priceMicros: 20_000 }] }),
  makeRoute({ id: 6, channel: 'email', rates: [{ prefix: '', priceMicros: 0 }] }),
  makeRoute({ id: 7, rates: [{ prefix: '1', priceMicros: 10_000 }] }),
];

const EUR_ONLY: Pricing = { baseCurrency: 'EUR', exchangeRates: {} };

function setup(overrides: Partial<SelectChainInput> = {}) {
  const clock = new ManualClock();
  const breakers = new BreakerRegistry({ minimumCalls: 1, failureRateThreshold: 1, openSeconds: 30 }, clock);
  const stats = new RouteStatsCache();
  const input: SelectChainInput = {
    destination: NL,
    country: 'NL',
    channel: 'sms',
    purpose: 'login',
    routes: ROUTES,
    policies: [],
    breakers,
    stats,
    defaultTimeoutSeconds: 45,
    pricing: EUR_ONLY,
    ...overrides,
  };
  return {
    clock,
    breakers,
    stats,
    input,
    select: (more: Partial<SelectChainInput> = {}) => selectChain({ ...input, ...more }),
  };
}

const ids = (steps: { routeId: number }[]) => steps.map((s) => s.routeId);

function caught(fn: () => unknown): OtpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OtpError) return error;
    throw error;
  }
  throw new Error('expected an OtpError');
}

function trip(breakers: BreakerRegistry, routeId: number): void {
  breakers.get(routeId).recordFailure();
}

describe('selectChain without a matching policy', () => {
  it('orders enabled routes of the requested channel by price', () => {
    const { select } = setup();
    expect(select()).toEqual([
      { routeId: 1, timeoutSeconds: 30 },
      { routeId: 2, timeoutSeconds: 30 },
    ]);
    expect(ids(select({ destination: UK, country: 'GB' }))).toEqual([2, 1]);
    expect(ids(select({ destination: US, country: 'US' }))).toEqual([7, 2, 1]);
  });

  it('compares routes priced in different currencies in the base currency', () => {
    // 60,000 USD micros at 0.5 EUR per USD is 30,000 EUR micros: cheaper than route 2's 50,000 EUR.
    const routes = [
      makeRoute({ id: 1, currency: 'USD', rates: [{ prefix: '', priceMicros: 60_000 }] }),
      makeRoute({ id: 2, rates: [{ prefix: '', priceMicros: 50_000 }] }),
    ];
    const { select } = setup({ routes });
    expect(ids(select({ pricing: { baseCurrency: 'EUR', exchangeRates: { USD: 0.5 } } }))).toEqual([1, 2]);
    expect(ids(select({ pricing: { baseCurrency: 'EUR', exchangeRates: { USD: 1 } } }))).toEqual([2, 1]);
    // The same prices with USD as the base: 50,000 EUR micros at 2 USD per EUR is 100,000.
    expect(ids(select({ pricing: { baseCurrency: 'USD', exchangeRates: { EUR: 2 } } }))).toEqual([1, 2]);
  });

  it('breaks price ties by route id', () => {
    const routes = [20, 10, 30].map((id) => makeRoute({ id }));
    expect(ids(setup().select({ routes }))).toEqual([10, 20, 30]);
  });

  it('uses only routes of the requested channel', () => {
    const { select } = setup();
    expect(ids(select({ channel: 'voice' }))).toEqual([4]);
    expect(ids(select({ channel: 'whatsapp' }))).toEqual([5]);
  });

  it('keeps e-mail and phone destinations apart', () => {
    const { select } = setup();
    expect(ids(select({ destination: EMAIL, country: undefined, channel: 'email' }))).toEqual([6]);
    expect(caught(() => select({ destination: EMAIL, country: undefined, channel: 'sms' })).code).toBe(
      'NO_ROUTE',
    );
    expect(caught(() => select({ channel: 'email' })).code).toBe('NO_ROUTE');
  });

  it('throws NO_ROUTE when no rate card covers the destination', () => {
    const routes = [makeRoute({ id: 1, rates: [{ prefix: '44', priceMicros: 1 }] })];
    const error = caught(() => setup().select({ routes }));
    expect(error.code).toBe('NO_ROUTE');
    expect(error.status).toBe(422);
    expect(error.details).toEqual({ channel: 'sms', country: 'NL' });
  });

  it('skips routes whose breaker is open', () => {
    const { select, breakers } = setup();
    trip(breakers, 1);
    expect(ids(select())).toEqual([2]);
  });

  it('keeps half-open routes in the chain', () => {
    const { select, breakers, clock } = setup();
    trip(breakers, 1);
    clock.advanceSeconds(30);
    expect(breakers.state(1)).toBe('half_open');
    expect(ids(select())).toEqual([1, 2]);
    // Planning does not spend the probe.
    expect(breakers.get(1).tryAcquire()).toBe(true);
  });

  it('throws ROUTES_UNAVAILABLE with a retry hint when every breaker is open', () => {
    const { select, breakers, clock } = setup();
    trip(breakers, 1);
    clock.advanceSeconds(10);
    trip(breakers, 2);
    const error = caught(() => select());
    expect(error.code).toBe('ROUTES_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(20);
    expect(error.details).toEqual({ route_ids: [1, 2] });
  });

  it('falls back to the default timeout for a route without one', () => {
    const routes = [makeRoute({ id: 1, timeoutSeconds: 0 })];
    expect(setup().select({ routes })).toEqual([{ routeId: 1, timeoutSeconds: 45 }]);
  });
});

describe('selectChain with a pinned route', () => {
  it('returns just the pinned route', () => {
    expect(setup().select({ pinnedRouteId: 2 })).toEqual([{ routeId: 2, timeoutSeconds: 30 }]);
  });

  it('keeps the pinned route even while its breaker is open', () => {
    const { select, breakers } = setup();
    trip(breakers, 2);
    expect(ids(select({ pinnedRouteId: 2 }))).toEqual([2]);
  });

  it('rejects an unknown route', () => {
    const error = caught(() => setup().select({ pinnedRouteId: 99 }));
    expect(error.code).toBe('ROUTE_NOT_FOUND');
    expect(error.status).toBe(404);
    expect(error.details).toEqual({ route_id: 99 });
  });

  it('rejects a disabled route', () => {
    const error = caught(() => setup().select({ pinnedRouteId: 3 }));
    expect(error.code).toBe('ROUTE_NOT_FOUND');
    expect(error.message).toMatch(/disabled/);
    expect(error.details).toMatchObject({ route_id: 3 });
  });

  it('rejects a route that cannot price the destination', () => {
    const error = caught(() => setup().select({ pinnedRouteId: 7 }));
    expect(error.code).toBe('NO_ROUTE');
    expect(error.details).toMatchObject({ route_id: 7 });
  });

  it('rejects an e-mail route for a phone number and the other way round', () => {
    const { select } = setup();
    expect(caught(() => select({ pinnedRouteId: 6 })).code).toBe('NO_ROUTE');
    expect(caught(() => select({ pinnedRouteId: 2, destination: EMAIL, country: undefined })).code).toBe(
      'NO_ROUTE',
    );
  });

  it('honours a pinned route of another phone channel', () => {
    expect(setup().select({ pinnedRouteId: 4 })).toEqual([{ routeId: 4, timeoutSeconds: 60 }]);
  });

  it('applies the matching policy timeout', () => {
    const policies: RoutingPolicy[] = [
      { name: 'nl', match: { countries: ['NL'] }, strategy: 'cost', timeoutSeconds: 12 },
    ];
    expect(setup().select({ pinnedRouteId: 2, policies })).toEqual([{ routeId: 2, timeoutSeconds: 12 }]);
  });
});

describe('selectChain with policies', () => {
  it('lets the first matching policy decide', () => {
    const policies: RoutingPolicy[] = [
      { name: 'uk', match: { countries: ['GB'] }, strategy: 'ordered', routes: [1] },
      {
        name: 'nl-login',
        match: { countries: ['NL'], purposes: ['login'] },
        strategy: 'ordered',
        routes: [2, 1],
      },
      { name: 'nl', match: { countries: ['NL'] }, strategy: 'ordered', routes: [1] },
    ];
    const { select } = setup({ policies });
    expect(ids(select())).toEqual([2, 1]);
    expect(ids(select({ purpose: 'signup' }))).toEqual([1]);
  });

  it('keeps the list order for ordered, skipping unknown, duplicate and disabled ids', () => {
    const policies: RoutingPolicy[] = [
      { name: 'p', match: {}, strategy: 'ordered', routes: [2, 42, 3, 2, 1] },
    ];
    expect(ids(setup().select({ policies }))).toEqual([2, 1]);
  });

  it('orders all enabled routes when the policy lists none', () => {
    const policies: RoutingPolicy[] = [{ name: 'p', match: {}, strategy: 'ordered' }];
    expect(ids(setup().select({ policies, destination: US, country: 'US' }))).toEqual([1, 2, 7]);
  });

  it('sorts policy candidates by cost', () => {
    const policies: RoutingPolicy[] = [{ name: 'p', match: {}, strategy: 'cost', routes: [2, 1] }];
    expect(ids(setup().select({ policies }))).toEqual([1, 2]);
  });

  it('matches on prefixes', () => {
    const policies: RoutingPolicy[] = [
      { name: 'nl-mobile', match: { prefixes: ['316'] }, strategy: 'ordered', routes: [2] },
    ];
    const { select } = setup({ policies });
    expect(ids(select())).toEqual([2]);
    expect(ids(select({ destination: '+31201234567' }))).toEqual([1, 2]);
  });

  it('allows cross-channel failover only for the channels the policy names', () => {
    const policies: RoutingPolicy[] = [
      {
        name: 'failover',
        match: { channels: ['sms', 'voice', 'whatsapp', 'email'] },
        strategy: 'ordered',
        routes: [1, 4, 5, 6],
      },
    ];
    const { select } = setup({ policies });
    // The e-mail route cannot reach a phone number.
    expect(ids(select())).toEqual([1, 4, 5]);
    const smsOnly: RoutingPolicy[] = [{ name: 'sms', match: {}, strategy: 'ordered', routes: [1, 4, 5] }];
    expect(ids(select({ policies: smsOnly }))).toEqual([1]);
  });

  it('sends e-mail only over e-mail routes under a cross-channel policy', () => {
    const policies: RoutingPolicy[] = [
      { name: 'any', match: { channels: ['email', 'sms'] }, strategy: 'cost' },
    ];
    expect(
      ids(setup().select({ policies, destination: EMAIL, country: undefined, channel: 'email' })),
    ).toEqual([6]);
  });

  it('caps the chain at maxSteps after skipping open breakers', () => {
    const policies: RoutingPolicy[] = [{ name: 'p', match: {}, strategy: 'cost', maxSteps: 2 }];
    const { select, breakers } = setup({ policies });
    expect(ids(select({ destination: US, country: 'US' }))).toEqual([7, 2]);
    trip(breakers, 7);
    expect(ids(select({ destination: US, country: 'US' }))).toEqual([2, 1]);
  });

  it('uses the policy timeout over the route timeout', () => {
    const policies: RoutingPolicy[] = [{ name: 'p', match: {}, strategy: 'cost', timeoutSeconds: 15 }];
    expect(setup().select({ policies })).toEqual([
      { routeId: 1, timeoutSeconds: 15 },
      { routeId: 2, timeoutSeconds: 15 },
    ]);
  });

  it('throws NO_ROUTE when the policy candidates cannot deliver', () => {
    const policies: RoutingPolicy[] = [{ name: 'p', match: {}, strategy: 'ordered', routes: [7, 3] }];
    expect(caught(() => setup().select({ policies })).code).toBe('NO_ROUTE');
  });
});

describe('selectChain by quality', () => {
  const NOW = 1_800_000_000_000;
  const routes = [10, 11, 12, 13].map((id) =>
    makeRoute({ id, rates: [{ prefix: '', priceMicros: 100_000 - id }] }),
  );
  const policies: RoutingPolicy[] = [{ name: 'q', match: {}, strategy: 'quality' }];

  function history(routeId: number, delivered: number, failed: number, deliverMs = 1000, country = 'NL') {
    return [
      ...Array.from({ length: delivered }, () =>
        makeAttempt({
          routeId,
          country,
          createdAtMs: NOW - 5000,
          status: 'delivered',
          deliveredAtMs: NOW - 5000 + deliverMs,
        }),
      ),
      ...Array.from({ length: failed }, () =>
        makeAttempt({ routeId, country, createdAtMs: NOW - 5000, status: 'failed' }),
      ),
    ];
  }

  it('ranks by delivery rate, treating routes without data as 90%', () => {
    const { select, stats } = setup({ routes, policies });
    stats.update([...history(10, 19, 1), ...history(11, 5, 5), ...history(12, 8, 2)], NOW);
    // 10: 95%, 13: unknown → 90%, 12: 80%, 11: 50%
    expect(ids(select())).toEqual([10, 13, 12, 11]);
  });

  it('uses statistics of the destination country only', () => {
    const { select, stats } = setup({ routes, policies });
    stats.update([...history(11, 10, 0, 1000, 'BE'), ...history(10, 0, 10, 1000, 'BE')], NOW);
    // No NL data: all neutral, then price (13 is cheapest).
    expect(ids(select())).toEqual([13, 12, 11, 10]);
    expect(ids(select({ destination: '+32470123456', country: 'BE' }))).toEqual([11, 13, 12, 10]);
  });

  it('breaks rate ties by median time to deliver, then price', () => {
    const { select, stats } = setup({ routes, policies });
    stats.update([...history(10, 10, 0, 500), ...history(11, 10, 0, 3000), ...history(12, 10, 0, 500)], NOW);
    expect(ids(select())).toEqual([12, 10, 11, 13]);
  });
});

describe('selectChain invariants', () => {
  const channel = fc.constantFrom<Channel>(...CHANNELS);
  const routeArb = fc.record({
    id: fc.integer({ min: 1, max: 30 }),
    channel,
    enabled: fc.boolean(),
    rates: fc.array(
      fc.record({ prefix: fc.constantFrom('', '1', '3', '31', '316', '44'), priceMicros: fc.nat(200_000) }),
      { maxLength: 3 },
    ),
  });
  const policyArb = fc.record({
    name: fc.constant('p'),
    match: fc.record({ channels: fc.subarray([...CHANNELS]) }),
    strategy: fc.constantFrom('ordered' as const, 'cost' as const, 'quality' as const),
    routes: fc.option(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }), { nil: undefined }),
    maxSteps: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  });

  it('only ever returns usable, distinct, capped routes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(routeArb, { selector: (r) => r.id, maxLength: 10 }),
        fc.array(policyArb, { maxLength: 2 }),
        fc.constantFrom(NL, UK, US, EMAIL),
        channel,
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 5 }),
        (rawRoutes, policies, destination, requested, tripped) => {
          const routes = rawRoutes.map((r) => makeRoute(r));
          const { select, breakers } = setup({
            routes,
            policies,
            destination,
            channel: requested,
            country: undefined,
          });
          for (const id of tripped) trip(breakers, id);
          let steps;
          try {
            steps = select();
          } catch (error) {
            expect(error).toBeInstanceOf(OtpError);
            expect(['NO_ROUTE', 'ROUTES_UNAVAILABLE']).toContain((error as OtpError).code);
            return;
          }
          expect(steps.length).toBeGreaterThan(0);
          expect(new Set(ids(steps)).size).toBe(steps.length);
          // The model of the rule: the first matching policy with a usable route on its channels decides.
          const servesChannel = (p: (typeof policies)[number]): boolean => {
            const channels = p.match.channels.length > 0 ? p.match.channels : [requested];
            const candidates = p.routes ? routes.filter((r) => p.routes?.includes(r.id)) : routes;
            return candidates.some(
              (r) =>
                r.enabled &&
                channels.includes(r.channel) &&
                (r.channel === 'email') === (destination === EMAIL),
            );
          };
          const policy = policies.find(
            (p) =>
              (p.match.channels.length === 0 || p.match.channels.includes(requested)) && servesChannel(p),
          );
          if (policy?.maxSteps) expect(steps.length).toBeLessThanOrEqual(policy.maxSteps);
          const allowed = policy && policy.match.channels.length > 0 ? policy.match.channels : [requested];
          const prices: number[] = [];
          for (const step of steps) {
            const route = routes.find((r) => r.id === step.routeId);
            expect(route?.enabled).toBe(true);
            expect(breakers.state(step.routeId)).not.toBe('open');
            expect(allowed).toContain(route?.channel);
            expect(route?.channel === 'email').toBe(destination === EMAIL);
            const price = route && priceFor(route, destination);
            expect(price).toBeDefined();
            prices.push(price ?? 0);
          }
          if ((policy?.strategy ?? 'cost') === 'cost') {
            expect(prices).toEqual([...prices].sort((a, b) => a - b));
          }
        },
      ),
    );
  });
});

describe('selectChain policy fall-through', () => {
  it('a matching policy without a route for the requested channel falls through to the next', async () => {
    const { selectChain: select } = await import('../../src/routing/select-chain.js');
    const { BreakerRegistry } = await import('../../src/routing/circuit-breaker.js');
    const { RouteStatsCache } = await import('../../src/routing/route-stats.js');
    const { ManualClock } = await import('../../src/core/index.js');
    const route = (id: number, channel: 'sms' | 'whatsapp', priceMicros: number) => ({
      id,
      name: `r${id}`,
      provider: 'p',
      channel,
      sender: undefined,
      trafficClass: 'otp' as const,
      currency: 'EUR',
      rates: [{ prefix: '', priceMicros }],
      enabled: true,
      timeoutSeconds: 30,
    });
    const chain = select({
      destination: '+31651860670',
      country: 'NL',
      channel: 'whatsapp',
      purpose: 'login',
      routes: [route(1, 'sms', 10), route(2, 'whatsapp', 20)],
      policies: [{ name: 'nl-sms', match: { countries: ['NL'] }, strategy: 'ordered', routes: [1] }],
      breakers: new BreakerRegistry({}, new ManualClock()),
      stats: new RouteStatsCache(),
      defaultTimeoutSeconds: 30,
      pricing: EUR_ONLY,
    });
    expect(chain.map((s) => s.routeId)).toEqual([2]);
  });
});
