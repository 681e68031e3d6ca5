import {
  effectiveStatus,
  failedChecksLockoutMs,
  generateCode,
  isCandidateCode,
  maskDestination,
  newId,
  normalizeEmail,
  parsePhone,
  type Channel,
  type Clock,
  type FailedChecksLimit,
  type Policy,
  type Random,
  type Verification,
} from '../core/index.js';
import { OtpError } from '../errors/index.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { CheckedVerification, Store } from '../stores/store.js';
import type { CodeVault } from './code-vault.js';
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './logger.js';
import type {
  CheckInput,
  CheckOutcome,
  ResendInput,
  SendOutcome,
  StartInput,
  VerificationView,
} from './types.js';
import { normalizePurpose } from './purpose.js';

export interface OtpServiceOptions {
  store: Store;
  routing: RoutingTable;
  dispatcher: Dispatcher;
  vault: CodeVault;
  policy: Policy;
  clock: Clock;
  random: Random;
  logger: Logger;
  debugCodes: boolean;
  defaultCountry: string | undefined;
  /** E.164 → fixed code (sandbox test numbers). */
  testNumbers: Readonly<Record<string, string>>;
}

/** The one place the verification flow lives: start, resend, check, cancel, read. */
export class OtpService {
  /** The wrong-code lock-out every new send is held to (from the policy, fixed for the service's life). */
  private readonly failedChecksLimit: FailedChecksLimit;

  constructor(private readonly o: OtpServiceOptions) {
    this.failedChecksLimit = {
      windowMs: o.policy.failedChecksWindowSeconds * 1000,
      maxFailedChecks: o.policy.maxFailedChecksPerDestination,
    };
  }

  async start(input: StartInput): Promise<SendOutcome> {
    const channel: Channel = input.channel ?? 'sms';
    const purpose = normalizePurpose(input.purpose);
    const { destination, country } = this.destinationOf(input.to, channel);
    const chain = this.o.routing.plan({
      destination,
      country,
      channel,
      purpose,
      pinnedRouteId: input.routeId,
    });
    // A pinned route sends over its own channel (see selectChain); the record says what was sent.
    const sentChannel = this.channelOf(chain) ?? channel;
    const code = this.newCode(destination);
    const nowMs = this.o.clock.nowMs();
    const id = newId('ver', this.o.random, nowMs);
    const sealed = this.o.vault.seal({ id, destination, purpose }, code);
    const fresh: Verification = {
      id,
      destination,
      channel: sentChannel,
      purpose,
      status: 'pending',
      ...sealed,
      locale: input.locale,
      routeId: input.routeId,
      chain,
      chainIndex: 0,
      failoverAtMs: firstFailoverAtMs(chain, nowMs),
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      expiresAtMs: nowMs + this.o.policy.ttlSeconds * 1000,
      lastSentAtMs: nowMs,
      sendCount: 1,
      failedChecks: 0,
      country,
    };
    const cooldownMs = this.o.policy.resendCooldownSeconds * 1000;
    // The wrong-code lock-out is decided by the insert itself (one store call per send, not two).
    const inserted = await this.o.store.verifications.insertIfNoActive(
      fresh,
      nowMs,
      cooldownMs,
      this.failedChecksLimit,
    );
    if (inserted.inserted) {
      this.o.logger.info(
        {
          event: 'verification.started',
          verification: id,
          to: maskDestination(destination),
          channel: sentChannel,
          purpose,
        },
        'verification started',
      );
      return this.send(fresh, code);
    }
    // A pending verification exists for this destination and purpose: this is a resend of it, so
    // the cooldown and the send limit apply and its failed checks carry over.
    if (inserted.active) return this.resendExisting(inserted.active, code, chain);
    if ('lockedOutMs' in inserted) throw lockedOut(inserted.lockedOutMs);
    // The last code for this number went out moments ago and was used (or locked) since: the
    // cooldown is about the phone, not the verification, so it still holds.
    throw new OtpError('RESEND_TOO_SOON', {
      retryAfterSeconds: Math.max(1, Math.ceil(inserted.retryAfterMs / 1000)),
    });
  }

