import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from '../app.js';
import { OtpError, type ErrorCode } from '../errors/index.js';
import { sendError, toOtpError } from './error-envelope.js';
import { answerClientError } from './client-error.js';
import { RouteMethods } from './route-methods.js';
import { pathOf, routePath } from './route-path.js';
import { NOT_UTF8, registerBodyParsers, registerReferenceBodyParsers } from './raw-body.js';
import { registerTokenAuth } from './auth.js';
import {
  BODY_PARSE_ERROR,
  COMPAT_PATHS,
  compatRoutes,
  processTimeMs,
  registerProcessTimer,
} from './compat/compat-routes.js';
import { jsonInvalid, modelType } from './compat/pydantic-errors.js';
import { pythonRecursesTooDeep } from './compat/python-json.js';
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
  // Request ids only correlate logs and errors; a per-process prefix plus a counter is unique and cheap.
  const nextRequestId = () => `req_${requestIdPrefix}${(requestCounter++).toString(36)}`;
  const routeMethods = new RouteMethods();
  const requestTimeoutMs = config.requestTimeoutSeconds * 1000;
  const fastify = Fastify({
    // Request logs name the path only: query strings carry provider credentials (Vonage's GET
    // receipts send api-key) and full phone numbers, which no log line may hold.
    logger: config.requestLogging ? { level: config.logLevel, serializers: { req: requestLogView } } : false,
    bodyLimit: config.maxBodyBytes,
    // Fastify turns Node's whole-request timeout off; a client that stalls inside its body would
    // otherwise hold the connection (and a clean shutdown) forever. Node ignores the limit while
    // the headers timeout is longer, and checks deadlines on a timer (every 30 s by default).
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 2),
    },
    trustProxy: false,
    genReqId: nextRequestId,
    // `/health/` is `/health`, `/v1/routes/` is `/v1/routes`.
    routerOptions: { ignoreTrailingSlash: true },
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
    // Requests Node's HTTP parser refuses (an unknown method, a request line or headers over the
    // size limit, a timeout) never reach Fastify's routing; they get the envelope here too.
    clientErrorHandler: (error, socket) => {
      answerClientError(error, socket, nextRequestId(), (requestId, code) =>
        fastify.log.debug({ request_id: requestId, reason: code }, 'client error'),
      );
    },
    ajv: {
      // Strict input: no type coercion, no silently dropped fields (unknown fields are a 400).
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false },
    },
  });

  // Every route's path and methods, so that a wrong method is told apart from an unknown path.
  fastify.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  registerBodyParsers(fastify);
  // The reference paths answer in the reference's shapes only while they are served.
  const referencePaths: ReadonlySet<string> = config.referenceApi ? COMPAT_PATHS : new Set<string>();
  if (config.referenceApi) registerProcessTimer(fastify);
  registerTokenAuth(fastify, config.apiToken, referencePaths);

  fastify.setErrorHandler((error, request, reply) => {
    const otpError = toOtpError(error);
    if (otpError.code === 'INTERNAL') {
      app.logger.error(
        { event: 'http.internal_error', request_id: request.id, error: String(error) },
        'internal error',
      );
    }
    if (referencePaths.has(routePath(request))) {
      // The reference server answers a body it cannot read as pydantic 422 lists (bad JSON, a
      // body that is not JSON), and everything else as {"detail": …}.
      if (otpError.code === 'INVALID_JSON' && otpError.details?.reason === NOT_UTF8) {
        // FastAPI's answer when the body cannot even be decoded.
        return reply.code(400).send({ detail: BODY_PARSE_ERROR });
      }
      if (otpError.code === 'INVALID_JSON') {
        // FastAPI reads an empty JSON body as no body: "Field required", not a decode error.
        const body = request.rawBody ?? '';
        // Zero bytes are no body to FastAPI; whitespace is parsed, and fails like any bad JSON.
        const empty = body === '';
        // Nested deeper than Python recurses before the syntax error: a RecursionError, not a 422.
        if (!empty && pythonRecursesTooDeep(body)) return reply.code(400).send({ detail: BODY_PARSE_ERROR });
        return reply.code(422).send({ detail: [empty ? modelType(undefined) : jsonInvalid(body)] });
      }
      if (otpError.code === 'UNSUPPORTED_MEDIA_TYPE') {
        return reply.code(422).send({ detail: [modelType(request.rawBody ?? '')] });
      }
      if (otpError.retryAfterSeconds !== undefined)
        reply.header('retry-after', String(otpError.retryAfterSeconds));
      return reply
        .code(otpError.status)
        .send({ detail: REFERENCE_DETAIL[otpError.code] ?? otpError.message });
    }
    return sendError(reply, request, otpError);
  });
  fastify.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const allowed = routeMethods.allowed(path);
    const reference = referencePaths.has(path);
    if (reference) reply.header('x-process-time-ms', processTimeMs(request));
    if (allowed.length > 0) {
      // The path exists, the method does not (OPTIONS included: there is no CORS support).
      reply.header('allow', allowed.join(', '));
      if (reference) return reply.code(405).send({ detail: REFERENCE_DETAIL.METHOD_NOT_ALLOWED });
      return sendError(
        reply,
        request,
        new OtpError('METHOD_NOT_ALLOWED', {
          message: `${request.method} is not allowed on this path; use ${allowed.join(', ')}.`,
          details: { allowed },
        }),
      );
    }
    if (reference) return reply.code(404).send({ detail: REFERENCE_DETAIL.NOT_FOUND });
    return sendError(
      reply,
      request,
      new OtpError('NOT_FOUND', { message: `No route ${request.method} ${path}` }),
    );
  });

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
  // The reference routes live in their own scope so they can read non-JSON bodies the way FastAPI
  // does (into a pydantic 422) without any other route accepting them.
  if (config.referenceApi) {
    await fastify.register(async (reference) => {
      registerReferenceBodyParsers(reference);
      await reference.register(compatRoutes(app, OTPGATE_VERSION));
    });
  }
  await fastify.register(routingRoutes(app));
  await fastify.register(webhookRoutes(app));
  if (config.mode === 'development') await fastify.register(devRoutes(app));
  return fastify;
}

/** What a request log line says about a request: never its query string, headers or body. */
function requestLogView(request: FastifyRequest): { method: string; path: string; request_id: string } {
  return { method: request.method, path: pathOf(request.url), request_id: String(request.id) };
}

/** FastAPI's (Starlette's) texts for the reference paths. */
const REFERENCE_DETAIL: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Not Found',
  METHOD_NOT_ALLOWED: 'Method Not Allowed',
};
