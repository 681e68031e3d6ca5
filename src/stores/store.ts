import type {
  Attempt,
  AttemptOutcome,
  ChainStep,
  Channel,
  DeliveryStatus,
  FailedChecks,
  FailedChecksLimit,
  Verification,
} from '../core/index.js';

/**
 * The Store port. Every implementation (memory, sqlite, later redis/postgres) runs the same
 * contract suite in test/stores. Methods marked ATOMIC must hold under any concurrency, across
 * processes for shared stores: they are the only places where a decision and its write happen.
 * All times are epoch milliseconds passed in by the caller (stores never read the clock).
 */
export interface Store {
  readonly kind: string;
  readonly verifications: VerificationRepo;
  readonly attempts: AttemptRepo;
  readonly counters: CounterRepo;
  /** Create tables/indexes if missing. Idempotent. */
  migrate(): Promise<void>;
  /** Throws when the store cannot serve requests. */
  health(): Promise<void>;
  /** Deletes verifications (and their attempts) whose `expiresAtMs` is before `beforeMs`, at most `limit`. Returns how many. Uses an index: cost is proportional to `limit`, not to the table. */
  purgeExpired(beforeMs: number, limit: number): Promise<number>;
  close(): Promise<void>;
}

export type InsertOutcome =
  | { inserted: true }
  /** A pending, unexpired verification exists: the start is a resend of it. */
  | { inserted: false; active: Verification }
  /**
   * None is pending, but the latest one for (destination, purpose) was sent less than the cooldown
   * ago (it was approved, locked or canceled meanwhile): a verify or a lock-out does not reopen sends.
   */
  | { inserted: false; active: undefined; retryAfterMs: number }
  /** Wrong codes for (destination, purpose) reached the lock-out limit; it lifts in `lockedOutMs`. */
  | { inserted: false; active: undefined; lockedOutMs: number };

export interface ResendArgs {
  id: string;
  nowMs: number;
  cooldownMs: number;
  maxSends: number;
  codeHash: Buffer;
  codeCipher: Buffer;
  expiresAtMs: number;
  chain: ChainStep[];
  failoverAtMs: number | undefined;
  /** The channel this send goes over (its chain's first route); unchanged when omitted. */
  channel?: Channel;
}

export type ResendOutcome =
  | { kind: 'ok'; verification: Verification }
  | { kind: 'cooldown'; retryAfterMs: number; verification: Verification }
  | { kind: 'max_sends'; verification: Verification }
  | { kind: 'not_pending'; verification: Verification }
  | { kind: 'not_found' };

/**
 * What a code check reads and answers with. A check never needs the failover chain or the sealed
 * code, and it is the hottest path, so stores may read only these columns.
 */
export type CheckedVerification = Pick<
  Verification,
  | 'id'
  | 'destination'
  | 'purpose'
  | 'channel'
  | 'status'
  | 'codeHash'
  | 'updatedAtMs'
  | 'expiresAtMs'
  | 'failedChecks'
>;

export interface CheckArgs {
  /** The verification to check. Exactly one of `id` and `latestFor` is given. */
  id?: string;
  /** Check the most recently created verification for (destination, purpose) instead (see findLatest). */
  latestFor?: { destination: string; purpose: string };
  /**
   * HMAC of the submitted code bound to the verification (see CodeHasher). A function is called
   * with the row found, so a caller that knows only the destination needs no separate read.
   */
  candidateHash: Buffer | ((v: CheckedVerification) => Buffer);
  nowMs: number;
  maxChecks: number;
}

export type CheckOutcome<V extends CheckedVerification = CheckedVerification> =
  /** The code matched; this call (and only this one) moved the verification to approved. */
  | { kind: 'approved'; verification: V }
  /** Wrong code; `failedChecks` was incremented (and status may now be max_attempts_reached). */
  | { kind: 'wrong'; verification: V }
  /**
   * Not pending, past its TTL, or out of checks: the code was not compared. A pending row past its
   * TTL is settled as `expired` (one already at maxChecks as `max_attempts_reached`); `verification.status` tells why.
   */
  | { kind: 'not_pending'; verification: V }
  | { kind: 'not_found' };

export interface AdvanceArgs {
  id: string;
  /** Compare-and-set: only advances when the chain is still at this index. */
  fromIndex: number;
  toIndex: number;
  failoverAtMs: number | undefined;
  nowMs: number;
  /** When given, also requires this send count: a resend (new code) in between makes the move stale. */
  sendCount?: number;
}

