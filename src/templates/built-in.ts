import type { Channel } from '../core/index.js';
import type { TemplateValues } from './placeholders.js';

export const BUILT_IN_LOCALES = ['en', 'nl', 'de', 'fr', 'es'] as const;
export type BuiltInLocale = (typeof BUILT_IN_LOCALES)[number];

interface LocaleTemplates {
  sms(v: TemplateValues): string;
  /** `v.code` is already the spoken form. */
  voice(v: TemplateValues): string;
  emailSubject(v: TemplateValues): string;
  email(v: TemplateValues): string;
}

const plural = (count: number, one: string, other: string): string => `${count} ${count === 1 ? one : other}`;

/**
 * Built-in wording. SMS texts use only GSM-7 characters so a code costs one segment at the GSM
 * price — which is why Spanish SMS leaves out accents (ó and á are not in GSM-7 and would switch
 * the whole message to UCS-2, halving its length). Voice and e-mail have no such limit.
 * Functions rather than placeholder strings so "1 minute" / "5 minutes" agree in every language.
 */
const TEMPLATES: Record<BuiltInLocale, LocaleTemplates> = {
  en: {
    sms: (v) =>
      `${v.brand}: your verification code is ${v.code}. It expires in ${plural(v.minutes, 'minute', 'minutes')}.`,
    voice: (v) =>
      `Your ${v.brand} verification code is ${v.code}. Again, your code is ${v.code}. Do not share this code with anyone.`,
    emailSubject: (v) => `Your ${v.brand} verification code`,
    email: (v) =>
      `Your ${v.brand} verification code is ${v.code}.\n\n` +
      `It expires in ${plural(v.minutes, 'minute', 'minutes')}. Do not share this code with anyone.\n\n` +
      `If you did not request this code, you can ignore this e-mail.`,
  },
  nl: {
    sms: (v) =>
      `${v.brand}: je verificatiecode is ${v.code}. Deze verloopt over ${plural(v.minutes, 'minuut', 'minuten')}.`,
    voice: (v) =>
      `Je verificatiecode voor ${v.brand} is ${v.code}. Ik herhaal: ${v.code}. Deel deze code met niemand.`,
    emailSubject: (v) => `Je verificatiecode voor ${v.brand}`,
    email: (v) =>
      `Je verificatiecode voor ${v.brand} is ${v.code}.\n\n` +
      `Deze code verloopt over ${plural(v.minutes, 'minuut', 'minuten')}. Deel deze code met niemand.\n\n` +
      `Heb je deze code niet aangevraagd? Dan kun je deze e-mail negeren.`,
  },
  de: {
    sms: (v) =>
      `${v.brand}: Ihr Bestätigungscode lautet ${v.code}. Er läuft in ${plural(v.minutes, 'Minute', 'Minuten')} ab.`,
    voice: (v) =>
      `Ihr Bestätigungscode für ${v.brand} lautet ${v.code}. Ich wiederhole: ${v.code}. ` +
      `Geben Sie diesen Code an niemanden weiter.`,
    emailSubject: (v) => `Ihr Bestätigungscode für ${v.brand}`,
    email: (v) =>
      `Ihr Bestätigungscode für ${v.brand} lautet ${v.code}.\n\n` +
      `Er läuft in ${plural(v.minutes, 'Minute', 'Minuten')} ab. Geben Sie diesen Code an niemanden weiter.\n\n` +
      `Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren.`,
  },
  fr: {
    sms: (v) =>
      `${v.brand} : votre code de vérification est ${v.code}. Il expire dans ${plural(v.minutes, 'minute', 'minutes')}.`,
    voice: (v) =>
      `Votre code de vérification ${v.brand} est ${v.code}. Je répète : ${v.code}. Ne communiquez ce code à personne.`,
    emailSubject: (v) => `Votre code de vérification ${v.brand}`,
    email: (v) =>
      `Votre code de vérification ${v.brand} est ${v.code}.\n\n` +
      `Il expire dans ${plural(v.minutes, 'minute', 'minutes')}. Ne communiquez ce code à personne.\n\n` +
      `Si vous n'avez pas demandé ce code, vous pouvez ignorer cet e-mail.`,
  },
  es: {
    sms: (v) =>
      `${v.brand}: tu codigo de verificacion es ${v.code}. Caduca en ${plural(v.minutes, 'minuto', 'minutos')}.`,
    voice: (v) =>
      `Tu código de verificación de ${v.brand} es ${v.code}. Repito: ${v.code}. No compartas este código con nadie.`,
    emailSubject: (v) => `Tu código de verificación de ${v.brand}`,
    email: (v) =>
      `Tu código de verificación de ${v.brand} es ${v.code}.\n\n` +
      `Caduca en ${plural(v.minutes, 'minuto', 'minutos')}. No compartas este código con nadie.\n\n` +
      `Si no has solicitado este código, puedes ignorar este correo.`,
  },
};

export function isBuiltInLocale(locale: string): locale is BuiltInLocale {
  return (BUILT_IN_LOCALES as readonly string[]).includes(locale);
}

/** Built-in message text for a channel; WhatsApp reads like SMS. */
export function builtInText(locale: BuiltInLocale, channel: Channel, values: TemplateValues): string {
  const templates = TEMPLATES[locale];
  switch (channel) {
    case 'sms':
    case 'whatsapp':
      return templates.sms(values);
    case 'voice':
      return templates.voice(values);
    case 'email':
      return templates.email(values);
  }
}

export function builtInSubject(locale: BuiltInLocale, values: TemplateValues): string {
  return TEMPLATES[locale].emailSubject(values);
}
