import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { OtpError } from '../errors/index.js';
import { parseInternationalFast } from './phone-plans.js';

export interface PhoneNumberInfo {
  /** E.164, e.g. +31651860670 */
  e164: string;
  /** ISO 3166-1 alpha-2, e.g. NL; undefined for non-geographic numbers. */
  country: string | undefined;
  /** libphonenumber's type (MOBILE, FIXED_LINE, VOIP, PREMIUM_RATE, …) or undefined when unknown. */
  readonly numberType: string | undefined;
}

/**
 * Normalise a phone number to E.164. Accepts "+31 6 5186 0670", "0031651860670" (international
 * 00 prefix) and "31651860670" (digits with country code, as the reference server takes them).
 * A national number ("0651860670") is only accepted when a default country is given.
 */
export function parsePhone(input: string, defaultCountry?: string): PhoneNumberInfo {
  const raw = input.trim();
  const compact = raw.replace(/[\s\-().]/g, '');
  let candidate: string;
  if (compact.startsWith('+')) candidate = compact;
  else if (compact.startsWith('00')) candidate = `+${compact.slice(2)}`;
  else if (defaultCountry && compact.startsWith('0')) candidate = compact;
  else candidate = `+${compact}`;

  if (!/^\+?[0-9]{6,17}$/.test(candidate)) throw invalidPhone();
  const fast = candidate.startsWith('+') ? parseInternationalFast(candidate) : undefined;
  if (fast) return phoneInfo(fast.e164, fast.country, () => parsePhoneNumberFromString(fast.e164)?.getType());
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) throw invalidPhone();
  return phoneInfo(parsed.number, parsed.country, () => parsed.getType());
}

/** Type lookup walks the country's number patterns again; only callers that ask pay for it. */
function phoneInfo(
  e164: string,
  country: string | undefined,
  typeOf: () => string | undefined,
): PhoneNumberInfo {
  return {
    e164,
    country,
    get numberType() {
      return typeOf();
    },
  };
}

export function normalizePhone(input: string, defaultCountry?: string): string {
  return parsePhone(input, defaultCountry).e164;
}

function invalidPhone(): OtpError {
  return new OtpError('INVALID_PHONE_NUMBER', {
    message: 'The phone number is not a valid number in international format (E.164).',
  });
}
