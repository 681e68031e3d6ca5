import type { Policy } from '../core/policy.js';
import type { Route, RoutingPolicy } from '../routing/route.js';
import type { Pricing } from '../routing/pricing.js';
import type { DeliveryStatus } from '../core/delivery-status.js';
import type { ProviderConfig } from './schema.js';

export type Mode = 'development' | 'production';

/** The validated, frozen configuration. Built once by loadConfig(); never mutated. */
export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /**
   * HTTP worker processes (node:cluster) sharing the port and the SQLite file; 1 serves from this
   * process alone. Each worker keeps its own circuit breakers and sandbox outbox.
   */
  workers: number;
  dataDir: string;
  store: 'sqlite' | 'memory';
  /** Base URL providers and clients use to reach this server (status callbacks, delivery_status_url). */
  publicUrl: string;
  pepper: string;
  pepperSource: 'configured' | 'generated' | 'data-dir';
  debugCodes: boolean;
  /** Optional bearer token for the API (the reference server's API_AUTH_TOKEN). */
  apiToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  requestLogging: boolean;
  /**
   * Serve the reference server's /send-otp, /verify-otp, /health and /config. Its contract tells a
   * wrong code (400) from a number without one (404); turn it off where that must stay secret.
   */
  referenceApi: boolean;
  brand: string;
  defaultRouteId: number;
  defaultCountry: string | undefined;
  defaultTimeoutSeconds: number;
  policy: Policy;
  providers: Record<string, ProviderConfig>;
  routes: Route[];
  routingPolicies: RoutingPolicy[];
  /** How prices in different currencies compare (cost ordering); see routing/pricing.ts. */
  pricing: Pricing;
  breaker: { windowSeconds: number; minimumCalls: number; failureRateThreshold: number; openSeconds: number };
  templates: {
    overrides: Record<string, string>;
    appHash: string | undefined;
    webOtpDomain: string | undefined;
  };
  sandbox: { testNumbers: Record<string, string>; deliveryStatus: DeliveryStatus };
  maxBodyBytes: number;
  /** A client must have sent its whole request (headers and body) within this, or it gets a 408. */
  requestTimeoutSeconds: number;
  /** On SIGTERM, in-flight requests get this long to finish before their connections are cut. */
  shutdownGraceSeconds: number;
  purgeIntervalSeconds: number;
  failoverPollMs: number;
  receiptPollSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
