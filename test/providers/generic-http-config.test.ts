import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, type Config } from '../../src/config/index.js';
import { systemClock } from '../../src/core/index.js';
import {
  createGenericHttpProvider,
  type GenericHttpOptions,
} from '../../src/providers/generic-http/index.js';
import { createProviders } from '../../src/providers/registry.js';
import { silentLogger } from '../../src/service/logger.js';

/**
 * Mistakes in a generic-http instance's options (templates, method) are configuration problems:
 * reported by createProviders as a ConfigError together with every other instance's problems, so
 * `otpgate serve` lists them and exits 78 instead of dying on a stack trace.
 */

const URL_OK = 'http://127.0.0.1:9/send';
const JSON_BODY = '{"to":"{{to}}","text":"{{text}}"}';

/** The problems createProviders reports for these instances (it builds none when any is broken). */
function problemsOf(providers: Record<string, Record<string, unknown>>): readonly string[] {
  try {
    createProviders({ providers } as unknown as Config, { clock: systemClock, logger: silentLogger });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
  return [];
}

const gateway = (options: Record<string, unknown>) => ({ type: 'generic-http', url: URL_OK, ...options });

describe('generic-http options checked at start-up', () => {
  it('accepts good templates for POST and GET', () => {
    expect(problemsOf({ a: gateway({ bodyTemplate: JSON_BODY }) })).toEqual([]);
    expect(problemsOf({ b: gateway({ method: 'GET', url: `${URL_OK}?to={{to_digits}}` }) })).toEqual([]);
    expect(
      problemsOf({ c: gateway({ contentType: 'form', bodyTemplate: 'to={{to}}&m={{ text }}' }) }),
    ).toEqual([]);
  });

  it('reports an unknown placeholder in the body, url or a header as a problem of that option', () => {
    expect(problemsOf({ gx: gateway({ bodyTemplate: '{"to":"{{nope}}"}' }) })).toEqual([
      expect.stringMatching(/^providers\.gx\.bodyTemplate .*unknown template variable \{\{nope\}\}/),
    ]);
    expect(problemsOf({ gx: gateway({ url: `${URL_OK}?k={{api_key}}` }) })).toEqual([
      expect.stringMatching(/^providers\.gx\.url .*\{\{api_key\}\}/),
    ]);
    expect(problemsOf({ gx: gateway({ headers: { 'x-key': '{{secret}}' } }) })).toEqual([
      expect.stringMatching(/^providers\.gx\.headers\.x-key .*\{\{secret\}\}/),
    ]);
  });

  it('reports a json bodyTemplate that does not render valid JSON', () => {
    expect(problemsOf({ gx: gateway({ bodyTemplate: '{"to":{{to}}}' }) })).toEqual([
      expect.stringMatching(/^providers\.gx\.bodyTemplate .*valid JSON/),
    ]);
  });

  it('refuses method PUT (only POST sends a body)', () => {
    expect(problemsOf({ gx: gateway({ method: 'PUT', bodyTemplate: JSON_BODY }) })).toEqual([
      expect.stringMatching(/^providers\.gx\.method /),
    ]);
    expect(problemsOf({ gx: gateway({ method: 'GET' }) })).toEqual([]);
  });

  it('lists template problems with the problems of other instances', () => {
    const problems = problemsOf({
      gx: gateway({ bodyTemplate: '{"to":"{{nope}}"}', headers: { 'x-ref': '{{ref}}' } }),
      gy: gateway({ bodyTemplate: 'not json {{to}}' }),
      tw: { type: 'twilio', accountSid: 'AC1' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^providers\.gx\.bodyTemplate /),
        expect.stringMatching(/^providers\.gx\.headers\.x-ref /),
        expect.stringMatching(/^providers\.gy\.bodyTemplate /),
        expect.stringMatching(/^providers\.tw .*authToken/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('refuses receipt settings that would only fail when a receipt arrives', () => {
    const receipts = (deliveryReport: Record<string, unknown>) =>
      gateway({
        deliveryReport: {
          messageIdPath: 'id',
          statusPath: 'st',
          statusMap: { ok: 'delivered' },
          ...deliveryReport,
        },
      });
    expect(
      problemsOf({
        good: receipts({
          signature: { header: 'x-sig', secret: 's', algorithm: 'sha512', encoding: 'base64' },
        }),
      }),
    ).toEqual([]);
    for (const [option, broken] of [
      ['statusMap', { statusMap: { ok: 'delivred' } }],
      ['algorithm', { signature: { header: 'x-sig', secret: 's', algorithm: 'sha265' } }],
      ['encoding', { signature: { header: 'x-sig', secret: 's', encoding: 'base32' } }],
    ] as const) {
      const problems = problemsOf({ gx: receipts(broken) });
      expect(problems.join('\n')).toMatch(new RegExp(`providers\\.gx.*${option}`));
    }
  });

  it('createGenericHttpProvider itself refuses PUT', () => {
    const put = { name: 'gx', url: URL_OK, method: 'PUT' } as unknown as GenericHttpOptions;
    expect(() => createGenericHttpProvider(put)).toThrow(/method/);
  });
});

describe('otpgate serve with a broken generic-http template', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));

  it('lists it as invalid configuration and exits 78', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-generic-config-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        host: '127.0.0.1',
        port: 0,
        providers: { gx: gateway({ bodyTemplate: '{"to":"{{nope}}"}' }) },
        routes: [
          { id: 1, name: 'gx', provider: 'gx', channel: 'sms', rates: [{ prefix: '', priceMicros: 1 }] },
        ],
        defaultRouteId: 1,
      }),
    );
    const child = spawn(process.execPath, ['bin/otpgate.js', 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', OTPGATE_CONFIG: configPath, OTPGATE_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Should the configuration ever be accepted, the server must not outlive the test.
    const guard = setTimeout(() => child.kill('SIGTERM'), 30_000);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    clearTimeout(guard);
    expect(code, stderr).toBe(78);
    expect(stderr).toMatch(/^Invalid configuration:\n {2}- providers\.gx\.bodyTemplate .*\{\{nope\}\}/);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
