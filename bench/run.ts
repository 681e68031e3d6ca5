/**
 * `npm run bench`: drives otpgate (started through its real command line) and a bare Fastify
 * baseline over loopback with autocannon, and prints req/s, p50, p99, CPU per request and the ratio
 * to the baseline measured in slices interleaved with each scenario's.
 *   BENCH_SECONDS (default 10) per scenario, in BENCH_SLICES (default 5) slices;
 *   BENCH_CONNECTIONS (default 50); BENCH_WORKERS (default "1,2"): the OTPGATE_WORKERS values to run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ReadyMessage } from '../src/cluster/primary.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const slices = Math.max(1, Math.floor(Number(process.env.BENCH_SLICES ?? 5)));
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2')
  .split(',')
  .map((w) => Number(w.trim()))
  .filter((w) => Number.isInteger(w) && w >= 1);

interface Started {
  url: string;
  child: ChildProcess;
}

/** A helper server from bench/servers.ts (the baseline, the fake gateway); prints `READY <port>`. */
function startHelper(kind: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./servers.ts', import.meta.url).pathname, kind],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match) resolve({ url: `http://127.0.0.1:${match[1]}`, child });
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/**
 * otpgate as its users run it: `bin/otpgate.js serve` with the SQLite store, the sandbox (or the
 * BridgeXAPI adapter), logs off, and `workers` HTTP workers. It reports readiness over IPC.
 */
function startOtpgate(workers: number, env: Record<string, string> = {}): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-bench-'));
  // The wrong-code scenario measures the wrong-code path, not the lockout path: raise the limits
  // so its verifications stay checkable for the whole run.
  const configPath = join(dataDir, 'bench-config.json');
  writeFileSync(
    configPath,
    JSON.stringify({ policy: { maxChecks: 100, maxFailedChecksPerDestination: 10_000 } }),
  );
  const child = spawn(process.execPath, [new URL('../bin/otpgate.js', import.meta.url).pathname, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      OTPGATE_WORKERS: String(workers),
      OTPGATE_DATA_DIR: dataDir,
      OTPGATE_CONFIG: configPath,
      OTPGATE_PEPPER: 'bench-pepper-0123456789-abcdefghijklmnopq',
      OTPGATE_LOG_LEVEL: 'silent',
      // Distinct-number sends from one client must not trip per-destination limits; the bench measures throughput.
      OTPGATE_RESEND_COOLDOWN_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: ReadyMessage) => {
      if (message.event === 'otpgate.ready') resolve({ url: `http://127.0.0.1:${message.port}`, child });
    });
    child.on('exit', (code) => reject(new Error(`otpgate exited with ${code}`)));
  });
}

interface Slice {
  requests: number;
  durationSeconds: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  cpuMs: number;
  loaderCpuMs: number;
}

/** Linux reports process CPU in clock ticks; USER_HZ is 100 on every mainstream build. */
const CLOCK_TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) in ms of a process and its children (cluster workers), from /proc. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // Field 4 of /proc/<pid>/stat is the parent pid (index 1 after the command name).
    if (Number(statFields(Number(entry))?.[1]) === pid) pids.push(Number(entry));
  }
  let ticks = 0;
  for (const p of pids) {
    const fields = statFields(p);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * One load: POSTs to `path` whose bodies are taken in turn from `bodies`. The bodies are built
 * before the run and only assigned per request, so the load generator (on the same two cores)
 * spends the same on the baseline and on otpgate, and not on building JSON.
 */
interface Load {
  path: string;
  bodies: string[];
}

async function slice(
  server: Started,
  load: Load,
  cursor: { next: number },
  durationSeconds: number,
): Promise<Slice> {
  const cpuBefore = cpuMsOf(server.child.pid);
  const loaderBefore = process.cpuUsage();
  const result = await autocannon({
    url: server.url,
    connections,
    duration: durationSeconds,
    requests: [
      {
        method: 'POST',
        path: load.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          req.body = load.bodies[cursor.next++ % load.bodies.length];
          return req;
        },
      },
    ],
  });
  const loader = process.cpuUsage(loaderBefore);
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (stat as { count: number }).count;
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
    cpuMs: cpuMsOf(server.child.pid) - cpuBefore,
    loaderCpuMs: (loader.user + loader.system) / 1000,
  };
}

