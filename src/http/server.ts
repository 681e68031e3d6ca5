import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from '../app.js';
import { OtpError } from '../errors/index.js';
import { sendError, toOtpError } from './error-envelope.js';
import { registerBodyParsers } from './raw-body.js';
import { registerTokenAuth } from './auth.js';
import { COMPAT_PATHS, compatRoutes } from './compat/compat-routes.js';
import { jsonInvalid } from './compat/pydantic-errors.js';
import { verificationRoutes } from './routes/verifications.js';
import { healthRoutes } from './routes/health.js';
import { devRoutes } from './routes/dev.js';
import { routingRoutes } from './routes/routing.js';
import { webhookRoutes } from './routes/webhooks.js';
import { OTPGATE_VERSION } from '../version.js';

/** Builds the HTTP server for an app. Does not listen; call `.listen()` or `.inject()`. */
export async function buildServer(app: App): Promise<FastifyInstance> {
  const { config } = app;
  const requestIdPrefix = app.random.hex(4);
  let requestCounter = 0;
  const fastify = Fastify({
    logger: config.requestLogging ? { level: config.logLevel } : false,
    bodyLimit: config.maxBodyBytes,
    trustProxy: false,
    // Request ids only correlate logs and errors; a per-process prefix plus a counter is unique and cheap.
    genReqId: () => `req_${requestIdPrefix}${(requestCounter++).toString(36)}`,
    // Errors Fastify raises before routing (bad URL encoding, over-long path parameters) get the
    // same typed envelope as everything else.
    frameworkErrors: (error, request, reply) => {
      sendError(
        reply,
        request,
        new OtpError('VALIDATION_FAILED', {
          message: 'The request URL is not valid.',
          details: { reason: error.code },
        }),
      );
    },
    ajv: {
      // Strict input: no type coercion, no silently dropped fields (unknown fields are a 400).
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false },
    },
  });

  registerBodyParsers(fastify);
  registerTokenAuth(fastify, config.apiToken);

  fastify.setErrorHandler((error, request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const otpError = toOtpError(error);
    if (otpError.code === 'INTERNAL') {
      app.logger.error(
        { event: 'http.internal_error', request_id: request.id, error: String(error) },
        'internal error',
      );
    }
    if (COMPAT_PATHS.has(path)) {
      // The reference server answers bad JSON with a pydantic 422 list, and everything else as {"detail": …}.
      if (otpError.code === 'INVALID_JSON') return reply.code(422).send({ detail: [jsonInvalid()] });
      if (otpError.retryAfterSeconds !== undefined)
        reply.header('retry-after', String(otpError.retryAfterSeconds));
      return reply.code(otpError.status).send({ detail: otpError.message });
    }
    return sendError(reply, request, otpError);
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      new OtpError('NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}` }),
    ),
  );

  await fastify.register(swagger, {
    openapi: {
      info: {
        title: 'otpgate',
        version: OTPGATE_VERSION,
        description: 'Self-hosted OTP verification gateway with explicit, programmable routing.',
      },
      tags: [
        { name: 'verifications', description: 'Send and check codes' },
        { name: 'routing', description: 'Routes, prices, estimates and delivery state' },
        { name: 'reference-compatible', description: 'The reference FastAPI OTP server contract' },
        { name: 'operations', description: 'Health' },
      ],
    },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs' });

  await fastify.register(healthRoutes(app));
  await fastify.register(verificationRoutes(app));
  await fastify.register(compatRoutes(app, OTPGATE_VERSION));
  await fastify.register(routingRoutes(app));
  await fastify.register(webhookRoutes(app));
  if (config.mode === 'development') await fastify.register(devRoutes(app));
  return fastify;
}
