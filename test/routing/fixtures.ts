import type { Attempt } from '../../src/core/index.js';
import type { Route } from '../../src/routing/route.js';

export function makeRoute(overrides: Partial<Route> & Pick<Route, 'id'>): Route {
  return {
    name: `route-${overrides.id}`,
    provider: 'sandbox',
    channel: 'sms',
    sender: 'OTPGATE',
    trafficClass: 'otp',
    currency: 'EUR',
    rates: [{ prefix: '', priceMicros: 50_000 }],
    enabled: true,
    timeoutSeconds: 30,
    ...overrides,
  };
}

let attemptSeq = 0;

export function makeAttempt(overrides: Partial<Attempt> & Pick<Attempt, 'routeId' | 'createdAtMs'>): Attempt {
  attemptSeq++;
  return {
    id: `msg_${attemptSeq}`,
    verificationId: `ver_${attemptSeq}`,
    stepIndex: 0,
    provider: 'sandbox',
    channel: 'sms',
    providerMessageId: undefined,
    providerOrderId: undefined,
    priceMicros: 50_000,
    currency: 'EUR',
    status: 'sent',
    errorCode: undefined,
    errorMessage: undefined,
    updatedAtMs: overrides.createdAtMs,
    deliveredAtMs: undefined,
    country: 'NL',
    ...overrides,
  };
}
