import type { OutboundMessage } from '../provider.js';

export interface TwilioSenders {
  from: string | undefined;
  messagingServiceSid: string | undefined;
  whatsappFrom: string | undefined;
}

/** A create request: which collection to POST to and its form fields (repeatable keys). */
export interface TwilioCreate {
  resource: 'Messages' | 'Calls';
  form: URLSearchParams;
}

/** Builds the Messages/Calls create form, or a reason when no sender is configured. */
export function buildCreateRequest(message: OutboundMessage, senders: TwilioSenders): TwilioCreate | string {
  const form = new URLSearchParams();
  if (message.channel === 'voice') {
    // A caller id must be a phone number; an alphanumeric route sender cannot place calls.
    const callerId = message.sender && /^\+?\d{3,15}$/.test(message.sender) ? message.sender : senders.from;
    if (!callerId) return 'no caller id configured';
    form.set('To', message.to);
    form.set('From', callerId);
    form.set('Twiml', voiceTwiml(message));
    if (message.statusCallbackUrl) {
      form.set('StatusCallback', message.statusCallbackUrl);
      form.set('StatusCallbackMethod', 'POST');
      for (const event of ['initiated', 'ringing', 'answered', 'completed'])
        form.append('StatusCallbackEvent', event);
    }
    return { resource: 'Calls', form };
  }
  if (message.channel === 'whatsapp') {
    const from = senders.whatsappFrom ?? message.sender ?? senders.from;
    if (!from) return 'no WhatsApp sender configured';
    form.set('To', whatsapp(message.to));
    form.set('From', whatsapp(from));
  } else {
    const from = message.sender ?? senders.from;
    if (!from && !senders.messagingServiceSid) return 'no sender or messaging service configured';
    form.set('To', message.to);
    if (from) form.set('From', from);
    if (senders.messagingServiceSid) form.set('MessagingServiceSid', senders.messagingServiceSid);
  }
  form.set('Body', message.text);
  if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);
  return { resource: 'Messages', form };
}

function whatsapp(address: string): string {
  return address.startsWith('whatsapp:') ? address : `whatsapp:${address}`;
}

/**
 * The call says the code twice, read digit by digit ("1, 2, 3"): the rendered text
 * keeps its language, the code in it is spelled out; without the code in it, a plain sentence.
 */
export function voiceTwiml(message: Pick<OutboundMessage, 'text' | 'code' | 'locale'>): string {
  const digits = [...message.code].join(', ');
  // Voice templates usually spell the code out already; then the text is said as rendered.
  const spoken = message.text.includes(digits)
    ? message.text
    : message.code && message.text.includes(message.code)
      ? message.text.split(message.code).join(digits)
      : `Your code is ${digits}.`;
  const { voice, language } = sayVoiceFor(message.locale);
  const say = `<Say voice="${voice}" language="${language}">${xmlEscape(spoken)}</Say>`;
  // A text that already repeats the code (the built-in voice templates do) is said once.
  const repeatsCode = spoken.split(digits).length > 2;
  return repeatsCode ? `<Response>${say}</Response>` : `<Response>${say}<Pause length="1"/>${say}</Response>`;
}

/**
 * A `<Say>` voice and language that Twilio documents together, for the language the text is written
 * in. Twilio may fail a `<Say>` whose voice does not speak its language, and the call still ends
 * "completed" (which reads as delivered), so the caller's locale is never passed through as is:
 * a language without a known voice is read by the English voice rather than by a wrong pairing.
 * Amazon Polly standard voices, one per built-in template language (and English variants).
 */
const SAY_VOICES: Readonly<Record<string, { voice: string; language: string }>> = {
  en: { voice: 'Polly.Joanna', language: 'en-US' },
  'en-us': { voice: 'Polly.Joanna', language: 'en-US' },
  'en-gb': { voice: 'Polly.Amy', language: 'en-GB' },
  nl: { voice: 'Polly.Lotte', language: 'nl-NL' },
  de: { voice: 'Polly.Marlene', language: 'de-DE' },
  fr: { voice: 'Polly.Celine', language: 'fr-FR' },
  es: { voice: 'Polly.Conchita', language: 'es-ES' },
};

export function sayVoiceFor(locale: string | undefined): { voice: string; language: string } {
  const normalized = (locale ?? 'en').toLowerCase().replace(/_/g, '-');
  const fallback = SAY_VOICES.en!;
  return SAY_VOICES[normalized] ?? SAY_VOICES[normalized.split('-')[0] ?? ''] ?? fallback;
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => {
    switch (char) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&apos;';
      default:
        return '&quot;';
    }
  });
}
