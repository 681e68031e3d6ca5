import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { BreakerRegistry, CircuitBreaker, resolveBreakerOptions } from '../../src/routing/circuit-breaker.js';

function setup() {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({}, clock);
  return { clock, breaker };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.recordFailure();
}

function succeed(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.recordSuccess();
}

describe('CircuitBreaker', () => {
  it('starts closed and lets calls through', () => {
    const { breaker } = setup();
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('does not open before the minimum number of calls', () => {
    const { breaker } = setup();
    fail(breaker, 9);
    expect(breaker.state()).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 9, failures: 9 });
  });

  it('opens at 10 calls with 50% failures', () => {
    const { breaker, clock } = setup();
    succeed(breaker, 5);
    fail(breaker, 4);
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.snapshot()).toEqual({
      state: 'open',
      calls: 10,
      failures: 5,
      openedAtMs: clock.nowMs(),
      retryAtMs: clock.nowMs() + 30_000,
    });
  });

  it('judges the window after a success too', () => {
    const { breaker } = setup();
    fail(breaker, 5);
    succeed(breaker, 5);
    expect(breaker.state()).toBe('open');
  });

  it('stays closed below the threshold', () => {
    const { breaker } = setup();
    fail(breaker, 4);
    succeed(breaker, 6);
    expect(breaker.state()).toBe('closed');
    breaker.recordSuccess();
    breaker.recordFailure(); // 5 of 12
    expect(breaker.state()).toBe('closed');
  });

  it('stays open for 30 seconds, then allows exactly one probe', () => {
    const { breaker, clock } = setup();
    fail(breaker, 10);
    clock.advanceMs(29_999);
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAfterMs()).toBe(1);
    clock.advanceMs(1);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.retryAfterMs()).toBeUndefined();
    // Reading the state never consumes the probe.
    expect(breaker.state()).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('closes on a good probe and forgets the old failures', () => {
    const { breaker, clock } = setup();
    fail(breaker, 10);
    clock.advanceSeconds(30);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.snapshot()).toEqual({ state: 'closed', calls: 0, failures: 0 });
    expect(breaker.tryAcquire()).toBe(true);
    fail(breaker, 9);
    expect(breaker.state()).toBe('closed');
  });

  it('reopens for another open period on a bad probe', () => {
    const { breaker, clock } = setup();
    fail(breaker, 10);
    clock.advanceSeconds(30);
    expect(breaker.tryAcquire()).toBe(true);
    clock.advanceSeconds(2);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot().openedAtMs).toBe(clock.nowMs());
    clock.advanceMs(29_999);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advanceMs(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('ignores late outcomes of calls started before it opened', () => {
    const { breaker, clock } = setup();
    fail(breaker, 10);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('open');
    clock.advanceSeconds(30);
    // Half-open but no probe taken: a straggler's success must not close the breaker.
    breaker.recordSuccess();
    expect(breaker.state()).toBe('half_open');
    breaker.recordFailure();
    expect(breaker.state()).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('lets a new probe go when the previous one never reported', () => {
    const { breaker, clock } = setup();
    fail(breaker, 10);
    clock.advanceSeconds(30);
    expect(breaker.tryAcquire()).toBe(true);
    clock.advanceSeconds(29);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advanceSeconds(1);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('rolls old failures out of the window', () => {
    const { breaker, clock } = setup();
    fail(breaker, 9);
    clock.advanceSeconds(60);
    breaker.recordFailure();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 1, failures: 1 });
  });

  it('still counts failures younger than the window', () => {
    const { breaker, clock } = setup();
    fail(breaker, 9);
    clock.advanceSeconds(59);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('honours custom options', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(
      { windowSeconds: 10, minimumCalls: 3, failureRateThreshold: 1, openSeconds: 5 },
      clock,
    );
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    breaker.recordSuccess(); // window restarts only after 10 s
    clock.advanceSeconds(10);
    fail(breaker, 3);
    expect(breaker.state()).toBe('open');
    clock.advanceSeconds(5);
    expect(breaker.state()).toBe('half_open');
  });

  it('rejects nonsensical options', () => {
    expect(() => resolveBreakerOptions({ windowSeconds: 0 })).toThrow(RangeError);
    expect(() => resolveBreakerOptions({ minimumCalls: 1.5 })).toThrow(RangeError);
    expect(() => resolveBreakerOptions({ failureRateThreshold: 0 })).toThrow(RangeError);
    expect(() => resolveBreakerOptions({ failureRateThreshold: 1.1 })).toThrow(RangeError);
    expect(() => resolveBreakerOptions({ openSeconds: -1 })).toThrow(RangeError);
    expect(resolveBreakerOptions({ windowSeconds: undefined })).toEqual({
      windowSeconds: 60,
      minimumCalls: 10,
      failureRateThreshold: 0.5,
      openSeconds: 30,
    });
  });

  it('grants at most one probe per half-open period whatever the callers do', () => {
    const command = fc.oneof(
      fc.constant({ kind: 'acquire' as const }),
      fc.constant({ kind: 'success' as const }),
      fc.constant({ kind: 'failure' as const }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 200 }), (commands) => {
        const clock = new ManualClock();
        const breaker = new CircuitBreaker({ minimumCalls: 2 }, clock);
        let probesSinceReport = 0;
        let probeAtMs = 0;
        for (const c of commands) {
          if (c.kind === 'advance') clock.advanceMs(c.ms);
          const before = breaker.state();
          if (c.kind === 'acquire') {
            const granted = breaker.tryAcquire();
            if (before === 'open') expect(granted).toBe(false);
            if (before === 'closed') expect(granted).toBe(true);
            if (before === 'half_open' && granted) {
              // A second probe only once the first is presumed lost (one open period without a report).
              if (probesSinceReport > 0) expect(clock.nowMs() - probeAtMs).toBeGreaterThanOrEqual(30_000);
              probesSinceReport++;
              probeAtMs = clock.nowMs();
            }
          }
          if (c.kind === 'success' || c.kind === 'failure') {
            if (c.kind === 'success') breaker.recordSuccess();
            else breaker.recordFailure();
            if (before === 'half_open' && probesSinceReport > 0) {
              expect(breaker.state()).toBe(c.kind === 'success' ? 'closed' : 'open');
            }
            probesSinceReport = 0;
          }
          if (breaker.state() !== 'half_open') probesSinceReport = 0;
        }
      }),
    );
  });
});

describe('BreakerRegistry', () => {
  it('keeps one breaker per route id', () => {
    const clock = new ManualClock();
    const registry = new BreakerRegistry({ minimumCalls: 1, failureRateThreshold: 1 }, clock);
    expect(registry.get(1)).toBe(registry.get(1));
    registry.get(1).recordFailure();
    expect(registry.state(1)).toBe('open');
    expect(registry.state(2)).toBe('closed');
    expect(registry.get(2).tryAcquire()).toBe(true);
  });

  it('reads the state of an unused route without creating a breaker', () => {
    const registry = new BreakerRegistry({}, new ManualClock());
    expect(registry.state(7)).toBe('closed');
    expect(registry.snapshots().size).toBe(0);
    registry.get(7);
    expect([...registry.snapshots().keys()]).toEqual([7]);
  });
});
