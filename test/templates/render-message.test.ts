import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/core/index.js';
import { countSegments, isGsm7 } from '../../src/routing/segments.js';
import {
  BUILT_IN_LOCALES,
  localeCandidates,
  renderMessage,
  spokenCode,
  ttlMinutes,
} from '../../src/templates/index.js';
import type { RenderMessageInput } from '../../src/templates/index.js';

const base: RenderMessageInput = {
  channel: 'sms',
  locale: undefined,
  brand: 'Acme',
  code: '123456',
  ttlSeconds: 300,
};
const render = (more: Partial<RenderMessageInput> = {}) => renderMessage({ ...base, ...more });
const lines = (text: string) => text.split('\n');

describe('built-in templates', () => {
  it('renders the English SMS', () => {
    expect(render()).toEqual({
      text: 'Acme: your verification code is 123456. It expires in 5 minutes.',
      subject: undefined,
      locale: 'en',
    });
  });

  it('says which language the wording is in, after fallback', () => {
    expect(render({ locale: 'nl-BE' }).locale).toBe('nl');
    expect(render({ locale: 'pt_BR' }).locale).toBe('en');
    expect(render({ locale: 'nl', templates: { 'sms.nl-be': 'NL-BE {code}' } }).locale).toBe('nl');
    expect(render({ locale: 'nl-BE', templates: { 'sms.nl-be': 'NL-BE {code}' } }).locale).toBe('nl-be');
    // An operator template without a locale: its language is not known.
    expect(render({ locale: 'de', templates: { sms: 'Code {code}' } }).locale).toBeUndefined();
  });

  it('says "1 minute" for short lifetimes', () => {
    expect(render({ ttlSeconds: 60 }).text).toMatch(/in 1 minute\.$/);
    expect(render({ ttlSeconds: 119 }).text).toMatch(/in 1 minute\.$/);
    expect(render({ ttlSeconds: 30 }).text).toMatch(/in 1 minute\.$/);
    expect(render({ ttlSeconds: 30, locale: 'nl' }).text).toMatch(/over 1 minuut\.$/);
  });

  it('renders each locale', () => {
    expect(render({ locale: 'nl' }).text).toBe(
      'Acme: je verificatiecode is 123456. Deze verloopt over 5 minuten.',
    );
    expect(render({ locale: 'de' }).text).toBe(
      'Acme: Ihr Bestätigungscode lautet 123456. Er läuft in 5 Minuten ab.',
    );
    expect(render({ locale: 'fr' }).text).toBe(
      'Acme : votre code de vérification est 123456. Il expire dans 5 minutes.',
    );
    expect(render({ locale: 'es' }).text).toBe(
      'Acme: tu codigo de verificacion es 123456. Caduca en 5 minutos.',
    );
  });

  it('keeps every built-in SMS in GSM-7 and one segment, autofill lines included', () => {
    for (const locale of BUILT_IN_LOCALES) {
      const { text } = render({
        locale,
        code: '1234567890',
        brand: 'Example Bank',
        appHash: 'FA+9qCX9VSu',
        webOtpDomain: 'login.example.com',
      });
      expect(isGsm7(text), `${locale}: ${text}`).toBe(true);
      expect(countSegments(text).segments, locale).toBe(1);
    }
  });

  it('reads the code digit by digit on voice calls', () => {
    const { text, subject } = render({ channel: 'voice' });
    expect(text).toContain('1, 2, 3, 4, 5, 6');
    expect(text).not.toContain('123456');
    expect(subject).toBeUndefined();
    expect(render({ channel: 'voice', locale: 'de' }).text).toContain('Ich wiederhole: 1, 2, 3, 4, 5, 6');
  });

  it('writes WhatsApp like SMS', () => {
    expect(render({ channel: 'whatsapp' }).text).toBe(render().text);
  });

  it('gives e-mail a subject and a body', () => {
    const { text, subject } = render({ channel: 'email', locale: 'fr' });
    expect(subject).toBe('Votre code de vérification Acme');
    expect(text).toContain('123456');
    expect(text).toContain('5 minutes');
    for (const locale of BUILT_IN_LOCALES) {
      const mail = render({ channel: 'email', locale });
      expect(mail.subject).toContain('Acme');
      expect(mail.subject).not.toMatch(/[\r\n]/);
    }
  });

  it('contains the code for every channel, locale and code', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANNELS),
        fc.constantFrom(undefined, ...BUILT_IN_LOCALES, 'pt-BR', 'nl-BE'),
        fc.stringMatching(/^[0-9]{4,10}$/),
        fc.integer({ min: 30, max: 3600 }),
        (channel, locale, code, ttlSeconds) => {
          const { text } = renderMessage({ channel, locale, code, ttlSeconds, brand: 'Acme' });
          expect(text).toContain(channel === 'voice' ? spokenCode(code) : code);
          // A call is short-lived; only written messages state the lifetime.
          if (channel !== 'voice') expect(text).toContain(String(ttlMinutes(ttlSeconds)));
        },
      ),
    );
  });
});

