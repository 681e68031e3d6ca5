import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { characterCount } from '../core/characters.js';
import { DEFAULT_POLICY } from '../core/policy.js';
import { ConfigFileSchema, type ConfigFile, type ProviderConfig } from './schema.js';
import { ConfigError, type Config } from './config.js';
import { bridgeFromEnv, configFromEnv } from './env.js';
import { defaultRoutes } from './default-routes.js';
import { ensureDataDir, errorCode, fsReason } from './data-dir.js';
import { hostAndPort } from './address.js';
import type { Route } from '../routing/route.js';
import { resolvePricing } from '../routing/pricing.js';
import { validateTemplates } from '../templates/index.js';

export const KNOWN_PROVIDER_TYPES = [
  'sandbox',
  'bridgexapi',
  'twilio',
  'vonage',
  'smpp',
  'email',
  'generic-http',
] as const;

/** Values that must never protect real codes (the reference server's placeholder among them). */
const WEAK_PEPPERS = new Set(['change-me-in-production', 'changeme', 'secret', 'password']);

export interface LoadOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides applied last (tests, embedding). */
  overrides?: ConfigFile;
}

/**
 * Builds the configuration once: config file (OTPGATE_CONFIG, JSON) < environment < overrides.
 * Every problem is collected and reported together; the result is deeply frozen.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];

  const filePath = env.OTPGATE_CONFIG?.trim();
  const fromFile = filePath ? readConfigFile(filePath, problems) : {};
  const fromEnv = configFromEnv(env, problems);
  const raw = mergeConfig(mergeConfig(fromFile, fromEnv), options.overrides ?? {});

  for (const error of Value.Errors(ConfigFileSchema, raw)) {
    if (error.keyword === 'boolean' || error.keyword === 'anyOf') continue; // restated by a clearer sibling error
    // A union's branches each explain themselves ("must be string", "must be equal to constant"):
    // one line says what `workers` takes instead.
    if (error.instancePath === '/workers') {
      problems.push(
        `workers (OTPGATE_WORKERS) must be a whole number from 1 to 64 or "auto" (got ${JSON.stringify(raw.workers)})`,
      );
      continue;
    }
    const where = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '(root)';
    const extra =
      error.keyword === 'additionalProperties'
        ? `: ${JSON.stringify((error.params as { additionalProperties?: unknown }).additionalProperties)}`
        : error.keyword === 'const'
          ? ` (${JSON.stringify((error.params as { allowedValue?: unknown }).allowedValue)})`
          : '';
    problems.push(`${where} ${error.message}${extra}`);
  }
  checkDefaultCountry(raw.defaultCountry, problems);
  const bridge = bridgeFromEnv(env, problems);
  if (problems.length > 0) throw new ConfigError(dedupe(problems));

  const config = resolveConfig(raw, bridge, problems);
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return deepFreeze(config);
}

function resolveConfig(
  raw: ConfigFile,
  bridge: ReturnType<typeof bridgeFromEnv>,
  problems: string[],
): Config {
  const mode = raw.mode ?? 'development';
  const host = raw.host ?? '127.0.0.1';
  const port = raw.port ?? 8080;
  const workers = raw.workers === 'auto' ? availableParallelism() : (raw.workers ?? 1);
  const store = raw.store ?? 'sqlite';
  if (workers > 1 && store === 'memory') {
    problems.push(
      `workers (OTPGATE_WORKERS) is ${workers}, but the memory store lives in one process; use the sqlite store or 1 worker`,
    );
  }
  const dataDir = resolve(raw.dataDir ?? './data');
  const debugCodes = raw.debugCodes ?? mode === 'development';

  if (mode === 'production' && debugCodes) {
    problems.push(
      'debug codes are on (OTPGATE_DEBUG_CODES / DEBUG_OTP) but production mode never returns codes',
    );
  }

  const defaults = defaultRoutes(bridge, mode);
  if (mode === 'production' && !raw.providers && !bridge) {
    problems.push(
      'production mode has no real provider: the built-in sandbox routes deliver nothing; set BRIDGEXAPI_API_KEY or configure providers and routes (OTPGATE_CONFIG)',
    );
  }
  const providers: Record<string, ProviderConfig> = raw.providers ?? defaults.providers;
  if (bridge && !raw.providers) {
    for (const [name, p] of Object.entries(providers)) {
      if (p.type === 'bridgexapi')
        providers[name] = { ...p, ...bridge, callerId: bridge.callerId ?? 'BRIDGEXAPI' };
    }
  }
  const routes: Route[] = raw.routes
    ? raw.routes.map((r) => ({
        id: r.id,
        name: r.name,
        provider: r.provider,
        channel: r.channel,
        sender: r.sender,
        trafficClass: r.trafficClass ?? 'otp',
        currency: r.currency ?? 'EUR',
        rates: r.rates,
        enabled: r.enabled ?? true,
        timeoutSeconds: r.timeoutSeconds ?? raw.defaultTimeoutSeconds ?? 30,
      }))
    : defaults.routes;
  const routingPolicies = (raw.routingPolicies ?? []).map((p) => ({ ...p, match: p.match ?? {} }));
  checkReferences(providers, routes, routingPolicies, problems);
  if (raw.referenceApi ?? true) checkDefaultRoute(routes, raw.defaultRouteId ?? 3, problems);
  const pricing = resolvePricing(raw.pricing ?? {}, routes, problems);

  problems.push(
    ...validateTemplates(raw.templates?.overrides ?? {}, {
      ...(raw.templates?.appHash !== undefined ? { appHash: raw.templates.appHash } : {}),
      ...(raw.templates?.webOtpDomain !== undefined ? { webOtpDomain: raw.templates.webOtpDomain } : {}),
    }).map((p) => `templates: ${p}`),
  );
  const pepper = resolvePepper(raw.pepper, mode, dataDir, problems);
  const policy = { ...DEFAULT_POLICY, ...raw.policy };

  return {
    mode,
    host,
    port,
    workers,
    dataDir,
    store,
    publicUrl: (raw.publicUrl ?? `http://${hostAndPort(host, port)}`).replace(/\/+$/, ''),
    pepper: pepper.value,
    pepperSource: pepper.source,
    debugCodes,
    apiToken: raw.apiToken,
    logLevel: raw.logLevel ?? 'info',
    requestLogging: raw.requestLogging ?? false,
    referenceApi: raw.referenceApi ?? true,
    brand: raw.brand ?? 'otpgate',
    defaultRouteId: raw.defaultRouteId ?? 3,
    defaultCountry: raw.defaultCountry,
    defaultTimeoutSeconds: raw.defaultTimeoutSeconds ?? 30,
    policy,
    providers,
    routes,
    routingPolicies,
    pricing,
    breaker: {
      windowSeconds: raw.breaker?.windowSeconds ?? 60,
      minimumCalls: raw.breaker?.minimumCalls ?? 10,
      failureRateThreshold: raw.breaker?.failureRateThreshold ?? 0.5,
      openSeconds: raw.breaker?.openSeconds ?? 30,
    },
    templates: {
      overrides: raw.templates?.overrides ?? {},
      appHash: raw.templates?.appHash,
      webOtpDomain: raw.templates?.webOtpDomain,
    },
    sandbox: {
      testNumbers: raw.sandbox?.testNumbers ?? {},
      deliveryStatus: raw.sandbox?.deliveryStatus ?? 'delivered',
    },
    maxBodyBytes: raw.maxBodyBytes ?? 16_384,
    requestTimeoutSeconds: raw.requestTimeoutSeconds ?? 30,
    shutdownGraceSeconds: raw.shutdownGraceSeconds ?? 10,
    purgeIntervalSeconds: raw.purgeIntervalSeconds ?? 60,
    failoverPollMs: raw.failoverPollMs ?? 500,
    receiptPollSeconds: raw.receiptPollSeconds ?? 10,
  };
}

/** Codes people reach for that are not ISO 3166-1 alpha-2 (the UK's own usage, the EU's for Greece). */
const COUNTRY_CODE_HINTS: Readonly<Record<string, string>> = {
  UK: 'GB, the ISO 3166-1 code of the United Kingdom',
  EL: 'GR, the ISO 3166-1 code of Greece',
};

