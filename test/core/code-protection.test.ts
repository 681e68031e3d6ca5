import { describe, expect, it } from 'vitest';
import { CodeCipher, CodeHasher, digestsEqual } from '../../src/core/index.js';

const pepper = 'a-test-pepper-of-sufficient-length-0123456789';
const binding = { verificationId: 'ver_1', destination: '+31651860670', purpose: 'login' };

describe('CodeHasher', () => {
  it('is deterministic for the same binding and code', () => {
    const h = new CodeHasher(pepper);
    expect(digestsEqual(h.hash(binding, '123456'), h.hash(binding, '123456'))).toBe(true);
  });

  it('binds the code to verification, destination and purpose', () => {
    const h = new CodeHasher(pepper);
    const base = h.hash(binding, '123456');
    expect(digestsEqual(base, h.hash({ ...binding, verificationId: 'ver_2' }, '123456'))).toBe(false);
    expect(digestsEqual(base, h.hash({ ...binding, destination: '+31651860671' }, '123456'))).toBe(false);
    expect(digestsEqual(base, h.hash({ ...binding, purpose: 'signup' }, '123456'))).toBe(false);
    expect(digestsEqual(base, h.hash(binding, '123457'))).toBe(false);
  });

  it('depends on the pepper (a stolen database cannot be brute-forced without it)', () => {
    const a = new CodeHasher(pepper).hash(binding, '123456');
    const b = new CodeHasher(`${pepper}x`).hash(binding, '123456');
    expect(digestsEqual(a, b)).toBe(false);
  });

  it('does not let field boundaries collide', () => {
    const h = new CodeHasher(pepper);
    const a = h.hash({ verificationId: 'ab', destination: 'c', purpose: 'p' }, '1234');
    const b = h.hash({ verificationId: 'a', destination: 'bc', purpose: 'p' }, '1234');
    expect(digestsEqual(a, b)).toBe(false);
  });

  it('refuses short peppers', () => {
    expect(() => new CodeHasher('short')).toThrow(RangeError);
  });

  it('digestsEqual is false for different lengths instead of throwing', () => {
    expect(digestsEqual(Buffer.alloc(32), Buffer.alloc(31))).toBe(false);
  });
});

describe('CodeCipher', () => {
  it('round-trips a code bound to its verification id', () => {
    const c = new CodeCipher(pepper);
    const blob = c.encrypt('004217', 'ver_1');
    expect(blob.toString('utf8')).not.toContain('004217');
    expect(c.decrypt(blob, 'ver_1')).toBe('004217');
  });

  it('refuses a ciphertext moved to another verification or read with another pepper', () => {
    const blob = new CodeCipher(pepper).encrypt('004217', 'ver_1');
    expect(() => new CodeCipher(pepper).decrypt(blob, 'ver_2')).toThrow();
    expect(() => new CodeCipher(`${pepper}x`).decrypt(blob, 'ver_1')).toThrow();
  });
});
