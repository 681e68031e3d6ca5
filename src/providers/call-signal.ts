/** The caller's abort signal, tightened by an adapter's own per-request timeout when one is configured. */
export function callSignal(signal: AbortSignal, timeoutMs: number | undefined): AbortSignal {
  return timeoutMs ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : signal;
}
