import { createCipheriv, createDecipheriv, hkdfSync, type Cipher } from 'node:crypto';
import { randomBytesPooled } from './random.js';

/** First byte of a format-2 blob; format 1 has no version byte (it starts with a random IV). */
const FORMAT_2 = 0x02;
const BLOCK_BYTES = 16;
/** Keystream drawn per refill: 256 codes' worth, one cipher call. */
const KEYSTREAM_BYTES = 256 * BLOCK_BYTES;
/** Codes are at most 10 digits, so one block always covers one. */
const MAX_CODE_BYTES = BLOCK_BYTES;
/** Format 1: 12-byte IV | 16-byte GCM tag | ciphertext. Every format-2 blob is shorter than this. */
const FORMAT_1_HEADER_BYTES = 28;
/** Past this the stream is restarted at a new random block (never reached in practice). */
const LOW_COUNTER_LIMIT = 1n << 63n;

/**
 * Reversible protection of the current code, needed only because failover must resend the same
 * code over another route. The key is derived from the pepper, which never enters the database,
 * so a database dump alone reveals neither hashes' preimages nor these ciphertexts.
 *
 * Format 2 (written): 0x02 | counter block (16 bytes) | code XOR keystream. The keystream is
 * AES-256-CTR from one long-lived cipher whose counter starts at a random block: each code takes
 * the next unused block, and its counter value is stored with it. Sealing therefore costs a slice
 * and an XOR; a cipher object per code (as format 1 made) cost ~8 µs of a ~200 µs send. Reading a
 * code back (failover only) starts a cipher at its block.
 *
 * CTR carries no tag: CodeVault.reveal checks the revealed code against the verification's stored
 * HMAC, which binds it to that verification and to the pepper.
 *
 * Format 1 (read only, rows written before): 12-byte IV | 16-byte GCM tag | ciphertext, with the
 * verification id as additional data.
 */
export class CodeCipher {
  private readonly key: Buffer;
  private readonly legacyKey: Buffer;
  private stream: Cipher | undefined;
  /** High and low 64 bits of the counter of the next unused keystream block. */
  private counterHigh = 0n;
  private counterLow = 0n;
  private keystream = Buffer.alloc(0);
  private keystreamOffset = 0;

  constructor(pepper: string | Buffer) {
    const ikm = typeof pepper === 'string' ? Buffer.from(pepper, 'utf8') : pepper;
    this.key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'otpgate code encryption v2', 32));
    this.legacyKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'otpgate code encryption v1', 32));
  }

  /** `code` is the digits of one code (at most 16 bytes). */
  encrypt(code: string): Buffer {
    const plain = Buffer.from(code, 'utf8');
    if (plain.length > MAX_CODE_BYTES) throw new RangeError('a code is at most 16 bytes');
    const out = Buffer.allocUnsafe(1 + BLOCK_BYTES + plain.length);
    out[0] = FORMAT_2;
    const block = this.nextBlock(out);
    for (let k = 0; k < plain.length; k++) out[1 + BLOCK_BYTES + k] = plain[k]! ^ this.keystream[block + k]!;
    return out;
  }

  /** `aad` is the verification id; only format 1 can check it (see CodeVault.reveal for format 2). */
  decrypt(blob: Buffer, aad: string): string {
    if (blob.length < FORMAT_1_HEADER_BYTES && blob[0] === FORMAT_2) {
      const counter = blob.subarray(1, 1 + BLOCK_BYTES);
      const decipher = createDecipheriv('aes-256-ctr', this.key, counter);
      return Buffer.concat([decipher.update(blob.subarray(1 + BLOCK_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.legacyKey, blob.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(blob.subarray(12, FORMAT_1_HEADER_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(FORMAT_1_HEADER_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }

  /**
   * Hands out the next unused keystream block: writes its counter value into out[1..17] and returns
   * its offset in `this.keystream`. No block is ever handed out twice.
   */
  private nextBlock(out: Buffer): number {
    if (!this.stream || this.keystreamOffset >= this.keystream.length) this.refill();
    out.writeBigUInt64BE(this.counterHigh, 1);
    out.writeBigUInt64BE(this.counterLow, 9);
    this.counterLow += 1n;
    const offset = this.keystreamOffset;
    this.keystreamOffset += BLOCK_BYTES;
    return offset;
  }

  private refill(): void {
    if (!this.stream || this.counterLow >= LOW_COUNTER_LIMIT) {
      // A fresh random starting block. The low half starts below 2^62, so the 2^62 blocks this
      // stream may hand out never carry into the high half: the stored counters stay exactly the
      // blocks the cipher used.
      const start = randomBytesPooled(BLOCK_BYTES);
      start[8]! &= 0x3f;
      this.counterHigh = start.readBigUInt64BE(0);
      this.counterLow = start.readBigUInt64BE(8);
      this.stream = createCipheriv('aes-256-ctr', this.key, start);
    }
    this.keystream = this.stream.update(Buffer.alloc(KEYSTREAM_BYTES));
    this.keystreamOffset = 0;
  }
}
