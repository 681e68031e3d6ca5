import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { serveExit } from '../support/serve-exit.js';
import { waitFor } from '../support/wait-for.js';

/** `otpgate serve` with OTPGATE_WORKERS: a cluster primary and its HTTP workers, as real processes. */
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
const workerPids: number[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const pid of workerPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface LogLine {
  event?: string;
  url?: string;
  worker?: number;
  pid?: number;
}

interface Cluster {
  child: ChildProcess;
  url: string;
  lines: LogLine[];
  exited: Promise<number | null>;
}

function serveCluster(env: Record<string, string>): Promise<Cluster> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', OTPGATE_WORKERS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: LogLine[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.event === 'server.started' && line.pid) workerPids.push(line.pid);
      if (line.event === 'cluster.started' && line.url) resolve({ child, url: line.url, lines, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}`)));
  });
}

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Sends for `durationMs` from 8 clients, each request on a new connection; each outcome is the
 * status, 'reset' for a connection error, or 'timeout' when nothing came back within 8 s.
 */
async function connectionChurn(
  url: string,
  durationMs: number,
): Promise<Array<number | 'reset' | 'timeout'>> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + durationMs;
  const outcomes: Array<number | 'reset' | 'timeout'> = [];
  let n = 0;
  const one = () =>
    new Promise<number | 'reset' | 'timeout'>((resolve) => {
      const body = JSON.stringify({ to: `+3162${String(n++).padStart(7, '0')}` });
      const req = request(
        {
          host: hostname,
          port,
          method: 'POST',
          path: '/v1/verifications',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: 8000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve('reset'));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('timeout');
      });
      req.on('error', () => resolve('reset'));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < deadline) outcomes.push(await one());
    }),
  );
  return outcomes;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const exitOf = (env: Record<string, string>) => serveExit(env, children);

describe('otpgate serve with several workers', () => {
  it('serves from two workers on one port and store: one approval and one send under concurrency, codes checked across workers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-workers-'));
    const cluster = await serveCluster({ OTPGATE_DATA_DIR: dataDir });
    // Each worker logs its own start right after listening; the primary's line may come first.
    await waitFor(() => cluster.lines.filter((l) => l.event === 'server.started').length === 2, 5000);
    const started = cluster.lines.filter((l) => l.event === 'server.started');
    expect(started.map((l) => l.worker).sort()).toEqual([0, 1]);
    expect(new Set(started.map((l) => l.pid)).size).toBe(2);
    // The primary generated the development pepper once, before forking; both workers read it.
    expect(cluster.lines.filter((l) => l.event === 'pepper.generated')).toHaveLength(1);

    // 20 concurrent sends to one number over separate connections (spread over both workers):
    // exactly one is sent, the others are inside its cooldown.
    const sends = await Promise.all(
      Array.from({ length: 20 }, () => post(cluster.url, '/v1/verifications', { to: '+31651860670' })),
    );
    const accepted = sends.filter((s) => s.status === 201);
    expect(accepted).toHaveLength(1);
    expect(sends.filter((s) => s.status === 429).map((s) => s.body.error.code)).toEqual(
      Array.from({ length: 19 }, () => 'RESEND_TOO_SOON'),
    );
    const { id, debug_code: code } = accepted[0]!.body as { id: string; debug_code: string };
    const view = (await fetch(`${cluster.url}/v1/verifications/${id}`).then((r) => r.json())) as {
      attempts: unknown[];
    };
    expect(view.attempts).toHaveLength(1);

    // 50 concurrent checks with the right code, over both workers: exactly one approval.
    const checks = await Promise.all(
      Array.from({ length: 50 }, () => post(cluster.url, '/v1/verifications/check', { id, code })),
    );
    expect(checks.filter((c) => c.body.valid === true)).toHaveLength(1);
    expect(checks.every((c) => c.status < 500)).toBe(true);

    // Many verifications sent through one worker or the other all verify.
    const many = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(cluster.url, '/v1/verifications', { to: `+3161234${String(i).padStart(4, '0')}` }),
      ),
    );
    const verified = await Promise.all(
      many.map((m) =>
        post(cluster.url, '/v1/verifications/check', { id: m.body.id, code: m.body.debug_code }),
      ),
    );
    expect(verified.map((v) => v.body.status)).toEqual(many.map(() => 'approved'));
  });

  it('replaces a killed worker and keeps serving; SIGTERM stops the primary and every worker cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-workers-'));
    const cluster = await serveCluster({ OTPGATE_DATA_DIR: dataDir });
    await waitFor(() => cluster.lines.filter((l) => l.event === 'server.started').length === 2, 5000);
    const victim = cluster.lines.find((l) => l.event === 'server.started' && l.worker === 1)!.pid!;
    // A load of new connections while the worker dies: each request is answered or its connection
    // reset, none is left waiting on a connection the dead worker was handed.
    const load = connectionChurn(cluster.url, 3000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    process.kill(victim, 'SIGKILL');
    const outcomes = await load;
    expect(outcomes.filter((o) => o === 'timeout')).toEqual([]);
    expect(outcomes.filter((o) => o === 201).length).toBeGreaterThan(50);
    // While it is gone the other worker answers every request.
    for (let i = 0; i < 10; i++) {
      const sent = await post(cluster.url, '/v1/verifications', {
        to: `+3161235${String(i).padStart(4, '0')}`,
      });
      expect(sent.status).toBe(201);
    }
    await waitFor(
      () => cluster.lines.some((l) => l.event === 'cluster.worker_exited' && l.worker === 1),
      5000,
    );
    const exited = cluster.lines.find((l) => l.event === 'cluster.worker_exited') as LogLine & {
      exit_code: unknown;
      signal: unknown;
    };
    expect(exited).toMatchObject({ exit_code: null, signal: 'SIGKILL' });
    await waitFor(
      () => cluster.lines.filter((l) => l.event === 'server.started' && l.worker === 1).length === 2,
      45_000,
    );
    const replacement = cluster.lines.filter((l) => l.event === 'server.started' && l.worker === 1)[1]!.pid!;
    expect(replacement).not.toBe(victim);
    expect(alive(replacement)).toBe(true);

    const pids = cluster.lines.filter((l) => l.event === 'server.started').map((l) => l.pid!);
    cluster.child.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    await waitFor(() => pids.every((pid) => !alive(pid)), 5000);
  }, 60_000);

  it('refuses workers with the memory store, and a worker count that is not a number, as configuration problems (78)', async () => {
    const memory = await exitOf({ OTPGATE_WORKERS: '2', OTPGATE_STORE: 'memory' });
    expect(memory.code).toBe(78);
    expect(memory.stderr).toContain('memory store lives in one process');
    const bad = await exitOf({ OTPGATE_WORKERS: 'many', OTPGATE_STORE: 'memory' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('OTPGATE_WORKERS must be a whole number or "auto"');
    const zero = await exitOf({ OTPGATE_WORKERS: '0', OTPGATE_STORE: 'memory' });
    expect(zero.code).toBe(78);
    expect(zero.stderr).toContain(
      'workers (OTPGATE_WORKERS) must be a whole number from 1 to 64 or "auto" (got 0)',
    );
  });

  it('stops with the reason when the workers cannot listen (69), instead of restarting them forever', async () => {
    const blocker = await serveCluster({
      OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-workers-')),
      OTPGATE_WORKERS: '2',
    });
    const port = new URL(blocker.url).port;
    const second = await exitOf({
      HOST: '127.0.0.1',
      PORT: port,
      OTPGATE_WORKERS: '2',
      OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-workers-')),
    });
    expect(second.code).toBe(69);
    expect(second.stderr).toContain('cannot listen');
  });
});
