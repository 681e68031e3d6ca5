import { describe, expect, it } from 'vitest';
import { validateTemplates } from '../../src/templates/index.js';

describe('validateTemplates', () => {
  it('accepts good templates and settings', () => {
    expect(
      validateTemplates(
        {
          sms: '{brand}: {code}',
          'sms.nl': '{code} is je code',
          'voice.pt-BR': 'Código {code}',
          'whatsapp.zh_Hant_TW': '{code}',
          email: 'Code {code}',
          'email.subject': '{brand} code',
          'email.subject.de': 'Ihr Code',
        },
        { appHash: 'FA+9qCX9VSu', webOtpDomain: 'login.example.co.uk' },
      ),
    ).toEqual([]);
    expect(validateTemplates()).toEqual([]);
    expect(validateTemplates({}, { webOtpDomain: 'localhost:8443' })).toEqual([]);
  });

  it('rejects a message template without {code}', () => {
    expect(validateTemplates({ 'sms.nl': 'Welkom bij {brand}' })).toEqual([
      'template "sms.nl" does not contain {code}',
    ]);
  });

  it('rejects empty templates', () => {
    expect(validateTemplates({ voice: '  ' })).toEqual(['template "voice" is empty']);
  });

  it('rejects unknown channels, bad locales and misplaced subjects', () => {
    const problems = validateTemplates({
      telegram: '{code}',
      'sms.n!': '{code}',
      'sms.subject': 'x',
      'sms.nl.extra': '{code}',
    });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/unknown channel "telegram"/);
    expect(problems[1]).toMatch(/"n!" is not a locale tag/);
    expect(problems[2]).toMatch(/only e-mail templates have a subject/);
    expect(problems[3]).toMatch(/expected "channel" or "channel.locale"/);
  });

  it('rejects multi-line subjects', () => {
    expect(validateTemplates({ 'email.subject': 'Code\r\nBcc: x@example.com' })).toEqual([
      'template "email.subject": an e-mail subject must be one line',
    ]);
  });

  it('checks the app hash and the WebOTP domain', () => {
    expect(validateTemplates({}, { appHash: 'short' })).toHaveLength(1);
    expect(validateTemplates({}, { appHash: 'FA+9qCX9VSu!' })).toHaveLength(1);
    for (const domain of ['https://example.com', 'example.com/login', 'exa mple.com', '', '-bad.com']) {
      expect(validateTemplates({}, { webOtpDomain: domain }), domain).toHaveLength(1);
    }
  });
});
