/**
 * Child-process entry points for the benchmark, so the load generator never shares an event loop
 * with the server it measures. `tsx bench/servers.ts <kind>` prints `READY <port>` when listening.
 *   baseline   — bare Fastify: POST returns a small JSON body (the same work minus otpgate)
 *   otpgate    — otpgate with the SQLite store, sandbox provider, logs off
 *   bridgexapi — otpgate whose routes 1-8 go through the BridgeXAPI adapter to a local fake gateway
 *   bridgexapi-fake — the fake BridgeXAPI gateway itself
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { startBridgeXApiFake } from '../test/fakes/bridgexapi-fake.js';
import { loadConfig } from '../src/config/index.js';
import { createApp } from '../src/app.js';
import { buildServer } from '../src/http/server.js';
import { silentLogger } from '../src/service/logger.js';

const kind = process.argv[2];

async function main(): Promise<void> {
  if (kind === 'bridgexapi-fake') {
    // The fake gateway gets its own process, so it competes neither with the loader nor with otpgate's event loop.
    const fake = await startBridgeXApiFake({ apiKey: process.env.BENCH_BX_KEY ?? 'bench-key' });
    console.log(`READY ${new URL(fake.url).port}`);
    return;
  }
  if (kind === 'baseline') {
    const fastify = Fastify({ logger: false });
    fastify.post('/', async (request) => ({ ok: true, echo: typeof request.body }));
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    ready(fastify.server.address());
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-bench-'));
  const env: Record<string, string> = {
    OTPGATE_DATA_DIR: dataDir,
    OTPGATE_PEPPER: 'bench-pepper-0123456789-abcdefghijklmnopq',
    OTPGATE_LOG_LEVEL: 'silent',
    // Distinct-number sends from one client must not trip per-destination limits; the bench measures throughput.
    OTPGATE_RESEND_COOLDOWN_SECONDS: '0',
  };
  if (kind === 'bridgexapi') {
    env.BRIDGEXAPI_API_KEY = process.env.BENCH_BX_KEY ?? '';
    env.BRIDGEXAPI_BASE_URL = process.env.BENCH_BX_URL ?? '';
  }
  // The wrong-code scenario measures the wrong-code path, not the lockout path: raise the limits
  // so its verifications stay checkable for the whole run.
  const config = loadConfig({
    env: {
      ...env,
      PATH: process.env.PATH ?? '',
      ...(process.env.OTPGATE_STORE ? { OTPGATE_STORE: process.env.OTPGATE_STORE } : {}),
    },
    overrides: { policy: { maxChecks: 100, maxFailedChecksPerDestination: 10_000 } },
  });
  const app = await createApp(config, { logger: silentLogger });
  const server = await buildServer(app);
  app.startBackground();
  await server.listen({ host: '127.0.0.1', port: 0 });
  ready(server.server.address());
}

function ready(address: unknown): void {
  const port = typeof address === 'object' && address !== null ? (address as { port: number }).port : 0;
  console.log(`READY ${port}`);
}

await main();
// Exit through process.exit so --cpu-prof (used when profiling a scenario) writes its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
