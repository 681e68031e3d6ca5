import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type Config } from '../../src/config/index.js';
import { systemClock } from '../../src/core/index.js';
import {
  createEmailProvider,
  emailRequiresTls,
  isLoopbackHost,
  smtpFailure,
  type EmailOptions,
} from '../../src/providers/email/index.js';
import { createProviders } from '../../src/providers/registry.js';
import { silentLogger } from '../../src/service/logger.js';
import { startFakeSmtp, type ReceivedMail } from '../fakes/fake-smtp-server.js';
import { failureOf, messageFactory } from '../fakes/provider-test-kit.js';

/** Credentials must not cross a network in cleartext: STARTTLS is required unless asked otherwise. */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanup.splice(0).reverse()) await step();
});

const auth = { user: 'mailer', pass: 'pw' };

/**
 * A real SMTP server on 127.0.0.1 that does not offer STARTTLS and would take AUTH in cleartext,
 * behind a TCP relay that records every byte the client sends.
 */
async function startPlainSmtp(): Promise<{
  port: number;
  received: ReceivedMail[];
  authAttempts: string[];
  clientBytes: () => string;
}> {
  const authAttempts: string[] = [];
  const smtp = await startFakeSmtp({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(attempt, _session, callback) {
      authAttempts.push(`${attempt.username ?? ''}:${attempt.password ?? ''}`);
      callback(null, { user: attempt.username });
    },
  });
  cleanup.push(() => smtp.close());

  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const relay = createNetServer((client) => {
    const upstream = connect(smtp.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });
  return {
    port: (relay.address() as AddressInfo).port,
    received: smtp.received,
    authAttempts,
    clientBytes: () => Buffer.concat(chunks).toString('latin1'),
  };
}

function provider(port: number, extra: Partial<EmailOptions> = {}) {
  const email = createEmailProvider({
    name: 'mail-main',
    host: '127.0.0.1',
    port,
    auth,
    from: '"Acme" <no-reply@otp.example>',
    timeoutMs: 2_000,
    ...extra,
  });
  cleanup.push(() => email.close());
  return email;
}

const message = messageFactory({
  to: 'user@example.com',
  channel: 'email',
  text: 'Your Acme code is 482913. It expires in 5 minutes.',
  code: '482913',
  subject: 'Your Acme code',
});
const opts = () => ({ signal: AbortSignal.timeout(3_000) });
/** What AUTH PLAIN and AUTH LOGIN would put on the wire for the password. */
const passwordOnWire = [Buffer.from('\0mailer\0pw').toString('base64'), Buffer.from('pw').toString('base64')];

describe('email requireTLS default', () => {
  it.each([
    '127.0.0.1',
    '127.45.6.7',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LocalHost.',
  ])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['smtp.acme.example', '10.0.0.5', '128.0.0.1', '::2', 'localhost.acme.example', '::ffff:10.0.0.1'])(
    'treats %s as not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('is on with auth and a non-loopback host', () => {
    expect(emailRequiresTls({ host: 'smtp.acme.example', auth })).toBe(true);
    expect(emailRequiresTls({ host: '10.0.0.5', auth })).toBe(true);
  });

  it('is off with auth and a loopback host', () => {
    expect(emailRequiresTls({ host: '127.0.0.1', auth })).toBe(false);
    expect(emailRequiresTls({ host: 'localhost', auth })).toBe(false);
    expect(emailRequiresTls({ host: '::1', auth })).toBe(false);
  });

  it('is off without auth', () => {
    expect(emailRequiresTls({ host: 'smtp.acme.example' })).toBe(false);
  });

  it('follows an explicit setting either way', () => {
    expect(emailRequiresTls({ host: 'smtp.acme.example', auth, requireTLS: false })).toBe(false);
    expect(emailRequiresTls({ host: '127.0.0.1', requireTLS: true })).toBe(true);
  });

  it('hands the computed value to nodemailer', async () => {
    const createTransport = vi.spyOn(nodemailer, 'createTransport');
    const build = (extra: Partial<EmailOptions>) =>
      createEmailProvider({ name: 'm', host: 'smtp.acme.example', port: 587, from: 'a@b.example', ...extra });
    const providers = [build({ auth }), build({ auth, requireTLS: false }), build({})];
    for (const email of providers) await email.close(); // pooled: nothing was connected
    expect(
      createTransport.mock.calls.map(([options]) => (options as { requireTLS?: unknown }).requireTLS),
    ).toEqual([true, false, false]);
  });
});