describe('locale fallback', () => {
  it('expands a tag to its shorter forms', () => {
    expect(localeCandidates('nl-BE')).toEqual(['nl-be', 'nl']);
    expect(localeCandidates('zh_Hant_TW')).toEqual(['zh-hant-tw', 'zh-hant', 'zh']);
    expect(localeCandidates(undefined)).toEqual([]);
    expect(localeCandidates('')).toEqual([]);
  });

  it('goes from region to language to English', () => {
    const dutch = render({ locale: 'nl' }).text;
    expect(render({ locale: 'nl-BE' }).text).toBe(dutch);
    expect(render({ locale: 'NL_be' }).text).toBe(dutch);
    expect(render({ locale: 'pt-BR' }).text).toBe(render().text);
    expect(render({ locale: '' }).text).toBe(render().text);
  });
});

describe('autofill lines', () => {
  it('ends with the SMS Retriever hash on its own line', () => {
    const out = lines(render({ appHash: 'FA+9qCX9VSu' }).text);
    expect(out).toHaveLength(2);
    expect(out[1]).toBe('FA+9qCX9VSu');
  });

  it('ends with the WebOTP line', () => {
    const out = lines(render({ webOtpDomain: 'example.com' }).text);
    expect(out.at(-1)).toBe('@example.com #123456');
  });

  it('puts the WebOTP line last when both are set', () => {
    const out = lines(render({ appHash: 'FA+9qCX9VSu', webOtpDomain: 'example.com' }).text);
    expect(out.slice(-2)).toEqual(['FA+9qCX9VSu', '@example.com #123456']);
  });

  it('adds nothing outside SMS', () => {
    for (const channel of ['voice', 'whatsapp', 'email'] as const) {
      const { text } = render({ channel, appHash: 'FA+9qCX9VSu', webOtpDomain: 'example.com' });
      expect(text).not.toContain('FA+9qCX9VSu');
      expect(text).not.toContain('@example.com');
    }
  });

  it('does not leave a blank line after an override ending in a newline', () => {
    const out = render({ templates: { sms: 'Code {code}\n\n' }, appHash: 'FA+9qCX9VSu' }).text;
    expect(out).toBe('Code 123456\nFA+9qCX9VSu');
  });
});

describe('operator templates', () => {
  const templates = {
    'sms.nl-BE': 'BE {code}',
    'sms.nl': 'NL {code}',
    sms: 'ANY {code}',
    'sms.en': 'EN {code}',
  };

  it('prefers the most specific override, then the channel override, then built-ins', () => {
    expect(render({ templates, locale: 'nl-BE' }).text).toBe('BE 123456');
    expect(render({ templates, locale: 'nl-NL' }).text).toBe('NL 123456');
    expect(render({ templates, locale: 'de' }).text).toBe('ANY 123456');
    expect(render({ templates, locale: 'en-GB' }).text).toBe('EN 123456');
    expect(render({ templates, locale: undefined }).text).toBe('ANY 123456');
  });

  it('prefers a built-in translation over an English override', () => {
    const englishOnly = { 'sms.en': 'EN {code}' };
    expect(render({ templates: englishOnly, locale: 'de' }).text).toContain('Bestätigungscode');
    expect(render({ templates: englishOnly, locale: 'pt' }).text).toBe('EN 123456');
  });

  it('matches override keys case- and separator-insensitively', () => {
    expect(render({ templates: { 'SMS.nl_be': 'X {code}' }, locale: 'nl-BE' }).text).toBe('X 123456');
  });

  it('fills the known placeholders and leaves others alone', () => {
    const text = render({ templates: { sms: '{brand} {code} {minutes} {seconds} {name} {Code}' } }).text;
    expect(text).toBe('Acme 123456 5 300 {name} {Code}');
  });

  it('never expands placeholders inside values', () => {
    expect(render({ brand: '{code}$&', templates: { sms: '{brand}: {code}' } }).text).toBe(
      '{code}$&: 123456',
    );
  });

  it('skips an override without {code} rather than send a message without the code', () => {
    expect(render({ templates: { sms: 'Hello from {brand}' } }).text).toBe(render().text);
  });

  it('speaks the code in voice overrides', () => {
    expect(render({ channel: 'voice', templates: { voice: 'Code: {code}.' }, code: '4242' }).text).toBe(
      'Code: 4, 2, 4, 2.',
    );
  });

  it('overrides e-mail subjects separately', () => {
    const mail = render({
      channel: 'email',
      locale: 'nl',
      templates: { 'email.subject.nl': '{brand} code', email: 'Code: {code}' },
    });
    expect(mail).toEqual({ subject: 'Acme code', text: 'Code: 123456' });
    expect(render({ channel: 'email', templates: { 'email.subject': 'Your code' } }).subject).toBe(
      'Your code',
    );
  });
});
