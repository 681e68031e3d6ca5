import { describe, expect, it } from 'vitest';
import { runDeliverySimulation } from '../../bench/delivery-simulation.js';

describe('delivery simulation (simulated clock)', () => {
  it('≥ 99.9 % of 2,000 codes are delivered within 60 s when the primary silently drops 30 %; a dead primary trips its breaker within 10 calls', async () => {
    const r = await runDeliverySimulation({ verifications: 2000, dropRate: 0.3, seed: 7 });
    expect(r.deliveredShare).toBeGreaterThanOrEqual(0.999);
    // Roughly the dropped 30 % had to fail over; a run with no failover would mean the drops were not simulated.
    expect(r.failedOver).toBeGreaterThan(400);
    expect(r.verifiedAfterDelivery).toBe(r.deliveredWithin60s);
    expect(r.primaryCallsUntilBreakerOpen).toBeGreaterThan(0);
    expect(r.primaryCallsUntilBreakerOpen).toBeLessThanOrEqual(10);
    expect(r.primaryCallsAfterOpen).toBe(0);
    expect(r.sendsServedBySecondaryWhileDown).toBe(50);
  }, 60_000);
});
