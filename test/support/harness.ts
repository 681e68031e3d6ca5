import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigFile } from '../../src/config/index.js';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/service/logger.js';

export interface TestServer {
  url: string;
  app: App;
  server: FastifyInstance;
  dataDir: string;
  /** JSON request over real loopback HTTP; body may be an object (sent as JSON) or a raw string. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

export const TEST_PEPPER = 'test-pepper-0123456789-abcdefghijklmnop';

/**
 * Starts a real otpgate (config → app → Fastify) listening on 127.0.0.1 with an ephemeral port
 * and a fresh data folder. Background timers are not started unless asked: tests drive them.
 */
export async function startTestServer(
  options: {
    config?: ConfigFile;
    env?: Record<string, string>;
    overrides?: AppOverrides;
    background?: boolean;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-test-'));
  const config = loadConfig({
    env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_PEPPER: TEST_PEPPER, ...options.env },
    overrides: { port: 0, ...options.config },
  });
  const app = await createApp(config, { logger: silentLogger, ...options.overrides });
  const server = await buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  if (options.background) app.startBackground();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    app,
    server,
    dataDir,
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, init);
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await server.close();
      await app.close();
    },
  };
}
