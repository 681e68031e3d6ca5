export interface TemplateValues {
  brand: string;
  /** As it should appear in the message (spoken form for voice). */
  code: string;
  minutes: number;
  seconds: number;
}

export const PLACEHOLDERS = ['brand', 'code', 'minutes', 'seconds'] as const;

const PLACEHOLDER_PATTERN = /\{(brand|code|minutes|seconds)\}/g;

/**
 * Replaces the known placeholders in one pass; anything else in braces stays as written, and a
 * value that itself contains "{code}" (a brand, say) is never expanded again.
 */
export function fillPlaceholders(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER_PATTERN, (_match, name: (typeof PLACEHOLDERS)[number]) =>
    String(values[name]),
  );
}

/**
 * The code for a text-to-speech voice: "123456" → "1, 2, 3, 4, 5, 6", so it is read digit by
 * digit with a pause instead of as "one hundred twenty-three thousand…".
 */
export function spokenCode(code: string): string {
  return [...code].join(', ');
}

/**
 * Whole minutes the code stays valid, rounded down (telling users they have less time than they
 * do is harmless; the opposite is not), and never 0 so a short TTL does not read "0 minutes".
 */
export function ttlMinutes(ttlSeconds: number): number {
  return Math.max(1, Math.floor(ttlSeconds / 60));
}
