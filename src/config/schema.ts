import { Type, type Static } from 'typebox';
import { CHANNELS } from '../core/verification.js';
import { DELIVERY_STATUSES } from '../core/delivery-status.js';
import { ROUTING_STRATEGIES, TRAFFIC_CLASSES } from '../routing/route.js';

const Channel = Type.Enum(CHANNELS);

export const PolicySchema = Type.Object(
  {
    codeLength: Type.Integer({ minimum: 4, maximum: 10 }),
    ttlSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
    resendCooldownSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
    maxChecks: Type.Integer({ minimum: 1, maximum: 100 }),
    maxSends: Type.Integer({ minimum: 1, maximum: 100 }),
    maxFailedChecksPerDestination: Type.Integer({ minimum: 1, maximum: 10_000 }),
    failedChecksWindowSeconds: Type.Integer({ minimum: 60, maximum: 604_800 }),
    retentionSeconds: Type.Integer({ minimum: 0, maximum: 31_536_000 }),
  },
  { additionalProperties: false },
);

/** A provider instance: `type` picks the adapter, the other keys are that adapter's options. */
export interface ProviderConfig {
  type: string;
  [option: string]: unknown;
}
// Typed as an open record so config files (and tests) can carry each adapter's own options;
// those are checked per type by src/providers/registry.ts.
export const ProviderSchema = Type.Unsafe<ProviderConfig>(
  Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
);

export const RouteSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    name: Type.String({ minLength: 1 }),
    provider: Type.String({ minLength: 1 }),
    channel: Channel,
    sender: Type.Optional(Type.String()),
    trafficClass: Type.Optional(Type.Enum(TRAFFIC_CLASSES)),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    rates: Type.Array(
      Type.Object(
        {
          prefix: Type.String({ pattern: '^[0-9]{0,7}$' }),
          priceMicros: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    enabled: Type.Optional(Type.Boolean()),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  { additionalProperties: false },
);

export const RoutingPolicySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    match: Type.Optional(
      Type.Object(
        {
          countries: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }))),
          prefixes: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{1,7}$' }))),
          channels: Type.Optional(Type.Array(Channel)),
          purposes: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    strategy: Type.Enum(ROUTING_STRATEGIES),
    routes: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    mode: Type.Optional(Type.Enum(['development', 'production'])),
    host: Type.Optional(Type.String()),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
    /** HTTP worker processes sharing the port and the store; "auto" is one per CPU. */
    workers: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 64 }), Type.Literal('auto')])),
    dataDir: Type.Optional(Type.String()),
    store: Type.Optional(Type.Enum(['sqlite', 'memory'])),
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    pepper: Type.Optional(Type.String()),
    debugCodes: Type.Optional(Type.Boolean()),
    apiToken: Type.Optional(Type.String()),
    logLevel: Type.Optional(Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
    requestLogging: Type.Optional(Type.Boolean()),
    referenceApi: Type.Optional(Type.Boolean()),
    brand: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    defaultRouteId: Type.Optional(Type.Integer({ minimum: 1 })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    defaultTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    policy: Type.Optional(Type.Partial(PolicySchema)),
    providers: Type.Optional(Type.Record(Type.String(), ProviderSchema)),
    routes: Type.Optional(Type.Array(RouteSchema)),
    routingPolicies: Type.Optional(Type.Array(RoutingPolicySchema)),
    pricing: Type.Optional(
      Type.Object(
        {
          /** The currency cost ordering compares in; required when routes price in several. */
          baseCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
          /** Value of one unit of each other currency in the base currency, e.g. {"USD": 0.92}. */
          exchangeRates: Type.Optional(
            Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Number({ exclusiveMinimum: 0 })),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    breaker: Type.Optional(
      Type.Object(
        {
          windowSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
          minimumCalls: Type.Optional(Type.Integer({ minimum: 1 })),
          failureRateThreshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          openSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    templates: Type.Optional(
      Type.Object(
        {
          overrides: Type.Optional(Type.Record(Type.String(), Type.String())),
          appHash: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{11}$' })),
          webOtpDomain: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    sandbox: Type.Optional(
      Type.Object(
        {
          /** E.164 → fixed code, for test numbers (app-store reviewers, e2e suites). */
          testNumbers: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^[0-9]{4,10}$' }))),
          /** Delivery status the sandbox reports for every message. */
          deliveryStatus: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
        },
        { additionalProperties: false },
      ),
    ),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 256, maximum: 1_048_576 })),
    requestTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    shutdownGraceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600 })),
    purgeIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    failoverPollMs: Type.Optional(Type.Integer({ minimum: 10 })),
    receiptPollSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
