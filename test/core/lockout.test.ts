import { describe, expect, it } from 'vitest';
import { failedChecksLockoutMs } from '../../src/core/index.js';

const HOUR_MS = 3_600_000;

describe('failedChecksLockoutMs (wrong codes per destination, sliding window)', () => {
  it('is 0 below the limit and when there are no rows', () => {
    expect(failedChecksLockoutMs([], 0, HOUR_MS, 15)).toBe(0);
    expect(failedChecksLockoutMs([{ createdAtMs: 0, failedChecks: 14 }], 10, HOUR_MS, 15)).toBe(0);
  });

  it('at the limit, lasts until enough of the oldest rows age out', () => {
    const rows = [
      { createdAtMs: 0, failedChecks: 5 },
      { createdAtMs: 1_000, failedChecks: 5 },
      { createdAtMs: 2_000, failedChecks: 5 },
    ];
    // 15 of 15: the first row leaving (at HOUR_MS) brings it to 10.
    expect(failedChecksLockoutMs(rows, 3_000, HOUR_MS, 15)).toBe(HOUR_MS - 3_000);
    // With a limit of 6, two rows must leave: the second leaves at HOUR_MS + 1000.
    expect(failedChecksLockoutMs(rows, 3_000, HOUR_MS, 6)).toBe(HOUR_MS + 1_000 - 3_000);
  });

  it('ignores rows already outside the window', () => {
    const rows = [
      { createdAtMs: 0, failedChecks: 10 },
      { createdAtMs: HOUR_MS, failedChecks: 5 },
    ];
    expect(failedChecksLockoutMs(rows, HOUR_MS + 1, HOUR_MS, 15)).toBe(0);
    expect(failedChecksLockoutMs(rows, HOUR_MS + 1, HOUR_MS, 5)).toBe(HOUR_MS - 1);
  });
});
