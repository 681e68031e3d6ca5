interface Bucket {
  /** Whole epoch second this bucket counts; buckets for older seconds are stale and get reused. */
  second: number;
  calls: number;
  failures: number;
}

/**
 * Call outcomes over the last `windowSeconds`, in one-second buckets kept in a ring: memory is
 * fixed at `windowSeconds` buckets however many calls arrive, and an outcome drops out of the
 * totals once its second is `windowSeconds` old.
 */
export class OutcomeWindow {
  private readonly buckets: Bucket[];

  constructor(private readonly windowSeconds: number) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
      throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
    }
    this.buckets = Array.from({ length: windowSeconds }, () => ({
      second: -Infinity,
      calls: 0,
      failures: 0,
    }));
  }

  record(nowMs: number, failed: boolean): void {
    const second = Math.floor(nowMs / 1000);
    const bucket = this.buckets[mod(second, this.windowSeconds)];
    if (!bucket) return; // unreachable: the index is always within the ring
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.calls = 0;
      bucket.failures = 0;
    }
    bucket.calls++;
    if (failed) bucket.failures++;
  }

  totals(nowMs: number): { calls: number; failures: number } {
    const second = Math.floor(nowMs / 1000);
    let calls = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (bucket.second > second - this.windowSeconds && bucket.second <= second) {
        calls += bucket.calls;
        failures += bucket.failures;
      }
    }
    return { calls, failures };
  }

  clear(): void {
    for (const bucket of this.buckets) {
      bucket.second = -Infinity;
      bucket.calls = 0;
      bucket.failures = 0;
    }
  }
}

// Seconds before 1970 (negative) still map into the ring.
function mod(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}
