import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../../app.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Development-only views. Not registered at all in production mode. */
export function devRoutes(app: App): FastifyPluginAsync {
  return async (fastify) => {
    fastify.get(
      '/v1/dev/outbox',
      {
        schema: {
          tags: ['development'],
          summary: 'Messages the sandbox provider "sent" (development mode only)',
          response: {
            // Items pass through as built below (additionalProperties): this view is for development.
            200: Type.Object({
              messages: Type.Array(Type.Object({}, { additionalProperties: true })),
            }),
            401: ERROR_RESPONSES[401],
          },
        },
      },
      async () => ({
        messages: (app.sandbox?.listOutbox(100) ?? []).map((m) => ({
          provider_message_id: m.providerMessageId,
          message_id: m.attemptId,
          verification_id: m.verificationId,
          to: m.to,
          channel: m.channel,
          sender: m.sender ?? null,
          subject: m.subject ?? null,
          text: m.text,
          sent_at: new Date(m.sentAtMs).toISOString(),
        })),
      }),
    );
  };
}