export interface VerificationRepo {
  /**
   * ATOMIC: inserts `v` unless wrong codes lock (destination, purpose) out under `lockout` (see
   * failedChecksLockoutMs over listFailedChecks' rows), a pending, unexpired verification exists
   * (then returns that one) or the latest one was sent less than `cooldownMs` ago (default 0).
   * The lock-out is decided here, not by a read before: one store call per send instead of two.
   */
  insertIfNoActive(
    v: Verification,
    nowMs: number,
    cooldownMs?: number,
    lockout?: FailedChecksLimit,
  ): Promise<InsertOutcome>;
  get(id: string): Promise<Verification | undefined>;
  /** The pending, unexpired verification for (destination, purpose), if any. */
  findActive(destination: string, purpose: string, nowMs: number): Promise<Verification | undefined>;
  /** The most recently created verification for (destination, purpose) in any status (reference-server semantics). */
  findLatest(destination: string, purpose: string): Promise<Verification | undefined>;
  /** ATOMIC: cooldown + send-limit check and the new code in one step. Resets the chain to step 0. */
  reserveResend(args: ResendArgs): Promise<ResendOutcome>;
  /** ATOMIC: of N concurrent correct checks exactly one approves; failedChecks never passes maxChecks. */
  recordCheck(args: CheckArgs): Promise<CheckOutcome>;
  /** ATOMIC: pending → `to` (canceled, failed). Returns the verification after the call, or undefined if unknown. `changed` is false when it was not pending. */
  finish(
    id: string,
    to: 'canceled' | 'failed',
    nowMs: number,
  ): Promise<{ changed: boolean; verification: Verification } | undefined>;
  /** ATOMIC compare-and-set of the failover chain position and its timer. */
  advanceChain(args: AdvanceArgs): Promise<boolean>;
  /**
   * Clears the failover timer if the chain is still at `atIndex` and the current send began at or
   * before `sentAtMs` (a delivered receipt arrived for a message of that send, created then). A
   * receipt for a message of an earlier send must not stop the clock of the code sent since.
   */
  clearFailover(id: string, atIndex: number, sentAtMs: number, nowMs: number): Promise<void>;
  /**
   * Verifications of (destination, purpose) created at or after `sinceMs` that collected at least one
   * wrong code, oldest first. Wrong codes per destination are summed from these rows at send time,
   * so a check itself writes only its own row.
   */
  listFailedChecks(destination: string, purpose: string, sinceMs: number): Promise<FailedChecks[]>;
  /** Number of pending, unexpired verifications (served from the partial index; called by background jobs only). */
  countActive(nowMs: number): Promise<number>;
  /** Pending verifications whose failover timer is due, oldest first (index-backed). */
  listDueFailovers(nowMs: number, limit: number): Promise<Verification[]>;
}

export type AttemptPatch = Partial<
  Pick<
    Attempt,
    | 'providerMessageId'
    | 'providerOrderId'
    | 'priceMicros'
    | 'currency'
    | 'status'
    | 'errorCode'
    | 'errorMessage'
  >
>;

export interface AttemptRepo {
  insert(a: Attempt): Promise<void>;
  /** Sets fields after the provider answered the send. */
  update(id: string, patch: AttemptPatch, nowMs: number): Promise<Attempt | undefined>;
  get(id: string): Promise<Attempt | undefined>;
  listByVerification(verificationId: string): Promise<Attempt[]>;
  findByProviderMessageId(provider: string, providerMessageId: string): Promise<Attempt | undefined>;
  /**
   * ATOMIC: applies a delivery receipt. Final states never change and a state never moves back
   * (queued < sent < final), so duplicate and out-of-order receipts are ignored (`changed: false`).
   */
  applyDeliveryStatus(
    id: string,
    status: DeliveryStatus,
    nowMs: number,
    error?: { code?: string; message?: string },
  ): Promise<{ changed: boolean; attempt: Attempt } | undefined>;
  /** Attempts accepted by `provider` still waiting for a final receipt, created after `sinceMs` (for polling). */
  listAwaitingReceipt(provider: string, sinceMs: number, limit: number): Promise<Attempt[]>;
  /**
   * The outcomes of attempts created at or after `sinceMs` (for per-route delivery statistics),
   * newest first, at most `limit`: only the columns the statistics read.
   */
  listOutcomesSince(sinceMs: number, limit: number): Promise<AttemptOutcome[]>;
}

export interface CounterHit {
  count: number;
  resetAtMs: number;
}

export interface CounterRepo {
  /** ATOMIC: adds `amount` to a fixed-window counter. The window starts at the first hit and is never extended. */
  hit(key: string, windowSeconds: number, nowMs: number, amount?: number): Promise<CounterHit>;
  /** Current value without changing it (0 when absent or expired). */
  peek(key: string, nowMs: number): Promise<CounterHit>;
}
