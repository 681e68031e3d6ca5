import { randomBytes, randomInt } from 'node:crypto';

/** Randomness is injected so tests can fix codes; production always uses the CSPRNG. */
export interface Random {
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Hex string of `byteLength` random bytes. */
  hex(byteLength: number): string;
}

export const cryptoRandom: Random = {
  int: (maxExclusive) => randomInt(0, maxExclusive),
  hex: (byteLength) => randomBytes(byteLength).toString('hex'),
};
