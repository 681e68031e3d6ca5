import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../src/providers/call-signal.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('aborts the signal of a call that does not settle in time', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const pending = withTimeout(1000, (signal) => {
      seen = signal;
      return new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('aborted')));
    });
    vi.advanceTimersByTime(999);
    expect(seen?.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    await expect(pending).resolves.toBe('aborted');
    expect(seen?.aborted).toBe(true);
  });

  it('leaves no timer behind once the call settles, answered or failed', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(10_000, async () => 'answer')).resolves.toBe('answer');
    await expect(withTimeout(10_000, async () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(vi.getTimerCount()).toBe(0);
  });
});
