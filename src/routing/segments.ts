export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Messages the network bills: 1 up to the single-message limit, then concatenated parts. */
  segments: number;
  /** Length in the encoding's units: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  characters: number;
}

// GSM 03.38 default alphabet. ESC (0x1B) is left out: it only introduces extension characters.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Default extension table: each of these is sent as ESC + char, two septets.
const GSM_EXTENSION = '^{}\\[~]|€\f';

const GSM_SEPTETS = new Map<string, number>([
  ...[...GSM_BASIC].map((ch): [string, number] => [ch, 1]),
  ...[...GSM_EXTENSION].map((ch): [string, number] => [ch, 2]),
]);

const GSM_SINGLE_SEPTETS = 160;
// A concatenated part loses 7 septets to the user data header (6 octets of UDH, padded).
const GSM_PART_SEPTETS = 153;
const UCS2_SINGLE_UNITS = 70;
// A concatenated part loses 3 UTF-16 units to the user data header.
const UCS2_PART_UNITS = 67;

/** Whether every character of `text` is in the GSM 03.38 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_SEPTETS.has(ch)) return false;
  return true;
}

/**
 * How many SMS segments `text` takes. Phones never split an escape pair (GSM-7 extension
 * character) or a surrogate pair (UCS-2 emoji) across parts, so parts are filled greedily and a
 * pair that does not fit starts the next part — which can add a segment a plain division misses.
 * An empty text still goes out as one message.
 */
export function countSegments(text: string): SegmentCount {
  const gsm = isGsm7(text);
  const costs: number[] = [];
  // for…of walks code points, so an emoji is one item costing 2 UTF-16 units.
  for (const ch of text) costs.push(gsm ? (GSM_SEPTETS.get(ch) ?? 1) : ch.length);
  const characters = costs.reduce((sum, cost) => sum + cost, 0);
  const single = gsm ? GSM_SINGLE_SEPTETS : UCS2_SINGLE_UNITS;
  const part = gsm ? GSM_PART_SEPTETS : UCS2_PART_UNITS;
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  if (characters <= single) return { encoding, segments: 1, characters };
  return { encoding, segments: packParts(costs, part), characters };
}

function packParts(costs: readonly number[], partCapacity: number): number {
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > partCapacity) {
      parts++;
      used = 0;
    }
    used += cost;
  }
  return parts;
}
