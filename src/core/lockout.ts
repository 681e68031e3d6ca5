/** The wrong-code lock-out a new send is held to: at most `maxFailedChecks` per destination within `windowMs`. */
export interface FailedChecksLimit {
  windowMs: number;
  maxFailedChecks: number;
}

/** How many wrong codes one verification collected, and when it was started. */
export interface FailedChecks {
  createdAtMs: number;
  failedChecks: number;
}

/**
 * How long wrong codes still lock (destination, purpose) out of new sends; 0 when they do not.
 * Sliding window: each verification's wrong codes count until `windowMs` after it was started, so
 * the lock lifts once enough of the oldest have aged out. `rows` are oldest first.
 */
export function failedChecksLockoutMs(
  rows: readonly FailedChecks[],
  nowMs: number,
  windowMs: number,
  maxFailedChecks: number,
): number {
  let total = 0;
  for (const row of rows) if (row.createdAtMs + windowMs > nowMs) total += row.failedChecks;
  for (const row of rows) {
    if (total < maxFailedChecks) break;
    if (row.createdAtMs + windowMs <= nowMs) continue;
    // Once this row ages out, its wrong codes stop counting.
    total -= row.failedChecks;
    if (total < maxFailedChecks) return row.createdAtMs + windowMs - nowMs;
  }
  return 0;
}
