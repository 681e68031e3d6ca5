import { maskDestination, type Attempt, type Verification, type VerificationStatus } from '../core/index.js';
import type { OtpService } from '../service/otp-service.js';
import type { BreakerSnapshot } from '../routing/circuit-breaker.js';
import type { Route } from '../routing/route.js';
import type { RouteStats } from '../routing/route-stats.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function attemptView(a: Attempt) {
  return {
    id: a.id,
    step: a.stepIndex,
    route_id: a.routeId,
    provider: a.provider,
    channel: a.channel,
    provider_message_id: a.providerMessageId ?? null,
    status: a.status,
    price_micros: a.priceMicros ?? null,
    currency: a.currency ?? null,
    error_code: a.errorCode ?? null,
    created_at: iso(a.createdAtMs),
    updated_at: iso(a.updatedAtMs),
    delivered_at: a.deliveredAtMs === undefined ? null : iso(a.deliveredAtMs),
  };
}

export function verificationView(
  service: OtpService,
  v: Verification,
  status: VerificationStatus,
  attempts: Attempt[],
  debugCode?: string,
) {
  const views = attempts.map(attemptView);
  return {
    id: v.id,
    status,
    to: maskDestination(v.destination),
    channel: v.channel,
    purpose: v.purpose,
    route_id: v.chain[v.chainIndex]?.routeId ?? null,
    created_at: iso(v.createdAtMs),
    expires_at: iso(v.expiresAtMs),
    resend_after: iso(service.resendAfterMs(v)),
    attempts_remaining: service.attemptsRemaining(v),
    sends_remaining: service.sendsRemaining(v),
    attempt: views.at(-1) ?? null,
    attempts: views,
    ...(debugCode !== undefined ? { debug_code: debugCode } : {}),
  };
}

/** A route's delivery statistics, snake_case like every other field (absent values are null). */
export function routeHealthView(stats: RouteStats) {
  return {
    sent: stats.sent,
    delivered: stats.delivered,
    failed: stats.failed,
    delivery_rate: stats.deliveryRate ?? null,
    median_time_to_deliver_ms: stats.medianTimeToDeliverMs ?? null,
  };
}

export function routeView(
  route: Route,
  providerType: string | undefined,
  breaker: BreakerSnapshot,
  stats: RouteStats,
) {
  return {
    id: route.id,
    name: route.name,
    provider: route.provider,
    provider_type: providerType ?? null,
    channel: route.channel,
    sender: route.sender ?? null,
    traffic_class: route.trafficClass,
    enabled: route.enabled,
    currency: route.currency,
    timeout_seconds: route.timeoutSeconds,
    rates: route.rates.map((r) => ({ prefix: r.prefix, price_micros: r.priceMicros })),
    breaker: {
      state: breaker.state,
      calls: breaker.calls,
      failures: breaker.failures,
      retry_at: breaker.retryAtMs !== undefined ? iso(breaker.retryAtMs) : null,
    },
    health: routeHealthView(stats),
  };
}
