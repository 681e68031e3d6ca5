import cluster from 'node:cluster';
import { loadConfig, ConfigError, hostAndPort, type Config } from '../config/index.js';
import { createApp, createLogger, type App } from '../app.js';
import { announceReady, runPrimary, workerIndex } from '../cluster/primary.js';
import { buildServer } from '../http/server.js';
import type { Logger } from '../service/logger.js';
import { CliError, EXIT, describeSystemError } from './exit-codes.js';

/**
 * `otpgate serve`: validate config, open the store, listen, and shut down cleanly on SIGINT/SIGTERM.
 * Expected start-up failures end with one line and a distinct exit status: 78 for configuration
 * (data directory included), 69 when the address cannot be listened on.
 */
export async function serve(): Promise<void> {
  let app: App;
  try {
    const config = loadConfig();
    // With several workers this process only supervises them (see cluster/primary.ts).
    if (cluster.isPrimary && config.workers > 1) return await servePrimary(config);
    // Provider options are checked while the app is built, so both steps can report bad config.
    app = await createApp(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EXIT.config);
    }
    throw error;
  }
  const { config } = app;
  const server = await buildServer(app);
  try {
    await server.listen({ host: config.host, port: config.port });
  } catch (error) {
    await server.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    if (isSystemError(error)) {
      throw new CliError(
        `cannot listen on ${hostAndPort(config.host, config.port)}: ${describeSystemError(error)}`,
        EXIT.unavailable,
      );
    }
    throw error;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Before any background send: failovers hand providers callback URLs too.
  app.listeningOn(port);
  // Only a process that really serves runs failover, purge and receipt jobs; of several workers,
  // only the first (the primary replaces it when it dies).
  const worker = workerIndex();
  app.startBackground({ sweeps: worker === undefined || worker === 0 });
  // A supervisor that started otpgate with an IPC channel (the benchmark, a test) hears when it serves.
  if (worker === undefined) announceReady(port, 1);
  app.logger.info(
    {
      event: 'server.started',
      url: `http://${hostAndPort(config.host, port)}`,
      mode: config.mode,
      store: config.store,
      data_dir: config.dataDir,
      routes: config.routes.length,
      debug_codes: config.debugCodes,
      pid: process.pid,
      ...(worker !== undefined ? { worker } : {}),
    },
    `otpgate listening on http://${hostAndPort(config.host, port)} (${config.mode} mode, ${config.store} store)`,
  );
  // With workers, the primary already said so when it generated the pepper before forking.
  if (worker === undefined) warnIfPepperGenerated(config, app.logger);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ event: 'server.stopping', signal }, 'shutting down');
    // Requests in flight may finish; after the grace period their connections are cut.
    const cut = setTimeout(() => server.server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
    cut.unref();
    try {
      await server.close();
      clearTimeout(cut);
      await app.close();
    } catch (error) {
      app.logger.error({ event: 'server.stop_failed', err: error }, 'shutdown did not complete cleanly');
      process.exit(1);
    }
    app.logger.info({ event: 'server.stopped', signal }, 'stopped');
    process.exit(0);
  };
  // SIGHUP is left alone on purpose: a handler would undo `nohup otpgate serve`.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function servePrimary(config: Config): Promise<void> {
  const logger = createLogger(config);
  warnIfPepperGenerated(config, logger);
  await runPrimary(config, logger);
}

/** Said once per start, by the process that generated the development pepper. */
function warnIfPepperGenerated(config: Config, logger: Logger): void {
  if (config.pepperSource !== 'generated') return;
  logger.warn(
    { event: 'pepper.generated', path: `${config.dataDir}/pepper` },
    'generated a development pepper and kept it in the data folder; set OTPGATE_PEPPER in production',
  );
}

/** An error from the operating system (EADDRINUSE, EACCES, ENOTFOUND, …), not a bug. */
function isSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code);
}
