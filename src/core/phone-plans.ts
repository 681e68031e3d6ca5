import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

/**
 * The fast path for the one number shape every send sees: "+" then digits, the national number
 * carrying no national prefix. It answers what `parsePhoneNumberFromString(...)?.isValid()` and
 * `.country` answer for such a number, from the same metadata (libphonenumber-js "max"), but with
 * regular expressions compiled once per country: the library builds a new RegExp for every
 * pattern it tries, which made parsing ~15 µs of a send. Anything else (a national prefix after
 * the calling code, a non-geographic code, a code whose countries all refuse the number) returns
 * `undefined`, and the caller asks the library itself. test/core/phone-plans.test.ts holds the
 * two to the same answers on numbers from every calling code.
 */
export interface FastPhone {
  e164: string;
  country: string;
}

/** The runtime accessors of libphonenumber-js's Metadata this file reads (its typings list fewer). */
interface MetadataReader {
  selectNumberingPlan(country: string): void;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  isNonGeographicCallingCode(callingCode: string): boolean;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** The order libphonenumber-js tries number types in (fixed line first). */
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** The library's bounds for a national (significant) number. */
const MIN_NATIONAL_DIGITS = 2;
const MAX_NATIONAL_DIGITS = 17;
const MAX_CALLING_CODE_DIGITS = 3;

interface TypePattern {
  pattern: RegExp;
  possibleLengths: readonly number[] | undefined;
}

/** One country's numbering plan with its patterns compiled. */
interface CompiledPlan {
  country: string;
  nationalNumber: RegExp;
  nationalPrefix: RegExp | undefined;
  nationalPrefixTransform: string | undefined;
  leadingDigits: RegExp | undefined;
  hasTypes: boolean;
  types: TypePattern[];
}

const reader = new Metadata(metadataJson) as unknown as MetadataReader;
const plans = new Map<string, CompiledPlan>();
/** What a run of digits after "+" is as a calling code. */
type CallingCode = readonly string[] | 'none' | 'non-geographic';
/** Digits → its countries (main country first), 'none' when no such code, or 'non-geographic'. */
const callingCodes = new Map<string, CallingCode>();

function callingCodeOf(digits: string): CallingCode {
  let known = callingCodes.get(digits);
  if (known === undefined) {
    known = reader.isNonGeographicCallingCode(digits)
      ? 'non-geographic'
      : (reader.getCountryCodesForCallingCode(digits) ?? 'none');
    callingCodes.set(digits, known);
  }
  return known;
}

function planOf(country: string): CompiledPlan {
  let plan = plans.get(country);
  if (!plan) {
    reader.selectNumberingPlan(country);
    const prefix = reader.nationalPrefixForParsing();
    const leading = reader.leadingDigits();
    const types: TypePattern[] = [];
    for (const name of TYPES) {
      const type = reader.type(name);
      // An empty pattern never matches a type in the library either.
      if (!type || !type.pattern()) continue;
      types.push({ pattern: whole(type.pattern()), possibleLengths: type.possibleLengths() });
    }
    plan = {
      country,
      nationalNumber: whole(reader.nationalNumberPattern()),
      nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
      nationalPrefixTransform: reader.nationalPrefixTransformRule() || undefined,
      leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
      hasTypes: reader.hasTypes(),
      types,
    };
    plans.set(country, plan);
  }
  return plan;
}

function whole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** True when the national number is one of the plan's number types (the library's getNumberType). */
function hasType(plan: CompiledPlan, nationalNumber: string): boolean {
  if (!plan.nationalNumber.test(nationalNumber)) return false;
  for (const type of plan.types) {
    if (type.possibleLengths && !type.possibleLengths.includes(nationalNumber.length)) continue;
    if (type.pattern.test(nationalNumber)) return true;
  }
  return false;
}

/** `international` is "+" followed by digits only. */
export function parseInternationalFast(international: string): FastPhone | undefined {
  // Calling codes are prefix-free, so the first one that exists is the one.
  for (let digits = 1; digits <= MAX_CALLING_CODE_DIGITS && digits < international.length; digits++) {
    const callingCode = international.slice(1, 1 + digits);
    const countries = callingCodeOf(callingCode);
    if (countries === 'none') continue;
    if (countries === 'non-geographic') return undefined;
    const nationalNumber = international.slice(1 + digits);
    if (nationalNumber.length < MIN_NATIONAL_DIGITS || nationalNumber.length > MAX_NATIONAL_DIGITS) {
      return undefined;
    }
    const main = planOf(countries[0]!);
    // The library strips a national prefix (by the main country's rule) even after a calling code.
    if (stripsNationalPrefix(main, nationalNumber)) return undefined;
    const plan = countries.length === 1 ? main : pickCountry(countries, nationalNumber);
    if (!plan) return undefined;
    const valid = plan.hasTypes ? hasType(plan, nationalNumber) : plan.nationalNumber.test(nationalNumber);
    return valid ? { e164: international, country: plan.country } : undefined;
  }
  return undefined;
}

/**
 * Whether the library's national-prefix rule would change this number. Many rules can match the
 * empty string (every part optional); such a match leaves the number as it is.
 */
function stripsNationalPrefix(plan: CompiledPlan, nationalNumber: string): boolean {
  if (!plan.nationalPrefix) return false;
  const match = plan.nationalPrefix.exec(nationalNumber);
  if (!match) return false;
  const captured = match.length > 1 && Boolean(match[match.length - 1]);
  if (plan.nationalPrefixTransform !== undefined && captured) {
    return nationalNumber.replace(plan.nationalPrefix, plan.nationalPrefixTransform) !== nationalNumber;
  }
  return match[0].length > 0;
}

/** Of countries sharing a calling code: the first whose leading digits, or else number types, fit. */
function pickCountry(countries: readonly string[], nationalNumber: string): CompiledPlan | undefined {
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits) {
      if (plan.leadingDigits.test(nationalNumber)) return plan;
    } else if (hasType(plan, nationalNumber)) return plan;
  }
  return undefined;
}
