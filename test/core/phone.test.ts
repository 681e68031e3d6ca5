import { describe, expect, it } from 'vitest';
import { maskDestination, normalizeEmail, normalizePhone, parsePhone } from '../../src/core/index.js';
import { OtpError } from '../../src/errors/index.js';

describe('normalizePhone', () => {
  it('treats the international, 00-prefixed and digits-only forms as one number', () => {
    for (const input of [
      '+31 6 5186 0670',
      '0031651860670',
      '31651860670',
      '+31-6-51860670',
      ' +31651860670 ',
    ]) {
      expect(normalizePhone(input)).toBe('+31651860670');
    }
  });

  it('knows the country and number type', () => {
    const info = parsePhone('+31651860670');
    expect(info.country).toBe('NL');
    expect(info.numberType).toBe('MOBILE');
  });

  it('accepts national numbers only with a default country', () => {
    expect(normalizePhone('0651860670', 'NL')).toBe('+31651860670');
    expect(() => normalizePhone('0651860670')).toThrow(OtpError);
  });

  it('refuses invalid numbers with a typed 400', () => {
    for (const input of ['', 'abc', '+1', '123', '+999123456789', '+31 6 5186 067a', '3'.repeat(40)]) {
      try {
        normalizePhone(input);
        expect.unreachable(`accepted ${input}`);
      } catch (error) {
        expect(error).toBeInstanceOf(OtpError);
        expect((error as OtpError).code).toBe('INVALID_PHONE_NUMBER');
        expect((error as OtpError).status).toBe(400);
      }
    }
  });
});

describe('maskDestination', () => {
  it('masks like the reference server: stars then the last 4 digits', () => {
    expect(maskDestination('31651860670')).toBe('*******0670');
    expect(maskDestination('+31651860670')).toBe('*******0670');
  });

  it('keeps the whole first character of an e-mail address, never half a surrogate pair', () => {
    expect(maskDestination('alice@example.com')).toBe('a***@example.com');
    const masked = maskDestination('😀x@example.com');
    expect(masked).toBe('😀***@example.com');
  });

  it('never shows short numbers', () => {
    expect(maskDestination('1234')).toBe('****');
  });

  it('masks e-mail local parts', () => {
    expect(maskDestination('alice@example.com')).toBe('a***@example.com');
  });
});

describe('normalizeEmail', () => {
  it('lower-cases the domain and trims', () => {
    expect(normalizeEmail('  Alice@Example.COM ')).toBe('Alice@example.com');
  });
  it('refuses malformed addresses', () => {
    for (const input of ['alice', 'alice@', '@example.com', 'a b@example.com', 'alice@example']) {
      expect(() => normalizeEmail(input)).toThrow(OtpError);
    }
  });
});
