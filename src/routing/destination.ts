/**
 * A destination is either an E.164 phone number or an e-mail address. Routing only needs to tell
 * them apart and, for phones, to read the digits that rate cards and policies match on.
 */
export function isEmailDestination(destination: string): boolean {
  return destination.includes('@');
}

/** E.164 digits without the '+', e.g. "+31612345678" → "31612345678"; "" for e-mail addresses. */
export function destinationDigits(destination: string): string {
  if (isEmailDestination(destination)) return '';
  return destination.startsWith('+') ? destination.slice(1) : destination;
}
