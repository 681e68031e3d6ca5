import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CHANNELS, maskDestination, normalizeEmail, parsePhone, type Channel } from '../../core/index.js';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import { estimateSend } from '../../service/estimate.js';
import { IdParams } from '../schemas.js';
import { attemptView } from '../views.js';

const EstimateBody = Type.Object(
  {
    to: Type.String({ minLength: 3, maxLength: 254 }),
    route_id: Type.Optional(Type.Integer({ minimum: 1 })),
    channel: Type.Optional(Type.Enum(CHANNELS)),
    purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 1600 })),
    locale: Type.Optional(Type.String({ maxLength: 35 })),
  },
  { additionalProperties: false },
);

/** Routes with prices and health, pre-send estimates, and the delivery state of one message. */
export function routingRoutes(app: App): FastifyPluginAsync {
  return async (fastify) => {
    const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

    f.get(
      '/v1/routes',
      { schema: { tags: ['routing'], summary: 'Configured routes with prices, health and breaker state' } },
      async () => ({
        routes: app.routing.routes().map((route) => {
          const breaker = app.routing.breakers.get(route.id).snapshot();
          const provider = app.routing.provider(route.provider);
          return {
            id: route.id,
            name: route.name,
            provider: route.provider,
            provider_type: provider?.type ?? null,
            channel: route.channel,
            sender: route.sender ?? null,
            traffic_class: route.trafficClass,
            enabled: route.enabled,
            currency: route.currency,
            timeout_seconds: route.timeoutSeconds,
            rates: route.rates.map((r) => ({ prefix: r.prefix, price_micros: r.priceMicros })),
            breaker: {
              state: breaker.state,
              calls: breaker.calls,
              failures: breaker.failures,
              retry_at: breaker.retryAtMs !== undefined ? new Date(breaker.retryAtMs).toISOString() : null,
            },
            health: app.routing.stats.summaryForRoute(route.id),
          };
        }),
      }),
    );

    f.post(
      '/v1/estimate',
      { schema: { tags: ['routing'], summary: 'Price a send before making it', body: EstimateBody } },
      async (request) => {
        const body = request.body;
        const channel: Channel =
          body.channel ?? (body.route_id ? (app.routing.route(body.route_id)?.channel ?? 'sms') : 'sms');
        const { destination, country } =
          channel === 'email'
            ? { destination: normalizeEmail(body.to), country: undefined }
            : (() => {
                const phone = parsePhone(body.to, app.config.defaultCountry);
                return { destination: phone.e164, country: phone.country };
              })();
        const estimate = await estimateSend(
          { routing: app.routing, renderer: app.renderer, codeLength: app.config.policy.codeLength },
          {
            destination,
            country,
            channel,
            purpose: (body.purpose ?? 'login').toLowerCase(),
            pinnedRouteId: body.route_id,
            message: body.message,
            locale: body.locale,
          },
        );
        return { to: maskDestination(destination), country: country ?? null, ...estimate };
      },
    );

    f.get(
      '/v1/messages/:id',
      {
        schema: {
          tags: ['routing'],
          summary: 'Delivery state of one send attempt (no provider key needed)',
          params: IdParams,
        },
      },
      async (request) => {
        const attempt = await app.store.attempts.get(request.params.id);
        if (!attempt) throw new OtpError('MESSAGE_NOT_FOUND');
        return { ...attemptView(attempt), verification_id: attempt.verificationId };
      },
    );
  };
}
