/**
 * Child-process entry points for the benchmark, so the load generator never shares an event loop
 * with the server it measures. `tsx bench/servers.ts <kind>` prints `READY <port>` when listening.
 *   baseline   — bare Fastify: POST returns a small JSON body (the same work minus otpgate)
 *   bridgexapi-fake — the fake BridgeXAPI gateway itself
 * otpgate itself is started by run.ts through its real command line (`bin/otpgate.js serve`).
 */
import Fastify from 'fastify';
import { startBridgeXApiFake } from '../test/fakes/bridgexapi-fake.js';

const kind = process.argv[2];

async function main(): Promise<void> {
  if (kind === 'bridgexapi-fake') {
    // The fake gateway gets its own process, so it competes neither with the loader nor with otpgate's event loop.
    // Nobody reads the bench fake's request log: recording nothing keeps its CPU (on the cores
    // otpgate runs on) to what a gateway must do.
    const fake = await startBridgeXApiFake({
      apiKey: process.env.BENCH_BX_KEY ?? 'bench-key',
      maxRecordedRequests: 0,
    });
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
  throw new Error(`unknown server kind: ${kind} (otpgate itself runs through bin/otpgate.js serve)`);
}

function ready(address: unknown): void {
  const port = typeof address === 'object' && address !== null ? (address as { port: number }).port : 0;
  console.log(`READY ${port}`);
}

await main();
// Exit through process.exit so --cpu-prof (used when profiling a scenario) writes its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
