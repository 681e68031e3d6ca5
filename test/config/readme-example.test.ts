import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config/index.js';
import { parsePhone, systemClock, type Channel } from '../../src/core/index.js';
import { OtpError } from '../../src/errors/index.js';
import type { Provider } from '../../src/providers/provider.js';
import { createProviders } from '../../src/providers/registry.js';
import { Router } from '../../src/routing/router.js';
import { silentLogger } from '../../src/service/logger.js';
import { TemplateRenderer } from '../../src/service/template-renderer.js';

/**
 * The README's configuration examples are executable: each block after a
 * `<!-- readme-example: NAME -->` marker is loaded exactly as `otpgate serve` would load it
 * (a file named by OTPGATE_CONFIG), so the documentation cannot drift from the schema.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const SECTION = '## Routes, policies and providers';
const PROVIDER_TYPES = ['sandbox', 'bridgexapi', 'twilio', 'vonage', 'smpp', 'email', 'generic-http'];

interface Example {
  name: string;
  lang: string;
  body: string;
  index: number;
}

function readmeExamples(): Map<string, Example> {
  const examples = new Map<string, Example>();
  const pattern = /<!-- readme-example: ([a-z0-9 -]+?) -->\s*```(\w+)\n([\s\S]*?)\n```/g;
  for (const match of README.matchAll(pattern)) {
    const [, name = '', lang = '', body = ''] = match;
    expect(examples.has(name), `duplicate README example "${name}"`).toBe(false);
    examples.set(name, { name, lang, body, index: match.index });
  }
  return examples;
}

function example(name: string): Example {
  const found = readmeExamples().get(name);
  if (!found) throw new Error(`README has no <!-- readme-example: ${name} --> block`);
  return found;
}

function jsonExample(name: string): Record<string, any> {
  const found = example(name);
  expect(found.lang).toBe('json');
  return JSON.parse(found.body) as Record<string, any>;
}

/** Loads a config the way `otpgate serve` does: a JSON file named by OTPGATE_CONFIG, a fresh data folder. */
function loadFromFile(json: string): Config {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-readme-'));
  const file = join(dir, 'otpgate.json');
  writeFileSync(file, json);
  return loadConfig({ env: { OTPGATE_CONFIG: file, OTPGATE_DATA_DIR: join(dir, 'data') } });
}

