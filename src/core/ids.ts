import type { Random } from './random.js';

/** Opaque, prefixed, unguessable ids: `ver_…` for verifications, `msg_…` for send attempts. */
export type IdKind = 'ver' | 'msg' | 'evt';

export function newId(kind: IdKind, random: Random): string {
  return `${kind}_${random.hex(12)}`;
}
