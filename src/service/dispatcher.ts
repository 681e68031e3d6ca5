import {
  isFailedDelivery,
  isFinalDelivery,
  newId,
  type Attempt,
  type Clock,
  type DeliveryStatus,
  type Random,
  type Verification,
} from '../core/index.js';
import { OtpError } from '../errors/index.js';
import type {
  DeliveryReport,
  Provider,
  ProviderFailure,
  ProviderFailureKind,
} from '../providers/provider.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { Store } from '../stores/store.js';
import type { Logger } from './logger.js';
import type { MessageRenderer } from './message-renderer.js';
import type { CodeVault } from './code-vault.js';
import { maskDestination } from '../core/mask.js';
import { messagePrice } from '../routing/message-price.js';
import { NEVER_ABORTED, withSharedTimeout } from '../providers/call-signal.js';

/** Limit for one delivery-status poll (the sweep asks about messages one after another). */
const POLL_TIMEOUT_MS = 5000;

/** Send failures that count against a route's circuit breaker. */
const ROUTE_FAULTS: ReadonlySet<ProviderFailureKind> = new Set<ProviderFailureKind>([
  'network',
  'timeout',
  'server',
  'throttled',
  'malformed_response',
  'auth',
  'insufficient_balance',
]);

export interface DispatcherOptions {
  store: Store;
  routing: RoutingTable;
  renderer: MessageRenderer;
  vault: CodeVault;
  clock: Clock;
  random: Random;
  logger: Logger;
  /**
   * Base URL for provider status callbacks: `${publicUrl()}/v1/webhooks/dlr/<provider>`. Read per
   * send: a server told to listen on port 0 knows its real port only once it listens.
   */
  publicUrl: () => string;
  /** Hard limit for one provider call. */
  sendTimeoutMs: number;
}

export interface ReceiptResult {
  attempt: Attempt;
  changed: boolean;
}

export interface DispatchResult {
  attempts: Attempt[];
  /** The chain index whose attempt was accepted. */
  acceptedIndex: number;
  /** The failover timer now armed for it (undefined: none). */
  failoverAtMs: number | undefined;
}

/**
 * Walks a verification's failover chain: sends over step i, and on a retryable failure moves to
 * step i+1 at once. Accepted sends arm the durable failover timer (failoverAtMs) so a missing or
 * failed receipt moves the SAME code to the next step later (see `onReceipt` / `onTimeout`).
 */
export class Dispatcher {
  constructor(private readonly o: DispatcherOptions) {}