  async resend(id: string, input: ResendInput = {}): Promise<SendOutcome> {
    const v = await this.o.store.verifications.get(id);
    if (!v) throw new OtpError('VERIFICATION_NOT_FOUND');
    this.assertPending(v);
    // A resend is a new code to the same number: the number's wrong-code lock-out holds it back
    // exactly as it holds back a new verification.
    await this.refuseLockedDestination(v.destination, v.purpose);
    const chain = this.o.routing.plan({
      destination: v.destination,
      country: v.country,
      channel: v.channel,
      purpose: v.purpose,
      pinnedRouteId: input.routeId ?? v.routeId,
    });
    // A resend may ask for another language; the stored verification keeps its own for failover.
    return this.resendExisting(v, this.newCode(v.destination), chain, input.locale);
  }

  async check(input: CheckInput): Promise<CheckOutcome> {
    if (!isCandidateCode(input.code)) {
      throw new OtpError('VALIDATION_FAILED', {
        message: 'code must be digits only.',
        details: { field: 'code' },
      });
    }
    const nowMs = this.o.clock.nowMs();
    let target: { id: string } | { latestFor: { destination: string; purpose: string } };
    if ('id' in input) {
      target = { id: input.id };
    } else {
      const purpose = normalizePurpose(input.purpose);
      const { destination } = this.destinationOf(input.to, input.to.includes('@') ? 'email' : 'sms');
      target = { latestFor: { destination, purpose } };
    }
    // One atomic store step: find the row, compare in constant time, count a wrong code on the
    // verification (the destination's total is summed from those rows at the next send).
    const outcome = await this.o.store.verifications.recordCheck({
      ...target,
      // A bound function, not an arrow in this literal: tsx (esbuild keepNames) would wrap an arrow
      // in a defineProperty call on every check.
      candidateHash: this.hashCandidate.bind(this, input.code),
      nowMs,
      maxChecks: this.o.policy.maxChecks,
    });
    switch (outcome.kind) {
      case 'not_found':
        return { kind: 'not_found' };
      case 'approved':
        this.o.logger.info(
          { event: 'verification.approved', verification: outcome.verification.id },
          'verification approved',
        );
        return { kind: 'approved', verification: outcome.verification };
      case 'not_pending':
        return {
          kind: 'not_pending',
          verification: outcome.verification,
          status: effectiveStatus(outcome.verification, nowMs),
        };
      case 'wrong': {
        const after = outcome.verification;
        this.o.logger.info(
          { event: 'verification.wrong_code', verification: after.id, failed_checks: after.failedChecks },
          'wrong code',
        );
        return {
          kind: 'wrong',
          verification: after,
          attemptsRemaining: Math.max(0, this.o.policy.maxChecks - after.failedChecks),
        };
      }
    }
  }

  async cancel(id: string): Promise<Verification> {
    const result = await this.o.store.verifications.finish(id, 'canceled', this.o.clock.nowMs());
    if (!result) throw new OtpError('VERIFICATION_NOT_FOUND');
    if (!result.changed) {
      // Whatever ended it (approval, expiry, a lock-out), there is nothing left to cancel: 409.
      const status = effectiveStatus(result.verification, this.o.clock.nowMs());
      throw new OtpError('VERIFICATION_NOT_PENDING', { details: { status } });
    }
    this.o.logger.info({ event: 'verification.canceled', verification: id }, 'verification canceled');
    return result.verification;
  }

  async get(id: string): Promise<VerificationView> {
    const v = await this.o.store.verifications.get(id);
    if (!v) throw new OtpError('VERIFICATION_NOT_FOUND');
    const attempts = await this.o.store.attempts.listByVerification(id);
    return { verification: v, status: effectiveStatus(v, this.o.clock.nowMs()), attempts };
  }

  attemptsRemaining(v: Pick<Verification, 'failedChecks'>): number {
    return Math.max(0, this.o.policy.maxChecks - v.failedChecks);
  }

  sendsRemaining(v: Verification): number {
    return Math.max(0, this.o.policy.maxSends - v.sendCount);
  }

  resendAfterMs(v: Verification): number {
    return v.lastSentAtMs + this.o.policy.resendCooldownSeconds * 1000;
  }

