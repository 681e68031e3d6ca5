import { randomFillSync, randomInt } from 'node:crypto';

/** Randomness is injected so tests can fix codes; production always uses the CSPRNG. */
export interface Random {
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Hex string of `byteLength` random bytes. */
  hex(byteLength: number): string;
}

/**
 * CSPRNG bytes served from a pool refilled 4 KiB at a time: one randomFillSync call per ~300
 * ids instead of one per id (small randomBytes calls cost more in call overhead than in entropy).
 * Bytes are handed out once and never reused.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

export function randomBytesPooled(byteLength: number): Buffer {
  if (byteLength > POOL_BYTES) return randomFillSync(Buffer.alloc(byteLength));
  const start = take(byteLength);
  return Buffer.from(pool.subarray(start, start + byteLength));
}

/** Hex of `byteLength` pooled bytes, read straight from the pool (no Buffer per call). */
function randomHexPooled(byteLength: number): string {
  if (byteLength > POOL_BYTES) return randomBytesPooled(byteLength).toString('hex');
  const start = take(byteLength);
  return pool.toString('hex', start, start + byteLength);
}

/** Reserves the next `byteLength` unused pool bytes (refilling first when too few are left). */
function take(byteLength: number): number {
  if (poolOffset + byteLength > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += byteLength;
  return start;
}

export const cryptoRandom: Random = {
  // crypto.randomInt rejection-samples (no modulo bias) and keeps its own entropy cache.
  int: (maxExclusive) => randomInt(0, maxExclusive),
  hex: randomHexPooled,
};
