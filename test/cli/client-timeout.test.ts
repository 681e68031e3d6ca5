import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_SECONDS, timeoutMilliseconds } from '../../src/cli/client.js';

describe('timeoutMilliseconds (--timeout)', () => {
  it('rounds seconds up to whole milliseconds, at least 1 ms', () => {
    expect(timeoutMilliseconds(30)).toBe(30_000);
    expect(timeoutMilliseconds(1.0001)).toBe(1001);
    expect(timeoutMilliseconds(0.0001)).toBe(1);
    expect(timeoutMilliseconds(Number.MIN_VALUE)).toBe(1);
    expect(timeoutMilliseconds(0.25)).toBe(250);
  });

  it('refuses what a timer cannot hold, and what is not a positive number', () => {
    expect(timeoutMilliseconds(MAX_TIMEOUT_SECONDS)).toBe(86_400_000);
    for (const seconds of [0, -1, Number.NaN, Infinity, MAX_TIMEOUT_SECONDS + 0.001, 3_000_000, 5_000_000]) {
      expect(timeoutMilliseconds(seconds), String(seconds)).toBeUndefined();
    }
  });

  it('every accepted value is a delay setTimeout honours (whole ms, at most 2^31-1)', () => {
    for (const seconds of [0.0001, 1.0001, 12.3456789, MAX_TIMEOUT_SECONDS]) {
      const ms = timeoutMilliseconds(seconds);
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(1);
      expect(ms).toBeLessThanOrEqual(2 ** 31 - 1);
    }
  });
});
