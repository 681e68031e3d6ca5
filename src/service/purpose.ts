import { OtpError } from '../errors/index.js';

/** Purposes are free-form labels ("login", "signup"), compared case-insensitively, as in the reference server. */
export function normalizePurpose(input: string | undefined): string {
  const purpose = (input ?? 'login').trim().toLowerCase();
  if (purpose.length === 0 || purpose.length > 50) {
    throw new OtpError('VALIDATION_FAILED', {
      message: 'purpose must be 1-50 characters.',
      details: { field: 'purpose' },
    });
  }
  return purpose;
}
