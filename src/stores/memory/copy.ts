import type { Attempt, Verification } from '../../core/index.js';

/**
 * Rows cross the store boundary only as copies: callers may mutate what they pass in or get back
 * without touching stored state. structuredClone is not used because it turns Buffers into plain
 * Uint8Arrays.
 */
export function copyVerification(v: Verification): Verification {
  return {
    ...v,
    codeHash: Buffer.from(v.codeHash),
    codeCipher: Buffer.from(v.codeCipher),
    chain: v.chain.map((step) => ({ ...step })),
  };
}

export function copyAttempt(a: Attempt): Attempt {
  return { ...a };
}
