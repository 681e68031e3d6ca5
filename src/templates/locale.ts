export const DEFAULT_LOCALE = 'en';

/** "nl_BE" and "NL-be" both mean "nl-be": tags compare lowercased with hyphens. */
export function normalizeLocale(locale: string): string {
  return locale.trim().replace(/_/g, '-').toLowerCase();
}

/**
 * The locale and its shorter fallbacks, most specific first: "nl-BE" → ["nl-be", "nl"].
 * The default locale is not appended; callers decide where it sits among their sources.
 */
export function localeCandidates(locale: string | undefined): string[] {
  if (locale === undefined) return [];
  const parts = normalizeLocale(locale)
    .split('-')
    .filter((part) => part.length > 0);
  const candidates: string[] = [];
  for (let length = parts.length; length > 0; length--) candidates.push(parts.slice(0, length).join('-'));
  return candidates;
}
