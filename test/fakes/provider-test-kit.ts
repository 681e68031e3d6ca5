import type { InboundWebhook, OutboundMessage, ProviderFailure } from '../../src/providers/provider.js';

/**
 * The small pieces every provider adapter test starts with: an OutboundMessage factory, a failure
 * unwrapper, and an InboundWebhook factory.
 *
 *   const message = messageFactory({ to: '+447700900123', statusCallbackUrl: CALLBACK });
 *   failureOf(await provider.send(message({ channel: 'voice' }), opts())); // throws unless it failed
 *   provider.verifyWebhook(webhookFactory(CALLBACK)({ body, rawBody }));
 */

/**
 * Makes messages: a Dutch SMS "Your code is 123456" (attempt msg_1, verification ver_1, no subject,
 * sender, locale or callback), then the test file's `defaults`, then each call's overrides.
 */
export function messageFactory(
  defaults: Partial<OutboundMessage> = {},
): (overrides?: Partial<OutboundMessage>) => OutboundMessage {
  return (overrides = {}) => ({
    attemptId: 'msg_1',
    verificationId: 'ver_1',
    to: '+31651860670',
    channel: 'sms',
    text: 'Your code is 123456',
    code: '123456',
    subject: undefined,
    sender: undefined,
    locale: undefined,
    statusCallbackUrl: undefined,
    ...defaults,
    ...overrides,
  });
}

/** The failure of a send (or balance, estimate…) result; throws when the result is not one. */
export function failureOf(result: { ok: boolean }): ProviderFailure {
  if (result.ok || !('failure' in result))
    throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result.failure as ProviderFailure;
}

/** Makes webhooks: a POST to `url` with no headers, body or query, then each call's parts. */
export function webhookFactory(url: string): (parts: Partial<InboundWebhook>) => InboundWebhook {
  return (parts) => ({ method: 'POST', url, headers: {}, rawBody: '', body: undefined, query: {}, ...parts });
}
