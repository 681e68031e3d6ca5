import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutcomeWindow } from '../../src/routing/outcome-window.js';

describe('OutcomeWindow', () => {
  it('agrees with a list of every outcome filtered by age', () => {
    const step = fc.record({ advanceMs: fc.integer({ min: 0, max: 5_000 }), failed: fc.boolean() });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(step, { maxLength: 300 }),
        (windowSeconds, steps) => {
          const window = new OutcomeWindow(windowSeconds);
          const all: Array<{ second: number; failed: boolean }> = [];
          let nowMs = 1_700_000_000_000;
          for (const s of steps) {
            nowMs += s.advanceMs;
            window.record(nowMs, s.failed);
            all.push({ second: Math.floor(nowMs / 1000), failed: s.failed });
            const nowSecond = Math.floor(nowMs / 1000);
            const live = all.filter((o) => o.second > nowSecond - windowSeconds);
            expect(window.totals(nowMs)).toEqual({
              calls: live.length,
              failures: live.filter((o) => o.failed).length,
            });
          }
        },
      ),
    );
  });

  it('clears', () => {
    const window = new OutcomeWindow(5);
    window.record(1000, true);
    window.clear();
    expect(window.totals(1000)).toEqual({ calls: 0, failures: 0 });
  });

  it('rejects a window that is not a whole number of seconds', () => {
    expect(() => new OutcomeWindow(0)).toThrow(RangeError);
    expect(() => new OutcomeWindow(2.5)).toThrow(RangeError);
  });
});
