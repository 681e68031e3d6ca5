import type { Channel } from '../core/index.js';
import { appendAutofillLines } from './autofill.js';
import { builtInSubject, builtInText, isBuiltInLocale, type BuiltInLocale } from './built-in.js';
import { DEFAULT_LOCALE, localeCandidates, normalizeLocale } from './locale.js';
import { fillPlaceholders, spokenCode, ttlMinutes, type TemplateValues } from './placeholders.js';

export type TemplateOverrides = Partial<Record<string, string>>;

export interface RenderMessageInput {
  channel: Channel;
  locale: string | undefined;
  brand: string;
  code: string;
  ttlSeconds: number;
  /** Android SMS Retriever app hash (11 characters); SMS only. */
  appHash?: string | undefined;
  /** WebOTP origin (bare host); SMS only. */
  webOtpDomain?: string | undefined;
  /**
   * Operator templates keyed `${channel}.${locale}` or `${channel}` (e.g. "sms.nl", "voice");
   * e-mail subjects as `email.subject.${locale}` or `email.subject`. See `validateTemplates`.
   */
  templates?: TemplateOverrides | undefined;
}

export interface RenderedMessage {
  text: string;
  /** E-mail only. */
  subject: string | undefined;
  /** The locale of the wording used (after fallback); undefined for a locale-less operator template. */
  locale: string | undefined;
}

/**
 * The message for one code. Sources, first found wins (for "nl-BE": nl-be, then nl):
 *   1. operator template for the locale or a shorter form of it,
 *   2. operator template for the channel without a locale (the operator's own wording beats ours),
 *   3. built-in template for the locale or a shorter form of it,
 *   4. operator template for the default locale (en), 5. built-in en.
 * For voice, {code} is the spoken form ("1, 2, 3"), whatever the template.
 */
export function renderMessage(input: RenderMessageInput): RenderedMessage {
  const values: TemplateValues = {
    brand: input.brand,
    code: input.channel === 'voice' ? spokenCode(input.code) : input.code,
    minutes: ttlMinutes(input.ttlSeconds),
    seconds: input.ttlSeconds,
  };
  const overrides = normalizedOverrides(input.templates);
  const locales = localeCandidates(input.locale);

  const body = resolve(overrides, input.channel, locales, values, (locale) =>
    builtInText(locale, input.channel, values),
  );
  let text = body.text;
  if (input.channel === 'sms') {
    text = appendAutofillLines(text, input.code, {
      appHash: input.appHash,
      webOtpDomain: input.webOtpDomain,
    });
  }
  const subject =
    input.channel === 'email'
      ? resolve(overrides, 'email.subject', locales, values, (locale) => builtInSubject(locale, values)).text
      : undefined;
  return { text, subject, locale: body.locale };
}

function resolve(
  overrides: ReadonlyMap<string, string>,
  baseKey: string,
  locales: readonly string[],
  values: TemplateValues,
  builtIn: (locale: BuiltInLocale) => string,
): { text: string; locale: string | undefined } {
  // Subjects need no code; every message body must carry it (a safety net behind validateTemplates).
  const usable = (template: string | undefined): template is string =>
    template !== undefined && (baseKey === 'email.subject' || template.includes('{code}'));
  for (const locale of locales) {
    const template = overrides.get(`${baseKey}.${locale}`);
    if (usable(template)) return { text: fillPlaceholders(template, values), locale };
  }
  const generic = overrides.get(baseKey);
  if (usable(generic)) return { text: fillPlaceholders(generic, values), locale: undefined };
  for (const locale of locales) if (isBuiltInLocale(locale)) return { text: builtIn(locale), locale };
  const fallback = overrides.get(`${baseKey}.${DEFAULT_LOCALE}`);
  if (usable(fallback)) return { text: fillPlaceholders(fallback, values), locale: DEFAULT_LOCALE };
  return { text: builtIn(DEFAULT_LOCALE), locale: DEFAULT_LOCALE };
}

// Overrides come from frozen config; normalising their keys once per object keeps renders cheap.
const normalizedCache = new WeakMap<object, ReadonlyMap<string, string>>();
const EMPTY: ReadonlyMap<string, string> = new Map();

function normalizedOverrides(templates: TemplateOverrides | undefined): ReadonlyMap<string, string> {
  if (!templates) return EMPTY;
  const cached = normalizedCache.get(templates);
  if (cached) return cached;
  const map = new Map<string, string>();
  for (const [key, template] of Object.entries(templates)) {
    if (template !== undefined) map.set(normalizeLocale(key), template);
  }
  normalizedCache.set(templates, map);
  return map;
}
