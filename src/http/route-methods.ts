import { pathOf } from './route-path.js';

/**
 * The methods each registered path answers, matched against a request path the way the router
 * matches it (`:param` is one segment, `*` the rest). Only used on the not-found path, to answer a
 * wrong method with 405 and `Allow` instead of 404.
 */
export class RouteMethods {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, method: string | string[]): void {
    const key = pathOf(url);
    let entry = this.routes.get(key);
    if (!entry) {
      entry = { pattern: compilePath(key), methods: new Set() };
      this.routes.set(key, entry);
    }
    for (const m of Array.isArray(method) ? method : [method]) {
      entry.methods.add(m.toUpperCase());
      // Fastify answers HEAD wherever GET exists.
      if (m.toUpperCase() === 'GET') entry.methods.add('HEAD');
    }
  }

  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const { pattern, methods: those } of this.routes.values()) {
      if (pattern.test(path)) for (const m of those) methods.add(m);
    }
    return [...methods].sort();
  }
}

function compilePath(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) =>
      segment === '*'
        ? '.*'
        : segment.startsWith(':')
          ? '[^/]+'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}
