import { CHANNELS } from '../core/index.js';
import { APP_HASH_PATTERN, WEB_OTP_DOMAIN_PATTERN, type AutofillOptions } from './autofill.js';
import type { TemplateOverrides } from './render-message.js';

// BCP 47-ish: a 2–3 letter language, then optional subtags ("nl", "pt-BR", "zh_Hant_TW").
const LOCALE_PATTERN = /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i;

/**
 * Problems with operator templates and autofill settings, as readable sentences; empty when all is
 * well. Run once at start-up so a template that would send a message without its code never goes
 * live.
 */
export function validateTemplates(
  templates: TemplateOverrides = {},
  settings: AutofillOptions = {},
): string[] {
  const problems: string[] = [];
  for (const [key, template] of Object.entries(templates)) {
    if (template === undefined) continue;
    const parsed = parseKey(key);
    if (typeof parsed === 'string') {
      problems.push(`template "${key}": ${parsed}`);
      continue;
    }
    if (template.trim() === '') {
      problems.push(`template "${key}" is empty`);
    } else if (parsed.subject) {
      // A line break in a subject would let template text reach other e-mail headers.
      if (/[\r\n]/.test(template)) problems.push(`template "${key}": an e-mail subject must be one line`);
    } else if (!template.includes('{code}')) {
      problems.push(`template "${key}" does not contain {code}`);
    }
  }
  if (settings.appHash !== undefined && !APP_HASH_PATTERN.test(settings.appHash)) {
    problems.push('appHash must be the 11-character Android SMS Retriever hash (letters, digits, + and /)');
  }
  if (settings.webOtpDomain !== undefined && !WEB_OTP_DOMAIN_PATTERN.test(settings.webOtpDomain)) {
    problems.push('webOtpDomain must be a bare host such as "example.com" (no scheme, path or spaces)');
  }
  return problems;
}

/** `channel`, `channel.locale`, `email.subject` or `email.subject.locale`; a string is the problem. */
function parseKey(key: string): { subject: boolean } | string {
  const [channel, ...rest] = key.split('.');
  if (channel === undefined || !(CHANNELS as readonly string[]).includes(channel)) {
    return `unknown channel "${channel ?? ''}" (expected one of ${CHANNELS.join(', ')})`;
  }
  const subject = rest[0] === 'subject';
  if (subject) {
    if (channel !== 'email') return 'only e-mail templates have a subject';
    rest.shift();
  }
  if (rest.length > 1) return 'expected "channel" or "channel.locale"';
  const locale = rest[0];
  if (locale !== undefined && !LOCALE_PATTERN.test(locale)) return `"${locale}" is not a locale tag`;
  return { subject };
}
