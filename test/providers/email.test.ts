import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailProvider, type EmailOptions } from '../../src/providers/email/index.js';
import { startFakeSmtp, type ReceivedMail } from '../fakes/fake-smtp-server.js';
import { failureOf, messageFactory } from '../fakes/provider-test-kit.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A real SMTP server (smtp-server) on 127.0.0.1 that records what it accepts. */
async function startSmtp(
  overrides: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; received: ReceivedMail[] }> {
  const smtp = await startFakeSmtp({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 'pw')
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    ...overrides,
  });
  cleanup.push(() => smtp.close());
  return { port: smtp.port, received: smtp.received };
}

function provider(port: number, extra: Partial<EmailOptions> = {}) {
  const email = createEmailProvider({
    name: 'mail-main',
    host: '127.0.0.1',
    port,
    auth: { user: 'mailer', pass: 'pw' },
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
const opts = (ms = 3_000) => ({ signal: AbortSignal.timeout(ms) });
const smtpError = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

describe('email send', () => {
  it('delivers the message over authenticated SMTP and returns the Message-ID', async () => {
    const { port, received } = await startSmtp();
    const result = await provider(port).send(message(), opts());
    expect(result).toMatchObject({ ok: true, status: 'sent' });
    if (!result.ok) return;
    expect(result.providerMessageId).toMatch(/^<[^<>@]+@[^<>]+>$/);

    expect(received).toHaveLength(1);
    const mail = received[0];
    expect(mail?.user).toBe('mailer');
    expect(mail?.mailFrom).toBe('no-reply@otp.example');
    expect(mail?.rcptTo).toEqual(['user@example.com']);
    expect(mail?.raw).toMatch(/^From: Acme <no-reply@otp\.example>\r?$/m);
    expect(mail?.raw).toMatch(/^To: user@example\.com\r?$/m);
    expect(mail?.raw).toMatch(/^Subject: Your Acme code\r?$/m);
    expect(mail?.raw).toContain(`Message-ID: ${result.providerMessageId}`);
    expect(mail?.raw).toContain('Your Acme code is 482913. It expires in 5 minutes.');
  });

  it('uses the route sender and a default subject', async () => {
    const { port, received } = await startSmtp();
    const result = await provider(port).send(
      message({ sender: 'codes@acme.example', subject: undefined }),
      opts(),
    );
    expect(result.ok).toBe(true);
    expect(received[0]?.mailFrom).toBe('codes@acme.example');
    expect(received[0]?.raw).toMatch(/^Subject: Your verification code\r?$/m);
  });

  it('reuses pooled connections for consecutive sends', async () => {
    let connections = 0;
    const { port, received } = await startSmtp({
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
    });
    const email = provider(port, { maxConnections: 1 });
    for (let i = 0; i < 3; i += 1) expect((await email.send(message(), opts())).ok).toBe(true);
    expect(received).toHaveLength(3);
    expect(connections).toBe(1);
  });

  it('refuses non-email channels', async () => {
    const { port } = await startSmtp();
    expect(failureOf(await provider(port).send(message({ channel: 'sms' }), opts()))).toMatchObject({
      kind: 'unsupported',
    });
  });
});

describe('email failure mapping', () => {
  it('maps a recipient refused with 550 5.1.1 to rejected', async () => {
    const { port } = await startSmtp({
      onRcptTo: (_address, _session, callback) => callback(smtpError(550, '5.1.1 No such user here')),
    });
    const failure = failureOf(await provider(port).send(message(), opts()));
    expect(failure).toMatchObject({ kind: 'rejected', retryable: false, providerCode: '550 5.1.1' });
    expect(failure.message).not.toContain('user@example.com');
  });

  it('maps a policy refusal (554 5.7.1) to blocked', async () => {
    const { port } = await startSmtp({
      onMailFrom: (_address, _session, callback) =>
        callback(smtpError(554, '5.7.1 Sender blocked by policy')),
    });
    expect(failureOf(await provider(port).send(message(), opts()))).toMatchObject({
      kind: 'blocked',
      retryable: false,
      providerCode: '554 5.7.1',
    });
  });

  it('maps 451 (temporary local error) to a retryable server failure', async () => {
    const { port } = await startSmtp({
      onRcptTo: (_address, _session, callback) =>
        callback(smtpError(451, '4.3.0 Temporary failure, try again')),
    });
    expect(failureOf(await provider(port).send(message(), opts()))).toMatchObject({
      kind: 'server',
      retryable: true,
      providerCode: '451 4.3.0',
    });
  });

  it('maps 450 (greylisting / rate) to throttled', async () => {
    const { port } = await startSmtp({
      onRcptTo: (_address, _session, callback) =>
        callback(smtpError(450, '4.2.0 Greylisted, come back later')),
    });
    expect(failureOf(await provider(port).send(message(), opts()))).toMatchObject({ kind: 'throttled' });
  });

  it('maps refused credentials (535) to auth', async () => {
    const { port } = await startSmtp();
    const failure = failureOf(
      await provider(port, { auth: { user: 'mailer', pass: 'wrong' } }).send(message(), opts()),
    );
    expect(failure).toMatchObject({ kind: 'auth', retryable: true });
    expect(failure.providerCode).toMatch(/^535/);
    expect(failure.message).not.toContain('wrong');
  });

  it('maps a server that is down to network', async () => {
    const { port } = await startSmtp();
    await cleanup.pop()?.();
    expect(failureOf(await provider(port).send(message(), opts()))).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });

  describe('a server that accepts the connection but never greets', () => {
    async function silentServer(): Promise<number> {
      const sockets = new Set<Socket>();
      const server = createNetServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanup.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      return (server.address() as AddressInfo).port;
    }

    it('answers timeout when the caller signal fires', async () => {
      const port = await silentServer();
      const started = Date.now();
      expect(failureOf(await provider(port).send(message(), opts(150)))).toMatchObject({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('answers timeout when its own greeting timeout fires', async () => {
      const port = await silentServer();
      expect(failureOf(await provider(port, { timeoutMs: 100 }).send(message(), opts()))).toMatchObject({
        kind: 'timeout',
        providerCode: 'ETIMEDOUT',
      });
    });
  });
});