  private async resendExisting(
    active: Verification,
    code: string,
    chain: Verification['chain'],
    locale?: string,
  ): Promise<SendOutcome> {
    const nowMs = this.o.clock.nowMs();
    const outcome = await this.o.store.verifications.reserveResend({
      id: active.id,
      nowMs,
      cooldownMs: this.o.policy.resendCooldownSeconds * 1000,
      maxSends: this.o.policy.maxSends,
      ...this.o.vault.seal(active, code),
      expiresAtMs: nowMs + this.o.policy.ttlSeconds * 1000,
      chain,
      failoverAtMs: firstFailoverAtMs(chain, nowMs),
      // The record says what this send goes over: a resend may change the channel.
      channel: this.channelOf(chain) ?? active.channel,
    });
    switch (outcome.kind) {
      case 'ok':
        this.o.logger.info(
          { event: 'verification.resent', verification: active.id, sends: outcome.verification.sendCount },
          'verification resent',
        );
        return this.send(
          locale === undefined ? outcome.verification : { ...outcome.verification, locale },
          code,
        );
      case 'cooldown':
        throw new OtpError('RESEND_TOO_SOON', {
          retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)),
          details: { verification_id: active.id },
        });
      case 'max_sends':
        throw new OtpError('MAX_SENDS_REACHED', { details: { verification_id: active.id } });
      case 'not_pending':
        this.assertPending(outcome.verification);
        throw new OtpError('VERIFICATION_NOT_PENDING');
      case 'not_found':
        throw new OtpError('VERIFICATION_NOT_FOUND');
    }
  }

  private async send(v: Verification, code: string): Promise<SendOutcome> {
    try {
      const result = await this.o.dispatcher.dispatch(v, code, 0);
      // The dispatcher says where the chain stands now; re-reading the row would only cost a read.
      return {
        verification: { ...v, chainIndex: result.acceptedIndex, failoverAtMs: result.failoverAtMs },
        attempts: result.attempts,
        debugCode: this.o.debugCodes ? code : undefined,
      };
    } catch (error) {
      // Nothing was delivered: the verification cannot be completed, and its cooldown must not
      // block a corrected retry (a new verification) from the caller.
      if (v.sendCount === 1) await this.o.store.verifications.finish(v.id, 'failed', this.o.clock.nowMs());
      throw error;
    }
  }

  private channelOf(chain: Verification['chain']): Channel | undefined {
    const first = chain[0];
    return first && this.o.routing.route(first.routeId)?.channel;
  }

  private hashCandidate(code: string, v: CheckedVerification): Buffer {
    return this.o.vault.hashCandidate(v, code);
  }

  private assertPending(v: Verification): Verification {
    const status = effectiveStatus(v, this.o.clock.nowMs());
    if (status === 'pending') return v;
    if (status === 'expired') throw new OtpError('VERIFICATION_EXPIRED');
    if (status === 'max_attempts_reached') throw new OtpError('MAX_ATTEMPTS_REACHED');
    throw new OtpError('VERIFICATION_NOT_PENDING', { details: { status } });
  }

  /** A destination as every send reads it: an e-mail address, or a phone number in E.164. */
  destinationOf(to: string, channel: Channel): { destination: string; country: string | undefined } {
    if (channel === 'email') return { destination: normalizeEmail(to), country: undefined };
    const phone = parsePhone(to, this.o.defaultCountry);
    return { destination: phone.e164, country: phone.country };
  }

  private newCode(destination: string): string {
    return this.o.testNumbers[destination] ?? generateCode(this.o.policy.codeLength, this.o.random);
  }

  /**
   * Wrong codes per destination are summed across its recent verifications, so a new code does not
   * reset them: past the limit, no new code is sent until enough of them age out of the window.
   */
  private async refuseLockedDestination(destination: string, purpose: string): Promise<void> {
    const nowMs = this.o.clock.nowMs();
    const { windowMs, maxFailedChecks } = this.failedChecksLimit;
    const rows = await this.o.store.verifications.listFailedChecks(destination, purpose, nowMs - windowMs);
    const lockedMs = failedChecksLockoutMs(rows, nowMs, windowMs, maxFailedChecks);
    if (lockedMs > 0) throw lockedOut(lockedMs);
  }
}

function lockedOut(lockedMs: number): OtpError {
  return new OtpError('RATE_LIMITED', {
    message: 'Too many wrong codes for this destination; try again later.',
    retryAfterSeconds: Math.max(1, Math.ceil(lockedMs / 1000)),
  });
}

/**
 * The first step's failover timer, written with the verification itself so a send accepted at
 * step 0 needs no second write (the dispatcher clears it for providers that never send receipts).
 */
function firstFailoverAtMs(chain: Verification['chain'], nowMs: number): number | undefined {
  const first = chain[0];
  return chain.length > 1 && first ? nowMs + first.timeoutSeconds * 1000 : undefined;
}
