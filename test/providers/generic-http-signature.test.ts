import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createGenericHttpProvider,
  type GenericHttpSignature,
} from '../../src/providers/generic-http/index.js';
import { webhookFactory } from '../fakes/provider-test-kit.js';

/**
 * A receipt signature must be exactly the encoded HMAC. Buffer.from(text, 'hex' | 'base64') is
 * lenient (it stops at the first bad character and drops an odd last digit), so comparing decoded
 * bytes let a valid digest through with junk after it.
 */

const hook = webhookFactory('https://otp.example.com/v1/webhooks/dlr/acme-gw');
const rawBody = JSON.stringify({ id: 'gw-1', state: 'DELIVERED' });

const receipts = (signature: GenericHttpSignature) =>
  createGenericHttpProvider({
    name: 'acme-gw',
    url: 'http://127.0.0.1:9/send',
    deliveryReport: {
      messageIdPath: 'id',
      statusPath: 'state',
      statusMap: { DELIVERED: 'delivered' },
      signature,
    },
  });
const accepts = (p: ReturnType<typeof receipts>, header: string) =>
  p.verifyWebhook(hook({ rawBody, headers: { 'x-sig': header } }));

describe('generic-http receipt signatures are compared exactly', () => {
  const hexConfig: GenericHttpSignature = {
    header: 'x-sig',
    secret: 'whsec-123',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
  };
  const hex = createHmac('sha256', 'whsec-123').update(rawBody, 'utf8').digest('hex');

  it('accepts the hex HMAC, in either case and with surrounding whitespace', () => {
    const p = receipts(hexConfig);
    expect(accepts(p, `sha256=${hex}`)).toBe(true);
    expect(accepts(p, `sha256=${hex.toUpperCase()}`)).toBe(true);
    expect(accepts(p, `sha256= ${hex} `)).toBe(true);
  });

  it('refuses a valid hex HMAC with junk after it', () => {
    const p = receipts(hexConfig);
    for (const junk of ['0', 'zz', 'f', ' 0', 'g', '=', '\u00e9']) {
      expect(accepts(p, `sha256=${hex}${junk}`), JSON.stringify(junk)).toBe(false);
    }
  });

  it('refuses truncated, extended, split or otherwise malformed hex', () => {
    const p = receipts(hexConfig);
    for (const bad of [
      hex.slice(0, -1),
      hex.slice(0, -2),
      `${hex}00`,
      `0${hex}`,
      `${hex.slice(0, 10)} ${hex.slice(10)}`,
      `${hex.slice(0, -2)}zz`,
      hex.replace(/[0-9]/, 'x'),
      '',
    ]) {
      expect(accepts(p, `sha256=${bad}`), bad).toBe(false);
    }
  });

  it('accepts only the canonical base64 encoding of the HMAC', () => {
    const p = receipts({ header: 'x-sig', secret: 'whsec-123', algorithm: 'sha1', encoding: 'base64' });
    const b64 = createHmac('sha1', 'whsec-123').update(rawBody, 'utf8').digest('base64');
    expect(b64.endsWith('=')).toBe(true);
    expect(accepts(p, b64)).toBe(true);
    expect(accepts(p, ` ${b64} `)).toBe(true);
    for (const bad of [
      `${b64}A`,
      `${b64}=`,
      `${b64}!!`,
      `${b64}.`,
      b64.replace(/=+$/, ''),
      `${b64.slice(0, 5)}\n${b64.slice(5)}`,
      b64.slice(0, -2),
      b64.toLowerCase(),
    ]) {
      expect(accepts(p, bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
