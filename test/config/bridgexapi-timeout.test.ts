import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configProblemsOf } from '../support/config-problems.js';

/** BRIDGEXAPI_TIMEOUT is checked at start-up like every other variable, not silently dropped. */

const env = (timeout: string | undefined, extra: Record<string, string> = {}) => ({
  OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-bx-timeout-')),
  BRIDGEXAPI_API_KEY: 'bx-key',
  ...(timeout === undefined ? {} : { BRIDGEXAPI_TIMEOUT: timeout }),
  ...extra,
});

const bridgeTimeouts = (config: ReturnType<typeof loadConfig>) =>
  Object.values(config.providers)
    .filter((p) => p.type === 'bridgexapi')
    .map((p) => (p as { timeoutMs?: number }).timeoutMs);

describe('loadConfig: BRIDGEXAPI_TIMEOUT', () => {
  it('sets every BridgeXAPI route timeout, in (float) seconds as the reference reads it', () => {
    const timeouts = bridgeTimeouts(loadConfig({ env: env(' 20 ') }));
    expect(timeouts).toHaveLength(8);
    expect(new Set(timeouts)).toEqual(new Set([20_000]));
    expect(bridgeTimeouts(loadConfig({ env: env('3600') }))[0]).toBe(3_600_000);
    expect(bridgeTimeouts(loadConfig({ env: env('2.5') }))[0]).toBe(2_500);
    expect(bridgeTimeouts(loadConfig({ env: env('0.1') }))[0]).toBe(100);
    // Every spelling Python's float() takes.
    for (const [value, ms] of [
      ['.5', 500],
      ['5.', 5_000],
      ['+5', 5_000],
      ['1e1', 10_000],
      ['1E-1', 100],
    ] as const) {
      expect(bridgeTimeouts(loadConfig({ env: env(value) }))[0], value).toBe(ms);
    }
  });

  it('unset or blank leaves the adapter default', () => {
    for (const value of [undefined, '', '   ']) {
      expect(new Set(bridgeTimeouts(loadConfig({ env: env(value) })))).toEqual(new Set([undefined]));
    }
  });

  it('a value that is not a plain number of seconds is a listed problem', () => {
    for (const value of ['abc', '20s', '-5', 'Infinity', '0x10', '1e', '.', '1.2.3']) {
      expect(
        configProblemsOf(() => loadConfig({ env: env(value) })),
        value,
      ).toEqual([`BRIDGEXAPI_TIMEOUT must be a number such as 20 or 2.5 (got "${value}")`]);
    }
  });

  it('zero, tiny or absurd timeouts are listed problems', () => {
    for (const value of ['0', '0.05', '3601', '99999999999']) {
      expect(
        configProblemsOf(() => loadConfig({ env: env(value) })),
        value,
      ).toEqual([`BRIDGEXAPI_TIMEOUT must be from 0.1 to 3600 seconds (got ${value})`]);
    }
  });

  it('is listed together with the other bad values', () => {
    const problems = configProblemsOf(() =>
      loadConfig({ env: env('abc', { PORT: 'eighty', OTP_LENGTH: '2' }) }),
    );
    expect(problems).toContain('BRIDGEXAPI_TIMEOUT must be a number such as 20 or 2.5 (got "abc")');
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('policy.codeLength'))).toBe(true);
  });

  it('is not read without BRIDGEXAPI_API_KEY (no BridgeXAPI routes to time out)', () => {
    const { BRIDGEXAPI_API_KEY: _key, ...noKey } = env('abc');
    expect(loadConfig({ env: noKey }).routes.some((r) => r.provider.startsWith('bridgexapi'))).toBe(false);
  });
});
