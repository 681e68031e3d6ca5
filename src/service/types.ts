import type { Attempt, Channel, Verification, VerificationStatus } from '../core/index.js';
import type { CheckedVerification } from '../stores/store.js';

export interface StartInput {
  to: string;
  channel?: Channel;
  purpose?: string;
  routeId?: number;
  locale?: string;
}

export interface ResendInput {
  routeId?: number;
  locale?: string;
}

export type CheckInput = { id: string; code: string } | { to: string; purpose?: string; code: string };

/** A verification after a send, with the attempts made for it and (dev mode only) the code. */
export interface SendOutcome {
  verification: Verification;
  attempts: Attempt[];
  /** Plain code, only when debug codes are on (development). */
  debugCode: string | undefined;
}

export type CheckOutcome =
  | { kind: 'approved'; verification: CheckedVerification }
  /** Wrong code; the verification may now be max_attempts_reached. */
  | { kind: 'wrong'; verification: CheckedVerification; attemptsRemaining: number }
  /** The verification exists but cannot be checked: status says why (expired, approved, canceled, failed, max_attempts_reached). */
  | { kind: 'not_pending'; verification: CheckedVerification; status: VerificationStatus }
  | { kind: 'not_found' };

export interface VerificationView {
  verification: Verification;
  status: VerificationStatus;
  attempts: Attempt[];
}
