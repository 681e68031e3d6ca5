import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cryptoRandom, generateCode, isCandidateCode, type Random } from '../../src/core/index.js';

describe('generateCode', () => {
  it('makes codes of the requested length from digits only', () => {
    for (let length = 4; length <= 10; length++) {
      const code = generateCode(length, cryptoRandom);
      expect(code).toMatch(new RegExp(`^[0-9]{${length}}$`));
    }
  });

  it('keeps leading zeros', () => {
    const zeros: Random = { int: () => 0, hex: () => '' };
    expect(generateCode(6, zeros)).toBe('000000');
  });

  it('refuses lengths outside 4-10', () => {
    expect(() => generateCode(3, cryptoRandom)).toThrow(RangeError);
    expect(() => generateCode(11, cryptoRandom)).toThrow(RangeError);
  });

  it('uses every digit roughly uniformly', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 5000; i++) for (const d of generateCode(6, cryptoRandom)) counts[Number(d)]! += 1;
    // 30,000 digits: each expected 3,000; a biased generator (e.g. modulo bias on bytes) shows up well outside ±10 %.
    for (const count of counts) expect(count).toBeGreaterThan(2700);
    for (const count of counts) expect(count).toBeLessThan(3300);
  });
});

describe('isCandidateCode', () => {
  it('accepts 1-64 ASCII digits and nothing else', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(isCandidateCode(s)).toBe(/^[0-9]{1,64}$/.test(s));
      }),
    );
    expect(isCandidateCode('123456')).toBe(true);
    expect(isCandidateCode('1')).toBe(true);
    expect(isCandidateCode('1'.repeat(65))).toBe(false);
    expect(isCandidateCode('')).toBe(false);
    expect(isCandidateCode('12a456')).toBe(false);
    expect(isCandidateCode('１２３４５６')).toBe(false);
  });
});
