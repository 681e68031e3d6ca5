import pino from 'pino';
import { cryptoRandom, systemClock, type Clock, type Random } from './core/index.js';
import { ConfigError, hostAndPort, type Config } from './config/index.js';
import type { Store } from './stores/store.js';
import { createStore } from './stores/index.js';
import type { Provider } from './providers/provider.js';
import { createProviders } from './providers/registry.js';
import { SandboxProvider } from './providers/sandbox/sandbox-provider.js';
import { Router } from './routing/router.js';
import { CodeVault } from './service/code-vault.js';
import { Dispatcher } from './service/dispatcher.js';
import { OtpService } from './service/otp-service.js';
import { BackgroundJobs } from './service/background.js';
import { TemplateRenderer } from './service/template-renderer.js';
import type { Logger } from './service/logger.js';
import type { MessageRenderer } from './service/message-renderer.js';

export interface AppOverrides {
  store?: Store;
  /** Replace configured providers by name (tests inject scripted providers). */
  providers?: Provider[];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

/** Everything one otpgate node runs, wired once. The HTTP server and the CLI sit on top. */
export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly routing: Router;
  readonly dispatcher: Dispatcher;
  readonly service: OtpService;
  readonly renderer: MessageRenderer;
  readonly background: BackgroundJobs;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  /** The sandbox provider instance, when one is configured (development outbox). */
  readonly sandbox: SandboxProvider | undefined;
  /** Pending verifications, refreshed by the background jobs (never counted on a request). */
  activeCount(): number;
  /** The base URL clients and providers reach this node at (config.publicUrl, port resolved). */
  publicUrl(): string;
  /**
   * Tells the app the port its server listens on. With PORT=0 (the system picks the port) and no
   * configured public URL, the derived one said ":0", which nobody can reach; now it names the port.
   */
  listeningOn(port: number): void;
  /**
   * Starts the background timers: stats always; failover, purge and receipt polling unless
   * `sweeps` is false (every worker but one, when several share the store).
   */
  startBackground(options?: { sweeps?: boolean }): void;
  close(): Promise<void>;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? cryptoRandom;
  const logger = overrides.logger ?? createLogger(config);
  const store =
    overrides.store ?? createStore(config.store, { dataDir: config.dataDir, checkpointInBackground: true });
  await store.migrate();

  const providers = createProviders(config, { clock, logger });
  for (const injected of overrides.providers ?? []) providers.set(injected.name, injected);
  const channelProblems = config.routes
    .filter((route) => !providers.get(route.provider)?.channels.includes(route.channel))
    .map(
      (route) =>
        `route ${route.id} (${route.name}): provider "${route.provider}" does not offer channel ${route.channel}`,
    );
  if (channelProblems.length > 0) throw new ConfigError(channelProblems);
  const sandbox = [...providers.values()].find((p): p is SandboxProvider => p instanceof SandboxProvider);

  const routing = new Router({
    routes: config.routes,
    policies: config.routingPolicies,
    providers,
    breaker: config.breaker,
    defaultTimeoutSeconds: config.defaultTimeoutSeconds,
    pricing: config.pricing,
    clock,
  });
  let publicUrl = config.publicUrl;
  const vault = new CodeVault(config.pepper);
  const renderer = new TemplateRenderer(config);
  const dispatcher = new Dispatcher({
    store,
    routing,
    renderer,
    vault,
    clock,
    random,
    logger,
    publicUrl: () => publicUrl,
    sendTimeoutMs: 10_000,
  });
  for (const provider of providers.values()) {
    provider.setDeliveryReportHandler?.((report, attemptId) => {
      dispatcher.onReceipt(provider.name, report, attemptId).catch((error: unknown) => {
        logger.error(
          { event: 'receipt.failed', provider: provider.name, error: String(error) },
          'receipt failed',
        );
      });
    });
  }
  const service = new OtpService({
    store,
    routing,
    dispatcher,
    vault,
    policy: config.policy,
    clock,
    random,
    logger,
    debugCodes: config.debugCodes,
    defaultCountry: config.defaultCountry,
    testNumbers: config.sandbox.testNumbers,
  });
  const background = new BackgroundJobs({
    store,
    routing,
    dispatcher,
    clock,
    logger,
    // Wrong codes per destination are summed from the rows (see listFailedChecks), so no row may be
    // purged while it still counts.
    retentionSeconds: Math.max(config.policy.retentionSeconds, config.policy.failedChecksWindowSeconds),
    purgeIntervalSeconds: config.purgeIntervalSeconds,
    failoverPollMs: config.failoverPollMs,
    receiptPollSeconds: config.receiptPollSeconds,
    onStats: (stats) => {
      activeCount = stats.active;
      routing.updateStats(stats.recentAttempts, clock.nowMs());
    },
  });
  let activeCount = 0;

  return {
    config,
    store,
    routing,
    dispatcher,
    service,
    renderer,
    background,
    logger,
    clock,
    random,
    sandbox,
    activeCount: () => activeCount,
    publicUrl: () => publicUrl,
    listeningOn(port) {
      if (config.port === 0 && new URL(publicUrl).port === '0') {
        publicUrl = `http://${hostAndPort(config.host, port)}`;
      }
    },
    startBackground: (options) => background.start(options),
    async close() {
      background.stop();
      for (const provider of providers.values()) await provider.close?.();
      await store.close();
    },
  };
}

/** The service's pino logger: level from the config, secrets redacted. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'otpgate' },
    // Defence in depth: these keys must never be logged, even if a caller passes them by mistake.
    redact: {
      paths: ['code', 'debug_code', 'pepper', 'apiKey', 'api_key', 'authorization', 'password', 'authToken'],
      censor: '[redacted]',
    },
  });
}
