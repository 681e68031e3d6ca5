import { describe, expect, it } from 'vitest';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CodeCipher, CodeHasher, digestsEqual } from '../../src/core/index.js';
import { CodeVault } from '../../src/service/code-vault.js';

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
  it('round-trips a code, never storing its digits', () => {
    const c = new CodeCipher(pepper);
    const blob = c.encrypt('004217');
    expect(blob.toString('latin1')).not.toContain('004217');
    expect(c.decrypt(blob, 'ver_1')).toBe('004217');
    // Another instance with the same pepper (a restarted process, another worker) reads it too.
    expect(new CodeCipher(pepper).decrypt(blob, 'ver_1')).toBe('004217');
  });

  it('never uses a keystream block twice: the same code seals differently every time', () => {
    const c = new CodeCipher(pepper);
    const blobs = Array.from({ length: 600 }, () => c.encrypt('123456'));
    // Past one refill of the keystream (256 blocks) too.
    const counters = new Set(blobs.map((b) => b.subarray(1, 17).toString('hex')));
    expect(counters.size).toBe(600);
    const bodies = new Set(blobs.map((b) => b.subarray(17).toString('hex')));
    expect(bodies.size).toBeGreaterThan(590);
    for (const blob of blobs) expect(c.decrypt(blob, 'ver_1')).toBe('123456');
  });

  it('reads a wrong pepper as some other code, never as the sealed one', () => {
    const blob = new CodeCipher(pepper).encrypt('004217');
    expect(new CodeCipher(`${pepper}x`).decrypt(blob, 'ver_1')).not.toBe('004217');
  });

  it('still reads format 1 (AES-256-GCM bound to the verification id) from rows written before', () => {
    const key = Buffer.from(
      hkdfSync('sha256', Buffer.from(pepper), Buffer.alloc(0), 'otpgate code encryption v1', 32),
    );
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('ver_1', 'utf8'));
    const body = Buffer.concat([cipher.update('004217', 'utf8'), cipher.final()]);
    const legacy = Buffer.concat([iv, cipher.getAuthTag(), body]);
    expect(new CodeCipher(pepper).decrypt(legacy, 'ver_1')).toBe('004217');
    expect(() => new CodeCipher(pepper).decrypt(legacy, 'ver_2')).toThrow();
    expect(() => new CodeCipher(`${pepper}x`).decrypt(legacy, 'ver_1')).toThrow();
  });
});

describe('CodeVault', () => {
  const v = { id: 'ver_1', destination: '+31651860670', purpose: 'login' };

  it('reveals the sealed code of its verification', () => {
    const vault = new CodeVault(pepper);
    const sealed = vault.seal(v, '004217');
    expect(vault.reveal({ ...v, ...sealed })).toBe('004217');
  });

  it('refuses a ciphertext moved to another verification or read with another pepper', () => {
    const vault = new CodeVault(pepper);
    const sealed = vault.seal(v, '004217');
    const other = { ...v, id: 'ver_2', ...vault.seal({ ...v, id: 'ver_2' }, '918273') };
    expect(() => vault.reveal({ ...other, codeCipher: sealed.codeCipher })).toThrow();
    expect(() => new CodeVault(`${pepper}x`).reveal({ ...v, ...sealed })).toThrow();
  });
});
