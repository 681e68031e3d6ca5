import type {
  Attempt,
  AttemptOutcome,
  Channel,
  ChainStep,
  DeliveryStatus,
  Verification,
  VerificationStatus,
} from '../../core/index.js';
import type { CheckedVerification } from '../store.js';

/** Column values as SQLite stores them: NULL for absent, text for the chain (see encodeChain), BLOBs as Buffers. */
export interface VerificationRow {
  id: string;
  destination: string;
  channel: string;
  purpose: string;
  status: string;
  code_hash: Buffer;
  code_cipher: Buffer;
  locale: string | null;
  route_id: number | null;
  chain: string;
  chain_index: number;
  failover_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number;
  last_sent_at_ms: number;
  send_count: number;
  failed_checks: number;
  country: string | null;
}

export interface AttemptRow {
  id: string;
  verification_id: string;
  step_index: number;
  route_id: number;
  provider: string;
  channel: string;
  provider_message_id: string | null;
  provider_order_id: string | null;
  price_micros: number | null;
  currency: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  delivered_at_ms: number | null;
  country: string | null;
}

/**
 * The chain as `routeId:timeoutSeconds` steps joined by commas ("3:30,4:30"): a fifth of the JSON
 * it replaces (an 8-step chain was ~270 bytes of a ~450-byte row), so more rows fit a page and a
 * commit writes fewer pages. Only the two declared fields are written, so stray properties on a
 * caller's object never reach the file.
 */
export function encodeChain(chain: readonly ChainStep[]): string {
  let text = '';
  for (let k = 0; k < chain.length; k++) {
    const step = chain[k]!;
    text += `${k === 0 ? '' : ','}${step.routeId}:${step.timeoutSeconds}`;
  }
  return text;
}

/** Reads encodeChain's text, and the JSON array that rows written before it hold. */
export function decodeChain(text: string): ChainStep[] {
  if (text.startsWith('[')) return JSON.parse(text) as ChainStep[];
  if (text === '') return [];
  return text.split(',').map((step) => {
    const colon = step.indexOf(':');
    return { routeId: Number(step.slice(0, colon)), timeoutSeconds: Number(step.slice(colon + 1)) };
  });
}

function orUndefined<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** The columns a check reads (see CheckedVerification). */
export const CHECKED_COLUMNS = [
  'id',
  'destination',
  'purpose',
  'channel',
  'status',
  'code_hash',
  'updated_at_ms',
  'expires_at_ms',
  'failed_checks',
] as const satisfies ReadonlyArray<keyof VerificationRow>;

export type CheckedRow = Pick<VerificationRow, (typeof CHECKED_COLUMNS)[number]>;

export function toCheckedVerification(row: CheckedRow): CheckedVerification {
  return {
    id: row.id,
    destination: row.destination,
    purpose: row.purpose,
    channel: row.channel as Channel,
    status: row.status as VerificationStatus,
    codeHash: row.code_hash,
    updatedAtMs: row.updated_at_ms,
    expiresAtMs: row.expires_at_ms,
    failedChecks: row.failed_checks,
  };
}

export function toVerification(row: VerificationRow): Verification {
  return {
    id: row.id,
    destination: row.destination,
    // Only otpgate writes these columns (and the CHECK guards status), so the casts are safe.
    channel: row.channel as Channel,
    purpose: row.purpose,
    status: row.status as VerificationStatus,
    codeHash: row.code_hash,
    codeCipher: row.code_cipher,
    locale: orUndefined(row.locale),
    routeId: orUndefined(row.route_id),
    chain: decodeChain(row.chain),
    chainIndex: row.chain_index,
    failoverAtMs: orUndefined(row.failover_at_ms),
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    expiresAtMs: row.expires_at_ms,
    lastSentAtMs: row.last_sent_at_ms,
    sendCount: row.send_count,
    failedChecks: row.failed_checks,
    country: orUndefined(row.country),
  };
}

export function fromVerification(v: Verification): VerificationRow {
  return {
    id: v.id,
    destination: v.destination,
    channel: v.channel,
    purpose: v.purpose,
    status: v.status,
    code_hash: v.codeHash,
    code_cipher: v.codeCipher,
    locale: orNull(v.locale),
    route_id: orNull(v.routeId),
    chain: encodeChain(v.chain),
    chain_index: v.chainIndex,
    failover_at_ms: orNull(v.failoverAtMs),
    created_at_ms: v.createdAtMs,
    updated_at_ms: v.updatedAtMs,
    expires_at_ms: v.expiresAtMs,
    last_sent_at_ms: v.lastSentAtMs,
    send_count: v.sendCount,
    failed_checks: v.failedChecks,
    country: orNull(v.country),
  };
}

export function toAttempt(row: AttemptRow): Attempt {
  return {
    id: row.id,
    verificationId: row.verification_id,
    stepIndex: row.step_index,
    routeId: row.route_id,
    provider: row.provider,
    channel: row.channel as Channel,
    providerMessageId: orUndefined(row.provider_message_id),
    providerOrderId: orUndefined(row.provider_order_id),
    priceMicros: orUndefined(row.price_micros),
    currency: orUndefined(row.currency),
    status: row.status as DeliveryStatus,
    errorCode: orUndefined(row.error_code),
    errorMessage: orUndefined(row.error_message),
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    deliveredAtMs: orUndefined(row.delivered_at_ms),
    country: orUndefined(row.country),
  };
}

/** The columns listOutcomesSince reads. */
export type OutcomeRow = Pick<
  AttemptRow,
  'route_id' | 'country' | 'status' | 'created_at_ms' | 'delivered_at_ms'
>;

export function toAttemptOutcome(row: OutcomeRow): AttemptOutcome {
  return {
    routeId: row.route_id,
    country: orUndefined(row.country),
    status: row.status as DeliveryStatus,
    createdAtMs: row.created_at_ms,
    deliveredAtMs: orUndefined(row.delivered_at_ms),
  };
}

export function fromAttempt(a: Attempt): AttemptRow {
  return {
    id: a.id,
    verification_id: a.verificationId,
    step_index: a.stepIndex,
    route_id: a.routeId,
    provider: a.provider,
    channel: a.channel,
    provider_message_id: orNull(a.providerMessageId),
    provider_order_id: orNull(a.providerOrderId),
    price_micros: orNull(a.priceMicros),
    currency: orNull(a.currency),
    status: a.status,
    error_code: orNull(a.errorCode),
    error_message: orNull(a.errorMessage),
    created_at_ms: a.createdAtMs,
    updated_at_ms: a.updatedAtMs,
    delivered_at_ms: orNull(a.deliveredAtMs),
    country: orNull(a.country),
  };
}
