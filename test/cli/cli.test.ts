import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * The real CLI (`node bin/otpgate.js`, the installed command) as a child process against a real
 * otpgate listening on loopback. The child must run asynchronously: the server lives in this process.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'bin/otpgate.js';
const TOKEN = 'cli-test-token-0123456789';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** killAfterMs: for `serve`, which must exit by itself; if it serves instead, it is killed (exit null). */
function cli(
  args: string[],
  env: Record<string, string> = {},
  { killAfterMs }: { killAfterMs?: number } = {},
): Promise<CliResult> {
  // A clean environment, so an OTPGATE_URL / OTPGATE_API_TOKEN of the developer's shell cannot leak in.
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI prints the server's JSON answer, pretty-printed. */
function json(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`CLI stdout is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Expected failures are one `otpgate: …` line on stderr: no stack trace, no Node banner. */
function expectOneErrorLine(result: CliResult, line: RegExp): void {
  expect(result.stderr).toMatch(/^otpgate: [^\n]*\n$/);
  expect(result.stderr.trimEnd()).toMatch(line);
}

/** A loopback port with nothing listening on it (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('otpgate CLI against a running server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('send, then check with the code: approved, exit 0', { timeout: 60_000 }, async () => {
    const sent = await cli(['send', '+31651860670', '--url', server.url]);
    expect(sent.code, sent.stderr).toBe(0);
    const verification = json(sent);
    expect(verification).toMatchObject({
      status: 'pending',
      to: '*******0670',
      channel: 'sms',
      purpose: 'login',
    });
    expect(verification.id).toMatch(/^ver_/);
    expect(verification.debug_code).toMatch(/^[0-9]{6}$/);
    // The server really sent it: the sandbox outbox holds the message with that code.
    const outbox = server.app.sandbox?.listOutbox() ?? [];
    expect(
      outbox.some((m) => m.verificationId === verification.id && m.text.includes(verification.debug_code)),
    ).toBe(true);

    const checked = await cli(['check', verification.id, verification.debug_code, '--url', server.url]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr).toBe('');
    expect(json(checked)).toEqual({
      id: verification.id,
      status: 'approved',
      valid: true,
      attempts_remaining: 5,
    });

    // A code is used once: checking it again is an API error (409), so the CLI exits 1, with the
    // envelope on stdout and its code and message on stderr.
    const again = await cli(['check', verification.id, verification.debug_code, '--url', server.url]);
    expect(again.code).toBe(1);
    expect(json(again).error.code).toBe('VERIFICATION_NOT_PENDING');
    expectOneErrorLine(again, /^otpgate: VERIFICATION_NOT_PENDING: .+ \(HTTP 409\)$/);
  });

  it(
    'an unknown verification id is an API error: exit 1 with the error envelope',
    { timeout: 30_000 },
    async () => {
      const result = await cli(['check', 'ver_doesnotexist', '123456', '--url', server.url]);
      expect(result.code).toBe(1);
      const body = json(result);
      expect(body.error.code).toBe('VERIFICATION_NOT_FOUND');
      expect(body.error.docs).toMatch(/docs\/errors\.md#verification_not_found$/);
      expectOneErrorLine(result, /^otpgate: VERIFICATION_NOT_FOUND: .+ \(HTTP 404\)$/);
    },
  );

  it(
    'a wrong code exits 1 (so `otpgate check … && login` refuses it), still printing the answer',
    { timeout: 30_000 },
    async () => {
      const sent = await cli(['send', '+31651860671', '--purpose', 'signup', '--url', server.url]);
      expect(sent.code, sent.stderr).toBe(0);
      const verification = json(sent);
      expect(verification.purpose).toBe('signup');
      const wrong = verification.debug_code === '000000' ? '111111' : '000000';
      const result = await cli(['check', verification.id, wrong, '--url', server.url]);
      expect(result.code).toBe(1);
      expect(json(result)).toMatchObject({
        id: verification.id,
        status: 'pending',
        valid: false,
        attempts_remaining: 4,
      });
      expectOneErrorLine(result, /^otpgate: the code is not valid \(status pending, 4 attempts remaining\)$/);

      // The right code afterwards is still approved: exit 0.
      const right = await cli(['check', verification.id, verification.debug_code, '--url', server.url]);
      expect(right.code, right.stderr).toBe(0);
      expect(json(right)).toMatchObject({ status: 'approved', valid: true });
    },
  );

  it(
    'a --timeout that is not whole milliseconds still reaches the server (1.0001 s, 0.5 s, 86400 s)',
    { timeout: 60_000 },
    async () => {
      for (const timeout of ['1.0001', '0.5', '86400']) {
        const result = await cli([
          'check',
          'ver_doesnotexist',
          '123456',
          '--url',
          server.url,
          '--timeout',
          timeout,
        ]);
        expect(result.code, `${timeout}: ${result.stderr}`).toBe(1);
        expect(json(result).error.code).toBe('VERIFICATION_NOT_FOUND');
        expectOneErrorLine(result, /^otpgate: VERIFICATION_NOT_FOUND: .+ \(HTTP 404\)$/);
      }
    },
  );

  it(
    'send pins a route with --route and refuses an unknown one with exit 1',
    { timeout: 30_000 },
    async () => {
      const pinned = await cli(['send', '+31651860672', '--route', '5', '--url', server.url]);
      expect(pinned.code, pinned.stderr).toBe(0);
      expect(json(pinned).attempt.route_id).toBe(5);

      const unknown = await cli(['send', '+31651860673', '--route', '999', '--url', server.url]);
      expect(unknown.code).toBe(1);
      expect(json(unknown).error.code).toBe('ROUTE_NOT_FOUND');
      expectOneErrorLine(unknown, /^otpgate: ROUTE_NOT_FOUND: .+ \(HTTP 4\d\d\)$/);
    },
  );
});

describe('otpgate CLI when the server cannot be reached', () => {
  it('nothing listening: one line, exit 69, for send and for check', { timeout: 30_000 }, async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const sent = await cli(['send', '+31651860670', '--url', url]);
    expect(sent.code).toBe(69);
    expect(sent.stdout).toBe('');
    expectOneErrorLine(sent, new RegExp(`^otpgate: cannot reach ${url} \\(connection refused\\)$`));

    const checked = await cli(['check', 'ver_x', '123456'], { OTPGATE_URL: `${url}/` });
    expect(checked.code).toBe(69);
    expectOneErrorLine(checked, new RegExp(`^otpgate: cannot reach ${url} \\(connection refused\\)$`));
  });

  it('a server URL that is not an http(s) URL is a usage error: exit 64', { timeout: 30_000 }, async () => {
    const bad = await cli(['send', '+31651860670', '--url', 'not a url']);
    expect(bad.code).toBe(64);
    expectOneErrorLine(bad, /^otpgate: the server URL "not a url" .*is not a valid URL/);

    const ftp = await cli(['check', 'ver_x', '123456', '--url', 'ftp://127.0.0.1/']);
    expect(ftp.code).toBe(64);
    expectOneErrorLine(ftp, /^otpgate: the server URL "ftp:\/\/127\.0\.0\.1\/" .*must start with http/);
  });

  it('a server that never answers: gives up after --timeout, exit 69', { timeout: 30_000 }, async () => {
    await withSilentServer(async (url) => {
      const result = await cli(['check', 'ver_x', '123456', '--url', url, '--timeout', '1']);
      expect(result.code).toBe(69);
      expectOneErrorLine(result, new RegExp(`^otpgate: cannot reach ${url} \\(no answer within 1 s\\)$`));
    });
  });

  it(
    'a --timeout below 1 ms waits 1 ms, not 0: exit 69 on a silent server',
    { timeout: 30_000 },
    async () => {
      await withSilentServer(async (url) => {
        const result = await cli(['check', 'ver_x', '123456', '--url', url, '--timeout', '0.0001']);
        expect(result.code).toBe(69);
        expectOneErrorLine(
          result,
          new RegExp(`^otpgate: cannot reach ${url} \\(no answer within 0\\.0001 s\\)$`),
        );
      });
    },
  );

  it(
    'a --timeout that is not a positive number of at most 86400 s is a usage error: exit 64',
    { timeout: 60_000 },
    async () => {
      // Nothing listens there: a value that slipped through would exit 69, not 64.
      const url = `http://127.0.0.1:${await freePort()}`;
      for (const timeout of ['abc', '0', '-1', '', 'Infinity', '86400.001', '3000000', '5000000', '1e300']) {
        const result = await cli(['check', 'ver_x', '123456', '--url', url, '--timeout', timeout]);
        expect(result.code, `${timeout}: ${result.stderr}`).toBe(64);
        expect(result.stdout).toBe('');
        expectOneErrorLine(
          result,
          /^otpgate: option '--timeout <seconds>' argument '.*' is invalid\. must be a positive number of seconds, at most 86400$/,
        );
      }
    },
  );

  it('a missing argument is a usage error: exit 64', { timeout: 30_000 }, async () => {
    const result = await cli(['check', 'ver_x']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe("otpgate: missing required argument 'code'\n");
    const unknown = await cli(['send', '+31651860670', '--bogus']);
    expect([unknown.code, unknown.stderr]).toEqual([64, "otpgate: unknown option '--bogus'\n"]);
  });
});