/**
 * The schema checks the shape (two capitals); a code phone numbering does not know (UK, XX) would
 * pass it and then fail every national number at request time, so it is refused at start-up.
 */
function checkDefaultCountry(country: unknown, problems: string[]): void {
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country) || isSupportedCountry(country)) return;
  const hint = COUNTRY_CODE_HINTS[country];
  problems.push(
    `defaultCountry (OTPGATE_DEFAULT_COUNTRY) "${country}" is not a country code with phone numbers` +
      (hint ? `: did you mean ${hint}?` : ' (use an ISO 3166-1 alpha-2 code, e.g. NL, GB, US)'),
  );
}

function checkReferences(
  providers: Record<string, ProviderConfig>,
  routes: Route[],
  policies: Array<{ name: string; routes?: number[] }>,
  problems: string[],
): void {
  for (const [name, p] of Object.entries(providers)) {
    if (!(KNOWN_PROVIDER_TYPES as readonly string[]).includes(p.type)) {
      problems.push(`providers.${name}.type "${p.type}" is not one of ${KNOWN_PROVIDER_TYPES.join(', ')}`);
    }
  }
  const ids = new Set<number>();
  for (const route of routes) {
    if (ids.has(route.id)) problems.push(`routes: id ${route.id} is used twice`);
    ids.add(route.id);
    if (!providers[route.provider])
      problems.push(`routes[${route.id}].provider "${route.provider}" is not configured`);
  }
  for (const policy of policies) {
    for (const id of policy.routes ?? []) {
      if (!ids.has(id)) problems.push(`routingPolicies.${policy.name}: route ${id} does not exist`);
    }
  }
}

