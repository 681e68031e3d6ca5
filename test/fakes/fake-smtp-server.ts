import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 with an ephemeral port that records every message it
 * accepts. `options` go to SMTPServer as they are (auth, disabled commands, refusing hooks…); it never
 * logs.
 *
 *   const smtp = await startFakeSmtp({ disabledCommands: ['STARTTLS', 'AUTH'] });
 *   createEmailProvider({ host: '127.0.0.1', port: smtp.port, ... });
 *   expect(smtp.received[0]?.rcptTo).toEqual(['alice@example.com']);
 *   await smtp.close();
 */

export interface ReceivedMail {
  mailFrom: string | undefined;
  rcptTo: string[];
  /** The message as sent after DATA: headers, blank line, body. */
  raw: string;
  /** The authenticated user, when the session authenticated. */
  user: string | undefined;
}

export interface FakeSmtp {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

export async function startFakeSmtp(options: SMTPServerOptions = {}): Promise<FakeSmtp> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
