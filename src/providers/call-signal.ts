/** The caller's abort signal, tightened by an adapter's own per-request timeout when one is configured. */
export function callSignal(signal: AbortSignal, timeoutMs: number | undefined): AbortSignal {
  return timeoutMs ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : signal;
}

/**
 * Runs `call` with a signal that aborts after `timeoutMs`, and clears that timer as soon as the call
 * settles. AbortSignal.timeout cannot be cleared: every call would leave a live timer (and, when
 * it fires long after the answer, a TimeoutError) behind for the whole timeout.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