/** Several slices of one load, summed: req/s over their whole time, the worst p99. */
interface Measured {
  rps: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  loaderMicrosPerRequest: number;
  non2xx: number;
  errors: number;
  statuses: string;
}

function sum(parts: Slice[]): Measured {
  const requests = parts.reduce((total, s) => total + s.requests, 0);
  const duration = parts.reduce((total, s) => total + s.durationSeconds, 0);
  const statuses: Record<string, number> = {};
  for (const s of parts)
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const p50s = parts.map((s) => s.p50).sort((a, b) => a - b);
  const perRequest = (ms: number) => (ms * 1000) / Math.max(1, requests);
  return {
    rps: requests / duration,
    p50: p50s[Math.floor(p50s.length / 2)] ?? 0,
    p99: Math.max(...parts.map((s) => s.p99)),
    cpuMicrosPerRequest: perRequest(parts.reduce((total, s) => total + s.cpuMs, 0)),
    loaderMicrosPerRequest: perRequest(parts.reduce((total, s) => total + s.loaderCpuMs, 0)),
    non2xx: parts.reduce((total, s) => total + s.non2xx, 0),
    errors: parts.reduce((total, s) => total + s.errors, 0),
    statuses: Object.entries(statuses)
      .map(([code, n]) => `${code}:${n}`)
      .join(' '),
  };
}

interface Row {
  name: string;
  target: number;
  scenario: Measured;
  /** The baseline, measured in slices interleaved with this scenario's. */
  baseline: Measured;
}

/**
 * The machine's speed drifts by tens of percent over a minute (shared VM cores), so one baseline
 * measured at the start would make every later ratio partly luck. Each scenario is measured in
 * SLICES short runs, each right after a baseline run of the same length with the same bodies, and
 * its ratio is taken against the baseline slices interleaved with it.
 */
async function paired(
  name: string,
  target: number,
  baseline: Started,
  otpgate: Started,
  load: Load,
): Promise<Row> {
  const sliceSeconds = Math.max(1, seconds / slices);
  const baselineSlices: Slice[] = [];
  const scenarioSlices: Slice[] = [];
  const baselineCursor = { next: 0 };
  const scenarioCursor = { next: 0 };
  for (let k = 0; k < slices; k++) {
    baselineSlices.push(
      await slice(baseline, { path: '/', bodies: load.bodies }, baselineCursor, sliceSeconds),
    );
    scenarioSlices.push(await slice(otpgate, load, scenarioCursor, sliceSeconds));
  }
  return { name, target, scenario: sum(scenarioSlices), baseline: sum(baselineSlices) };
}

async function postJson(url: string, body: unknown): Promise<{ id: string; debug_code: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { id: string; debug_code: string };
}

/** Starts `count` verifications to distinct numbers, 100 at a time, and returns their ids and codes. */
async function createVerifications(
  url: string,
  count: number,
  base: number,
): Promise<Array<{ id: string; debug_code: string }>> {
  const created: Array<{ id: string; debug_code: string }> = [];
  for (let i = 0; i < count; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, (_, k) =>
        postJson(`${url}/v1/verifications`, { to: numberFor(i + k, base) }),
      ),
    );
    created.push(...batch);
  }
  return created;
}

/** Distinct valid Dutch mobile numbers: +316 followed by 8 digits. */
const numberFor = (i: number, base: number) => `+316${String(base + i).padStart(8, '0')}`;

/** How many distinct bodies a send or fresh-check scenario needs: more than it can use in the run. */
const distinctBodies = Math.min(400_000, Math.max(5_000, seconds * 20_000));

