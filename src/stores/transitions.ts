import {
  deliveryRank,
  digestsEqual,
  failedChecksLockoutMs,
  isFinalDelivery,
  type Attempt,
  type DeliveryStatus,
  type FailedChecks,
  type FailedChecksLimit,
  type Verification,
} from '../core/index.js';
import type {
  CheckedVerification,
  AttemptPatch,
  CheckArgs,
  CheckOutcome,
  CounterHit,
  InsertOutcome,
  ResendArgs,
  ResendOutcome,
} from './store.js';

/**
 * The decisions behind the ATOMIC store methods, as pure functions of the current row. Every store
 * reads the row, asks here, and writes `next` inside its own critical section (a synchronous block,
 * a SQLite transaction, …), so all implementations agree on the rules by construction.
 */

/**
 * insertIfNoActive's refusal while wrong codes lock the new row's (destination, purpose) out under
 * `lockout`; undefined when they do not. `failedChecksSince` lists that key's rows (listFailedChecks).
 */
export function lockedOutInsert(
  lockout: FailedChecksLimit | undefined,
  nowMs: number,
  failedChecksSince: (sinceMs: number) => FailedChecks[],
): InsertOutcome | undefined {
  if (!lockout) return undefined;
  const rows = failedChecksSince(nowMs - lockout.windowMs);
  const lockedOutMs = failedChecksLockoutMs(rows, nowMs, lockout.windowMs, lockout.maxFailedChecks);
  return lockedOutMs > 0 ? { inserted: false, active: undefined, lockedOutMs } : undefined;
}

/** A decision plus whether the stored row must be rewritten. */
export interface Transition<T> {
  outcome: T;
  write: boolean;
}

/** "Pending and unexpired": the only state in which codes may be checked or resent. */
export function isActive(v: Pick<Verification, 'status' | 'expiresAtMs'>, nowMs: number): boolean {
  return v.status === 'pending' && nowMs < v.expiresAtMs;
}

/** A pending row past its TTL is settled as expired the first time a write path meets it. */
function expire<T extends Pick<Verification, 'status' | 'updatedAtMs'>>(v: T, nowMs: number): T {
  return { ...v, status: 'expired', updatedAtMs: nowMs };
}

/**
 * How long `latest`'s last send still holds back a new one; 0 when there is none or it is over. A
 * verification that failed (no route accepted its code) sent nothing, so it holds nothing back.
 */
export function cooldownRemainingMs(
  latest: Pick<Verification, 'status' | 'lastSentAtMs'> | undefined,
  nowMs: number,
  cooldownMs: number,
): number {
  if (!latest || latest.status === 'failed') return 0;
  return Math.max(0, latest.lastSentAtMs + cooldownMs - nowMs);
}

/** A stale (pending but expired) row that must be settled before `insertIfNoActive` may insert. */
export function settleStale(existing: Verification, nowMs: number): Verification | undefined {
  return existing.status === 'pending' && !isActive(existing, nowMs) ? expire(existing, nowMs) : undefined;
}

export function decideCheck<V extends CheckedVerification>(
  v: V,
  args: CheckArgs,
): Transition<Exclude<CheckOutcome<V>, { kind: 'not_found' }>> {
  if (v.status !== 'pending') return { outcome: { kind: 'not_pending', verification: v }, write: false };
  if (!isActive(v, args.nowMs)) {
    return { outcome: { kind: 'not_pending', verification: expire(v, args.nowMs) }, write: true };
  }
  if (v.failedChecks >= args.maxChecks) {
    // Reached when maxChecks was lowered after earlier failures: the budget is already spent.
    const locked: V = { ...v, status: 'max_attempts_reached', updatedAtMs: args.nowMs };
    return { outcome: { kind: 'not_pending', verification: locked }, write: true };
  }
  const candidate = typeof args.candidateHash === 'function' ? args.candidateHash(v) : args.candidateHash;
  if (digestsEqual(v.codeHash, candidate)) {
    return {
      outcome: { kind: 'approved', verification: { ...v, status: 'approved', updatedAtMs: args.nowMs } },
      write: true,
    };
  }
  const failedChecks = v.failedChecks + 1;
  const wrong: V = {
    ...v,
    failedChecks,
    status: failedChecks >= args.maxChecks ? 'max_attempts_reached' : 'pending',
    updatedAtMs: args.nowMs,
  };
  return { outcome: { kind: 'wrong', verification: wrong }, write: true };
}

