import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import type { InboundWebhook } from '../../providers/provider.js';
import { registerFormBodyParser } from '../raw-body.js';
import { ErrorResponse, ERROR_RESPONSES } from '../schemas.js';

/**
 * Delivery receipts: `/v1/webhooks/dlr/<provider instance>`. The provider checks its own signature,
 * turns the body into normalised reports, and the dispatcher applies them (duplicates and
 * out-of-order receipts are ignored by the store; a failed receipt fails over).
 *
 * This plugin is the only place that accepts form bodies (Twilio posts its receipts as
 * application/x-www-form-urlencoded); the parser is registered in this encapsulated scope only.
 */
export function webhookRoutes(app: App): FastifyPluginAsync {
  return async (fastify) => {
    registerFormBodyParser(fastify);
    const handler = async (request: FastifyRequest<{ Params: { provider: string } }>) => {
      const provider = app.routing.provider(request.params.provider);
      if (!provider?.parseDeliveryReports) {
        throw new OtpError('NOT_FOUND', { message: 'No provider with delivery receipts by that name.' });
      }
      const inbound: InboundWebhook = {
        method: request.method,
        url: `${app.publicUrl()}${request.url}`,
        headers: flattenHeaders(request.headers),
        rawBody: request.rawBody ?? '',
        // Undefined when nothing was sent, so a provider can tell a GET (or an empty POST) from a body.
        body: request.body,
        query: request.query as Record<string, string | undefined>,
      };
      if (provider.verifyWebhook && !provider.verifyWebhook(inbound)) {
        app.logger.warn(
          { event: 'webhook.bad_signature', provider: provider.name },
          'webhook signature invalid',
        );
        throw new OtpError('WEBHOOK_SIGNATURE_INVALID');
      }
      const reports = provider.parseDeliveryReports(inbound);
      let applied = 0;
      for (const report of reports) {
        if ((await app.dispatcher.onReceipt(provider.name, report))?.changed) applied += 1;
      }
      return { received: reports.length, applied };
    };
    const schema = {
      tags: ['routing'],
      summary: 'Delivery receipt webhook of one provider instance',
      description: 'Takes JSON or form bodies (or a query string), as the provider sends them.',
      response: {
        200: Type.Object({
          received: Type.Integer({ description: 'Delivery reports in the request' }),
          applied: Type.Integer({ description: 'Reports that changed a message state' }),
        }),
        401: ErrorResponse('WEBHOOK_SIGNATURE_INVALID'),
        404: ErrorResponse('NOT_FOUND: no provider instance with delivery receipts by that name'),
        413: ERROR_RESPONSES[413],
        415: ErrorResponse('UNSUPPORTED_MEDIA_TYPE: the body is neither JSON nor a form'),
      },
    };
    fastify.post('/v1/webhooks/dlr/:provider', { schema }, handler);
    fastify.get('/v1/webhooks/dlr/:provider', { schema }, handler);
  };
}

function flattenHeaders(headers: FastifyRequest['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers))
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