  /**
   * Sends `code` starting at chain step `fromIndex`. Throws the OtpError that describes why no step
   * accepted the message; returns the attempts made otherwise.
   */
  async dispatch(v: Verification, code: string, fromIndex: number): Promise<DispatchResult> {
    const attempts: Attempt[] = [];
    let lastFailure: ProviderFailure | undefined;
    let skipped = 0;
    for (let index = fromIndex; index < v.chain.length; index++) {
      const step = v.chain[index]!;
      const route = this.o.routing.route(step.routeId);
      const provider = route ? this.o.routing.provider(route.provider) : undefined;
      if (!route || !provider) continue;
      // An explicitly pinned route is used even when its breaker is open: explicit wins.
      if (!this.o.routing.acquire(route.id) && v.routeId !== route.id) {
        skipped += 1;
        continue;
      }
      const nowMs = this.o.clock.nowMs();
      const message = this.o.renderer.render({ channel: route.channel, locale: v.locale, code });
      const attempt: Attempt = {
        id: newId('msg', this.o.random, nowMs),
        verificationId: v.id,
        stepIndex: index,
        routeId: route.id,
        provider: provider.name,
        channel: route.channel,
        providerMessageId: undefined,
        providerOrderId: undefined,
        priceMicros: messagePrice(route, v.destination, message.text).totalPriceMicros,
        currency: route.currency,
        status: 'queued',
        errorCode: undefined,
        errorMessage: undefined,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        deliveredAtMs: undefined,
        country: v.country,
      };
      const call = (signal: AbortSignal) =>
        provider.send(
          {
            attemptId: attempt.id,
            verificationId: v.id,
            to: v.destination,
            channel: route.channel,
            text: message.text,
            subject: message.subject,
            code,
            sender: route.sender,
            // The language the text is in (after any fallback), not merely the one asked for.
            locale: message.locale,
            statusCallbackUrl: `${this.o.publicUrl()}/v1/webhooks/dlr/${encodeURIComponent(provider.name)}`,
          },
          { signal },
        );
      const result = await (provider.inProcess
        ? call(NEVER_ABORTED)
        : withSharedTimeout(this.o.sendTimeoutMs, call));
      if (result.ok) {
        this.o.routing.recordOutcome(route.id, true);
        const answeredAtMs = this.o.clock.nowMs();
        // A provider that answers synchronously (the sandbox, a gateway that knows at once) may
        // already say delivered: that step is done, so no receipt is awaited and no timer armed.
        const deliveredNow = result.status === 'delivered';
        // The attempt is written once, with the provider's answer: one durable write instead of
        // two. A crash while the provider call is in flight loses only that attempt's record.
        const accepted: Attempt = {
          ...attempt,
          providerMessageId: result.providerMessageId,
          status: result.status,
          providerOrderId: result.providerOrderId,
          priceMicros: result.priceMicros ?? attempt.priceMicros,
          currency: result.currency ?? attempt.currency,
          updatedAtMs: answeredAtMs,
          deliveredAtMs: deliveredNow ? answeredAtMs : undefined,
        };
        attempts.push(accepted);
        // Wait for a delivered receipt only when there is a next step and this provider can report
        // receipts at all (SMTP cannot: an accepted e-mail is as far as we will ever know).
        const canReport = Boolean(
          provider.parseDeliveryReports || provider.fetchDeliveryStatus || provider.setDeliveryReportHandler,
        );
        const hasNext = index + 1 < v.chain.length;
        const failoverAtMs =
          hasNext && canReport && !deliveredNow ? answeredAtMs + step.timeoutSeconds * 1000 : undefined;
        // The first step's timer is armed when the verification is written; only a move writes.
        const unchanged =
          index === v.chainIndex && (failoverAtMs === undefined) === (v.failoverAtMs === undefined);
        // Two independent writes, issued together so a batching store commits them as one.
        await Promise.all([
          this.o.store.attempts.insert(accepted),
          unchanged
            ? undefined
            : this.o.store.verifications.advanceChain({
                id: v.id,
                fromIndex: v.chainIndex,
                toIndex: index,
                failoverAtMs,
                nowMs: answeredAtMs,
              }),
        ]);
        this.o.logger.info(
          {
            event: 'message.accepted',
            verification: v.id,
            message: attempt.id,
            route: route.id,
            step: index,
          },
          'message accepted by provider',
        );
        return { attempts, acceptedIndex: index, failoverAtMs: unchanged ? v.failoverAtMs : failoverAtMs };
      }
      lastFailure = result.failure;
      // Only failures that say something about the route's health count against its breaker:
      // a route with revoked credentials or an empty account fails every call until someone
      // fixes it, exactly like one that is down; a refused number says nothing about the route.
      this.o.routing.recordOutcome(route.id, !ROUTE_FAULTS.has(result.failure.kind));
      const failed: Attempt = {
        ...attempt,
        status: result.failure.retryable ? 'failed' : 'rejected',
        errorCode: result.failure.providerCode ?? result.failure.kind,
        errorMessage: result.failure.message,
        updatedAtMs: this.o.clock.nowMs(),
      };
      await this.o.store.attempts.insert(failed);
      attempts.push(failed);
      this.o.logger.warn(
        {
          event: 'message.failed',
          verification: v.id,
          message: attempt.id,
          route: route.id,
          to: maskDestination(v.destination),
          kind: result.failure.kind,
        },
        'provider refused the message',
      );
      if (!result.failure.retryable) break;
    }
    throw this.failureError(lastFailure, skipped, attempts.length);
  }

