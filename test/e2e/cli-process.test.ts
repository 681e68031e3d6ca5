import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/**
 * `otpgate` as it is installed and run: `node bin/otpgate.js …` as a child process, signalled and
 * inspected from outside (exit status, stderr, stdout log lines, whether the port still answers).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'otpgate.js');
const PEPPER = 'cli-process-pepper-0123456789-abcdefghij';
const children: ChildProcess[] = [];

afterEach(() => {
  // Each child leads its own process group (detached), so a failed test also takes down anything
  // the child may have left behind: the very bug the signal tests guard against.
  for (const child of children.splice(0)) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'otpgate-cli-proc-'));
}

function start(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    // Its own session, like `setsid otpgate serve &`: only the signals sent to it reach it.
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child did not end by itself within the deadline and was killed. */
  hung: boolean;
}

/** Collects output until the child exits; kills it (and reports `hung`) after `deadlineMs`. */
function exitOf(child: ChildProcess, deadlineMs = 20_000): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain: 'exit' can come before the last output.
      setTimeout(() => resolve({ code, signal, stdout, stderr, hung }), 50);
    });
  });
}

/** Resolves with the URL from the `server.started` log line. */
function started(child: ChildProcess, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no server.started in time:\n${lines.join('\n')}`)),
      20_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const parsed = JSON.parse(line) as { event?: string; url?: string };
      if (parsed.event === 'server.started' && parsed.url) {
        clearTimeout(timer);
        resolve(parsed.url);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening`)));
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

describe('otpgate serve (bin/otpgate.js) and signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the PID that was started stops the server gracefully and exits 0',
    { timeout: 60_000 },
    async (signal) => {
      const child = start({ OTPGATE_DATA_DIR: tempDir() });
      const lines: string[] = [];
      const url = await started(child, lines);
      expect(await healthy(url)).toBe(true);

      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      child.kill(signal); // that one PID only, not its process group
      const exit = await exited;
      expect(exit).toEqual({ code: 0, signal: null });

      const events = lines.map((l) => JSON.parse(l) as { event?: string; signal?: string });
      expect(events).toContainEqual(expect.objectContaining({ event: 'server.stopping', signal }));
      expect(events).toContainEqual(expect.objectContaining({ event: 'server.stopped', signal }));
      // Nothing was left behind still serving (the old bin's tsx grandchild kept answering here).
      expect(await healthy(url)).toBe(false);
    },
  );
});

describe('otpgate serve shutdown with a request stuck in flight', () => {
  it(
    'SIGTERM cuts a connection that stalls inside its body after shutdownGraceSeconds, then exits 0',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir();
      const configPath = join(dir, 'otpgate.json');
      // A long request timeout, so only the shutdown grace can end the stalled request.
      writeFileSync(configPath, JSON.stringify({ requestTimeoutSeconds: 600, shutdownGraceSeconds: 1 }));
      const child = start({ OTPGATE_DATA_DIR: join(dir, 'data'), OTPGATE_CONFIG: configPath });
      const lines: string[] = [];
      const url = await started(child, lines);
      const { port } = new URL(url);
      const { connect } = await import('node:net');
      const stalled = connect(Number(port), '127.0.0.1', () => {
        stalled.write(
          'POST /send-otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pho',
        );
      });
      stalled.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(15_000);
      const events = lines.map((l) => JSON.parse(l) as { event?: string });
      expect(events).toContainEqual(expect.objectContaining({ event: 'server.stopped' }));
      stalled.destroy();
    },
  );
});

describe('otpgate serve start-up failures: one line, a distinct exit status', () => {
  it(
    'port in use: exit 69, "cannot listen on HOST:PORT: address already in use"',
    { timeout: 60_000 },
    async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const address = blocker.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const exit = await exitOf(start({ OTPGATE_DATA_DIR: tempDir(), PORT: String(port) }));
        expect(exit.hung).toBe(false);
        expect(exit.code).toBe(69);
        expect(exit.stderr).toBe(`otpgate: cannot listen on 127.0.0.1:${port}: address already in use\n`);
        expect(exit.stdout).not.toContain('server.started');
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
  );

  const fileDir = () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'x');
    return { dataDir: join(dir, 'a-file', 'data'), reason: `${join(dir, 'a-file')} is not a directory` };
  };
  const procDir = () => ({
    dataDir: '/proc/otpgate-nope/data',
    reason: 'cannot create /proc/otpgate-nope: no such file or directory (ENOENT)',
  });
  const danglingDir = () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'missing'), join(dir, 'link'));
    return {
      dataDir: join(dir, 'link', 'data'),
      reason: `${join(dir, 'link')} is a symbolic link to a missing target`,
    };
  };
  const hasProc = existsSync('/proc/self');

  // Without a pepper the dev pepper file is the first to need the folder; with one, the SQLite store.
  // (/proc only exists on Linux.)
  const cases: Array<{
    what: string;
    dir: () => { dataDir: string; reason: string };
    env: Record<string, string>;
    linuxOnly: boolean;
  }> = [
    { what: 'under a regular file, dev pepper', dir: fileDir, env: {}, linuxOnly: false },
    {
      what: 'under a regular file, sqlite store',
      dir: fileDir,
      env: { OTPGATE_PEPPER: PEPPER },
      linuxOnly: false,
    },
    { what: 'under /proc, memory store', dir: procDir, env: { OTPGATE_STORE: 'memory' }, linuxOnly: true },
    { what: 'under /proc, sqlite store', dir: procDir, env: { OTPGATE_PEPPER: PEPPER }, linuxOnly: true },
    { what: 'under a dangling symlink', dir: danglingDir, env: {}, linuxOnly: false },
  ];
  it.each(cases.filter((c) => hasProc || !c.linuxOnly))(
    'a data dir $what: listed config problem, exit 78, no hang',
    { timeout: 60_000 },
    async (c) => {
      const { dataDir, reason } = c.dir();
      const exit = await exitOf(start({ OTPGATE_DATA_DIR: dataDir, ...c.env }));
      expect(exit.hung, 'serve spun instead of exiting').toBe(false);
      expect(exit.code).toBe(78);
      expect(exit.stderr).toBe(`Invalid configuration:\n  - dataDir ${dataDir}: ${reason}\n`);
      expect(exit.stdout).toBe('');
    },
  );
});

describe('loadConfig: the development pepper file', () => {
  it('an unreadable or too short pepper file is a listed problem, not an exception', () => {
    const asDirectory = tempDir();
    mkdirSync(join(asDirectory, 'pepper'));
    const short = tempDir();
    writeFileSync(join(short, 'pepper'), 'short\n');
    for (const [dataDir, problem] of [
      [asDirectory, /^dataDir .+: cannot read the pepper file .+pepper: .*\(EISDIR\)$/],
      [short, /^dataDir .+: the pepper file .+pepper holds fewer than 32 characters/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ env: { OTPGATE_DATA_DIR: dataDir } });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(problem)]);
    }
  });

  it('creates missing parents of the data dir and keeps the pepper there', () => {
    const dataDir = join(tempDir(), 'a', 'b', 'c');
    const first = loadConfig({ env: { OTPGATE_DATA_DIR: dataDir } });
    expect(first.pepperSource).toBe('generated');
    const second = loadConfig({ env: { OTPGATE_DATA_DIR: dataDir } });
    expect(second).toMatchObject({ pepperSource: 'data-dir', pepper: first.pepper });
  });
});
