import { BlockList, isIP } from 'node:net';
import nodemailer from 'nodemailer';
import {
  failure,
  type CallOptions,
  type OutboundMessage,
  type Provider,
  type SendResult,
} from '../provider.js';
import { smtpFailure } from './smtp-errors.js';

export interface EmailOptions {
  name: string;
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /**
   * Without `secure`: insist on STARTTLS and fail the send when the server does not offer it,
   * instead of going on in cleartext. Default: on when `auth` is set and `host` is not a loopback
   * address (see {@link emailRequiresTls}). `false` only for a trusted network.
   */
  requireTLS?: boolean;
  /** From address, e.g. `"Acme" <no-reply@acme.example>`; the route's sender wins. */
  from: string;
  /** Connection, greeting and socket-idle timeout of the SMTP client. Default 10 000. */
  timeoutMs?: number;
  /** Pooled connections. Default 5. */
  maxConnections?: number;
}

export type EmailProvider = Provider & Required<Pick<Provider, 'close'>>;

const DEFAULT_SUBJECT = 'Your verification code';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (any spelling, also IPv4-mapped, bracketed or not) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost') return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether the SMTP client must upgrade with STARTTLS before going on: the explicit `requireTLS`,
 * else on whenever credentials would otherwise cross a network in cleartext (a server that does not
 * offer STARTTLS, or someone on the path who strips it, would receive the password).
 */
export function emailRequiresTls(options: Pick<EmailOptions, 'host' | 'auth' | 'requireTLS'>): boolean {
  return options.requireTLS ?? (options.auth !== undefined && !isLoopbackHost(options.host));
}

/**
 * E-mail over SMTP (nodemailer, pooled connections). "sent" means the server accepted the
 * message for delivery; SMTP gives no receipts, so that is the last status an e-mail gets.
 */
export function createEmailProvider(options: EmailOptions): EmailProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    requireTLS: emailRequiresTls(options),
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });

  return {
    name: options.name,
    type: 'email',
    channels: ['email'],

    async send(message: OutboundMessage, callOptions: CallOptions): Promise<SendResult> {
      if (message.channel !== 'email')
        return failure('unsupported', `email: channel ${message.channel} not offered`);
      const { signal } = callOptions;
      if (signal.aborted) return failure('timeout', 'smtp: aborted before sending');
      // nodemailer cannot cancel a transaction; on abort we answer now and let it finish or fail.
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<SendResult>((resolve) => {
        onAbort = () => resolve(failure('timeout', 'smtp: server did not answer in time'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const sent = transport
        .sendMail({
          from: message.sender ?? options.from,
          to: message.to,
          subject: message.subject ?? DEFAULT_SUBJECT,
          text: message.text,
        })
        .then(
          (info): SendResult =>
            typeof info.messageId === 'string' && info.messageId !== ''
              ? { ok: true, providerMessageId: info.messageId, status: 'sent' }
              : failure('malformed_response', 'smtp: no message id'),
          (error: unknown) => smtpFailure(error),
        );
      try {
        return await Promise.race([sent, aborted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    },

    close: async () => {
      transport.close();
    },
  };
}
