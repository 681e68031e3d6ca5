import type { Config, ProviderConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { Logger } from '../service/logger.js';
import type { Provider } from './provider.js';
import { SandboxProvider } from './sandbox/sandbox-provider.js';

export interface ProviderContext {
  clock: Clock;
  logger: Logger;
}

/** Builds one Provider per configured instance. Unknown types were already refused by config validation. */
export function createProviders(config: Config, context: ProviderContext): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const [name, options] of Object.entries(config.providers)) {
    providers.set(name, createProvider(name, options, config, context));
  }
  return providers;
}

function createProvider(name: string, options: ProviderConfig, config: Config, context: ProviderContext): Provider {
  switch (options.type) {
    case 'sandbox':
      return new SandboxProvider({
        name,
        deliveryStatus: config.sandbox.deliveryStatus,
        nowMs: () => context.clock.nowMs(),
      });
    default:
      throw new Error(`provider type ${options.type} is not available`);
  }
}
