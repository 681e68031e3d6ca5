import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundWebhook, ProviderFailure } from '../../src/providers/provider.js';
import {
  createTwilioProvider,
  mapTwilioStatus,
  twilioSignature,
  verifyTwilioSignature,
  sayVoiceFor,
  voiceTwiml,
  type TwilioOptions,
} from '../../src/providers/twilio/index.js';
import { startFakeHttpServer, type FakeHttpServer } from '../fakes/fake-http-server.js';
import { failureOf, messageFactory } from '../fakes/provider-test-kit.js';
import { TwilioFake, signTwilioRequest } from '../fakes/twilio-fake.js';

const opts = () => ({ signal: AbortSignal.timeout(2_000) });

const message = messageFactory({ statusCallbackUrl: 'https://otp.example.com/webhooks/twilio/tw-main' });

let fake: TwilioFake;
const provider = (extra: Partial<TwilioOptions> = {}) =>
  createTwilioProvider({
    name: 'tw-main',
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    baseUrl: fake.baseUrl,
    from: '+15005550006',
    whatsappFrom: '+14155238886',
    ...extra,
  });

beforeAll(async () => {
  fake = await TwilioFake.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
});

describe('twilio send', () => {
  it('posts an SMS to Messages.json with Basic auth and the documented form fields', async () => {
    const result = await provider().send(message(), opts());
    expect(result).toMatchObject({ ok: true, status: 'queued' });
    if (!result.ok) return;
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result.priceMicros).toBeUndefined();

    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      To: '+31651860670',
      From: '+15005550006',
      Body: 'Your code is 123456',
      StatusCallback: 'https://otp.example.com/webhooks/twilio/tw-main',
    });
  });

  it('uses the route sender, or the messaging service when there is no From', async () => {
    await provider().send(message({ sender: 'ACME' }), opts());
    expect(fake.requests[0]?.form.get('From')).toBe('ACME');

    const viaService = provider({
      from: undefined,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    });
    const result = await viaService.send(message(), opts());
    expect(result).toMatchObject({ ok: true, status: 'queued' }); // Twilio answers "accepted"
    expect(fake.requests[1]?.form.get('From')).toBeNull();
    expect(fake.requests[1]?.form.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
  });

  it('prefixes both WhatsApp addresses with whatsapp:', async () => {
    const result = await provider().send(message({ channel: 'whatsapp' }), opts());
    expect(result.ok).toBe(true);
    const form = fake.requests[0]?.form;
    expect(form?.get('To')).toBe('whatsapp:+31651860670');
    expect(form?.get('From')).toBe('whatsapp:+14155238886');
    expect(form?.get('Body')).toBe('Your code is 123456');
  });

  it('places a voice call to Calls.json whose TwiML reads the code digit by digit, twice, escaped', async () => {
    const result = await provider().send(
      message({ channel: 'voice', text: 'Tom & Jerry <app>: your code is 123456', locale: 'en-GB' }),
      opts(),
    );
    expect(result.ok && result.providerMessageId).toMatch(/^CA[0-9a-f]{32}$/);
    const request = fake.requests[0];
    expect(request?.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    const say =
      '<Say voice="Polly.Amy" language="en-GB">Tom &amp; Jerry &lt;app&gt;: your code is 1, 2, 3, 4, 5, 6</Say>';
    expect(request?.form.get('Twiml')).toBe(`<Response>${say}<Pause length="1"/>${say}</Response>`);
    expect(request?.form.get('To')).toBe('+31651860670');
    expect(request?.form.get('From')).toBe('+15005550006');
    expect(request?.form.get('StatusCallback')).toBe('https://otp.example.com/webhooks/twilio/tw-main');
    expect(request?.form.getAll('StatusCallbackEvent')).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
  });

  it('falls back to a plain sentence when the text does not contain the code', () => {
    expect(voiceTwiml({ text: 'Hello', code: '42', locale: undefined })).toBe(
      '<Response><Say voice="Polly.Joanna" language="en-US">Your code is 4, 2.</Say><Pause length="1"/><Say voice="Polly.Joanna" language="en-US">Your code is 4, 2.</Say></Response>',
    );
  });

  it('reads each text with a voice that speaks its language, never a raw caller locale', () => {
    expect(sayVoiceFor('nl')).toEqual({ voice: 'Polly.Lotte', language: 'nl-NL' });
    expect(sayVoiceFor('nl-be')).toEqual({ voice: 'Polly.Lotte', language: 'nl-NL' });
    expect(sayVoiceFor('de')).toEqual({ voice: 'Polly.Marlene', language: 'de-DE' });
    expect(sayVoiceFor('fr')).toEqual({ voice: 'Polly.Celine', language: 'fr-FR' });
    expect(sayVoiceFor('es')).toEqual({ voice: 'Polly.Conchita', language: 'es-ES' });
    expect(sayVoiceFor('en_GB')).toEqual({ voice: 'Polly.Amy', language: 'en-GB' });
    // No known voice: English, not a made-up pairing Twilio may fail while the call "completes".
    for (const unknown of ['ZZ-zz', 'pt_BR', 'x" onload="y', undefined]) {
      expect(sayVoiceFor(unknown)).toEqual({ voice: 'Polly.Joanna', language: 'en-US' });
    }
    expect(voiceTwiml({ text: 'code 42', code: '42', locale: 'ZZ-zz' })).not.toContain('ZZ');
  });

  it('says a text that already repeats the code once, so the code is heard twice, not four times', () => {
    const twice = 'Your code is 1, 2, 3. I repeat: 1, 2, 3.';
    expect(voiceTwiml({ text: twice, code: '123', locale: 'en' })).toBe(
      `<Response><Say voice="Polly.Joanna" language="en-US">${twice}</Say></Response>`,
    );
    expect(voiceTwiml({ text: 'Your code is 1, 2, 3.', code: '123', locale: 'en' })).toContain(
      '<Pause length="1"/>',
    );
  });

  it('turns the negative price string into absolute micros with its currency', async () => {
    fake.script({ kind: 'ok', status: 'sent', price: '-0.00750', priceUnit: 'usd' });
    const result = await provider().send(message(), opts());
    expect(result).toMatchObject({ ok: true, status: 'sent', priceMicros: 7500, currency: 'USD' });
  });

  it('refuses channels it does not offer and sends nothing', async () => {
    const smsOnly = provider({ from: undefined, whatsappFrom: undefined, messagingServiceSid: 'MGx' });
    expect(smsOnly.channels).toEqual(['sms']);
    expect(failureOf(await smsOnly.send(message({ channel: 'voice' }), opts()))).toMatchObject({
      kind: 'unsupported',
      retryable: false,
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('twilio failure mapping', () => {
  const cases: [string, Parameters<TwilioFake['script']>[0], Partial<ProviderFailure>][] = [
    [
      '21211 invalid To',
      { kind: 'error', httpStatus: 400, code: 21211 },
      { kind: 'invalid_number', retryable: false, providerCode: '21211' },
    ],
    [
      '21614 not a mobile',
      { kind: 'error', httpStatus: 400, code: 21614 },
      { kind: 'invalid_number', providerCode: '21614' },
    ],
    ['21217 voice number', { kind: 'error', httpStatus: 400, code: 21217 }, { kind: 'invalid_number' }],
    [
      '21408 region not enabled',
      { kind: 'error', httpStatus: 400, code: 21408 },
      { kind: 'blocked', retryable: false },
    ],
    ['21610 unsubscribed', { kind: 'error', httpStatus: 400, code: 21610 }, { kind: 'blocked' }],
    ['21612 cannot route', { kind: 'error', httpStatus: 400, code: 21612 }, { kind: 'blocked' }],
    ['21606 From not enabled', { kind: 'error', httpStatus: 400, code: 21606 }, { kind: 'blocked' }],
    [
      '20429 too many requests',
      { kind: 'error', httpStatus: 429, code: 20429 },
      { kind: 'throttled', retryable: true },
    ],
    ['30001 queue overflow', { kind: 'error', httpStatus: 400, code: 30001 }, { kind: 'throttled' }],
    ['plain 429', { kind: 'error', httpStatus: 429 }, { kind: 'throttled', providerCode: '429' }],
    [
      '500',
      { kind: 'error', httpStatus: 500, code: 20500 },
      { kind: 'server', retryable: true, providerCode: '20500' },
    ],
    [
      'unknown 400 code',
      { kind: 'error', httpStatus: 400, code: 21999 },
      { kind: 'rejected', retryable: false },
    ],
    ['malformed 201', { kind: 'malformed' }, { kind: 'malformed_response', retryable: true }],
    ['connection reset', { kind: 'reset' }, { kind: 'network', retryable: true }],
  ];
  it.each(cases)('%s', async (_name, step, expected) => {
    fake.script(step);
    expect(failureOf(await provider().send(message(), opts()))).toMatchObject(expected);
  });

  it('maps the fake validating an invalid number to invalid_number', async () => {
    const failure = failureOf(await provider().send(message({ to: '+12' }), opts()));
    expect(failure).toMatchObject({ kind: 'invalid_number', providerCode: '21211' });
    expect(failure.message).not.toContain('+12');
  });

  it('maps refused credentials (401 / 20003) to auth', async () => {
    const wrong = provider({ authToken: 'not-the-token' });
    expect(failureOf(await wrong.send(message(), opts()))).toMatchObject({
      kind: 'auth',
      providerCode: '20003',
    });
  });

  it('maps a hanging API to timeout within the caller signal', async () => {
    fake.script({ kind: 'hang' });
    const started = Date.now();
    const failure = failureOf(await provider().send(message(), { signal: AbortSignal.timeout(150) }));
    expect(failure).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('also honours its own timeoutMs', async () => {
    fake.script({ kind: 'hang' });
    const failure = failureOf(await provider({ timeoutMs: 100 }).send(message(), opts()));
    expect(failure.kind).toBe('timeout');
  });

  it('maps a refused connection to network', async () => {
    const closed = await TwilioFake.start();
    const baseUrl = closed.baseUrl;
    await closed.close();
    expect(failureOf(await provider({ baseUrl }).send(message(), opts()))).toMatchObject({ kind: 'network' });
  });
});

describe('twilio delivery status', () => {
  it('normalises message and call statuses in one table', () => {
    const table: Record<string, string | undefined> = {
      queued: 'queued',
      accepted: 'queued',
      scheduled: 'queued',
      sending: 'sent',
      sent: 'sent',
      delivered: 'delivered',
      read: 'delivered',
      undelivered: 'undelivered',
      failed: 'failed',
      canceled: 'failed',
      initiated: 'sent',
      ringing: 'sent',
      'in-progress': 'sent',
      completed: 'delivered',
      busy: 'undelivered',
      'no-answer': 'undelivered',
      received: undefined,
    };
    for (const [word, status] of Object.entries(table))
      expect([word, mapTwilioStatus(word)]).toEqual([word, status]);
  });

  it('polls Messages/{sid}.json and reports the state, error code and price', async () => {
    fake.script({ kind: 'ok', price: '-0.0079', priceUnit: 'EUR' });
    const p = provider();
    const sent = await p.send(message(), opts());
    if (!sent.ok) throw new Error('send failed');
    fake.setStatus(sent.providerMessageId, 'undelivered', 30003);
    const report = await p.fetchDeliveryStatus(sent.providerMessageId, opts());
    expect(report).toEqual({
      providerMessageId: sent.providerMessageId,
      status: 'undelivered',
      providerStatus: 'undelivered',
      errorCode: '30003',
      priceMicros: 7900,
      currency: 'EUR',
    });
    expect(fake.requests.at(-1)?.method).toBe('GET');
    expect(fake.requests.at(-1)?.path).toBe(
      `/2010-04-01/Accounts/${fake.accountSid}/Messages/${sent.providerMessageId}.json`,
    );
    expect(await p.fetchDeliveryStatus('SM00000000000000000000000000000000', opts())).toBeUndefined();
  });
});

describe('twilio status callbacks', () => {
  let receiver: FakeHttpServer;
  let receiverUrl: string;
  const received: InboundWebhook[] = [];

  beforeAll(async () => {
    receiver = await startFakeHttpServer((request) => {
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(request.headers))
        headers[key] = Array.isArray(value) ? value.join(',') : value;
      received.push({
        method: request.method,
        // Behind a proxy the public URL differs from where we listen; the signature covers the public one.
        url: `https://otp.example.com${request.path}`,
        headers,
        rawBody: request.rawBody,
        body: Object.fromEntries(new URLSearchParams(request.rawBody)),
        query: {},
      });
      return { status: 204 };
    });
    receiverUrl = receiver.url;
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('verifies the signed message callback and parses it into a report', async () => {
    const p = provider();
    const sent = await p.send(message(), opts());
    if (!sent.ok) throw new Error('send failed');
    const posted = await fake.sendStatusCallback(sent.providerMessageId, 'delivered', {
      postTo: `${receiverUrl}/webhooks/twilio/tw-main`,
    });
    expect(posted.status).toBe(204);
    const webhook = received.at(-1);
    if (!webhook) throw new Error('no callback received');
    expect(p.verifyWebhook(webhook)).toBe(true);
    expect(p.parseDeliveryReports(webhook)).toEqual([
      { providerMessageId: sent.providerMessageId, status: 'delivered', providerStatus: 'delivered' },
    ]);

    expect(p.verifyWebhook({ ...webhook, rawBody: webhook.rawBody.replace('delivered', 'failed') })).toBe(
      false,
    );
    expect(p.verifyWebhook({ ...webhook, url: `${webhook.url}?x=1` })).toBe(false);
    expect(p.verifyWebhook({ ...webhook, headers: {} })).toBe(false);
    expect(provider({ authToken: 'other' }).verifyWebhook(webhook)).toBe(false);
  });

  it('parses failed message callbacks with their ErrorCode, and call callbacks', async () => {
    const p = provider();
    const sms = await p.send(message(), opts());
    const call = await p.send(message({ channel: 'voice' }), opts());
    if (!sms.ok || !call.ok) throw new Error('send failed');
    const postTo = `${receiverUrl}/webhooks/twilio/tw-main`;

    await fake.sendStatusCallback(sms.providerMessageId, 'undelivered', { errorCode: 30005, postTo });
    expect(p.parseDeliveryReports(received.at(-1) as InboundWebhook)).toEqual([
      {
        providerMessageId: sms.providerMessageId,
        status: 'undelivered',
        providerStatus: 'undelivered',
        errorCode: '30005',
      },
    ]);

    for (const [word, status] of [
      ['ringing', 'sent'],
      ['completed', 'delivered'],
      ['no-answer', 'undelivered'],
      ['busy', 'undelivered'],
    ] as const) {
      await fake.sendStatusCallback(call.providerMessageId, word, { postTo });
      const webhook = received.at(-1) as InboundWebhook;
      expect(p.verifyWebhook(webhook)).toBe(true);
      expect(p.parseDeliveryReports(webhook)).toEqual([
        { providerMessageId: call.providerMessageId, status, providerStatus: word },
      ]);
    }
  });

  it('reads the raw form body when the HTTP layer did not parse it', () => {
    const p = provider();
    const rawBody = 'MessageSid=SM1&MessageStatus=sent';
    expect(
      p.parseDeliveryReports({
        method: 'POST',
        url: 'https://x/',
        headers: {},
        rawBody,
        body: undefined,
        query: {},
      }),
    ).toEqual([{ providerMessageId: 'SM1', status: 'sent', providerStatus: 'sent' }]);
    expect(
      p.parseDeliveryReports({
        method: 'POST',
        url: 'https://x/',
        headers: {},
        rawBody: 'Foo=bar',
        body: {},
        query: {},
      }),
    ).toEqual([]);
  });
});

describe('twilio signature', () => {
  // The example from Twilio's "Secure webhooks" documentation (api-snippets signature_validation).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = new URLSearchParams({
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675310',
    Digits: '1234',
    From: '+14158675310',
    To: '+18005551212',
  });

  it('matches the documented example', () => {
    expect(twilioSignature('12345', url, params)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(signTwilioRequest('12345', url, params)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(verifyTwilioSignature('12345', 'GvWf1cFY/Q7PnoempGyD5oXAezc=', url, params.toString())).toBe(true);
    expect(verifyTwilioSignature('12345', 'GvWf1cFY/Q7PnoempGyD5oXAezc=', url, `${params}&Extra=1`)).toBe(
      false,
    );
  });

  it('accepts the URL with or without the default port', () => {
    const signature = twilioSignature('tok', 'https://otp.example.com:443/hook', params);
    expect(verifyTwilioSignature('tok', signature, 'https://otp.example.com/hook', params.toString())).toBe(
      true,
    );
    const bare = twilioSignature('tok', 'https://otp.example.com/hook', params);
    expect(verifyTwilioSignature('tok', bare, 'https://otp.example.com:443/hook', params.toString())).toBe(
      true,
    );
  });

  it('supports the JSON-body variant (bodySHA256 on the URL)', () => {
    const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
    const signed =
      'https://example.com/myapp?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9';
    const signature = signTwilioRequest('12345', signed, new URLSearchParams());
    expect(verifyTwilioSignature('12345', signature, signed, body)).toBe(true);
    expect(verifyTwilioSignature('12345', signature, signed, body.replace('CA', 'CB'))).toBe(false);
  });
});