describe('otpgate CLI with an API token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { OTPGATE_API_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('exit 1 without the token; --token or OTPGATE_API_TOKEN gets through', { timeout: 30_000 }, async () => {
    const refused = await cli(['send', '+31651860674', '--url', server.url]);
    expect(refused.code).toBe(1);
    expect(json(refused).error.code).toBe('UNAUTHENTICATED');

    const flag = await cli(['send', '+31651860674', '--url', server.url, '--token', TOKEN]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(json(flag).status).toBe('pending');

    const fromEnv = await cli(['send', '+31651860675', '--url', server.url], { OTPGATE_API_TOKEN: TOKEN });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
  });
});

describe('otpgate serve with a bad configuration', () => {
  it(
    'a config file that is not an object and an unknown default country: both listed, exit 78',
    { timeout: 30_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'otpgate-cli-'));
      const file = join(dir, 'otpgate.json');
      writeFileSync(file, '[]');
      const result = await cli(
        ['serve'],
        { OTPGATE_CONFIG: file, OTPGATE_DEFAULT_COUNTRY: 'UK', OTPGATE_DATA_DIR: dir, PORT: '0' },
        { killAfterMs: 15_000 },
      );
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(`config file ${file}: must be a JSON object ({ … }), not an array`);
      expect(result.stderr).toContain('"UK" is not a country code with phone numbers: did you mean GB');
    },
  );
});

describe('otpgate --help', () => {
  it('lists serve, send and check, and the exit statuses', { timeout: 30_000 }, async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    const commands = result.stdout.slice(result.stdout.indexOf('Commands:'));
    for (const command of ['serve', 'send', 'check']) {
      expect(commands).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    const statuses = result.stdout.slice(result.stdout.indexOf('Exit status:'));
    for (const status of [0, 1, 64, 69, 78]) expect(statuses).toMatch(new RegExp(`^\\s+${status}\\s`, 'm'));
  });
});

/** Runs `body` against a server on 127.0.0.1 that accepts connections and never answers. */
async function withSilentServer(body: (url: string) => Promise<void>): Promise<void> {
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  try {
    await body(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
}
