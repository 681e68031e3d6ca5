/** Time is injected so tests never sleep. All times are epoch milliseconds. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that only moves when told to: for tests and simulations. */
export class ManualClock implements Clock {
  private currentMs: number;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.currentMs = startMs;
  }
  nowMs(): number {
    return this.currentMs;
  }
  advanceSeconds(seconds: number): void {
    this.currentMs += seconds * 1000;
  }
  advanceMs(ms: number): void {
    this.currentMs += ms;
  }
  setMs(ms: number): void {
    this.currentMs = ms;
  }
}
