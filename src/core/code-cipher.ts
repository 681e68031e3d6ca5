import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { randomBytesPooled } from './random.js';

/**
 * Reversible protection of the current code, needed only because failover must resend the same
 * code over another route. The key is derived from the pepper, which never enters the database,
 * so a database dump alone reveals neither hashes' preimages nor these ciphertexts.
 * Layout: 12-byte IV | 16-byte GCM tag | ciphertext.
 */
export class CodeCipher {
  private readonly key: Buffer;

  constructor(pepper: string | Buffer) {
    const ikm = typeof pepper === 'string' ? Buffer.from(pepper, 'utf8') : pepper;
    this.key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'otpgate code encryption v1', 32));
  }

  /** `aad` binds the ciphertext to its verification id, so it cannot be moved to another row. */
  encrypt(code: string, aad: string): Buffer {
    const iv = randomBytesPooled(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(blob: Buffer, aad: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
  }
}
