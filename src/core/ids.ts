import type { Random } from './random.js';

/** Opaque, prefixed, unguessable ids: `ver_…` for verifications, `msg_…` for send attempts. */
export type IdKind = 'ver' | 'msg' | 'evt';

/**
 * `<kind>_` + 10 hex digits of the creation time in ms + 20 hex digits (80 bits) of randomness.
 * The time prefix keeps new ids next to each other in B-tree indexes, so a batch of inserts
 * dirties a few index pages instead of one random page per row; the random part keeps ids
 * unguessable.
 */
export function newId(kind: IdKind, random: Random, nowMs: number): string {
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(10, '0').slice(-10);
  return `${kind}_${time}${random.hex(10)}`;
}
