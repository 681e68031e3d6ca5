export const CHANNELS = ['sms', 'voice', 'whatsapp', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const VERIFICATION_STATUSES = [
  'pending',
  'approved',
  'canceled',
  'expired',
  'max_attempts_reached',
  'failed',
] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** One step of a failover chain: which route, and how long to wait for a `delivered` receipt. */
export interface ChainStep {
  routeId: number;
  timeoutSeconds: number;
}

/** A verification as stored. The code itself is never stored, only its HMAC. */
export interface Verification {
  id: string;
  /** E.164 phone number or normalised e-mail address. */
  destination: string;
  channel: Channel;
  purpose: string;
  status: VerificationStatus;
  codeHash: Buffer;
  /**
   * The current code encrypted (AES-256-CTR, see CodeCipher) under a key derived from the pepper
   * (never stored in the database), kept only so failover can resend the SAME code over the next route.
   */
  codeCipher: Buffer;
  locale: string | undefined;
  /** Route pinned by the caller, if any. */
  routeId: number | undefined;
  /** Failover chain chosen at send time; `chainIndex` is the step in use. */
  chain: ChainStep[];
  chainIndex: number;
  /** When the current step times out without a delivered receipt (durable failover timer). */
  failoverAtMs: number | undefined;
  createdAtMs: number;
  updatedAtMs: number;
  expiresAtMs: number;
  lastSentAtMs: number;
  sendCount: number;
  /** Wrong checks against this verification, across all its codes. */
  failedChecks: number;
  country: string | undefined;
}

/** The status a caller sees: a pending verification past its TTL reads as expired. */
export function effectiveStatus(
  v: Pick<Verification, 'status' | 'expiresAtMs'>,
  nowMs: number,
): VerificationStatus {
  if (v.status === 'pending' && nowMs >= v.expiresAtMs) return 'expired';
  return v.status;
}
