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

  it("follows the caller's signal too, and lets go of it afterwards", async () => {
    const parent = new AbortController();
    const removal = vi.spyOn(parent.signal, 'removeEventListener');
    const pending = withTimeout(
      60_000,
      (signal) =>
        new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(signal.aborted))),
      parent.signal,
    );
    parent.abort();
    await expect(pending).resolves.toBe(true);
    expect(removal).toHaveBeenCalledWith('abort', expect.any(Function));
    const already = new AbortController();
    already.abort();
    await expect(withTimeout(60_000, async (signal) => signal.aborted, already.signal)).resolves.toBe(true);
  });

  it("without a timeout, passes the caller's signal through", async () => {
    const parent = new AbortController();
    await expect(
      withTimeout(undefined, async (signal) => signal === parent.signal, parent.signal),
    ).resolves.toBe(true);
  });
});
