/**
 * `npm run bench`: drives otpgate and a bare Fastify baseline over loopback with autocannon and
 * prints req/s, p50, p99 and the ratio to the baseline measured in the same run.
 * BENCH_SECONDS (default 10) sets each scenario's duration; BENCH_CONNECTIONS (default 50).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const slices = Math.max(1, Math.floor(Number(process.env.BENCH_SLICES ?? 5)));

interface Started {
  url: string;
  child: ChildProcess;
}

function startServer(kind: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./servers.ts', import.meta.url).pathname, kind],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
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

interface Slice {
  requests: number;
  durationSeconds: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  cpuMs: number;
}

/** Server CPU time (user + system) in ms so far, from /proc; 0 where /proc is missing. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Linux reports process CPU in clock ticks; USER_HZ is 100 on every mainstream build. */
const CLOCK_TICKS_PER_SECOND = 100;

async function slice(server: Started, options: autocannon.Options, durationSeconds: number): Promise<Slice> {
  const cpuBefore = cpuMsOf(server.child.pid);
  const result = await autocannon({ connections, ...options, duration: durationSeconds });
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
  };
}

/** Several slices of one load, summed: req/s over their whole time, the worst p99. */
interface Measured {
  rps: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  non2xx: number;
  errors: number;
  statuses: string;
}

function sum(slices: Slice[]): Measured {
  const requests = slices.reduce((total, s) => total + s.requests, 0);
  const seconds = slices.reduce((total, s) => total + s.durationSeconds, 0);
  const statuses: Record<string, number> = {};
  for (const s of slices)
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const p50s = slices.map((s) => s.p50).sort((a, b) => a - b);
  return {
    rps: requests / seconds,
    p50: p50s[Math.floor(p50s.length / 2)] ?? 0,
    p99: Math.max(...slices.map((s) => s.p99)),
    cpuMicrosPerRequest: (slices.reduce((total, s) => total + s.cpuMs, 0) * 1000) / Math.max(1, requests),
    non2xx: slices.reduce((total, s) => total + s.non2xx, 0),
    errors: slices.reduce((total, s) => total + s.errors, 0),
    statuses: Object.entries(statuses)
      .map(([code, n]) => `${code}:${n}`)
      .join(' '),
  };
}

interface Row {
  name: string;
  scenario: Measured;
  /** The baseline, measured in slices interleaved with this scenario's. */
  baseline: Measured;
}

/**
 * The machine's speed drifts by tens of percent over a minute (shared VM cores), so one baseline
 * measured at the start would make every later ratio partly luck. Each scenario is measured in
 * SLICES short runs, each right after a baseline run of the same length, and its ratio is taken
 * against the baseline slices interleaved with it.
 */
async function paired(
  name: string,
  baseline: { server: Started; options: autocannon.Options },
  scenario: { server: Started; options: autocannon.Options },
): Promise<Row> {
  const sliceSeconds = Math.max(1, seconds / slices);
  const baselineSlices: Slice[] = [];
  const scenarioSlices: Slice[] = [];
  for (let k = 0; k < slices; k++) {
    baselineSlices.push(await slice(baseline.server, baseline.options, sliceSeconds));
    scenarioSlices.push(await slice(scenario.server, scenario.options, sliceSeconds));
  }
  return { name, scenario: sum(scenarioSlices), baseline: sum(baselineSlices) };
}

async function postJson(url: string, body: unknown): Promise<{ id: string; debug_code: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { id: string; debug_code: string };
}

/**
 * A POST load whose i-th request carries `body(i)` (distinct bodies: numbers, ids, codes). The
 * counter lives in the returned options, so the slices of one scenario never repeat a body.
 */
function posts(url: string, path: string, body: (i: number) => unknown): autocannon.Options {
  let i = 0;
  return {
    url,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(body(i++)) }),
      },
    ],
  };
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

async function main(): Promise<void> {
  console.log(
    `otpgate benchmark: ${connections} connections, ${seconds} s per scenario in ${slices} slices, each after a baseline slice; loopback, autocannon\n`,
  );

  const baselineServer = await startServer('baseline');
  const otpgate = await startServer('otpgate');
  const fake = await startServer('bridgexapi-fake', { BENCH_BX_KEY: 'bench-key' });
  const viaBridge = await startServer('bridgexapi', { BENCH_BX_KEY: 'bench-key', BENCH_BX_URL: fake.url });
  try {
    const baseline = {
      server: baselineServer,
      options: {
        url: baselineServer.url,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '+31651860670', code: '123456' }),
      },
    };
    // Warm-up so JIT and SQLite caches are hot for both.
    await slice(baselineServer, baseline.options, 2);

    // Check with a wrong code: 3,000 verifications (limits raised to 100 wrong checks each), code never matches.
    const targets = await createVerifications(otpgate.url, 3000, 10_000_000);
    const wrong = await paired('check, wrong code', baseline, {
      server: otpgate,
      options: posts(otpgate.url, '/v1/verifications/check', (i) => ({
        id: targets[i % targets.length]!.id,
        code: '0000000000',
      })),
    });

    // Check with the right code on fresh verifications: enough for the whole run, each used once.
    const fresh = await createVerifications(
      otpgate.url,
      Math.min(200_000, Math.max(5_000, seconds * 20_000)),
      20_000_000,
    );
    const right = await paired('check, right code (fresh)', baseline, {
      server: otpgate,
      options: posts(otpgate.url, '/v1/verifications/check', (i) => ({
        id: fresh[i % fresh.length]!.id,
        code: fresh[i % fresh.length]!.debug_code,
      })),
    });

    const send = await paired('send, distinct numbers (sandbox)', baseline, {
      server: otpgate,
      options: posts(otpgate.url, '/v1/verifications', (i) => ({ to: numberFor(i, 40_000_000) })),
    });

    const bridge = await paired('send via BridgeXAPI adapter → fake', baseline, {
      server: viaBridge,
      options: posts(viaBridge.url, '/send-otp', (i) => ({
        phone_number: numberFor(i, 60_000_000).slice(1),
      })),
    });

    const targetsByName: Record<string, number> = {
      'check, wrong code': 0.5,
      'check, right code (fresh)': 0.5,
      'send, distinct numbers (sandbox)': 0.3,
      'send via BridgeXAPI adapter → fake': 0.2,
    };
    const rows = [wrong, right, send, bridge];
    console.log(
      'scenario                               req/s  p50 ms  p99 ms  µs CPU/req  baseline req/s  µs CPU/req  ratio  target  non-2xx  errors',
    );
    for (const row of rows) {
      const { scenario: s, baseline: b } = row;
      const ratio = s.rps / b.rps;
      const target = targetsByName[row.name];
      const verdict =
        target === undefined ? '     -' : `≥${target.toFixed(2)}${ratio < target ? ' MISS' : ''}`;
      console.log(
        [
          row.name.padEnd(37),
          s.rps.toFixed(0).padStart(6),
          String(s.p50).padStart(6),
          String(s.p99).padStart(6),
          s.cpuMicrosPerRequest.toFixed(1).padStart(11),
          b.rps.toFixed(0).padStart(15),
          b.cpuMicrosPerRequest.toFixed(1).padStart(11),
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
    console.log(
      "\nratio: the scenario's req/s over the baseline's, in slices interleaved in time; µs CPU/req: the server process's user+system CPU per answered request.",
    );
  } finally {
    for (const s of [baselineServer, otpgate, viaBridge, fake]) s.child.kill('SIGTERM');
  }
}

await main();
process.exit(0);
