import type { Random } from './random.js';

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

/** A numeric code of `length` digits; leading zeros allowed, every digit drawn from the CSPRNG. */
export function generateCode(length: number, random: Random): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}`);
  }
  let code = '';
  for (let i = 0; i < length; i++) code += String(random.int(10));
  return code;
}

/** Shape check done before any hashing: digits only, sane length. */
export function isWellFormedCode(candidate: string): boolean {
  return /^[0-9]{4,10}$/.test(candidate);
}
