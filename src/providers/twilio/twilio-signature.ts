import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 * Base64(HMAC-SHA1(authToken, url + every POST parameter sorted by name, each name followed by
 * its value)). JSON bodies are signed over the URL alone, which then carries `bodySHA256`
 * (hex SHA-256 of the raw body).
 */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  const sorted = [...params].sort(([ak, av], [bk, bv]) => compare(ak, bk) || compare(av, bv));
  let data = url;
  for (const [key, value] of sorted) data += key + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Checks `X-Twilio-Signature` for a form-encoded or (with `bodySHA256`) JSON webhook. */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  rawBody: string,
): boolean {
  if (!signature) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const bodyHash = parsed.searchParams.get('bodySHA256');
  let params: [string, string][] = [];
  if (bodyHash !== null) {
    const actual = createHash('sha256').update(rawBody, 'utf8').digest('hex');
    if (!safeEqual(actual, bodyHash.toLowerCase())) return false;
  } else {
    params = [...new URLSearchParams(rawBody)];
  }
  // Twilio's own validators accept the URL with and without the default port: proxies differ.
  return urlVariants(url).some((candidate) =>
    safeEqual(twilioSignature(authToken, candidate, params), signature),
  );
}

function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const host = authority.replace(/:\d+$/, '');
  if (authority === host) return [url, `${scheme}://${host}:${defaultPort}${rest}`];
  if (authority === `${host}:${defaultPort}`) return [url, `${scheme}://${host}${rest}`];
  return [url];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
