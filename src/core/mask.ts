/**
 * Masks a destination for responses and logs. Phones keep only the last 4 digits, the same shape
 * as the reference server ("*******0670" for 31651860670); e-mails keep the first character and
 * the domain.
 */
export function maskDestination(destination: string): string {
  if (destination.includes('@')) {
    const at = destination.lastIndexOf('@');
    const local = destination.slice(0, at);
    // The first character, not the first UTF-16 unit: half an emoji is not a string a client can decode.
    return `${String.fromCodePoint(local.codePointAt(0) ?? 0x2a)}***@${destination.slice(at + 1)}`;
  }
  const digits = destination.startsWith('+') ? destination.slice(1) : destination;
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}
