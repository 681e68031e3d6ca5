export interface AutofillOptions {
  /** Android SMS Retriever app hash (11 characters). */
  appHash?: string | undefined;
  /** WebOTP origin, a bare host such as "example.com". */
  webOtpDomain?: string | undefined;
}

export const APP_HASH_PATTERN = /^[A-Za-z0-9+/]{11}$/;
// A bare host (optionally with port): the WebOTP line names an origin, never a URL or path.
export const WEB_OTP_DOMAIN_PATTERN =
  /^(?=.{1,253}(?::\d{1,5})?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

/**
 * Appends the lines that let phones fill the code in automatically.
 *
 * - SMS Retriever (Android apps) looks for the app's 11-character hash on its own line at the end
 *   of the message. Google's current docs no longer require the old "<#>" prefix, so none is added.
 * - WebOTP (browsers) only reads an origin-bound line `@domain #code` when it is the LAST line,
 *   so with both it goes after the hash line; the retriever still finds the hash line.
 *
 * Both read SMS only, so callers apply this to the SMS channel alone.
 */
export function appendAutofillLines(text: string, code: string, options: AutofillOptions): string {
  const lines = [text.replace(/\s+$/, '')];
  if (options.appHash) lines.push(options.appHash);
  if (options.webOtpDomain) lines.push(`@${options.webOtpDomain} #${code}`);
  return lines.join('\n');
}
