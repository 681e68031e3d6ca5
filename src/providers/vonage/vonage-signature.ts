import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The dashboard's signature methods: 'MD5 hash' (the default) and the HMAC variants. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/**
 * Vonage's request signature: every parameter except `sig`, sorted by name, each value with `&`
 * and `=` replaced by `_`, joined as `&name=value`. 'md5hash' is md5(joined + secret); the others
 * are HMAC(secret, joined). Hex; Vonage may send it in either case.
 */
export function vonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: VonageSignatureMethod,
): string {
  let joined = '';
  for (const name of Object.keys(params).sort()) {
    if (name === 'sig') continue;
    joined += `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`;
  }
  if (method === 'md5hash')
    return createHash('md5')
      .update(joined + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(joined, 'utf8').digest('hex');
}

/** Constant-time check of `params.sig`; false when it is missing. */
export function verifyVonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: VonageSignatureMethod,
): boolean {
  const given = params.sig;
  if (!given) return false;
  const expected = Buffer.from(vonageSignature(params, secret, method), 'utf8');
  const actual = Buffer.from(given.toLowerCase(), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