async function closeAll(providers: Map<string, Provider>): Promise<void> {
  for (const provider of providers.values()) await provider.close?.();
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('README: the complete example config', () => {
  it('sits in the "Routes, policies and providers" section, after Configuration', () => {
    const start = README.indexOf(`\n${SECTION}\n`);
    const configuration = README.indexOf('\n## Configuration\n');
    expect(configuration).toBeGreaterThan(-1);
    expect(start).toBeGreaterThan(configuration);
    const next = README.indexOf('\n## ', start + 1);
    const { index } = example('config');
    expect(index).toBeGreaterThan(start);
    expect(next === -1 || index < next).toBe(true);
  });

  it('is accepted by loadConfig from an OTPGATE_CONFIG file', () => {
    const raw = jsonExample('config');
    const config = loadFromFile(example('config').body);

    expect(Object.keys(config.providers).sort()).toEqual(Object.keys(raw.providers).sort());
    expect(config.routes.map((r) => r.id)).toEqual(raw.routes.map((r: { id: number }) => r.id));
    expect(config.routingPolicies.map((p) => p.name)).toEqual(
      raw.routingPolicies.map((p: { name: string }) => p.name),
    );
    expect(config.breaker).toEqual(raw.breaker);
    expect(config.templates.overrides).toEqual(raw.templates.overrides);
    expect(config.templates.appHash).toBe(raw.templates.appHash);
    expect(config.templates.webOtpDomain).toBe(raw.templates.webOtpDomain);
    expect(config.publicUrl).toBe(raw.publicUrl);
    expect(config.brand).toBe(raw.brand);
    // Route defaults the README documents.
    const route7 = config.routes.find((r) => r.id === 7);
    expect(route7).toMatchObject({ trafficClass: 'otp', currency: 'EUR', enabled: true, timeoutSeconds: 30 });
    expect(config.routes.find((r) => r.id === 8)?.enabled).toBe(false);
  });

  it('shows every provider type except smpp, which has its own snippet', () => {
    const raw = jsonExample('config');
    const types = new Set(Object.values(raw.providers).map((p) => (p as { type: string }).type));
    expect([...types].sort()).toEqual(PROVIDER_TYPES.filter((t) => t !== 'smpp').sort());
  });

  it('builds its providers with createProviders', async () => {
    const config = loadFromFile(example('config').body);
    const providers = createProviders(config, { clock: systemClock, logger: silentLogger });
    try {
      expect([...providers.keys()].sort()).toEqual(Object.keys(config.providers).sort());
      for (const [name, provider] of providers) {
        expect(provider.name).toBe(name);
        expect(provider.type).toBe(config.providers[name]?.type);
      }
      // Every route's provider offers the route's channel (otherwise every send over it fails).
      for (const route of config.routes) {
        expect(providers.get(route.provider)?.channels, `route ${route.id}`).toContain(route.channel);
      }
    } finally {
      await closeAll(providers);
    }
  });

  it('produces the failover chains the README walks through', () => {
    const config = loadFromFile(example('config').body);
    const router = new Router({
      routes: config.routes,
      policies: config.routingPolicies,
      providers: new Map(),
      breaker: config.breaker,
      defaultTimeoutSeconds: config.defaultTimeoutSeconds,
      pricing: config.pricing,
      clock: systemClock,
    });
    const plan = (to: string, channel: Channel, purpose = 'login', pinnedRouteId?: number) => {
      const phone = channel === 'email' ? undefined : parsePhone(to);
      return router.plan({
        destination: phone?.e164 ?? to,
        country: phone?.country,
        channel,
        purpose,
        pinnedRouteId,
      });
    };
    const ids = (steps: ReturnType<typeof plan>) => steps.map((s) => s.routeId);
    const refusal = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        if (error instanceof OtpError) return error.code;
        throw error;
      }
      return undefined;
    };

    const nlLogin = plan('+31651860670', 'sms', 'login');
    expect(ids(nlLogin)).toEqual([3, 1, 2]);
    expect(nlLogin.every((s) => s.timeoutSeconds === 20)).toBe(true);
    expect(ids(plan('+31651860670', 'sms', 'payment'))).toEqual([2, 3, 1]);
    const usSms = plan('+14155552671', 'sms');
    expect(ids(usSms)).toEqual([4, 6]);
    expect(usSms.every((s) => s.timeoutSeconds === 45)).toBe(true);
    expect(plan('+14155552671', 'voice')).toEqual([{ routeId: 6, timeoutSeconds: 90 }]);
    expect(ids(plan('+4915112345678', 'sms'))).toEqual([1, 2]);
    expect(ids(plan('+81312345678', 'sms'))).toEqual([2, 3, 4]);
    expect(ids(plan('+31651860670', 'whatsapp'))).toEqual([5]);
    expect(ids(plan('user@example.com', 'email'))).toEqual([7]);
    expect(ids(plan('+31651860670', 'sms', 'login', 4))).toEqual([4]);
    expect(refusal(() => plan('+31651860670', 'sms', 'login', 8))).toBe('ROUTE_NOT_FOUND');
  });

  it('renders the SMS the README shows', () => {
    const config = loadFromFile(example('config').body);
    const rendered = new TemplateRenderer(config).render({
      channel: 'sms',
      locale: undefined,
      code: '123456',
    });
    expect(rendered.text).toBe(example('rendered sms').body);
  });
});

describe('README: one snippet per provider type', () => {
  it('has a snippet for every provider type loadConfig knows', () => {
    const names = [...readmeExamples().keys()].filter((n) => n.startsWith('provider '));
    expect(names.map((n) => n.slice('provider '.length)).sort()).toEqual([...PROVIDER_TYPES].sort());
  });

  for (const type of PROVIDER_TYPES) {
    it(`${type}: the snippet is a complete config file loadConfig accepts`, () => {
      const raw = jsonExample(`provider ${type}`);
      const config = loadFromFile(example(`provider ${type}`).body);
      expect(Object.values(config.providers).map((p) => p.type)).toContain(type);
      expect(Object.values(raw.providers).every((p) => (p as { type: string }).type === type)).toBe(true);
    });
  }

  for (const type of PROVIDER_TYPES.filter((t) => t !== 'smpp')) {
    it(`${type}: createProviders accepts the snippet's options`, async () => {
      const config = loadFromFile(example(`provider ${type}`).body);
      const providers = createProviders(config, { clock: systemClock, logger: silentLogger });
      try {
        for (const route of config.routes) {
          expect(providers.get(route.provider)?.channels, `route ${route.id}`).toContain(route.channel);
        }
      } finally {
        await closeAll(providers);
      }
    });
  }

  it("smpp: the snippet's options pass createProviders' checks (without connecting)", async () => {
    // An SMPP provider binds as soon as it is built, so it must not be built here. createProviders
    // checks every instance's options before it builds any, so a deliberately broken sibling stops
    // it after the checks: the only problems reported must be the sibling's.
    const base = loadFromFile(example('provider smpp').body);
    const config: Config = {
      ...base,
      providers: { ...base.providers, 'broken-sibling': { type: 'bridgexapi' } },
    };
    let built: Map<string, Provider> | undefined;
    const problems = problemsOf(() => {
      built = createProviders(config, { clock: systemClock, logger: silentLogger });
    });
    if (built) {
      await closeAll(built);
      throw new Error('createProviders built the providers despite a broken instance');
    }
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('providers.broken-sibling'))).toBe(true);
  });
});
