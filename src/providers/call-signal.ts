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