/**
 * The reference endpoints send SMS over `defaultRouteId` whenever a request names no route_id (the
 * reference's own requests never do): a route that is missing, disabled or not able to carry SMS
 * would fail every such send, so it is refused at start-up instead.
 */
function checkDefaultRoute(routes: Route[], defaultRouteId: number, problems: string[]): void {
  const fallback = routes.find((route) => route.id === defaultRouteId);
  if (!fallback) problems.push(`defaultRouteId ${defaultRouteId} is not a configured route`);
  else if (!fallback.enabled) problems.push(`defaultRouteId ${defaultRouteId} is a disabled route`);
  else if (fallback.channel === 'email') {
    problems.push(`defaultRouteId ${defaultRouteId} is an e-mail route; the reference endpoints send SMS`);
  }
}

/** Fewer distinct characters than this and a pepper is a pattern, not a random secret. */
const MIN_DISTINCT_PEPPER_CHARS = 10;

function resolvePepper(
  configured: string | undefined,
  mode: string,
  dataDir: string,
  problems: string[],
): { value: string; source: Config['pepperSource'] } {
  if (configured !== undefined) {
    // 32 × "a" is 32 characters but no secret: a pepper needs some variety as well as length.
    const distinct = new Set(configured).size;
    if (
      characterCount(configured) < 32 ||
      distinct < MIN_DISTINCT_PEPPER_CHARS ||
      WEAK_PEPPERS.has(configured.toLowerCase())
    ) {
      problems.push(
        'the pepper (OTPGATE_PEPPER / OTP_HMAC_SECRET) must be a random secret of at least 32 characters, at least 10 of them different',
      );
    }
    return { value: configured, source: 'configured' };
  }
  if (mode === 'production') {
    problems.push(
      'production mode needs a secret pepper: set OTPGATE_PEPPER (at least 32 random characters)',
    );
    return { value: '', source: 'configured' };
  }
  // Development: generate once and keep it beside the data, so codes survive a restart.
  const dirProblem = ensureDataDir(dataDir);
  if (dirProblem) {
    problems.push(dirProblem);
    return { value: '', source: 'data-dir' };
  }
  const path = join(dataDir, 'pepper');
  const kept = readPepperFile(dataDir, path, problems);
  if (kept !== undefined) return { value: kept, source: 'data-dir' };
  const value = randomBytes(32).toString('hex');
  try {
    // `wx`: another process starting on the same folder at the same moment keeps its pepper.
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      const theirs = readPepperFile(dataDir, path, problems);
      if (theirs !== undefined) return { value: theirs, source: 'data-dir' };
    }
    problems.push(`dataDir ${dataDir}: cannot write the pepper file ${path}: ${fsReason(error)}`);
  }
  return { value, source: 'generated' };
}

/** The kept development pepper; undefined when there is none yet (or it cannot be read: a problem). */
function readPepperFile(dataDir: string, path: string, problems: string[]): string | undefined {
  let value: string;
  try {
    value = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    problems.push(`dataDir ${dataDir}: cannot read the pepper file ${path}: ${fsReason(error)}`);
    return '';
  }
  if (value.length < 32) {
    problems.push(
      `dataDir ${dataDir}: the pepper file ${path} holds fewer than 32 characters; delete it to generate a new one, or set OTPGATE_PEPPER`,
    );
  }
  return value;
}

function readConfigFile(path: string, problems: string[]): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`config file ${path}: ${(error as Error).message}`);
    return {};
  }
  // `[]` and `null` would otherwise merge into nothing and start silently on the defaults.
  if (!isPlainObject(parsed)) {
    problems.push(`config file ${path}: must be a JSON object ({ … }), not ${jsonKind(parsed)}`);
    return {};
  }
  return parsed as ConfigFile;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Nested objects merge key by key; arrays and scalars from `over` replace. */
function mergeConfig(base: ConfigFile, over: ConfigFile): ConfigFile {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      isPlainObject(prev) && isPlainObject(value) && key !== 'providers'
        ? mergeConfig(prev as ConfigFile, value as ConfigFile)
        : value;
  }
  return out as ConfigFile;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !Buffer.isBuffer(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
