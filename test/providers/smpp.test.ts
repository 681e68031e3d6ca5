import smpp from 'smpp';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryReport, ProviderFailure } from '../../src/providers/provider.js';
import {
  createSmppProvider,
  mapReceiptState,
  parseReceiptText,
  receiptToReport,
  type SmppOptions,
  type SmppProvider,
} from '../../src/providers/smpp/index.js';
import { startFakeSmsc, type FakeSmscOptions } from '../fakes/fake-smsc.js';
import { failureOf, messageFactory } from '../fakes/provider-test-kit.js';

const message = messageFactory();
const opts = (ms = 2_000) => ({ signal: AbortSignal.timeout(ms) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const messageOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'message' in value ? value.message : value;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(extra: Partial<SmppOptions> = {}, smscOptions: FakeSmscOptions = {}) {
  const smsc = await startFakeSmsc(smscOptions);
  const reports: DeliveryReport[] = [];
  const provider: SmppProvider = createSmppProvider({
    name: 'smsc-main',
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'otpgate',
    password: 's3cret',
    systemType: 'OTP',
    sourceAddr: 'OTPGATE',
    reconnectDelayMs: 20,
    onDeliveryReport: (report) => reports.push(report),
    ...extra,
  });
  cleanup.push(
    () => smsc.close(),
    () => provider.close(),
  );
  return { smsc, provider, reports };
}

describe('smpp send', () => {
  it('binds as a transceiver and submits a GSM-coded submit_sm asking for a receipt', async () => {
    const { smsc, provider } = await setup();
    const result = await provider.send(message(), opts());
    expect(result).toEqual({ ok: true, providerMessageId: '5a01', status: 'queued' });

    const bind = smsc.binds[0];
    expect(bind).toMatchObject({
      command: 'bind_transceiver',
      system_id: 'otpgate',
      password: 's3cret',
      system_type: 'OTP',
      interface_version: 0x34,
    });
    const submit = smsc.submits[0];
    expect(submit).toMatchObject({
      command: 'submit_sm',
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'OTPGATE',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '31651860670',
      registered_delivery: 1,
      data_coding: 0,
    });
    expect(messageOf(submit?.short_message)).toBe('Your code is 123456');
    expect(provider.channels).toEqual(['sms']);
  });

  it('uses a numeric route sender as an international source address', async () => {
    const { smsc, provider } = await setup();
    await provider.send(message({ sender: '+4915112345678' }), opts());
    expect(smsc.submits[0]).toMatchObject({
      source_addr: '4915112345678',
      source_addr_ton: 1,
      source_addr_npi: 1,
    });
  });

  it('sends UCS-2 (data_coding 8) when the text has characters outside GSM 03.38', async () => {
    const { smsc, provider } = await setup();
    const text = 'Ваш код: 123456 ✅';
    expect((await provider.send(message({ text }), opts())).ok).toBe(true);
    const submit = smsc.submits[0];
    expect(submit?.data_coding).toBe(8);
    expect(messageOf(submit?.short_message)).toBe(text);

    await provider.send(message({ text: 'Código 123456' }), opts()); // ó is not in GSM 03.38
    expect(smsc.submits[1]?.data_coding).toBe(8);
    await provider.send(message({ text: 'Votre code é 123456' }), opts()); // é is
    expect(smsc.submits[2]?.data_coding).toBe(0);
  });

  it('moves texts longer than 254 octets to the message_payload TLV', async () => {
    const { smsc, provider } = await setup();
    const text = `Code 123456 ${'x'.repeat(300)}`;
    expect((await provider.send(message({ text }), opts())).ok).toBe(true);
    expect(messageOf(smsc.submits[0]?.message_payload)).toBe(text);
  });

  it('refuses non-SMS channels', async () => {
    const { provider } = await setup();
    expect(failureOf(await provider.send(message({ channel: 'voice' }), opts()))).toMatchObject({
      kind: 'unsupported',
    });
  });
});

describe('smpp failure mapping', () => {
  const cases: [string, number, Partial<ProviderFailure>][] = [
    ['ESME_RTHROTTLED', 0x58, { kind: 'throttled', retryable: true, providerCode: '0x00000058' }],
    ['ESME_RMSGQFUL', 0x14, { kind: 'throttled', providerCode: '0x00000014' }],
    ['ESME_RINVDSTADR', 0x0b, { kind: 'invalid_number', retryable: false, providerCode: '0x0000000B' }],
    ['ESME_RSYSERR', 0x08, { kind: 'server', retryable: true }],
    ['ESME_RSUBMITFAIL', 0x45, { kind: 'server' }],
    ['ESME_RINVSRCADR', 0x0a, { kind: 'blocked', retryable: false }],
    ['ESME_RINVESMCLASS (other)', 0x43, { kind: 'rejected', retryable: false, providerCode: '0x00000043' }],
  ];
  it.each(cases)('%s', async (_name, status, expected) => {
    const { smsc, provider } = await setup();
    smsc.script.push(status);
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject(expected);
  });

  it('maps a refused bind to auth, fast', async () => {
    const { provider, smsc } = await setup({}, { credentials: { systemId: 'otpgate', password: 'other' } });
    const started = Date.now();
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject({
      kind: 'auth',
      retryable: true,
      providerCode: '0x0000000E',
    });
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject({ kind: 'auth' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(smsc.submits).toHaveLength(0);
  });

  it('maps an unanswered submit_sm to timeout', async () => {
    const { smsc, provider } = await setup();
    smsc.script.push('hang');
    expect(failureOf(await provider.send(message(), opts(200)))).toMatchObject({ kind: 'timeout' });
  });

  it('honours submitTimeoutMs', async () => {
    const { smsc, provider } = await setup({ submitTimeoutMs: 100 });
    smsc.script.push('hang');
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject({ kind: 'timeout' });
  });

  it('maps a link lost while waiting for submit_sm_resp to network', async () => {
    const { smsc, provider } = await setup();
    smsc.script.push('drop');
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });

  it('waits for the link within the signal, then reports network when the SMSC is down', async () => {
    const { smsc, provider } = await setup();
    expect((await provider.send(message(), opts())).ok).toBe(true);
    await smsc.close();
    await sleep(30); // let the provider see the close
    const started = Date.now();
    expect(failureOf(await provider.send(message(), opts(250)))).toMatchObject({ kind: 'network' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});

describe('smpp link management', () => {
  it('reconnects after the SMSC drops the connection and the next send succeeds', async () => {
    const { smsc, provider } = await setup();
    expect((await provider.send(message(), opts())).ok).toBe(true);
    for (const session of smsc.sessions()) session.destroy();
    await until(() => smsc.binds.length === 2);
    const result = await provider.send(message(), opts());
    expect(result).toMatchObject({ ok: true, providerMessageId: '5a02' });
  });

  it('holds a send made while reconnecting until the new bind', async () => {
    const { smsc, provider } = await setup({ reconnectDelayMs: 150 });
    expect((await provider.send(message(), opts())).ok).toBe(true);
    for (const session of smsc.sessions()) session.destroy();
    await sleep(30); // the provider has seen the close; the reconnect is still pending
    const started = Date.now();
    expect(await provider.send(message(), opts())).toMatchObject({ ok: true, providerMessageId: '5a02' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(smsc.binds).toHaveLength(2);
  });

  it('sends enquire_link every period and answers the SMSC enquire_link', async () => {
    const { smsc, provider } = await setup({ enquireLinkSeconds: 0.03 });
    await provider.send(message(), opts());
    await until(() => smsc.enquireLinks >= 3);
    const session = smsc.sessions()[0];
    const response = await new Promise<smpp.PDU>((resolve) => session?.enquire_link(resolve));
    expect(response).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
    expect(smsc.binds).toHaveLength(1);
  });

  it('treats an unanswered enquire_link as a dead link and rebinds', async () => {
    const { smsc, provider } = await setup({ enquireLinkSeconds: 0.03 });
    await provider.send(message(), opts());
    smsc.answerEnquireLink = false;
    await until(() => smsc.binds.length >= 2);
    smsc.answerEnquireLink = true;
    expect((await provider.send(message(), opts())).ok).toBe(true);
  });

  it('unbinds on close and refuses later sends', async () => {
    const { smsc, provider } = await setup();
    await provider.send(message(), opts());
    await provider.close();
    expect(smsc.unbinds).toBe(1);
    expect(failureOf(await provider.send(message(), opts()))).toMatchObject({ kind: 'network' });
  });
});

describe('smpp delivery receipts', () => {
  it('answers deliver_sm and reports the parsed receipt text', async () => {
    const { smsc, provider, reports } = await setup();
    const sent = await provider.send(message(), opts());
    if (!sent.ok) throw new Error('send failed');
    const response = await smsc.deliver({
      esm_class: 0x04,
      short_message: `id:${sent.providerMessageId} sub:001 dlvrd:001 submit date:2611240842 done date:2611240843 stat:DELIVRD err:000 text:Your code is`,
    });
    expect(response).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
    await until(() => reports.length === 1);
    expect(reports).toEqual([
      { providerMessageId: sent.providerMessageId, status: 'delivered', providerStatus: 'DELIVRD' },
    ]);
  });

  it('prefers the receipted_message_id and message_state TLVs and keeps the error code', async () => {
    const { smsc, provider } = await setup();
    const received: DeliveryReport[] = [];
    provider.setDeliveryReportHandler((report) => received.push(report));
    await provider.send(message(), opts());
    await smsc.deliver({
      esm_class: 0x04,
      short_message:
        'id:0000023041 sub:001 dlvrd:000 submit date:2611240842 done date:2611240900 stat:UNDELIV err:034',
      receipted_message_id: '5a01',
      message_state: 5,
    });
    await until(() => received.length === 1);
    expect(received[0]).toEqual({
      providerMessageId: '5a01',
      status: 'undelivered',
      providerStatus: 'UNDELIV',
      errorCode: '034',
    });
  });

  it('answers but ignores mobile-originated deliver_sm and survives a throwing handler', async () => {
    const { smsc, provider } = await setup();
    provider.setDeliveryReportHandler(() => {
      throw new Error('handler bug');
    });
    await provider.send(message(), opts());
    const mo = await smsc.deliver({ esm_class: 0, short_message: 'STOP' });
    expect(mo.command_status).toBe(0);
    await smsc.deliver({ esm_class: 0x04, short_message: 'id:5a01 stat:DELIVRD err:000' });
    expect((await provider.send(message(), opts())).ok).toBe(true);
    expect(smsc.deliverResponses).toHaveLength(2);
  });

  it('maps every receipt state', () => {
    const table: Record<string, string> = {
      DELIVRD: 'delivered',
      UNDELIV: 'undelivered',
      EXPIRED: 'undelivered',
      REJECTD: 'rejected',
      DELETED: 'failed',
      ACCEPTD: 'sent',
      ENROUTE: 'sent',
      UNKNOWN: 'sent',
    };
    for (const [stat, status] of Object.entries(table))
      expect([stat, mapReceiptState(stat)]).toEqual([stat, status]);
  });

  it('parses the Appendix B receipt text', () => {
    expect(
      parseReceiptText(
        'id:7220 sub:001 dlvrd:001 submit date:2611240842 done date:2611240843 stat:EXPIRED err:000 Text:abc',
      ),
    ).toEqual({
      id: '7220',
      sub: '001',
      dlvrd: '001',
      submitDate: '2611240842',
      doneDate: '2611240843',
      stat: 'EXPIRED',
      err: '000',
    });
    expect(
      receiptToReport({ esm_class: 0x04, short_message: { message: 'no fields here' } }),
    ).toBeUndefined();
    expect(
      receiptToReport({ esm_class: 0x04, message_payload: { message: 'id:9 stat:REJECTD err:0B' } }),
    ).toEqual({
      providerMessageId: '9',
      status: 'rejected',
      providerStatus: 'REJECTD',
      errorCode: '0B',
    });
  });
});

describe('smpp receiptIdFormat (submit_sm_resp and receipt ids in different bases)', () => {
  /** Kannel msg-id-type 1: submit_sm_resp in hex, the receipt in decimal. */
  const hexThenDecimal: FakeSmscOptions = { ids: { submit: { base: 16 }, receipt: { base: 10 } } };
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    info: () => undefined,
    warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
    error: () => undefined,
  };
  afterEach(() => {
    warnings.length = 0;
  });

  it('by default compares ids as-is, so a decimal receipt for a hex id never matches (the problem)', async () => {
    const { smsc, provider, reports } = await setup({}, hexThenDecimal);
    const sent = await provider.send(message(), opts());
    expect(sent).toMatchObject({ ok: true, providerMessageId: '5a01' });
    expect(smsc.receiptId(1)).toBe('23041'); // the same id, 0x5a01, in decimal
    await smsc.deliverReceipt(1, 'DELIVRD');
    await until(() => reports.length === 1);
    expect(reports[0]?.providerMessageId).toBe('23041');
    expect(reports[0]?.providerMessageId).not.toBe('5a01'); // no attempt would be found for it
  });

  it('submit_hex_receipt_decimal hands the handler the submit_sm_resp id', async () => {
    const { smsc, provider, reports } = await setup(
      { receiptIdFormat: 'submit_hex_receipt_decimal' },
      hexThenDecimal,
    );
    const first = await provider.send(message(), opts());
    const second = await provider.send(message(), opts());
    expect(first).toMatchObject({ ok: true, providerMessageId: '5a01' });
    expect(second).toMatchObject({ ok: true, providerMessageId: '5a02' });
    await smsc.deliverReceipt(2, 'UNDELIV');
    await smsc.deliverReceipt(1, 'DELIVRD');
    await until(() => reports.length === 2);
    expect(reports).toEqual([
      { providerMessageId: '5a02', status: 'undelivered', providerStatus: 'UNDELIV' },
      { providerMessageId: '5a01', status: 'delivered', providerStatus: 'DELIVRD' },
    ]);
  });

  it('converts the receipted_message_id TLV the same way', async () => {
    const { smsc, provider, reports } = await setup(
      { receiptIdFormat: 'submit_hex_receipt_decimal' },
      hexThenDecimal,
    );
    await provider.send(message(), opts());
    await smsc.deliver({ esm_class: 0x04, receipted_message_id: '23041', message_state: 2 });
    await until(() => reports.length === 1);
    expect(reports[0]).toMatchObject({ providerMessageId: '5a01', status: 'delivered' });
  });

  it('matches upper-case hex ids beyond 2^53 against zero-padded decimal receipts', async () => {
    const { smsc, provider, reports } = await setup(
      { receiptIdFormat: 'submit_hex_receipt_decimal' },
      {
        ids: {
          value: (n) => 0xfedcba9876543200n + BigInt(n),
          submit: { base: 16, upperCase: true },
          receipt: { base: 10, padTo: 24 },
        },
      },
    );
    const sent = await provider.send(message(), opts());
    // Stored lower-case (the canonical form); the SMSC wrote FEDCBA9876543201.
    expect(sent).toMatchObject({ ok: true, providerMessageId: 'fedcba9876543201' });
    expect(smsc.receiptId(1)).toBe('000018364758544493064705');
    await smsc.deliverReceipt(1, 'DELIVRD');
    await until(() => reports.length === 1);
    expect(reports[0]?.providerMessageId).toBe('fedcba9876543201');
  });

  it('submit_decimal_receipt_hex: decimal submit ids, hex receipts', async () => {
    const { smsc, provider, reports } = await setup(
      { receiptIdFormat: 'submit_decimal_receipt_hex' },
      { ids: { submit: { base: 10 }, receipt: { base: 16, upperCase: true, padTo: 10 } } },
    );
    expect(await provider.send(message(), opts())).toMatchObject({ providerMessageId: '23041' });
    expect(smsc.receiptId(1)).toBe('0000005A01');
    await smsc.deliverReceipt(1, 'DELIVRD');
    await until(() => reports.length === 1);
    expect(reports[0]?.providerMessageId).toBe('23041');
  });

  it('drops a receipt whose id has digits outside the format with a warning, and carries on', async () => {
    const { smsc, provider, reports } = await setup(
      { receiptIdFormat: 'submit_hex_receipt_decimal', logger },
      hexThenDecimal,
    );
    await provider.send(message(), opts());
    const response = await smsc.deliver({
      esm_class: 0x04,
      short_message: 'id:5a01 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Your code is 123456',
    });
    expect(response.command_status).toBe(0); // still answered
    await until(() => warnings.length === 1);
    expect(reports).toEqual([]);
    expect(warnings[0]).toEqual({
      fields: { provider: 'smsc-main', receiptIdFormat: 'submit_hex_receipt_decimal', receiptId: '5a01' },
      message: 'smpp: delivery receipt dropped, its message id does not fit receiptIdFormat',
    });
    expect(JSON.stringify(warnings)).not.toContain('123456');

    await smsc.deliverReceipt(1, 'DELIVRD');
    await until(() => reports.length === 1);
    expect(reports[0]?.providerMessageId).toBe('5a01');
  });

  it('keeps a submit_sm_resp id that does not fit the format as sent, with a warning', async () => {
    const { provider } = await setup({ receiptIdFormat: 'submit_decimal_receipt_hex', logger });
    // The fake's default ids are hex (5a01): the SMSC was misconfigured, but it did accept the message.
    expect(await provider.send(message(), opts())).toEqual({
      ok: true,
      providerMessageId: '5a01',
      status: 'queued',
    });
    expect(warnings).toEqual([
      {
        fields: { provider: 'smsc-main', receiptIdFormat: 'submit_decimal_receipt_hex', messageId: '5a01' },
        message: 'smpp: submit_sm_resp message_id does not fit receiptIdFormat, its receipts will not match',
      },
    ]);
  });
});
