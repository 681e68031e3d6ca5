import { describe, expect, it } from 'vitest';
import { ConfigError, type Config } from '../../src/config/index.js';
import { systemClock } from '../../src/core/index.js';
import { createProviders } from '../../src/providers/registry.js';
import {
  canonicalSubmitId,
  receiptIdToSubmitId,
  receiptToReport,
  type ReceiptIdFormat,
} from '../../src/providers/smpp/index.js';
import { silentLogger } from '../../src/service/logger.js';

/** 2^64 - 1: an SMSC's 64-bit counter at its top, far beyond Number.MAX_SAFE_INTEGER. */
const U64_MAX_HEX = 'ffffffffffffffff';
const U64_MAX_DEC = '18446744073709551615';

describe('smpp message id formats', () => {
  it('same: passes ids through untouched, padding and case included', () => {
    for (const id of ['5A01', '0005a01', 'msg-7', ''])
      expect([canonicalSubmitId(id, 'same'), receiptIdToSubmitId(id, 'same')]).toEqual([id, id]);
  });

  describe('submit_hex_receipt_decimal', () => {
    const format: ReceiptIdFormat = 'submit_hex_receipt_decimal';

    it('turns the decimal receipt id into the lower-case hex submit id', () => {
      expect(receiptIdToSubmitId('23041', format)).toBe('5a01');
      expect(receiptIdToSubmitId('0', format)).toBe('0');
      expect(receiptIdToSubmitId('3735928559', format)).toBe('deadbeef');
    });

    it('ignores zero padding on the receipt id', () => {
      expect(receiptIdToSubmitId('0000023041', format)).toBe('5a01');
      expect(receiptIdToSubmitId('0000000000', format)).toBe('0');
    });

    it('is exact beyond 2^53', () => {
      expect(receiptIdToSubmitId(U64_MAX_DEC, format)).toBe(U64_MAX_HEX);
      // 2^53 + 1 is where Number would round (to 2^53, 0x20000000000000).
      expect(receiptIdToSubmitId('9007199254740993', format)).toBe('20000000000001');
    });

    it('stores the submit id lower-case without leading zeros, the form receipts convert to', () => {
      expect(canonicalSubmitId('5A01', format)).toBe('5a01');
      expect(canonicalSubmitId('00005a01', format)).toBe('5a01');
      expect(canonicalSubmitId('FFFFFFFFFFFFFFFF', format)).toBe(U64_MAX_HEX);
      expect(canonicalSubmitId('00000000', format)).toBe('0');
    });

    it('refuses digits outside the declared base', () => {
      for (const id of ['5a01', '23041 ', '-23041', '+1', '1e5', '0x5a01', '２３０４１', '', '1'.repeat(65)])
        expect([id, receiptIdToSubmitId(id, format)]).toEqual([id, undefined]);
      for (const id of ['5g01', '0x5a01', 'smsc-1', ''])
        expect([id, canonicalSubmitId(id, format)]).toEqual([id, undefined]);
    });
  });

  describe('submit_decimal_receipt_hex', () => {
    const format: ReceiptIdFormat = 'submit_decimal_receipt_hex';

    it('turns the hex receipt id, either case, into the decimal submit id', () => {
      expect(receiptIdToSubmitId('5a01', format)).toBe('23041');
      expect(receiptIdToSubmitId('5A01', format)).toBe('23041');
      expect(receiptIdToSubmitId('DeadBeef', format)).toBe('3735928559');
    });

    it('ignores zero padding on the receipt id', () => {
      expect(receiptIdToSubmitId('0000005A01', format)).toBe('23041');
    });

    it('is exact beyond 2^53', () => {
      expect(receiptIdToSubmitId(U64_MAX_HEX.toUpperCase(), format)).toBe(U64_MAX_DEC);
      expect(receiptIdToSubmitId('20000000000001', format)).toBe('9007199254740993');
    });

    it('stores the submit id without leading zeros', () => {
      expect(canonicalSubmitId('0023041', format)).toBe('23041');
      expect(canonicalSubmitId(U64_MAX_DEC, format)).toBe(U64_MAX_DEC);
    });

    it('refuses digits outside the declared base', () => {
      for (const id of ['5g01', '0x5a01', '5a 01', '-1', ''])
        expect([id, receiptIdToSubmitId(id, format)]).toEqual([id, undefined]);
      for (const id of ['5a01', '23041.0', ''])
        expect([id, canonicalSubmitId(id, format)]).toEqual([id, undefined]);
    });
  });

  it('receiptToReport converts the id, and drops a receipt whose id does not fit', () => {
    const receipt = (id: string) => ({
      esm_class: 0x04,
      short_message: { message: `id:${id} stat:DELIVRD err:000` },
    });
    expect(receiptToReport(receipt('0000023041'), 'submit_hex_receipt_decimal')).toEqual({
      providerMessageId: '5a01',
      status: 'delivered',
      providerStatus: 'DELIVRD',
    });
    expect(receiptToReport(receipt('0000023041'))?.providerMessageId).toBe('0000023041');
    expect(receiptToReport(receipt('5a01'), 'submit_hex_receipt_decimal')).toBeUndefined();
  });

  it('is a checked provider option', async () => {
    // createProviders checks every instance before it builds any (an SMPP provider connects when
    // built), so a broken bridgexapi sibling keeps the smpp instance from ever being built here.
    const problemsWith = async (receiptIdFormat: string): Promise<readonly string[]> => {
      const config = {
        providers: {
          smsc: {
            type: 'smpp',
            host: '127.0.0.1',
            port: 2775,
            systemId: 'otpgate',
            password: '',
            sourceAddr: 'OTPGATE',
            receiptIdFormat,
          },
          'broken-sibling': { type: 'bridgexapi' },
        },
      } as unknown as Config;
      try {
        const built = createProviders(config, { clock: systemClock, logger: silentLogger });
        await Promise.all([...built.values()].map((provider) => provider.close?.()));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems;
      }
      throw new Error('createProviders built the providers despite a broken instance');
    };
    for (const format of ['same', 'submit_hex_receipt_decimal', 'submit_decimal_receipt_hex'])
      expect((await problemsWith(format)).every((p) => p.startsWith('providers.broken-sibling'))).toBe(true);
    const problems = await problemsWith('hex');
    expect(problems.filter((p) => p.startsWith('providers.smsc'))).toEqual([
      expect.stringMatching(/^providers\.smsc\.receiptIdFormat /),
    ]);
  });
});
