import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CHANNELS, maskDestination, normalizeEmail, parsePhone, type Channel } from '../../core/index.js';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import { estimateSend } from '../../service/estimate.js';
import { ERROR_RESPONSES, EstimateView, IdParams, MessageView, RoutesView, pick } from '../schemas.js';
import { attemptView, routeView } from '../views.js';

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
      {
        schema: {
          tags: ['routing'],
          summary: 'Configured routes with prices, health and breaker state',
          response: { 200: RoutesView, 401: ERROR_RESPONSES[401] },
        },
      },
      async () => ({
        routes: app.routing
          .routes()
          .map((route) =>
            routeView(
              route,
              app.routing.provider(route.provider)?.type,
              app.routing.breakers.get(route.id).snapshot(),
              app.routing.stats.summaryForRoute(route.id),
            ),
          ),
      }),
    );

    f.post(
      '/v1/estimate',
      {
        schema: {
          tags: ['routing'],
          summary: 'Price a send before making it',
          body: EstimateBody,
          response: { 200: EstimateView, ...pick(ERROR_RESPONSES, [400, 401, 404, 413, 415, 422, 503]) },
        },
      },
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
          response: { 200: MessageView, ...pick(ERROR_RESPONSES, [400, 401, 404]) },
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
