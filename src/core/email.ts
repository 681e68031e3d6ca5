import { OtpError } from '../errors/index.js';

/*
 * A plausible address, not a deliverable one (that is the provider's call): `local@domain` where
 * the local part is a dot-atom (RFC 5322 atext, plus UTF-8 as RFC 6532 allows) and the domain a
 * host name (letters, digits, inner hyphens, UTF-8 for internationalised domains). Quoted local
 * parts, display names (`Bob <b@x.co>`), comments and domain literals (`[10.0.0.1]`) are legal in a
 * mail header but not a destination: a provider would read them its own way, or send elsewhere.
 */

/** Controls (C0, DEL, C1), separators, lone surrogates and invisible format characters (bidi overrides, U+200B, U+FEFF); ZWNJ and ZWJ stay: scripts need them. */
const INVISIBLE = /[\p{Cc}\p{Cs}\p{Z}\s]|(?![\u200C\u200D])\p{Cf}/u;
/** One dot-separated piece of the local part: RFC 5322 atext or any non-ASCII character. */
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+$/u;
/** One domain label: letters, digits or non-ASCII, with hyphens inside only. */
const DOMAIN_LABEL =
  /^[A-Za-z0-9\u0080-\u{10FFFF}](?:[A-Za-z0-9\u0080-\u{10FFFF}-]*[A-Za-z0-9\u0080-\u{10FFFF}])?$/u;

const MAX_ADDRESS_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

export function normalizeEmail(input: string): string {
  const trimmed = input.trim();
  if (!isPlausibleEmail(trimmed)) throw new OtpError('INVALID_EMAIL');
  const at = trimmed.lastIndexOf('@');
  // The local part may be case-sensitive in theory; the domain never is.
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

function isPlausibleEmail(address: string): boolean {
  if (address.length > MAX_ADDRESS_LENGTH || INVISIBLE.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at < 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length === 0 || local.length > MAX_LOCAL_LENGTH) return false;
  // `a..b`, `.a` and `a.` leave an empty atom, refused like `@` (not atext) in the local part.
  if (!local.split('.').every((atom) => LOCAL_ATOM.test(atom))) return false;
  if (domain.length > MAX_DOMAIN_LENGTH) return false;
  const labels = domain.split('.');
  const tld = labels[labels.length - 1] ?? '';
  // A dot in the domain, as before; a top-level domain is never one letter or all digits.
  if (labels.length < 2 || tld.length < 2 || /^[0-9]+$/.test(tld)) return false;
  return labels.every((label) => label.length <= MAX_LABEL_LENGTH && DOMAIN_LABEL.test(label));
}
