import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { maskDestination, type Channel } from '../../core/index.js';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import { estimateSend } from '../../service/estimate.js';
import {
  ERROR_RESPONSES,
  EstimateBody,
  EstimateView,
  IdParams,
  MessageView,
  RoutesView,
  pick,
} from '../schemas.js';
import { normalizePurpose } from '../../service/purpose.js';
import { attemptView, routeView } from '../views.js';

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
        // The channel and the destination are read exactly as a send reads them, so a route that
        // cannot reach the destination is the same NO_ROUTE here as there.
        const channel: Channel = body.channel ?? 'sms';
        const { destination, country } = app.service.destinationOf(body.to, channel);
        const estimate = await estimateSend(
          { routing: app.routing, renderer: app.renderer, codeLength: app.config.policy.codeLength },
          {
            destination,
            country,
            channel,
            purpose: normalizePurpose(body.purpose),
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
