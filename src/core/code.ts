import type { Random } from './random.js';

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

/** A numeric code of `length` digits; leading zeros allowed, every digit drawn from the CSPRNG. */
export function generateCode(length: number, random: Random): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}`);
  }
  // One draw from [0, 10^length) is exactly as uniform as one draw per digit, at a sixth of the calls
  // (10^10 is within randomInt's 2^48 range).
  return String(random.int(10 ** length)).padStart(length, '0');
}

/**
 * What counts as a guess: any ASCII digit string up to 64 long. One of another length than the
 * code can never match, but it is still a wrong code (counted, answered like one), as the
 * reference server treats it; only non-digits are refused as invalid input.
 */
export function isCandidateCode(candidate: string): boolean {
  return /^[0-9]{1,64}$/.test(candidate);
}
