import { isRecord } from '../http-client.js';
import { failure, type ProviderFailureResult } from '../provider.js';

/**
 * Maps a nodemailer SMTP error to a failure. The SMTP reply code decides when there is one
 * (RFC 5321 §4.2; enhanced codes RFC 3463: 5.7.x is policy/security); otherwise nodemailer's
 * error code. Server reply text is not copied into the message: it often echoes the address.
 */
export function smtpFailure(error: unknown): ProviderFailureResult {
  const fields = isRecord(error) ? error : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const reply = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const enhanced =
    typeof fields.response === 'string'
      ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(fields.response)?.[1]
      : undefined;
  const providerCode = reply !== undefined ? [reply, enhanced].filter(Boolean).join(' ') : code;

  switch (classify(code, reply, enhanced)) {
    case 'auth':
      return failure('auth', 'smtp: credentials refused', providerCode);
    case 'timeout':
      return failure('timeout', 'smtp: server did not answer in time', providerCode);
    case 'tls':
      return failure('network', 'smtp: TLS could not be established', providerCode);
    case 'network':
      return failure('network', 'smtp: connection failed', providerCode);
    case 'throttled':
      return failure('throttled', 'smtp: server asked to try later', providerCode);
    case 'server':
      return failure('server', 'smtp: temporary server failure', providerCode);
    case 'blocked':
      return failure('blocked', 'smtp: refused by server policy', providerCode);
    case 'recipient':
      return failure('rejected', 'smtp: recipient refused', providerCode);
    case 'rejected':
      return failure('rejected', 'smtp: message refused', providerCode);
  }
}

type Category =
  'auth' | 'tls' | 'timeout' | 'network' | 'throttled' | 'server' | 'blocked' | 'recipient' | 'rejected';

function classify(
  code: string | undefined,
  reply: number | undefined,
  enhanced: string | undefined,
): Category {
  if (code === 'EAUTH' || reply === 530 || reply === 534 || reply === 535) return 'auth';
  // STARTTLS refused or not offered (requireTLS) or the handshake failed: a connection problem of
  // this server, whatever reply came with it; the message itself was never refused.
  if (code === 'ETLS') return 'tls';
  if (reply === undefined) {
    if (code === 'ETIMEDOUT') return 'timeout';
    if (code === 'EENVELOPE' || code === 'EMESSAGE') return 'rejected';
    return 'network'; // ECONNECTION, ESOCKET, EDNS, ETLS, EPROTOCOL, unknown
  }
  // 421: closing the channel; 450/452: mailbox busy, greylisting, too many recipients.
  if (reply === 421 || reply === 450 || reply === 452) return 'throttled';
  if (reply >= 400 && reply < 500) return 'server';
  if (enhanced?.startsWith('5.7.') || reply === 554) return 'blocked';
  if (enhanced?.startsWith('5.1.') || reply === 550 || reply === 551 || reply === 553) return 'recipient';
  return 'rejected';
}
