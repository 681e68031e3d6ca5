import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { serveExit } from '../support/serve-exit.js';

/** The real `otpgate serve` process, started the way `npm start` does, killed the hard way. */
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const parsed = JSON.parse(line) as { event?: string; url?: string };
      if (parsed.event === 'server.started' && parsed.url) resolve({ child, url: parsed.url, lines });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

const exitOf = (env: Record<string, string>) => serveExit(env, children);

async function post(url: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('otpgate serve as a process', () => {
  it('keeps every acknowledged verification across a SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    const first = await serve({ OTPGATE_DATA_DIR: dataDir });
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(first.url, '/v1/verifications', { to: `+3161234${String(i).padStart(4, '0')}` }),
      ),
    );
    expect(sent.every((s) => s.status === 201)).toBe(true);
    expect(first.lines.some((l) => l.includes('pepper.generated'))).toBe(true);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve({ OTPGATE_DATA_DIR: dataDir });
    for (const s of sent) {
      const check = await post(second.url, '/v1/verifications/check', {
        id: s.body.id,
        code: s.body.debug_code,
      });
      expect(check.body).toMatchObject({ status: 'approved', valid: true });
    }
    // Codes never reach the logs.
    for (const s of sent)
      expect([...first.lines, ...second.lines].join('\n')).not.toContain(`"${s.body.debug_code}"`);
  });

  it('with PORT=0, the URLs it hands out name the port it really listens on', async () => {
    const started = await serve({ OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-proc-')) });
    const sent = await post(started.url, '/send-otp', { phone_number: '31612345678' });
    expect(sent.status).toBe(200);
    expect(sent.body.delivery_status_url).toMatch(new RegExp(`^${started.url}/v1/messages/msg_`));
    const status = await fetch(sent.body.delivery_status_url);
    expect(status.status).toBe(200);
  });

  it('request logging names paths only: no query string (receipt credentials, numbers) in any line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    const server = await serve({ OTPGATE_DATA_DIR: dataDir, OTPGATE_REQUEST_LOGGING: 'true' });
    const secretQuery = 'msisdn=33612340099&api-key=VONKEYk1&sig=abcdef';
    const receipt = await fetch(`${server.url}/v1/webhooks/dlr/sandbox?${secretQuery}`);
    expect(receipt.status).toBe(404);
    await fetch(`${server.url}/healthz?token=hunter2`);
    await new Promise((r) => setTimeout(r, 100));
    const requestLines = server.lines.filter((line) => line.includes('incoming request'));
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    expect(requestLines.some((line) => line.includes('"path":"/v1/webhooks/dlr/sandbox"'))).toBe(true);
    for (const needle of ['VONKEYk1', '33612340099', 'hunter2', '?']) {
      expect(server.lines.filter((line) => line.includes(needle))).toEqual([]);
    }
  });

  it('production refuses to start without a pepper or with debug codes, listing both', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    const { code, stderr } = await exitOf({
      OTPGATE_DATA_DIR: dataDir,
      OTPGATE_MODE: 'production',
      DEBUG_OTP: 'true',
    });
    expect(code).toBe(78);
    expect(stderr).toContain('pepper');
    expect(stderr).toContain('debug codes');
  });

  it('bad provider options stop the start with exit 78 and every problem listed, no stack trace', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    const file = join(dataDir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: { bx: { type: 'bridgexapi', routeId: 3 }, tw: { type: 'twilio', accountSid: 'AC1' } },
        routes: [
          { id: 3, name: 'r', provider: 'bx', channel: 'sms', rates: [{ prefix: '', priceMicros: 1 }] },
        ],
      }),
    );
    const { code, stderr } = await exitOf({ OTPGATE_DATA_DIR: dataDir, OTPGATE_CONFIG: file });
    expect(code).toBe(78);
    expect(stderr).toContain('providers.bx');
    expect(stderr).toContain('providers.tw');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('production refuses to start on the built-in sandbox, which delivers nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    const { code, stderr } = await exitOf({
      OTPGATE_DATA_DIR: dataDir,
      OTPGATE_MODE: 'production',
      OTPGATE_PEPPER: 'process-test-pepper-0123456789-abcdefghij',
    });
    expect(code).toBe(78);
    expect(stderr).toContain('production mode has no real provider');
  });

  it('production with a pepper starts and never returns debug codes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-proc-'));
    // A sandbox configured on purpose (a staging box): production accepts it, without debug codes.
    const file = join(dataDir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: { staging: { type: 'sandbox' } },
        routes: [
          {
            id: 3,
            name: 'staging',
            provider: 'staging',
            channel: 'sms',
            rates: [{ prefix: '', priceMicros: 0 }],
          },
        ],
      }),
    );
    const server = await serve({
      OTPGATE_DATA_DIR: dataDir,
      OTPGATE_CONFIG: file,
      OTPGATE_MODE: 'production',
      OTPGATE_PEPPER: 'process-test-pepper-0123456789-abcdefghij',
    });
    const sent = await post(server.url, '/v1/verifications', { to: '+31651860670' });
    expect(sent.status).toBe(201);
    expect(sent.body.debug_code).toBeUndefined();
    const legacy = await post(server.url, '/send-otp', { phone_number: '31612345678' });
    expect(legacy.body.debug_code).toBeNull();
    const outbox = await fetch(`${server.url}/v1/dev/outbox`);
    expect(outbox.status).toBe(404);
  });
});