export function decideResend(
  v: Verification,
  args: ResendArgs,
): Transition<Exclude<ResendOutcome, { kind: 'not_found' }>> {
  if (v.status !== 'pending') return { outcome: { kind: 'not_pending', verification: v }, write: false };
  if (!isActive(v, args.nowMs)) {
    return { outcome: { kind: 'not_pending', verification: expire(v, args.nowMs) }, write: true };
  }
  const allowedAtMs = v.lastSentAtMs + args.cooldownMs;
  if (args.nowMs < allowedAtMs) {
    return {
      outcome: { kind: 'cooldown', retryAfterMs: allowedAtMs - args.nowMs, verification: v },
      write: false,
    };
  }
  if (v.sendCount >= args.maxSends) return { outcome: { kind: 'max_sends', verification: v }, write: false };
  // failedChecks is deliberately kept: a new code must not buy a fresh set of guesses.
  const next: Verification = {
    ...v,
    codeHash: Buffer.from(args.codeHash),
    codeCipher: Buffer.from(args.codeCipher),
    expiresAtMs: args.expiresAtMs,
    lastSentAtMs: args.nowMs,
    sendCount: v.sendCount + 1,
    chain: args.chain.map((step) => ({ ...step })),
    channel: args.channel ?? v.channel,
    chainIndex: 0,
    failoverAtMs: args.failoverAtMs,
    updatedAtMs: args.nowMs,
  };
  return { outcome: { kind: 'ok', verification: next }, write: true };
}

export function decideFinish(
  v: Verification,
  to: 'canceled' | 'failed',
  nowMs: number,
): Transition<{ changed: boolean; verification: Verification }> {
  if (v.status !== 'pending') return { outcome: { changed: false, verification: v }, write: false };
  return { outcome: { changed: true, verification: { ...v, status: to, updatedAtMs: nowMs } }, write: true };
}

export function decideDelivery(
  a: Attempt,
  status: DeliveryStatus,
  nowMs: number,
  error: { code?: string; message?: string } | undefined,
): Transition<{ changed: boolean; attempt: Attempt }> {
  const ignored =
    isFinalDelivery(a.status) || status === a.status || deliveryRank(status) < deliveryRank(a.status);
  if (ignored) return { outcome: { changed: false, attempt: a }, write: false };
  const next: Attempt = {
    ...a,
    status,
    updatedAtMs: nowMs,
    deliveredAtMs: status === 'delivered' ? nowMs : a.deliveredAtMs,
    errorCode: error?.code ?? a.errorCode,
    errorMessage: error?.message ?? a.errorMessage,
  };
  return { outcome: { changed: true, attempt: next }, write: true };
}

/** Only keys the caller actually set are applied; `undefined` never clears a stored value. */
export function applyAttemptPatch(a: Attempt, patch: AttemptPatch, nowMs: number): Attempt {
  const next: Attempt = { ...a, updatedAtMs: nowMs };
  if (patch.providerMessageId !== undefined) next.providerMessageId = patch.providerMessageId;
  if (patch.providerOrderId !== undefined) next.providerOrderId = patch.providerOrderId;
  if (patch.priceMicros !== undefined) next.priceMicros = patch.priceMicros;
  if (patch.currency !== undefined) next.currency = patch.currency;
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.errorCode !== undefined) next.errorCode = patch.errorCode;
  if (patch.errorMessage !== undefined) next.errorMessage = patch.errorMessage;
  return next;
}

/** Fixed window: it opens at the first hit after the previous one closed and is never extended. */
export function decideCounterHit(
  current: CounterHit | undefined,
  windowSeconds: number,
  nowMs: number,
  amount: number,
): CounterHit {
  if (current && nowMs < current.resetAtMs)
    return { count: current.count + amount, resetAtMs: current.resetAtMs };
  return { count: amount, resetAtMs: nowMs + windowSeconds * 1000 };
}

/** What `peek` reports: 0 (with a window closing now) when absent or closed. */
export function visibleCounter(current: CounterHit | undefined, nowMs: number): CounterHit {
  if (current && nowMs < current.resetAtMs) return { count: current.count, resetAtMs: current.resetAtMs };
  return { count: 0, resetAtMs: nowMs };
}

/**
 * A caller's row limit made safe for every backend: SQLite reads a negative LIMIT as "no limit",
 * which would turn a bounded purge into a full one.
 */
export function rowLimit(limit: number): number {
  return Math.max(0, Math.trunc(limit));
}

/** Key of the active index: unit separator so ("a","bc") and ("ab","c") stay distinct. */
export function activeKey(destination: string, purpose: string): string {
  return `${destination}\u001f${purpose}`;
}
