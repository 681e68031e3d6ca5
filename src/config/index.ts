export * from './config.js';
export * from './load.js';
export { hostAndPort } from './address.js';
export type { ConfigFile, ProviderConfig } from './schema.js';
