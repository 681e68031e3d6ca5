import { OtpError } from '../errors/index.js';

// Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is the provider's call.
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{2,63}$/;

export function normalizeEmail(input: string): string {
  const trimmed = input.trim();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw new OtpError('INVALID_EMAIL');
  }
  const at = trimmed.lastIndexOf('@');
  // The local part may be case-sensitive in theory; the domain never is.
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}
