import type { FastifyRequest } from 'fastify';

/** The path without query string and without a trailing slash (the router ignores it too). */
export function pathOf(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') || '/' : path;
}

/**
 * The route pattern a request matched (`/v1/verifications/:id`), or its normalised path when none
 * did, so `/health/` and `/health` are judged alike by auth and by the reference error bodies.
 */
export function routePath(request: FastifyRequest): string {
  return request.routeOptions.url ?? pathOf(request.url);
}
