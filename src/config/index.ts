export * from './config.js';
export * from './load.js';
export type { ConfigFile, ProviderConfig } from './schema.js';
