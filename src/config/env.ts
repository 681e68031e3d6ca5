import type { ConfigFile } from './schema.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The parsers every environment variable goes through: a blank value is unset, and a value that
 * does not parse is pushed to `problems` (and read as unset) instead of being silently dropped.
 */
function envReader(env: Env, problems: string[]) {
  const pick = (...names: string[]): { name: string; value: string } | undefined => {
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value.trim() !== '') return { name, value: value.trim() };
    }
    return undefined;
  };
  const int = (...names: string[]): number | undefined => {
    const found = pick(...names);
    if (!found) return undefined;
    if (!/^-?[0-9]+$/.test(found.value)) {
      problems.push(`${found.name} must be an integer (got "${found.value}")`);
      return undefined;
    }
    return Number(found.value);
  };
  /** A decimal number such as `20` or `2.5` (the reference server reads some settings as floats). */
  const decimal = (...names: string[]): number | undefined => {
    const found = pick(...names);
    if (!found) return undefined;
    // Python's float() literals (the reference reads these with it): 20, 2.5, .5, 5., +5, 1e1.
    if (!/^\+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(found.value)) {
      problems.push(`${found.name} must be a number such as 20 or 2.5 (got "${found.value}")`);
      return undefined;
    }
    return Number(found.value);
  };
  const bool = (...names: string[]): boolean | undefined => {
    const found = pick(...names);
    if (!found) return undefined;
    const v = found.value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    problems.push(`${found.name} must be true or false (got "${found.value}")`);
    return undefined;
  };
  const str = (...names: string[]): string | undefined => pick(...names)?.value;
  return { int, decimal, bool, str };
}

/**
 * Reads environment variables into the config-file shape. otpgate's own names come first; the
 * reference server's names (OTP_*, DEBUG_OTP, OTP_HMAC_SECRET, API_AUTH_TOKEN, BRIDGEXAPI_*) are
 * accepted too so its users can switch without renaming anything.
 * Values are parsed here; range checks happen once, in the schema.
 */
export function configFromEnv(env: Env, problems: string[]): ConfigFile {
  const { int, bool, str } = envReader(env, problems);

  const out: Record<string, unknown> = {
    mode: str('OTPGATE_MODE'),
    host: str('HOST', 'OTPGATE_HOST'),
    port: int('PORT', 'OTPGATE_PORT'),
    workers: workersFromEnv(str('OTPGATE_WORKERS'), problems),
    dataDir: str('OTPGATE_DATA_DIR'),
    store: str('OTPGATE_STORE'),
    publicUrl: str('OTPGATE_PUBLIC_URL'),
    pepper: str('OTPGATE_PEPPER', 'OTP_HMAC_SECRET'),
    debugCodes: bool('OTPGATE_DEBUG_CODES', 'DEBUG_OTP'),
    apiToken: str('OTPGATE_API_TOKEN', 'API_AUTH_TOKEN'),
    logLevel: str('OTPGATE_LOG_LEVEL', 'LOG_LEVEL'),
    requestLogging: bool('OTPGATE_REQUEST_LOGGING'),
    referenceApi: bool('OTPGATE_REFERENCE_API'),
    brand: str('OTPGATE_BRAND'),
    defaultRouteId: int('OTPGATE_DEFAULT_ROUTE_ID', 'DEFAULT_ROUTE_ID'),
    defaultCountry: str('OTPGATE_DEFAULT_COUNTRY'),
  };
  const policy: Record<string, unknown> = {
    codeLength: int('OTPGATE_CODE_LENGTH', 'OTP_LENGTH'),
    ttlSeconds: int('OTPGATE_TTL_SECONDS', 'OTP_TTL_SECONDS'),
    resendCooldownSeconds: int('OTPGATE_RESEND_COOLDOWN_SECONDS', 'OTP_SEND_COOLDOWN_SECONDS'),
    maxChecks: int('OTPGATE_MAX_CHECKS', 'OTP_MAX_ATTEMPTS'),
    maxSends: int('OTPGATE_MAX_SENDS'),
  };
  out.policy = dropUndefined(policy);

  const testNumbers = str('OTPGATE_SANDBOX_TEST_NUMBERS');
  if (testNumbers) out.sandbox = { testNumbers: parseTestNumbers(testNumbers, problems) };

  return dropUndefined(out) as ConfigFile;
}

/** A BRIDGEXAPI_TIMEOUT below this is a typo (milliseconds meant?), not a usable request timeout. */
export const MIN_BRIDGEXAPI_TIMEOUT_SECONDS = 0.1;
/** Longest BRIDGEXAPI_TIMEOUT accepted, in seconds: the same bound as a route's `timeoutSeconds`. */
export const MAX_BRIDGEXAPI_TIMEOUT_SECONDS = 3600;

/**
 * The BridgeXAPI settings of the reference server, used to build default routes 1-8 on BridgeXAPI.
 * With a key set, a BRIDGEXAPI_TIMEOUT that is not a whole number of seconds from 1 to
 * MAX_BRIDGEXAPI_TIMEOUT_SECONDS is pushed to `problems`, like any other bad variable.
 */
export function bridgeFromEnv(
  env: Env,
  problems: string[],
): { apiKey: string; baseUrl?: string; callerId?: string; timeoutMs?: number } | undefined {
  const apiKey = env.BRIDGEXAPI_API_KEY?.trim();
  if (!apiKey) return undefined;
  // Float seconds, as the reference server reads it (its default is 20).
  const timeoutSeconds = envReader(env, problems).decimal('BRIDGEXAPI_TIMEOUT');
  const timeoutOk =
    timeoutSeconds !== undefined &&
    timeoutSeconds >= MIN_BRIDGEXAPI_TIMEOUT_SECONDS &&
    timeoutSeconds <= MAX_BRIDGEXAPI_TIMEOUT_SECONDS;
  if (timeoutSeconds !== undefined && !timeoutOk) {
    problems.push(
      `BRIDGEXAPI_TIMEOUT must be from ${MIN_BRIDGEXAPI_TIMEOUT_SECONDS} to ${MAX_BRIDGEXAPI_TIMEOUT_SECONDS} seconds (got ${timeoutSeconds})`,
    );
  }
  return {
    apiKey,
    ...(env.BRIDGEXAPI_BASE_URL ? { baseUrl: env.BRIDGEXAPI_BASE_URL.trim() } : {}),
    ...(env.DEFAULT_CALLER_ID ? { callerId: env.DEFAULT_CALLER_ID.trim() } : {}),
    ...(timeoutOk ? { timeoutMs: Math.ceil(timeoutSeconds * 1000) } : {}),
  };
}

/** OTPGATE_WORKERS: a whole number (range-checked by the schema) or "auto". */
function workersFromEnv(value: string | undefined, problems: string[]): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'auto') return 'auto';
  if (/^[0-9]+$/.test(value)) return Number(value);
  problems.push(`OTPGATE_WORKERS must be a whole number or "auto" (got "${value}")`);
  return undefined;
}

/** "+31612345678=123456,+14155550100=000000" → record. */
function parseTestNumbers(value: string, problems: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [number, code] = pair.split('=').map((s) => s.trim());
    if (!number || !code) {
      problems.push(`OTPGATE_SANDBOX_TEST_NUMBERS: "${pair}" is not number=code`);
      continue;
    }
    result[number] = code;
  }
  return result;
}

function dropUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
