import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import type { InboundWebhook } from '../../providers/provider.js';

/**
 * Delivery receipts: `/v1/webhooks/dlr/<provider instance>`. The provider checks its own signature,
 * turns the body into normalised reports, and the dispatcher applies them (duplicates and
 * out-of-order receipts are ignored by the store; a failed receipt fails over).
 */
export function webhookRoutes(app: App): FastifyPluginAsync {
  return async (fastify) => {
    const handler = async (request: FastifyRequest<{ Params: { provider: string } }>) => {
      const provider = app.routing.provider(request.params.provider);
      if (!provider?.parseDeliveryReports) {
        throw new OtpError('NOT_FOUND', { message: 'No provider with delivery receipts by that name.' });
      }
      const inbound: InboundWebhook = {
        method: request.method,
        url: `${app.config.publicUrl}${request.url}`,
        headers: flattenHeaders(request.headers),
        rawBody: request.rawBody ?? '',
        body: request.body ?? {},
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
    const schema = { tags: ['routing'], summary: 'Delivery receipt webhook of one provider instance' };
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
