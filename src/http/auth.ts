import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { OtpError } from '../errors/index.js';
import { sendError } from './error-envelope.js';
import { routePath } from './route-path.js';
import { processTimeMs } from './compat/compat-routes.js';

/** Paths that never need the token: probes, docs and provider webhooks (which carry their own signatures). */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/health']);
const PUBLIC_PREFIXES = ['/docs', '/v1/webhooks/'];

function isPublic(path: string): boolean {
  return PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * Optional bearer-token auth (the reference server's API_AUTH_TOKEN). Runs before body parsing and
 * validation, so an unauthenticated request never learns anything about its body, and compares
 * digests in constant time.
 */
export function registerTokenAuth(
  fastify: FastifyInstance,
  token: string | undefined,
  referencePaths: ReadonlySet<string>,
): void {
  if (!token) return;
  const expected = digest(`Bearer ${token}`);
  fastify.addHook('onRequest', async (request, reply) => {
    // A trailing slash (which routing ignores) must not turn /health/ into a protected path or
    // /send-otp/ into a non-reference one.
    const path = routePath(request);
    if (isPublic(path)) return;
    const header = request.headers.authorization ?? '';
    if (timingSafeEqual(digest(header), expected)) return;
    if (referencePaths.has(path)) {
      // Also for a wrong method, which no reference route (and so none of its hooks) answers.
      reply.header('x-process-time-ms', processTimeMs(request));
      return reply.code(401).send({ detail: 'Unauthorized.' });
    }
    return sendError(reply, request, new OtpError('UNAUTHENTICATED'));
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
