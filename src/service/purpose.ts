import { characterCount } from '../core/index.js';
import { OtpError } from '../errors/index.js';

/** Purposes are free-form labels ("login", "signup"), compared case-insensitively, as in the reference server. */
export function normalizePurpose(input: string | undefined): string {
  const purpose = (input ?? 'login').trim().toLowerCase();
  const characters = characterCount(purpose);
  if (characters === 0 || characters > 50) {
    throw new OtpError('VALIDATION_FAILED', {
      message: 'purpose must be 1-50 characters.',
      details: { field: 'purpose' },
    });
  }
  return purpose;
}
