import { CodeCipher, CodeHasher, type Attempt, type Verification } from '../../src/core/index.js';

/** Shared builders for the store contract: rows as the service would create them. */

export const PEPPER = 'store-contract-pepper-0123456789';
export const hasher = new CodeHasher(PEPPER);
const cipher = new CodeCipher(PEPPER);

/** An arbitrary fixed epoch: stores never read the clock, so tests pass times explicitly. */
export const T0 = 1_700_000_000_000;
export const TTL_MS = 300_000;
export const COOLDOWN_MS = 45_000;
export const CODE = '123456';
export const WRONG_CODE = '654321';

let sequence = 0;

/** Unique per call, so tests sharing one store never collide. */
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${sequence}`;
}

export function uniquePhone(): string {
  sequence += 1;
  return `+1555${String(sequence).padStart(7, '0')}`;
}

type Binding = Pick<Verification, 'id' | 'destination' | 'purpose'>;

export function codeHash(v: Binding, code: string): Buffer {
  return hasher.hash({ verificationId: v.id, destination: v.destination, purpose: v.purpose }, code);
}

export function makeVerification(overrides: Partial<Verification> = {}, code = CODE): Verification {
  const createdAtMs = overrides.createdAtMs ?? T0;
  const base = {
    id: overrides.id ?? uniqueId('ver'),
    destination: overrides.destination ?? uniquePhone(),
    purpose: overrides.purpose ?? 'login',
  };
  return {
    ...base,
    channel: 'sms',
    status: 'pending',
    codeHash: codeHash(base, code),
    codeCipher: cipher.encrypt(code),
    locale: 'en',
    routeId: undefined,
    chain: [
      { routeId: 1, timeoutSeconds: 30 },
      { routeId: 2, timeoutSeconds: 60 },
    ],
    chainIndex: 0,
    failoverAtMs: undefined,
    createdAtMs,
    updatedAtMs: createdAtMs,
    expiresAtMs: createdAtMs + TTL_MS,
    lastSentAtMs: createdAtMs,
    sendCount: 1,
    failedChecks: 0,
    country: 'US',
    ...overrides,
  };
}

export function makeAttempt(v: Pick<Verification, 'id'>, overrides: Partial<Attempt> = {}): Attempt {
  return {
    id: uniqueId('msg'),
    verificationId: v.id,
    stepIndex: 0,
    routeId: 1,
    provider: 'sandbox',
    channel: 'sms',
    providerMessageId: undefined,
    providerOrderId: undefined,
    priceMicros: undefined,
    currency: undefined,
    status: 'queued',
    errorCode: undefined,
    errorMessage: undefined,
    createdAtMs: T0,
    updatedAtMs: T0,
    deliveredAtMs: undefined,
    country: 'US',
    ...overrides,
  };
}

/** Counts outcomes by kind: `{ approved: 1, not_pending: 49 }`. */
export function tally<T extends { kind: string }>(outcomes: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}
