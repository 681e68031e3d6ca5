import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7 } from '../../src/routing/segments.js';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

describe('countSegments — GSM-7', () => {
  it('counts an empty text as one message', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM-7', segments: 1, characters: 0 });
  });

  it('fits 160 septets in one message and splits at 161', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 161 });
  });

  it('uses 153 septets per concatenated part', () => {
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
    expect(countSegments('a'.repeat(459)).segments).toBe(3);
    expect(countSegments('a'.repeat(460)).segments).toBe(4);
  });

  it('counts extension characters as two septets', () => {
    expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(countSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 162 });
    expect(countSegments('{}[]~|^\\\f').characters).toBe(18);
  });

  it('never splits an escape pair across parts', () => {
    // 306 septets would be two parts by division, but the € cannot straddle the first boundary.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(countSegments(text)).toEqual({ encoding: 'GSM-7', segments: 3, characters: 306 });
  });

  it('accepts the whole basic set and extension table', () => {
    expect(isGsm7(GSM_BASIC + GSM_EXTENSION)).toBe(true);
    expect(countSegments(GSM_BASIC).encoding).toBe('GSM-7');
  });

  it('treats characters outside the GSM alphabet as UCS-2', () => {
    for (const ch of ['ç', 'á', '`', 'ê', '\u00a0', '😀', 'й', '\u001b'])
      expect(isGsm7(`code ${ch}`)).toBe(false);
  });

  it('septets equal length plus one per extension character', () => {
    const gsmChar = fc.constantFrom(...GSM_BASIC, ...GSM_EXTENSION);
    fc.assert(
      fc.property(fc.array(gsmChar, { maxLength: 600 }), (chars) => {
        const text = chars.join('');
        const extensions = chars.filter((c) => GSM_EXTENSION.includes(c)).length;
        const result = countSegments(text);
        expect(result.encoding).toBe('GSM-7');
        expect(result.characters).toBe(chars.length + extensions);
        if (result.characters <= 160) expect(result.segments).toBe(1);
        else {
          expect(result.segments).toBeGreaterThanOrEqual(Math.ceil(result.characters / 153));
          // Each boundary wastes at most one septet (a pushed-over escape pair).
          expect(result.segments).toBeLessThanOrEqual(Math.ceil(result.characters / 152));
        }
      }),
    );
  });
});

describe('countSegments — UCS-2', () => {
  it('switches the whole message to UCS-2 for one non-GSM character', () => {
    expect(countSegments('a'.repeat(69) + 'ç')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 });
    expect(countSegments('a'.repeat(100) + 'ç')).toEqual({ encoding: 'UCS-2', segments: 2, characters: 101 });
  });

  it('fits 70 units in one message, 67 per concatenated part', () => {
    expect(countSegments('й'.repeat(70)).segments).toBe(1);
    expect(countSegments('й'.repeat(71)).segments).toBe(2);
    expect(countSegments('й'.repeat(134)).segments).toBe(2);
    expect(countSegments('й'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two UTF-16 units', () => {
    expect(countSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 });
    expect(countSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 72 });
  });

  it('never splits a surrogate pair across parts', () => {
    const text = 'я'.repeat(66) + '😀'.repeat(34);
    expect(countSegments(text)).toEqual({ encoding: 'UCS-2', segments: 3, characters: 134 });
  });

  it('counts UTF-16 code units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), (raw) => {
        const text = `й${raw}`;
        const result = countSegments(text);
        expect(result.encoding).toBe('UCS-2');
        expect(result.characters).toBe(text.length);
        expect(result.segments === 1).toBe(text.length <= 70);
      }),
    );
  });
});
