import { maskDestination, type Attempt, type Verification, type VerificationStatus } from '../core/index.js';
import type { OtpService } from '../service/otp-service.js';

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
