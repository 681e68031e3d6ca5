import type { FastifyPluginAsync } from 'fastify';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';

/** Liveness (the process answers) and readiness (the store answers). Never behind auth. */
export function healthRoutes(app: App): FastifyPluginAsync {
  return async (fastify) => {
    fastify.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
      status: 'ok',
    }));
    fastify.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness' } }, async () => {
      try {
        await app.store.health();
      } catch (error) {
        throw new OtpError('NOT_READY', {
          message: 'The store is not reachable.',
          cause: error,
          retryAfterSeconds: 5,
        });
      }
      return { status: 'ready', store: app.store.kind };
    });
  };
}