  /**
   * A receipt arrived (webhook, poll or push). Undefined when the message is not ours. `attemptId`
   * comes only from in-process providers (see DeliveryReportHandler): the status is then applied to
   * that attempt at once, by its id, and the lookup by message id is only the fallback.
   */
  async onReceipt(
    providerName: string,
    report: DeliveryReport,
    attemptId?: string,
  ): Promise<ReceiptResult | undefined> {
    if (attemptId !== undefined) {
      const applied = await this.applyStatusById(
        attemptId,
        report.status,
        report.errorCode,
        report.errorMessage,
      );
      if (applied) return applied;
    }
    const attempt = await this.findAttempt(providerName, report.providerMessageId);
    if (!attempt) return undefined;
    return this.applyStatus(attempt, report.status, report.errorCode, report.errorMessage);
  }

  /** Applies one delivery state; `changed` is false for duplicates and out-of-order receipts. */
  async applyStatus(
    attempt: Attempt,
    status: DeliveryStatus,
    errorCode?: string,
    errorMessage?: string,
  ): Promise<ReceiptResult> {
    return (
      (await this.applyStatusById(attempt.id, status, errorCode, errorMessage)) ?? { attempt, changed: false }
    );
  }

  /**
   * applyStatus for an attempt known by id only: the conditional UPDATE returns the attempt, whose
   * fixed fields (verification, step, route, creation time) decide what the new state moves.
   * Undefined when there is no such attempt.
   */
  private async applyStatusById(
    attemptId: string,
    status: DeliveryStatus,
    errorCode?: string,
    errorMessage?: string,
  ): Promise<ReceiptResult | undefined> {
    const nowMs = this.o.clock.nowMs();
    const applied = await this.o.store.attempts.applyDeliveryStatus(attemptId, status, nowMs, {
      ...(errorCode !== undefined ? { code: errorCode } : {}),
      ...(errorMessage !== undefined ? { message: errorMessage } : {}),
    });
    if (!applied) return undefined;
    if (!applied.changed) return { attempt: applied.attempt, changed: false };
    const attempt = applied.attempt;
    if (status === 'delivered') {
      // Conditional on the chain still being at this step of the same send, so no read is needed first.
      await this.o.store.verifications.clearFailover(
        attempt.verificationId,
        attempt.stepIndex,
        attempt.createdAtMs,
        nowMs,
      );
      this.o.routing.recordOutcome(attempt.routeId, true);
    } else if (isFailedDelivery(status)) {
      this.o.routing.recordOutcome(attempt.routeId, false);
      const v = await this.o.store.verifications.get(attempt.verificationId);
      if (v && v.status === 'pending' && v.chainIndex === attempt.stepIndex && ofCurrentSend(attempt, v)) {
        await this.failover(v, 'receipt');
      }
    }
    return { attempt: applied.attempt, changed: true };
  }

