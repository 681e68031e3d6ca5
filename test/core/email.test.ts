import { describe, expect, it } from 'vitest';
import { OtpError } from '../../src/errors/index.js';
import { normalizeEmail } from '../../src/core/index.js';

function refused(input: string): boolean {
  try {
    normalizeEmail(input);
    return false;
  } catch (error) {
    if (error instanceof OtpError && error.code === 'INVALID_EMAIL') return true;
    throw error;
  }
}

describe('normalizeEmail: what a destination may look like', () => {
  it('accepts ordinary addresses: + tags, dots, subdomains, hyphens, atext symbols', () => {
    for (const [input, expected] of [
      ['alice@example.com', 'alice@example.com'],
      ['Alice.Smith+otp@Mail.Example.CO.UK', 'Alice.Smith+otp@mail.example.co.uk'],
      ['first.last@sub-domain.example.org', 'first.last@sub-domain.example.org'],
      ["o'brien@example.ie", "o'brien@example.ie"],
      ['x_y-z!#$%&*/=?^`{|}~@example.com', 'x_y-z!#$%&*/=?^`{|}~@example.com'],
      ['1user@123.example', '1user@123.example'],
      ['a@xn--bcher-kva.example', 'a@xn--bcher-kva.example'],
      [`${'l'.repeat(64)}@example.com`, `${'l'.repeat(64)}@example.com`],
    ]) {
      expect(normalizeEmail(input!), input).toBe(expected);
    }
  });

  it('accepts internationalised local parts and domains (UTF-8)', () => {
    expect(normalizeEmail('josé@bücher.DE')).toBe('josé@bücher.de');
    expect(normalizeEmail('用户@例子.广告')).toBe('用户@例子.广告');
    expect(normalizeEmail('почта@пример.рф')).toBe('почта@пример.рф');
  });

  it('refuses control characters anywhere: C0, DEL, C1', () => {
    for (const control of ['\u0000', '\u0001', '\u0008', '\u001b', '\u007f', '\u0080', '\u0085', '\u009f']) {
      expect(refused(`a@b${control}.co`), JSON.stringify(control)).toBe(true);
      expect(refused(`a${control}b@example.com`), JSON.stringify(control)).toBe(true);
    }
    // A newline inside is not trimmed away: it would split a mail header.
    expect(refused('a@example.com\nBcc: x@evil.example')).toBe(true);
  });

  it('refuses spaces and invisible characters inside, also Unicode ones', () => {
    for (const input of [
      'a b@example.com',
      'a\u00a0b@example.com',
      'a@exa\u2028mple.com',
      'a\u200bb@example.com',
      'a@example\u202e.com',
      'a@\ufeffexample.com',
      'a\ud800@example.com',
    ]) {
      expect(refused(input), JSON.stringify(input)).toBe(true);
    }
  });

  it('refuses display names, brackets and other characters not allowed unquoted', () => {
    for (const input of [
      '<a@b.co>',
      'Bob <a@b.co>',
      'a@b.co>',
      '"a"@b.co',
      '"a b"@b.co',
      'a(comment)@b.co',
      'a,b@b.co',
      'a;b@b.co',
      'a:b@b.co',
      'a\\b@b.co',
      'a[b]@b.co',
      'a@b@c.co',
      'a@[127.0.0.1]',
      'a@b_c.co',
      'a@b!c.co',
      'a@b.co/x',
    ]) {
      expect(refused(input), input).toBe(true);
    }
  });

  it('refuses empty labels and dots or hyphens at the edges', () => {
    for (const input of [
      'a@b..co',
      'a@.b.co',
      'a@b.co.',
      'a..b@b.co',
      '.a@b.co',
      'a.@b.co',
      '.@b.co',
      'a@-b.co',
      'a@b-.co',
      'a@b.-co',
    ]) {
      expect(refused(input), input).toBe(true);
    }
  });

  it('keeps the length limits and needs a real top-level domain', () => {
    expect(refused(`${'l'.repeat(65)}@example.com`)).toBe(true);
    expect(refused(`a@${'d'.repeat(64)}.com`)).toBe(true);
    expect(refused(`a@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(60)}.com`)).toBe(
      true,
    );
    for (const input of [
      'alice@example',
      'alice@example.c',
      'a@1.2.3.4',
      'alice',
      'alice@',
      '@example.com',
    ]) {
      expect(refused(input), input).toBe(true);
    }
  });
});
