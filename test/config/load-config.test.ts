import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configProblemsOf } from '../support/config-problems.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'otpgate-config-'));
const PEPPER = 'config-test-pepper-0123456789-abcdefghij';

describe('loadConfig', () => {
  it('starts with the documented defaults and sandbox routes 1-8', () => {
    const config = loadConfig({ env: { OTPGATE_DATA_DIR: tempDir() } });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.mode).toBe('development');
    expect(config.store).toBe('sqlite');
    expect(config.debugCodes).toBe(true);
    expect(config.policy).toMatchObject({
      codeLength: 6,
      ttlSeconds: 300,
      resendCooldownSeconds: 45,
      maxChecks: 5,
      maxSends: 5,
    });
    const smsIds = config.routes.filter((r) => r.channel === 'sms').map((r) => r.id);
    expect(smsIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(config.defaultRouteId).toBe(3);
    expect(config.providers.sandbox?.type).toBe('sandbox');
    expect(config.workers).toBe(1);
  });

  it('reads OTPGATE_WORKERS as a count or "auto" (one per CPU), and says in one line what it takes', () => {
    const dataDir = tempDir();
    expect(loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_WORKERS: '3' } }).workers).toBe(3);
    expect(loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_WORKERS: 'auto' } }).workers).toBe(
      availableParallelism(),
    );
    expect(loadConfig({ env: { OTPGATE_DATA_DIR: dataDir }, overrides: { workers: 'auto' } }).workers).toBe(
      availableParallelism(),
    );
    for (const bad of ['0', '65']) {
      expect(
        configProblemsOf(() => loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_WORKERS: bad } })),
      ).toEqual([`workers (OTPGATE_WORKERS) must be a whole number from 1 to 64 or "auto" (got ${bad})`]);
    }
    expect(
      configProblemsOf(() => loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_WORKERS: '-1' } })),
    ).toEqual(['OTPGATE_WORKERS must be a whole number or "auto" (got "-1")']);
    expect(
      configProblemsOf(() =>
        loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_WORKERS: '2', OTPGATE_STORE: 'memory' } }),
      ),
    ).toEqual([
      'workers (OTPGATE_WORKERS) is 2, but the memory store lives in one process; use the sqlite store or 1 worker',
    ]);
  });

  it('is frozen', () => {
    const config = loadConfig({ env: { OTPGATE_DATA_DIR: tempDir() } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.policy)).toBe(true);
    expect(() => {
      (config.policy as { ttlSeconds: number }).ttlSeconds = 1;
    }).toThrow();
  });

  it('generates a development pepper once and keeps it in the data folder', () => {
    const dataDir = tempDir();
    const first = loadConfig({ env: { OTPGATE_DATA_DIR: dataDir } });
    expect(first.pepperSource).toBe('generated');
    const second = loadConfig({ env: { OTPGATE_DATA_DIR: dataDir } });
    expect(second.pepperSource).toBe('data-dir');
    expect(second.pepper).toBe(first.pepper);
    expect(readFileSync(join(dataDir, 'pepper'), 'utf8').trim()).toBe(first.pepper);
    expect(statSync(join(dataDir, 'pepper')).mode & 0o777).toBe(0o600);
  });

  it('production refuses to start without a pepper or with debug codes on, listing every problem', () => {
    const problems = configProblemsOf(() =>
      loadConfig({
        env: { OTPGATE_MODE: 'production', OTPGATE_DEBUG_CODES: 'true', OTPGATE_DATA_DIR: tempDir() },
      }),
    );
    expect(problems.some((p) => p.includes('debug codes'))).toBe(true);
    expect(problems.some((p) => p.includes('pepper'))).toBe(true);
  });

  it('production refuses the reference server placeholder secret', () => {
    const problems = configProblemsOf(() =>
      loadConfig({
        env: {
          OTPGATE_MODE: 'production',
          OTP_HMAC_SECRET: 'change-me-in-production',
          OTPGATE_DATA_DIR: tempDir(),
        },
      }),
    );
    expect(problems.join('\n')).toContain('at least 32');
  });

  it('refuses a long pepper that is a pattern, not a secret (32 × "a")', () => {
    for (const pepper of ['a'.repeat(32), 'ab'.repeat(20), '0123456789'.slice(0, 9).repeat(4)]) {
      const problems = configProblemsOf(() =>
        loadConfig({
          env: { OTPGATE_MODE: 'production', OTPGATE_PEPPER: pepper, OTPGATE_DATA_DIR: tempDir() },
        }),
      );
      expect(problems.join('\n'), pepper).toContain('at least 10 of them different');
    }
  });

  it('production with a pepper has debug codes off by default', () => {
    const config = loadConfig({
      env: {
        OTPGATE_MODE: 'production',
        OTPGATE_PEPPER: PEPPER,
        OTPGATE_DATA_DIR: tempDir(),
        BRIDGEXAPI_API_KEY: 'bx-key',
      },
    });
    expect(config.debugCodes).toBe(false);
    expect(config.pepperSource).toBe('configured');
  });

  it('production refuses to run on the built-in sandbox, which delivers nothing', () => {
    const env = { OTPGATE_MODE: 'production', OTPGATE_PEPPER: PEPPER, OTPGATE_DATA_DIR: tempDir() };
    expect(configProblemsOf(() => loadConfig({ env }))).toEqual([
      'production mode has no real provider: the built-in sandbox routes deliver nothing; set BRIDGEXAPI_API_KEY or configure providers and routes (OTPGATE_CONFIG)',
    ]);
    // With BridgeXAPI for SMS, the built-in sandbox voice/WhatsApp/e-mail routes are off.
    const withBridge = loadConfig({ env: { ...env, BRIDGEXAPI_API_KEY: 'bx-key' } });
    expect(withBridge.routes.filter((r) => r.enabled).map((r) => r.provider)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((id) => `bridgexapi-${id}`),
    );
    // A sandbox the operator configured on purpose (a staging box) is their call.
    const explicit = loadConfig({
      env,
      overrides: {
        providers: { staging: { type: 'sandbox' } },
        routes: [
          { id: 3, name: 's', provider: 'staging', channel: 'sms', rates: [{ prefix: '', priceMicros: 0 }] },
        ],
      },
    });
    expect(explicit.routes.map((r) => r.provider)).toEqual(['staging']);
  });

  it('accepts the reference server variable names', () => {
    const config = loadConfig({
      env: {
        OTPGATE_DATA_DIR: tempDir(),
        OTP_LENGTH: '8',
        OTP_TTL_SECONDS: '120',
        OTP_SEND_COOLDOWN_SECONDS: '10',
        OTP_MAX_ATTEMPTS: '3',
        DEBUG_OTP: 'false',
        API_AUTH_TOKEN: 'tok',
        DEFAULT_ROUTE_ID: '8',
      },
    });
    expect(config.policy).toMatchObject({
      codeLength: 8,
      ttlSeconds: 120,
      resendCooldownSeconds: 10,
      maxChecks: 3,
    });
    expect(config.debugCodes).toBe(false);
    expect(config.apiToken).toBe('tok');
    expect(config.defaultRouteId).toBe(8);
  });

  it('lists every bad value at once', () => {
    const problems = configProblemsOf(() =>
      loadConfig({
        env: {
          OTPGATE_DATA_DIR: tempDir(),
          PORT: 'eighty',
          OTP_LENGTH: '3',
          OTP_TTL_SECONDS: '5',
          OTPGATE_MODE: 'staging',
        },
      }),
    );
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('policy.codeLength'))).toBe(true);
    expect(problems.some((p) => p.startsWith('policy.ttlSeconds'))).toBe(true);
    expect(problems.some((p) => p.startsWith('mode'))).toBe(true);
  });

  it('reads a JSON config file, with the environment taking precedence', () => {
    const dir = tempDir();
    const file = join(dir, 'otpgate.json');
    writeFileSync(
      file,
      JSON.stringify({
        brand: 'Acme',
        port: 9000,
        providers: { main: { type: 'sandbox' } },
        routes: [
          {
            id: 42,
            name: 'main',
            provider: 'main',
            channel: 'sms',
            rates: [{ prefix: '31', priceMicros: 70000 }],
          },
        ],
        defaultRouteId: 42,
      }),
    );
    const config = loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file, PORT: '9100' } });
    expect(config.brand).toBe('Acme');
    expect(config.port).toBe(9100);
    expect(config.routes.map((r) => r.id)).toEqual([42]);
    expect(config.routes[0]).toMatchObject({ trafficClass: 'otp', currency: 'EUR', enabled: true });
  });

  it('refuses unknown keys, dangling route references and unknown provider types', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        colour: 'blue',
        providers: { p: { type: 'carrier-pigeon' } },
        routes: [{ id: 1, name: 'a', provider: 'nope', channel: 'sms', rates: [] }],
      }),
    );
    const problems = configProblemsOf(() =>
      loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file } }),
    );
    expect(problems.join('\n')).toContain('colour');
    const second = configProblemsOf(() =>
      loadConfig({
        env: { OTPGATE_DATA_DIR: dir },
        overrides: {
          providers: { p: { type: 'carrier-pigeon' } },
          routes: [{ id: 1, name: 'a', provider: 'nope', channel: 'sms', rates: [] }],
        },
      }),
    );
    expect(second.join('\n')).toContain('carrier-pigeon');
    expect(second.join('\n')).toContain('"nope" is not configured');
    expect(second.join('\n')).toContain('defaultRouteId 3');
  });

  it('routes priced in several currencies need a base currency and exchange rates', () => {
    const dir = tempDir();
    const providers = { p: { type: 'sandbox' } };
    const route = (id: number, currency: string) => ({
      id,
      name: `r${id}`,
      provider: 'p',
      channel: 'sms' as const,
      currency,
      rates: [{ prefix: '', priceMicros: 10_000 }],
    });
    const routes = [route(1, 'EUR'), route(2, 'USD'), route(3, 'GBP')];
    const load = (pricing?: { baseCurrency?: string; exchangeRates?: Record<string, number> }) =>
      loadConfig({
        env: { OTPGATE_DATA_DIR: dir },
        overrides: { providers, routes, defaultRouteId: 1, ...(pricing ? { pricing } : {}) },
      });

    expect(configProblemsOf(() => load()).join('\n')).toContain('pricing.baseCurrency is required');
    const missing = configProblemsOf(() => load({ baseCurrency: 'EUR', exchangeRates: { USD: 0.9 } }));
    expect(missing).toEqual(['pricing.exchangeRates.GBP is missing: routes price in it, the base is EUR']);
    const ok = load({ baseCurrency: 'EUR', exchangeRates: { USD: 0.9, GBP: 1.15 } });
    expect(ok.pricing).toEqual({ baseCurrency: 'EUR', exchangeRates: { USD: 0.9, GBP: 1.15 } });
    expect(
      configProblemsOf(() => load({ baseCurrency: 'EUR', exchangeRates: { USD: 0 } })).join('\n'),
    ).toContain('pricing');
    // One currency needs no pricing block: it is the base.
    const single = loadConfig({
      env: { OTPGATE_DATA_DIR: dir },
      overrides: { providers, routes: [route(1, 'USD')], defaultRouteId: 1 },
    });
    expect(single.pricing).toEqual({ baseCurrency: 'USD', exchangeRates: {} });
  });

  it('a broken config file is a listed problem, not a crash', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    expect(
      configProblemsOf(() => loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file } }))[0],
    ).toContain(file);
  });
});

