import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/service/logger.js';
const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-inproc-'));
const config = loadConfig({ env: { OTPGATE_DATA_DIR: dataDir, OTPGATE_PEPPER: 'bench-pepper-0123456789-abcdefghijklmnopq', OTPGATE_RESEND_COOLDOWN_SECONDS: '0', PATH: '' }, overrides: { policy: { maxChecks: 100, maxFailedChecksPerDestination: 10000 } } });
const app = await createApp(config, { logger: silentLogger });
let n = 10_000_000;
async function round(count: number) {
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let k = 0; k < count; k += 50) {
    await Promise.all(Array.from({ length: 50 }, () => app.service.start({ to: `+316${n++}` })));
  }
  await new Promise((r) => setTimeout(r, 20));
  const c = process.cpuUsage(t0);
  return { cpuUsPerOp: (c.user + c.system) / count, wallUsPerOp: ((performance.now() - w0) * 1000) / count };
}
await round(5000);
for (let i = 0; i < 3; i++) console.log('start', await round(20000));
// checks
const created = [] as Array<{ id: string; code: string }>;
for (let k = 0; k < 20000; k += 50) {
  const batch = await Promise.all(Array.from({ length: 50 }, () => app.service.start({ to: `+316${n++}` })));
  for (const b of batch) created.push({ id: b.verification.id, code: b.debugCode! });
}
const t0 = process.cpuUsage();
for (let k = 0; k < created.length; k += 50) await Promise.all(created.slice(k, k + 50).map((c) => app.service.check({ id: c.id, code: '0000000000' })));
let c = process.cpuUsage(t0); console.log('check wrong', (c.user + c.system) / created.length);
const t1 = process.cpuUsage();
for (let k = 0; k < created.length; k += 50) await Promise.all(created.slice(k, k + 50).map((c) => app.service.check({ id: c.id, code: c.code })));
c = process.cpuUsage(t1); console.log('check right', (c.user + c.system) / created.length);
await app.close();
console.log('batches', (globalThis as any).__batches, 'ops', (globalThis as any).__ops);
