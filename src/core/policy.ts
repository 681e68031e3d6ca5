/** The verification policy. Defaults come from the research (Twilio Verify / NIST / the reference server). */
export interface Policy {
  codeLength: number;
  ttlSeconds: number;
  resendCooldownSeconds: number;
  /** Wrong checks allowed per verification; NOT reset by a resend. */
  maxChecks: number;
  /** Sends (first send + resends) allowed per verification. */
  maxSends: number;
  /** Wrong checks allowed per destination+purpose within `failedChecksWindowSeconds`, across verifications. */
  maxFailedChecksPerDestination: number;
  failedChecksWindowSeconds: number;
  /** How long finished verifications are kept (for status reads and audit) before the purge removes them. */
  retentionSeconds: number;
}

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  codeLength: 6,
  ttlSeconds: 300,
  resendCooldownSeconds: 45,
  maxChecks: 5,
  maxSends: 5,
  maxFailedChecksPerDestination: 15,
  failedChecksWindowSeconds: 3600,
  retentionSeconds: 86_400,
});