describe('loadConfig: the config file root', () => {
  it('must be a JSON object: [], null, a string, a number and true are listed problems', () => {
    const dir = tempDir();
    for (const [text, kind] of [
      ['[]', 'an array'],
      ['[1, 2]', 'an array'],
      ['null', 'null'],
      ['"str"', 'a string'],
      ['42', 'a number'],
      ['true', 'a boolean'],
    ]) {
      const file = join(dir, 'root.json');
      writeFileSync(file, text!);
      const problems = configProblemsOf(() =>
        loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file } }),
      );
      expect(problems, text).toEqual([`config file ${file}: must be a JSON object ({ … }), not ${kind}`]);
    }
  });

  it('is listed together with the other problems', () => {
    const dir = tempDir();
    const file = join(dir, 'array.json');
    writeFileSync(file, '[]');
    const problems = configProblemsOf(() =>
      loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file, PORT: 'eighty' } }),
    );
    expect(problems).toContain(`config file ${file}: must be a JSON object ({ … }), not an array`);
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
  });

  it('an empty object is fine: the defaults', () => {
    const dir = tempDir();
    const file = join(dir, 'empty.json');
    writeFileSync(file, '{}');
    expect(loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file } }).port).toBe(8080);
  });
});

describe('loadConfig: defaultCountry', () => {
  it('takes a country libphonenumber knows', () => {
    for (const country of ['NL', 'GB', 'US', 'DE']) {
      const config = loadConfig({ env: { OTPGATE_DATA_DIR: tempDir(), OTPGATE_DEFAULT_COUNTRY: country } });
      expect(config.defaultCountry).toBe(country);
    }
  });

  it('refuses UK with a hint that the ISO code is GB', () => {
    const problems = configProblemsOf(() =>
      loadConfig({ env: { OTPGATE_DATA_DIR: tempDir(), OTPGATE_DEFAULT_COUNTRY: 'UK' } }),
    );
    expect(problems).toEqual([
      'defaultCountry (OTPGATE_DEFAULT_COUNTRY) "UK" is not a country code with phone numbers: did you mean GB, the ISO 3166-1 code of the United Kingdom?',
    ]);
  });

  it('refuses a code no country has (XX), from the file too, listed with the other problems', () => {
    const dir = tempDir();
    const file = join(dir, 'country.json');
    writeFileSync(file, JSON.stringify({ defaultCountry: 'XX' }));
    const problems = configProblemsOf(() =>
      loadConfig({ env: { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file, OTP_LENGTH: '3' } }),
    );
    expect(problems).toContain(
      'defaultCountry (OTPGATE_DEFAULT_COUNTRY) "XX" is not a country code with phone numbers (use an ISO 3166-1 alpha-2 code, e.g. NL, GB, US)',
    );
    expect(problems.some((p) => p.startsWith('policy.codeLength'))).toBe(true);
  });

  it('a value that is not two capitals stays one schema problem, not two', () => {
    const problems = configProblemsOf(() =>
      loadConfig({ env: { OTPGATE_DATA_DIR: tempDir(), OTPGATE_DEFAULT_COUNTRY: 'nl' } }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^defaultCountry /);
  });
});

describe('loadConfig templates', () => {
  it('refuses a template without {code} and a malformed app hash', () => {
    const problems = configProblemsOf(() =>
      loadConfig({
        env: { OTPGATE_DATA_DIR: tempDir() },
        overrides: { templates: { overrides: { sms: 'Hello from {brand}' }, appHash: 'short+hash1' } },
      }),
    );
    expect(problems.join('\n')).toContain('does not contain {code}');
  });
});

describe('loadConfig: defaultRouteId', () => {
  const withRoutes = (extra: Record<string, unknown>) => {
    const dir = tempDir();
    const file = join(dir, 'routes.json');
    const sms = (id: number, more: Record<string, unknown> = {}) => ({
      id,
      name: `r${id}`,
      provider: 'sandbox',
      channel: 'sms',
      rates: [{ prefix: '', priceMicros: 1 }],
      ...more,
    });
    writeFileSync(
      file,
      JSON.stringify({
        providers: { sandbox: { type: 'sandbox' } },
        routes: [sms(1), sms(2, { enabled: false }), sms(3, { channel: 'email' })],
        ...extra,
      }),
    );
    return { OTPGATE_DATA_DIR: dir, OTPGATE_CONFIG: file };
  };

  it('must be a route the reference endpoints can send SMS over: existing, enabled, not e-mail', () => {
    expect(loadConfig({ env: withRoutes({ defaultRouteId: 1 }) }).defaultRouteId).toBe(1);
    for (const [id, problem] of [
      [2, 'defaultRouteId 2 is a disabled route'],
      [3, 'defaultRouteId 3 is an e-mail route; the reference endpoints send SMS'],
      [9, 'defaultRouteId 9 is not a configured route'],
    ] as const) {
      expect(configProblemsOf(() => loadConfig({ env: withRoutes({ defaultRouteId: id }) }))).toEqual([
        problem,
      ]);
    }
  });

  it('is not checked with the reference endpoints off (nothing sends over it)', () => {
    const config = loadConfig({ env: withRoutes({ defaultRouteId: 2, referenceApi: false }) });
    expect(config.referenceApi).toBe(false);
  });
});