describe('email against a server without STARTTLS', () => {
  it('with requireTLS fails as a retryable network failure and never sends the password', async () => {
    const smtp = await startPlainSmtp();
    const failure = failureOf(await provider(smtp.port, { requireTLS: true }).send(message(), opts()));
    expect(failure).toMatchObject({ kind: 'network', retryable: true });
    expect(failure.message).toMatch(/TLS/);
    expect(failure.message).not.toContain('pw');

    expect(smtp.authAttempts).toEqual([]);
    expect(smtp.received).toEqual([]);
    const sent = smtp.clientBytes();
    expect(sent).toMatch(/^EHLO /m);
    expect(sent).toMatch(/^STARTTLS\r$/m);
    expect(sent).not.toMatch(/^AUTH/im);
    for (const secret of passwordOnWire) expect(sent).not.toContain(secret);
  });

  it('with requireTLS false authenticates in cleartext as before (trusted network)', async () => {
    const smtp = await startPlainSmtp();
    const result = await provider(smtp.port, { requireTLS: false }).send(message(), opts());
    expect(result).toMatchObject({ ok: true, status: 'sent' });
    expect(smtp.authAttempts).toEqual(['mailer:pw']);
    expect(smtp.received[0]?.user).toBe('mailer');
    expect(smtp.clientBytes()).not.toMatch(/^STARTTLS/m);
  });

  it('on loopback with auth and no setting keeps working without STARTTLS', async () => {
    const smtp = await startPlainSmtp();
    expect((await provider(smtp.port).send(message(), opts())).ok).toBe(true);
    expect(smtp.authAttempts).toEqual(['mailer:pw']);
  });
});

describe('smtpFailure for TLS errors', () => {
  it('maps a refused STARTTLS (ETLS with a 5xx reply) to network, not to a refused message', () => {
    const error = Object.assign(new Error('Error upgrading connection with STARTTLS: 502 5.5.1 Error'), {
      code: 'ETLS',
      response: '502 5.5.1 Error: command not recognized',
      responseCode: 502,
      command: 'STARTTLS',
    });
    expect(smtpFailure(error).failure).toMatchObject({ kind: 'network', retryable: true });
  });

  it('maps a failed TLS handshake (ETLS without a reply) to network', () => {
    const error = Object.assign(new Error('Error initiating TLS - bad cert'), { code: 'ETLS' });
    expect(smtpFailure(error).failure).toMatchObject({
      kind: 'network',
      retryable: true,
      providerCode: 'ETLS',
    });
  });
});

describe('email requireTLS in the config file', () => {
  const mail = (extra: Record<string, unknown>) => ({
    type: 'email',
    host: 'smtp.acme.example',
    port: 587,
    auth,
    from: 'no-reply@acme.example',
    ...extra,
  });
  const build = (options: Record<string, unknown>) =>
    createProviders({ providers: { mail: options } } as unknown as Config, {
      clock: systemClock,
      logger: silentLogger,
    });

  it('accepts requireTLS and passes it on', async () => {
    const createTransport = vi.spyOn(nodemailer, 'createTransport');
    const providers = build(mail({ requireTLS: false }));
    for (const provider of providers.values()) await provider.close?.();
    expect(createTransport).toHaveBeenCalledWith(expect.objectContaining({ requireTLS: false }));
  });

  it('refuses a requireTLS that is not a boolean', () => {
    expect(() => build(mail({ requireTLS: 'no' }))).toThrow(ConfigError);
  });
});
