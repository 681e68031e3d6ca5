/**
 * otpgate as a library: build the same app the service runs (config → stores → providers →
 * routing → OtpService), optionally with your own store, providers, clock or logger, and either
 * call the service directly or serve it over HTTP.
 */
export { loadConfig, ConfigError, type Config, type ConfigFile, type LoadOptions } from './config/index.js';
export { createApp, type App, type AppOverrides } from './app.js';
export { buildServer } from './http/server.js';
export { OtpService } from './service/otp-service.js';
export type { CheckInput, CheckOutcome, SendOutcome, StartInput, VerificationView } from './service/types.js';
export type { Logger } from './service/logger.js';
export { createStore, MemoryStore, SqliteStore, type Store } from './stores/index.js';
export type * from './providers/provider.js';
export { SandboxProvider } from './providers/sandbox/sandbox-provider.js';
export { ScriptedProvider, type ScriptStep } from './providers/scripted/scripted-provider.js';
export { OtpError, ERROR_CATALOG, type ErrorCode } from './errors/index.js';
export type { Route, RoutingPolicy, Rate } from './routing/route.js';
export * from './core/index.js';
