import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateCard, priceFor, rateCardFor } from '../../src/routing/rate-card.js';
import type { Rate } from '../../src/routing/route.js';
import { makeRoute } from './fixtures.js';

describe('priceFor', () => {
  const route = makeRoute({
    id: 1,
    rates: [
      { prefix: '', priceMicros: 100_000 },
      { prefix: '31', priceMicros: 70_000 },
      { prefix: '316', priceMicros: 60_000 },
      { prefix: '1', priceMicros: 10_000 },
    ],
  });

  it('uses the longest matching prefix', () => {
    expect(priceFor(route, '+31612345678')).toBe(60_000);
    expect(priceFor(route, '+31201234567')).toBe(70_000);
    expect(priceFor(route, '+12025550123')).toBe(10_000);
  });

  it('falls back to the catch-all', () => {
    expect(priceFor(route, '+447700900123')).toBe(100_000);
  });

  it('accepts digits without a plus', () => {
    expect(priceFor(route, '31612345678')).toBe(60_000);
  });

  it('is undefined when no line covers the number', () => {
    const nlOnly = makeRoute({ id: 2, rates: [{ prefix: '31', priceMicros: 70_000 }] });
    expect(priceFor(nlOnly, '+447700900123')).toBeUndefined();
    expect(priceFor(makeRoute({ id: 3, rates: [] }), '+31612345678')).toBeUndefined();
  });

  it('prices e-mail addresses by the catch-all only', () => {
    const email = makeRoute({ id: 4, channel: 'email', rates: [{ prefix: '', priceMicros: 0 }] });
    expect(priceFor(email, 'user@example.com')).toBe(0);
    const noCatchAll = makeRoute({ id: 5, channel: 'email', rates: [{ prefix: '1', priceMicros: 5 }] });
    expect(priceFor(noCatchAll, '1user@example.com')).toBeUndefined();
  });

  it('keeps the first line when a prefix is listed twice', () => {
    const card = new RateCard([
      { prefix: '31', priceMicros: 1 },
      { prefix: '31', priceMicros: 2 },
    ]);
    expect(card.priceForDigits('31612345678')).toBe(1);
  });

  it('builds one card per route object', () => {
    expect(rateCardFor(route)).toBe(rateCardFor(route));
    expect(rateCardFor({ ...route })).not.toBe(rateCardFor(route));
  });

  it('matches a brute-force longest-prefix search', () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const rate = fc.record({ prefix: digits(0, 7), priceMicros: fc.nat(1_000_000) });
    fc.assert(
      fc.property(fc.array(rate, { maxLength: 30 }), digits(6, 15), (rates: Rate[], number) => {
        let best: Rate | undefined;
        for (const r of rates) {
          if (number.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
        }
        expect(priceFor(makeRoute({ id: 9, rates }), `+${number}`)).toBe(best?.priceMicros);
      }),
    );
  });
});
