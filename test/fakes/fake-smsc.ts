import type { AddressInfo } from 'node:net';
import smpp from 'smpp';

/**
 * A fake SMSC on 127.0.0.1 with an ephemeral port, built with the `smpp` package's own server. It
 * records binds, submit_sm, deliver_sm_resp, unbinds and enquire_links, answers a bind_transceiver
 * with the expected credentials (ESME_RINVPASWD otherwise), plays scripted submit_sm outcomes, and
 * pushes deliver_sm (receipts, mobile-originated messages) over the bound session.
 *
 *   const smsc = await startFakeSmsc({ messageId: (n) => `smsc-${n}` });
 *   createSmppProvider({ host: '127.0.0.1', port: smsc.port, systemId: 'otpgate', password: 's3cret', ... });
 *   smsc.script.push(0x58, 'hang');   // the next two submit_sm: ESME_RTHROTTLED, then no answer
 *   await smsc.deliver({ esm_class: 0x04, short_message: 'id:5a01 stat:DELIVRD err:000' });
 *   await smsc.close();
 *
 * An SMSC that spells one id differently in submit_sm_resp and in receipts (Kannel's msg-id-type):
 *
 *   const smsc = await startFakeSmsc({ ids: { submit: { base: 16 }, receipt: { base: 10 } } });
 *   // submit_sm_resp message_id '5a01'; smsc.receiptId(1) === '23041'
 *   await smsc.deliverReceipt(1, 'DELIVRD');   // text receipt 'id:23041 … stat:DELIVRD err:000'
 */

/** How an id is written: base, hex letter case, zero padding to a width. */
export interface IdSpelling {
  base: 10 | 16;
  upperCase?: boolean;
  padTo?: number;
}

/** What the fake SMSC does with the next submit_sm: a command_status, or never answer, or drop the link. */
export type SubmitStep = number | 'hang' | 'drop';

export interface FakeSmscOptions {
  /** The credentials a bind must carry; default otpgate / s3cret. */
  credentials?: { systemId: string; password: string };
  /** The message_id of the nth accepted submit_sm (n from 1); default the hex of 0x5a00 + n (5a01, …). */
  messageId?: (n: number) => string;
  /** destination_addr of the deliver_sm it pushes (the ESME's sender); default 'OTPGATE'. */
  deliverTo?: string;
  /**
   * The nth id is the number `value(n)` (default 0x5a00 + n), spelt `submit` in submit_sm_resp and
   * `receipt` in receiptId()/deliverReceipt(). Replaces messageId; without it both are messageId(n).
   */
  ids?: { value?: (n: number) => bigint; submit: IdSpelling; receipt: IdSpelling };
}

export interface FakeSmsc {
  port: number;
  binds: smpp.PDU[];
  submits: smpp.PDU[];
  deliverResponses: smpp.PDU[];
  unbinds: number;
  enquireLinks: number;
  /** Outcomes for the next submit_sm, one each; afterwards they are accepted. */
  script: SubmitStep[];
  /** False leaves the ESME's enquire_link unanswered (a dead link). */
  answerEnquireLink: boolean;
  sessions: () => smpp.Session[];
  /** Sends a deliver_sm over the first session and resolves with the ESME's deliver_sm_resp. */
  deliver: (fields: Record<string, unknown>) => Promise<smpp.PDU>;
  /** The nth accepted message's id as this SMSC writes it in receipts. */
  receiptId: (n: number) => string;
  /** deliver() of an Appendix B text receipt for the nth accepted message, its id spelt receiptId(n). */
  deliverReceipt: (n: number, stat: string, extra?: Record<string, unknown>) => Promise<smpp.PDU>;
  /** Destroys every session and stops listening. */
  close: () => Promise<void>;
}

export async function startFakeSmsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  const credentials = options.credentials ?? { systemId: 'otpgate', password: 's3cret' };
  const ids = options.ids;
  const idValue = ids?.value ?? ((n: number) => BigInt(0x5a00 + n));
  const messageId = ids
    ? (n: number) => spell(idValue(n), ids.submit)
    : (options.messageId ?? ((n: number) => (0x5a00 + n).toString(16)));
  const receiptId = ids ? (n: number) => spell(idValue(n), ids.receipt) : messageId;
  let counter = 0;
  const smsc: Omit<FakeSmsc, 'port' | 'sessions' | 'deliver' | 'receiptId' | 'deliverReceipt' | 'close'> = {
    binds: [],
    submits: [],
    deliverResponses: [],
    unbinds: 0,
    enquireLinks: 0,
    script: [],
    answerEnquireLink: true,
  };
  const server = smpp.createServer((session) => {
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: smpp.PDU) => {
      smsc.binds.push(pdu);
      const ok = pdu.system_id === credentials.systemId && pdu.password === credentials.password;
      session.send(
        pdu.response(ok ? { system_id: 'FAKESMSC' } : { command_status: smpp.errors.ESME_RINVPASWD }),
      );
    });
    session.on('submit_sm', (pdu: smpp.PDU) => {
      smsc.submits.push(pdu);
      const step = smsc.script.shift() ?? 0;
      if (step === 'hang') return;
      if (step === 'drop') return session.destroy();
      counter += 1;
      session.send(pdu.response(step === 0 ? { message_id: messageId(counter) } : { command_status: step }));
    });
    session.on('enquire_link', (pdu: smpp.PDU) => {
      smsc.enquireLinks += 1;
      if (smsc.answerEnquireLink) session.send(pdu.response());
    });
    session.on('deliver_sm_resp', (pdu: smpp.PDU) => smsc.deliverResponses.push(pdu));
    session.on('unbind', (pdu: smpp.PDU) => {
      smsc.unbinds += 1;
      session.send(pdu.response());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const deliver = (fields: Record<string, unknown>) =>
    new Promise<smpp.PDU>((resolve, reject) => {
      const session = server.sessions[0];
      if (!session) return reject(new Error('no bound session'));
      session.deliver_sm(
        { source_addr: '31651860670', destination_addr: options.deliverTo ?? 'OTPGATE', ...fields },
        resolve,
      );
    });
  return Object.assign(smsc, {
    port,
    sessions: () => server.sessions,
    deliver,
    receiptId,
    deliverReceipt: (n: number, stat: string, extra: Record<string, unknown> = {}) =>
      deliver({
        esm_class: 0x04,
        short_message: `id:${receiptId(n)} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2611241200 done date:2611241201 stat:${stat} err:000 text:`,
        ...extra,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of server.sessions) session.destroy();
        server.close(() => resolve());
      }),
  });
}

function spell(value: bigint, how: IdSpelling): string {
  const digits = value.toString(how.base);
  return (how.upperCase ? digits.toUpperCase() : digits).padStart(how.padTo ?? 0, '0');
}
