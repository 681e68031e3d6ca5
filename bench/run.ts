/**
 * `npm run bench`: drives otpgate and a bare Fastify baseline over loopback with autocannon and
 * prints req/s, p50, p99 and the ratio to the baseline measured in the same run.
 * BENCH_SECONDS (default 10) sets each scenario's duration; BENCH_CONNECTIONS (default 50).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

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

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: string;
}

async function load(name: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ connections, duration: seconds, ...options });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .map(([code, stat]) => `${code}:${(stat as { count: number }).count}`)
      .join(' '),
    errors: result.errors + result.timeouts,
  };
}

async function postJson(url: string, body: unknown): Promise<{ id: string; debug_code: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { id: string; debug_code: string };
}

/** A POST scenario whose i-th request carries `body(i)` (distinct bodies: numbers, ids, codes). */
function loadPosts(
  name: string,
  url: string,
  path: string,
  body: (i: number) => unknown,
  extra: Partial<autocannon.Options> = {},
): Promise<Row> {
  let i = 0;
  return load(name, {
    url,
    ...extra,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(body(i++)) }),
      },
    ],
  });
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
  const json = { 'content-type': 'application/json' };
  console.log(
    `otpgate benchmark: ${connections} connections, ${seconds} s per scenario, loopback, autocannon\n`,
  );

  const baselineServer = await startServer('baseline');
  const otpgate = await startServer('otpgate');
  const fake = await startServer('bridgexapi-fake', { BENCH_BX_KEY: 'bench-key' });
  const viaBridge = await startServer('bridgexapi', { BENCH_BX_KEY: 'bench-key', BENCH_BX_URL: fake.url });
  try {
    // Warm-up so JIT and SQLite caches are hot for both.
    await load('warm-up', {
      url: baselineServer.url,
      method: 'POST',
      headers: json,
      body: '{"a":1}',
      duration: 2,
    });

    const baseline = await load('baseline: bare Fastify POST', {
      url: baselineServer.url,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ phone: '+31651860670', code: '123456' }),
    });

    // Check with a wrong code: 3,000 verifications (limits raised to 100 wrong checks each), code never matches.
    const targets = await createVerifications(otpgate.url, 3000, 10_000_000);
    const wrong = await loadPosts('check, wrong code', otpgate.url, '/v1/verifications/check', (i) => ({
      id: targets[i % targets.length]!.id,
      code: '0000000000',
    }));

    // Check with the right code on fresh verifications: pre-create enough for the whole run, use each once.
    const fresh = await createVerifications(
      otpgate.url,
      Math.min(150_000, Math.max(5_000, seconds * 15_000)),
      20_000_000,
    );
    const right = await loadPosts(
      'check, right code (fresh)',
      otpgate.url,
      '/v1/verifications/check',
      (i) => ({ id: fresh[i % fresh.length]!.id, code: fresh[i % fresh.length]!.debug_code }),
      { amount: fresh.length },
    );

    const send = await loadPosts(
      'send, distinct numbers (sandbox)',
      otpgate.url,
      '/v1/verifications',
      (i) => ({
        to: numberFor(i, 40_000_000),
      }),
    );

    const bridge = await loadPosts('send via BridgeXAPI adapter → fake', viaBridge.url, '/send-otp', (i) => ({
      phone_number: numberFor(i, 60_000_000).slice(1),
    }));

    const targetsByName: Record<string, number> = {
      'check, wrong code': 0.5,
      'check, right code (fresh)': 0.5,
      'send, distinct numbers (sandbox)': 0.3,
      'send via BridgeXAPI adapter → fake': 0.2,
    };
    const rows = [baseline, wrong, right, send, bridge];
    console.log(
      'scenario                               req/s     p50 ms  p99 ms  ratio  target  non-2xx  errors',
    );
    for (const row of rows) {
      const ratio = row.rps / baseline.rps;
      const target = targetsByName[row.name];
      console.log(
        `${row.name.padEnd(37)} ${row.rps.toFixed(0).padStart(7)}  ${String(row.p50).padStart(6)}  ${String(row.p99).padStart(6)}  ${ratio
          .toFixed(2)
          .padStart(
            5,
          )}  ${target === undefined ? '     -' : `≥${target.toFixed(2)}`}${target !== undefined && ratio < target ? ' MISS' : ''}  ${String(row.non2xx).padStart(7)}  ${String(row.errors).padStart(6)}`,
      );
    }
    for (const row of rows) if (row.non2xx > 0) console.log(`  ${row.name}: status codes ${row.statuses}`);
  } finally {
    for (const s of [baselineServer, otpgate, viaBridge, fake]) s.child.kill('SIGTERM');
  }
}

await main();
process.exit(0);
