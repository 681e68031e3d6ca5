import { loadConfig, ConfigError } from '../config/index.js';
import { createApp } from '../app.js';
import { buildServer } from '../http/server.js';

/** `otpgate serve`: validate config, open the store, listen, and shut down cleanly on SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  let app;
  try {
    // Provider options are checked while the app is built, so both steps can report bad config.
    app = await createApp(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const { config } = app;
  const server = await buildServer(app);
  app.startBackground();
  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.logger.info(
    {
      event: 'server.started',
      url: `http://${config.host}:${port}`,
      mode: config.mode,
      store: config.store,
      data_dir: config.dataDir,
      routes: config.routes.length,
      debug_codes: config.debugCodes,
    },
    `otpgate listening on http://${config.host}:${port} (${config.mode} mode, ${config.store} store)`,
  );
  if (config.pepperSource === 'generated') {
    app.logger.warn(
      { event: 'pepper.generated', path: `${config.dataDir}/pepper` },
      'generated a development pepper and kept it in the data folder; set OTPGATE_PEPPER in production',
    );
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ event: 'server.stopping', signal }, 'shutting down');
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
