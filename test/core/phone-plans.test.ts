import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import examples from 'libphonenumber-js/examples.mobile.json';
import { parseInternationalFast } from '../../src/core/phone-plans.js';
import { parsePhone } from '../../src/core/phone.js';
import { OtpError } from '../../src/errors/index.js';

/** A small seeded generator, so a failure names numbers that fail again on the next run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const callingCodes: Record<string, string[]> = metadata.country_calling_codes;

/** Numbers after every calling code: each country's example, its neighbours, and random digits. */
function candidates(): string[] {
  const random = seeded(20261207);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const out = new Set<string>();
  const exampleByCountry = examples as Record<string, string>;
  for (const [code, countries] of Object.entries(callingCodes)) {
    for (const country of countries) {
      const example = exampleByCountry[country];
      if (!example) continue;
      out.add(`+${code}${example}`);
      // Same prefix, other line numbers: mostly valid, sometimes not.
      for (let k = 0; k < 40; k++) {
        const keep = Math.max(1, example.length - 1 - Math.floor(random() * 5));
        out.add(`+${code}${example.slice(0, keep)}${digits(example.length - keep)}`);
      }
      // One digit too many and too few.
      out.add(`+${code}${example}${digits(1)}`);
      out.add(`+${code}${example.slice(0, -1)}`);
      // A national prefix kept after the calling code (the library strips some of these).
      out.add(`+${code}0${example}`);
    }
    for (let k = 0; k < 60; k++) out.add(`+${code}${digits(4 + Math.floor(random() * 11))}`);
  }
  return [...out];
}

describe('parseInternationalFast', () => {
  const numbers = candidates();

  it('answers exactly as libphonenumber-js does, on numbers after every calling code', () => {
    let validByLibrary = 0;
    let answeredFast = 0;
    const mismatches: string[] = [];
    for (const number of numbers) {
      const parsed = parsePhoneNumberFromString(number);
      const valid = Boolean(parsed?.isValid());
      const fast = parseInternationalFast(number);
      if (valid) validByLibrary += 1;
      if (!fast) continue;
      answeredFast += 1;
      // The fast path only ever answers "valid", and then with the library's number and country.
      if (!valid || parsed?.number !== fast.e164 || parsed.country !== fast.country) {
        mismatches.push(
          `${number}: library ${valid ? `${parsed?.number} ${parsed?.country}` : 'invalid'}, fast ${fast.e164} ${fast.country}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    expect(numbers.length).toBeGreaterThan(20_000);
    expect(validByLibrary).toBeGreaterThan(5_000);
    // The fast path must carry the common case, or it is dead weight: almost every valid number.
    expect(answeredFast / validByLibrary).toBeGreaterThan(0.9);
  });

  it('leaves national prefixes, non-geographic and unknown codes to the library, and parsePhone then answers as the library does', () => {
    // +31 0 6…: NL's national prefix after the calling code, which the library strips. (No number
    // was found, among the metadata's examples with kept prefixes, where the fast path would have
    // answered otherwise; the guard keeps it exact should the metadata change.)
    for (const number of ['+310651860670', '+80012345678', '+999123456789']) {
      expect(parseInternationalFast(number)).toBeUndefined();
      const library = parsePhoneNumberFromString(number);
      if (library?.isValid()) {
        const info = parsePhone(number);
        expect([info.e164, info.country]).toEqual([library.number, library.country]);
      } else {
        expect(() => parsePhone(number)).toThrow(OtpError);
      }
    }
    // Both answers occur above: a stripped prefix is valid, an unknown code is not.
    expect(parsePhone('+310651860670').e164).toBe('+31651860670');
    expect(() => parsePhone('+999123456789')).toThrow(OtpError);
  });

  it('tells countries apart that share a calling code, as the library does', () => {
    for (const [number, country] of [
      ['+14162345678', 'CA'],
      ['+12015550123', 'US'],
      ['+447624369230', 'IM'],
      ['+447911123456', 'GG'],
      ['+79123456789', 'RU'],
      ['+77012345678', 'KZ'],
    ] as const) {
      expect(parsePhoneNumberFromString(number)?.country).toBe(country);
      expect(parseInternationalFast(number)).toEqual({ e164: number, country });
    }
  });

  it('gives the number type through parsePhone on the fast path too', () => {
    expect(parsePhone('+31651860670').numberType).toBe('MOBILE');
    expect(parsePhone('+31201234567').numberType).toBe('FIXED_LINE');
  });
});
