import { afterEach, describe, expect, it, vi } from 'vitest';
import { withSharedTimeout, withTimeout } from '../../src/providers/call-signal.js';

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

/** A call that waits until the test settles it (or its signal aborts), and the signal it was given. */
interface HeldCall {
  signal: AbortSignal;
  result: Promise<string>;
  answer(): void;
  refuse(): void;
}

function heldCall(timeoutMs: number): HeldCall {
  let signal: AbortSignal | undefined;
  let answer = (): void => {};
  let refuse = (): void => {};
  const result = withSharedTimeout(timeoutMs, (given) => {
    signal = given;
    return new Promise<string>((resolve, reject) => {
      answer = () => resolve('answer');
      refuse = () => reject(new Error('refused'));
      given.addEventListener('abort', () => resolve('aborted'));
    });
  });
  return { signal: signal!, result, answer: () => answer(), refuse: () => refuse() };
}

/**
 * Moves the fake clock to `phase` ms into a 25 ms slice. Fake timers start performance.now() at an
 * integer and keep it whole here, so deadlines land exactly where the test says.
 */
function advanceToPhase(phase: number): void {
  vi.advanceTimersByTime((((phase - performance.now()) % 25) + 25) % 25);
}

describe('withSharedTimeout', () => {
  // Every test settles all of its calls: the slices live in module state, and a call left waiting
  // after useRealTimers would keep a slice whose fake timer is gone.

  it('aborts the signal no earlier than timeoutMs and less than 25 ms after it', async () => {
    vi.useFakeTimers();
    // The slice end depends on where in its slice the deadline falls: from on it to just after it.
    for (const phase of [0, 1, 13, 24]) {
      for (const timeoutMs of [100, 110]) {
        advanceToPhase(phase);
        const startedAt = performance.now();
        let abortedAfter = -1;
        const call = heldCall(timeoutMs);
        call.signal.addEventListener('abort', () => (abortedAfter = performance.now() - startedAt));
        vi.advanceTimersByTime(timeoutMs - 1);
        expect(call.signal.aborted).toBe(false);
        vi.advanceTimersByTime(25);
        await expect(call.result).resolves.toBe('aborted');
        expect(abortedAfter).toBeGreaterThanOrEqual(timeoutMs);
        expect(abortedAfter).toBeLessThan(timeoutMs + 25);
        expect(vi.getTimerCount()).toBe(0);
      }
    }
  });

  it('gives calls started together with the same timeout one signal and one timer', async () => {
    vi.useFakeTimers();
    const first = heldCall(1000);
    const second = heldCall(1000);
    expect(second.signal).toBe(first.signal);
    expect(vi.getTimerCount()).toBe(1);
    first.answer();
    second.answer();
    await expect(Promise.all([first.result, second.result])).resolves.toEqual(['answer', 'answer']);
  });

  it('shares a signal between deadlines in the same 25 ms slice only', async () => {
    vi.useFakeTimers();
    advanceToPhase(0);
    // Deadline at +100, on a slice boundary: the slice is (75, 100].
    const early = heldCall(100);
    vi.advanceTimersByTime(10);
    const sameDeadline = heldCall(90);
    const nextSlice = heldCall(95);
    expect(sameDeadline.signal).toBe(early.signal);
    expect(nextSlice.signal).not.toBe(early.signal);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(90);
    expect(early.signal.aborted).toBe(true);
    expect(nextSlice.signal.aborted).toBe(false);
    vi.advanceTimersByTime(25);
    await expect(Promise.all([early.result, sameDeadline.result, nextSlice.result])).resolves.toEqual([
      'aborted',
      'aborted',
      'aborted',
    ]);
  });

  it('clears the shared timer once the last call of its slice settles, answered or failed', async () => {
    vi.useFakeTimers();
    const answered = heldCall(1000);
    const failed = heldCall(1000);
    answered.answer();
    await expect(answered.result).resolves.toBe('answer');
    // Another call still uses the slice: its timer stays.
    expect(vi.getTimerCount()).toBe(1);
    failed.refuse();
    await expect(failed.result).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2000);
    expect(answered.signal.aborted).toBe(false);
  });

  it('still aborts the calls left waiting when others of their slice have settled', async () => {
    vi.useFakeTimers();
    const quick = heldCall(100);
    const slow = heldCall(100);
    quick.answer();
    await expect(quick.result).resolves.toBe('answer');
    vi.advanceTimersByTime(125);
    await expect(slow.result).resolves.toBe('aborted');
  });

  it('gives a later call of a cleared or fired slice a fresh signal that aborts in time', async () => {
    vi.useFakeTimers();
    advanceToPhase(5);
    // Cleared: the only call settled at once; a call with the same deadline must get a live timer.
    const settled = heldCall(100);
    settled.answer();
    await settled.result;
    const afterClear = heldCall(100);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(125);
    await expect(afterClear.result).resolves.toBe('aborted');
    // Fired: a call started after the slice ended must not be handed its aborted signal.
    const afterFire = heldCall(100);
    expect(afterFire.signal).not.toBe(afterClear.signal);
    expect(afterFire.signal.aborted).toBe(false);
    vi.advanceTimersByTime(125);
    await expect(afterFire.result).resolves.toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never aborts before timeoutMs on real timers, wherever in a slice a call starts', async () => {
    // The fake clock above mirrors setTimeout; this checks the real performance.now/setTimeout pair,
    // whose timers count whole ms from the loop's cached clock. Calls start at spread offsets.
    const elapsed = await Promise.all(
      Array.from({ length: 40 }, async (_, k) => {
        await new Promise((resolve) => setTimeout(resolve, k % 13));
        const startedAt = performance.now();
        await expect(heldCall(30).result).resolves.toBe('aborted');
        return performance.now() - startedAt;
      }),
    );
    expect(Math.min(...elapsed)).toBeGreaterThanOrEqual(30);
    // Generous upper bound for a loaded machine: a slice is 25 ms.
    expect(Math.max(...elapsed)).toBeLessThan(30 + 25 + 200);
  });
});