async function scenariosFor(workers: number, baseline: Started, fakeUrl: string): Promise<Row[]> {
  const label = (name: string) => `${name} [${workers}w]`;
  // Fresh data folders: no run meets another's verifications.
  const otpgate = await startOtpgate(workers);
  const viaBridge = await startOtpgate(workers, {
    BRIDGEXAPI_API_KEY: 'bench-key',
    BRIDGEXAPI_BASE_URL: fakeUrl,
  });
  try {
    // Warm-up so JIT and SQLite caches are hot in both instances.
    await createVerifications(otpgate.url, 2_000, 10_000_000);
    await slice(otpgate, sends(15_000_000, 20_000), { next: 0 }, 2);
    await slice(viaBridge, referenceSends(16_000_000, 20_000), { next: 0 }, 2);

    // Check with a wrong code: 3,000 verifications (limits raised to 100 wrong checks each), code never matches.
    const targets = await createVerifications(otpgate.url, 3000, 11_000_000);
    const wrong = await paired(label('check, wrong code'), 0.5, baseline, otpgate, {
      path: '/v1/verifications/check',
      bodies: targets.map((t) => JSON.stringify({ id: t.id, code: '0000000000' })),
    });

    // Check with the right code on fresh verifications: enough for the whole run, each used once.
    const fresh = await createVerifications(otpgate.url, distinctBodies, 20_000_000);
    const right = await paired(label('check, right code (fresh)'), 0.5, baseline, otpgate, {
      path: '/v1/verifications/check',
      bodies: fresh.map((f) => JSON.stringify({ id: f.id, code: f.debug_code })),
    });

    const send = await paired(
      label('send, distinct numbers (sandbox)'),
      0.3,
      baseline,
      otpgate,
      sends(40_000_000, distinctBodies),
    );
    const bridge = await paired(
      label('send via BridgeXAPI adapter → fake'),
      0.2,
      baseline,
      viaBridge,
      referenceSends(60_000_000, distinctBodies),
    );
    return [wrong, right, send, bridge];
  } finally {
    for (const s of [otpgate, viaBridge]) s.child.kill('SIGTERM');
  }
}

function sends(base: number, count: number): Load {
  return {
    path: '/v1/verifications',
    bodies: Array.from({ length: count }, (_, i) => JSON.stringify({ to: numberFor(i, base) })),
  };
}

/** The reference server's send: its number field, without the leading plus. */
function referenceSends(base: number, count: number): Load {
  return {
    path: '/send-otp',
    bodies: Array.from({ length: count }, (_, i) =>
      JSON.stringify({ phone_number: numberFor(i, base).slice(1) }),
    ),
  };
}

function printRows(rows: Row[]): void {
  console.log(
    'scenario                                    req/s  p50 ms  p99 ms  µs CPU/req  loader µs/req  baseline req/s  µs CPU/req  loader µs/req  ratio  target     non-2xx  errors',
  );
  for (const row of rows) {
    const { scenario: s, baseline: b } = row;
    const ratio = s.rps / b.rps;
    const verdict = `≥${row.target.toFixed(2)}${ratio < row.target ? ' MISS' : ''}`;
    console.log(
      [
        row.name.padEnd(42),
        s.rps.toFixed(0).padStart(6),
        String(s.p50).padStart(6),
        String(s.p99).padStart(6),
        s.cpuMicrosPerRequest.toFixed(1).padStart(11),
        s.loaderMicrosPerRequest.toFixed(1).padStart(14),
        b.rps.toFixed(0).padStart(15),
        b.cpuMicrosPerRequest.toFixed(1).padStart(11),
        b.loaderMicrosPerRequest.toFixed(1).padStart(14),
        ratio.toFixed(2).padStart(6),
        verdict.padEnd(10),
        String(s.non2xx).padStart(7),
        String(s.errors).padStart(6),
      ].join(' '),
    );
  }
  for (const row of rows) {
    if (row.scenario.non2xx > 0) console.log(`  ${row.name}: status codes ${row.scenario.statuses}`);
  }
}

async function main(): Promise<void> {
  console.log(
    `otpgate benchmark: ${connections} connections, ${seconds} s per scenario in ${slices} slices, each after a baseline slice with the same request bodies; loopback, autocannon; OTPGATE_WORKERS ${workerCounts.join(', ')}\n`,
  );
  const baseline = await startHelper('baseline');
  const fake = await startHelper('bridgexapi-fake', { BENCH_BX_KEY: 'bench-key' });
  try {
    const rows: Row[] = [];
    for (const workers of workerCounts) rows.push(...(await scenariosFor(workers, baseline, fake.url)));
    printRows(rows);
    console.log(
      "\nratio: the scenario's req/s over the baseline's, in slices interleaved in time; [Nw]: OTPGATE_WORKERS=N; µs CPU/req: the server's user+system CPU (all its processes) per answered request; loader µs/req: the same for autocannon, which shares the two cores.",
    );
  } finally {
    for (const s of [baseline, fake]) s.child.kill('SIGTERM');
  }
}

await main();
process.exit(0);