  /**
   * A receipt can overtake the write of its own provider message id (fast gateways, the sandbox),
   * so an unknown id is looked up again briefly before the receipt is dropped.
   */
  private async findAttempt(providerName: string, providerMessageId: string): Promise<Attempt | undefined> {
    for (const waitMs of [0, 50, 250]) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const found = await this.o.store.attempts.findByProviderMessageId(providerName, providerMessageId);
      if (found) return found;
    }
    return undefined;
  }

  /** The failover timer of `v` fired: no delivered receipt in time. */
  async onTimeout(v: Verification): Promise<void> {
    // A delivered receipt may have landed just before the timer was armed: then there is nothing to do.
    const attempts = await this.o.store.attempts.listByVerification(v.id);
    const ofStep = attempts.filter((a) => a.stepIndex === v.chainIndex && ofCurrentSend(a, v));
    if (ofStep.some((a) => a.status === 'delivered')) {
      await this.o.store.verifications.clearFailover(
        v.id,
        v.chainIndex,
        v.lastSentAtMs,
        this.o.clock.nowMs(),
      );
      return;
    }
    // A gateway without callbacks is only heard by polling, and the polling sweep may not have
    // reached this message yet (it asks about a bounded batch per tick). Asked once now, its
    // answer decides: delivered stops the clock, failed fails over as a receipt would, and only a
    // message still on its way moves the code on. That spares a second paid message for a
    // delivery that merely was not polled in time.
    // A message already final here (a failed receipt whose failover a crash interrupted) is not
    // asked about again: the answer could only repeat it, and the timer would fire for ever.
    const last = ofStep.at(-1);
    const route = last && this.o.routing.route(last.routeId);
    const provider = route && this.o.routing.provider(route.provider);
    if (last && provider && !isFinalDelivery(last.status)) {
      const status = await this.pollStatus(provider, last);
      if (status === 'delivered' || (status !== undefined && isFailedDelivery(status))) return;
    }
    await this.failover(v, 'timeout');
  }

  /**
   * Asks `provider` about `attempt` (the receipt polling sweep and a timed-out step both do) and
   * applies a status that differs from the stored one. Returns the status the provider reported;
   * undefined when it cannot be polled, does not know the message or gave no readable answer.
   */
  async pollStatus(provider: Provider, attempt: Attempt): Promise<DeliveryStatus | undefined> {
    const messageId = attempt.providerMessageId;
    const fetchDeliveryStatus = provider.fetchDeliveryStatus?.bind(provider);
    if (messageId === undefined || !fetchDeliveryStatus) return undefined;
    let report: DeliveryReport | undefined;
    try {
      report = await withSharedTimeout(POLL_TIMEOUT_MS, (signal) =>
        fetchDeliveryStatus(messageId, { signal }),
      );
    } catch {
      return undefined; // an adapter that throws instead of answering says nothing about the message
    }
    if (!report) return undefined;
    if (report.status !== attempt.status) {
      await this.applyStatus(attempt, report.status, report.errorCode, report.errorMessage);
    }
    return report.status;
  }

  /** Moves `v` to its next chain step with the same code; only one caller wins the CAS. */
  private async failover(v: Verification, reason: 'receipt' | 'timeout'): Promise<void> {
    const nowMs = this.o.clock.nowMs();
    const next = v.chainIndex + 1;
    if (next >= v.chain.length || nowMs >= v.expiresAtMs) {
      await this.o.store.verifications.advanceChain({
        id: v.id,
        fromIndex: v.chainIndex,
        toIndex: v.chainIndex,
        failoverAtMs: undefined,
        nowMs,
      });
      return;
    }
    // Claim the move first so concurrent receipts/timers on other nodes do not send twice; the
    // send count makes a claim from before a resend fail, so an old code is never sent on.
    const claimed = await this.o.store.verifications.advanceChain({
      id: v.id,
      fromIndex: v.chainIndex,
      toIndex: next,
      failoverAtMs: undefined,
      nowMs,
      sendCount: v.sendCount,
    });
    if (!claimed) return;
    this.o.logger.info(
      { event: 'verification.failover', verification: v.id, reason, step: next },
      'failing over',
    );
    const code = this.o.vault.reveal(v);
    try {
      // The claim above cleared the stored timer; say so, so the next step arms its own.
      await this.dispatch({ ...v, chainIndex: next, failoverAtMs: undefined }, code, next);
    } catch (error) {
      if (!(error instanceof OtpError)) throw error;
      this.o.logger.warn(
        { event: 'verification.failover_exhausted', verification: v.id, code: error.code },
        'no further route accepted the message',
      );
    }
  }

  private failureError(last: ProviderFailure | undefined, skipped: number, tried: number): OtpError {
    if (tried === 0 && skipped > 0) return new OtpError('ROUTES_UNAVAILABLE', { retryAfterSeconds: 30 });
    if (!last) return new OtpError('NO_ROUTE');
    const details = { attempts: tried, last_failure: last.kind };
    switch (last.kind) {
      case 'invalid_number':
        return new OtpError('INVALID_PHONE_NUMBER', {
          message: 'The provider rejected the destination number.',
          details,
        });
      case 'blocked':
      case 'rejected':
        return new OtpError('SEND_REJECTED', { details });
      case 'insufficient_balance':
        return new OtpError('INSUFFICIENT_BALANCE', { details });
      default:
        return new OtpError('ALL_ROUTES_FAILED', { details });
    }
  }
}

/**
 * Whether `attempt` carried the code of `v`'s current send. Every send (the first, each resend)
 * starts the chain at step 0 again and sets lastSentAtMs; failover steps keep it. A message of an
 * earlier send was created before that, and its receipts must not move or stop the new send's chain.
 */
function ofCurrentSend(attempt: Attempt, v: Verification): boolean {
  return attempt.createdAtMs >= v.lastSentAtMs;
}
