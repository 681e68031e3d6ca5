import { setMaxListeners } from 'node:events';

/**
 * Runs `call` with a signal that aborts after `timeoutMs` (or earlier, when `parent` aborts), and
 * drops the timer and the parent listener as soon as the call settles. AbortSignal.timeout cannot
 * be cleared: every call would leave a live timer (and, when it fires long after the answer, a
 * TimeoutError) behind for the whole timeout. No `timeoutMs`: `parent` is passed through as it is.
 */
export async function withTimeout<T>(
  timeoutMs: number | undefined,
  call: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  if (!timeoutMs) return call(parent ?? new AbortController().signal);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (parent?.aborted) abort();
  else parent?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, timeoutMs);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', abort);
  }
}

/** The signal of a call that nothing can abort: for providers that answer in-process (Provider.inProcess). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** Calls whose deadlines fall into the same slice of this many ms share one signal and one timer. */
const SHARED_DEADLINE_SLICE_MS = 25;

interface SharedDeadline {
  readonly key: number;
  readonly controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  users: number;
}

const sharedDeadlines = new Map<number, SharedDeadline>();

/**
 * withTimeout for the hot path (every provider send), without a controller, a timer and listeners
 * of its own per call (~6-15 µs each, measured): calls whose deadlines fall into the same 25 ms
 * slice share one signal, aborted at the slice's end, so a call times out up to 25 ms after
 * `timeoutMs`. The timer is cleared once the last call of its slice has settled.
 */
export async function withSharedTimeout<T>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const nowMs = performance.now();
  const key = Math.ceil((nowMs + timeoutMs) / SHARED_DEADLINE_SLICE_MS);
  let deadline = sharedDeadlines.get(key);
  if (!deadline) {
    const created: SharedDeadline = { key, controller: new AbortController(), timer: undefined, users: 0 };
    // Many calls listen to one signal by design: no leak warning for it.
    setMaxListeners(0, created.controller.signal);
    const endMs = key * SHARED_DEADLINE_SLICE_MS;
    // Timers count whole ms from the event loop's cached clock and may fire a little early: a
    // timer that finds the slice not over yet waits for the rest instead of aborting early.
    const fire = (): void => {
      const remainingMs = endMs - performance.now();
      if (remainingMs > 0) {
        created.timer = setTimeout(fire, Math.ceil(remainingMs));
        return;
      }
      created.timer = undefined;
      sharedDeadlines.delete(key);
      created.controller.abort();
    };
    created.timer = setTimeout(fire, endMs - nowMs);
    sharedDeadlines.set(key, created);
    deadline = created;
  }
  deadline.users += 1;
  try {
    return await call(deadline.controller.signal);
  } finally {
    deadline.users -= 1;
    if (deadline.users === 0 && deadline.timer) {
      clearTimeout(deadline.timer);
      sharedDeadlines.delete(deadline.key);
    }
  }
}
