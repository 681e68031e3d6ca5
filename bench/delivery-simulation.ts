/**
 * Delivery simulation (issue: failover under silent loss). 2,000 verifications over a chain whose
 * primary route silently drops a share of messages (accepted, then no receipt ever) and whose
 * secondary works; time is simulated with a ManualClock, so 60 s take milliseconds. A second phase
 * takes the primary down entirely and counts how many calls it takes for its breaker to open.
 * Used by `npm run simulate` (prints the figures) and by test/e2e/simulation.test.ts (asserts them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type DeliveryStatus } from '../src/core/index.js';
import { loadConfig } from '../src/config/index.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/service/logger.js';
import {
  failure,
  type DeliveryReport,
  type OutboundMessage,
  type Provider,
  type SendResult,
} from '../src/providers/provider.js';

/** A gateway whose behaviour is drawn from a seeded generator: accepts, then delivers after a delay or never. */
class SimulatedGateway implements Provider {
  readonly type = 'simulated';
  readonly channels = ['sms'] as const;
  readonly sent: OutboundMessage[] = [];
  down = false;
  private handler: ((report: DeliveryReport) => void) | undefined;
  private readonly due: Array<{ atMs: number; report: DeliveryReport }> = [];
  private counter = 0;

  constructor(
    readonly name: string,
    private readonly clock: ManualClock,
    private readonly dropRate: number,
    private readonly random: () => number,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push(message);
    if (this.down) return failure('server', 'gateway down (503)', '503');
    this.counter += 1;
    const providerMessageId = `${this.name}-${this.counter}`;
    if (this.random() >= this.dropRate) {
      // Delivered 1-8 s later; a dropped message simply never gets a receipt.
      const delayMs = 1000 + Math.floor(this.random() * 7000);
      this.due.push({ atMs: this.clock.nowMs() + delayMs, report: deliveredReport(providerMessageId) });
    }
    return { ok: true, providerMessageId, status: 'queued' };
  }

  setDeliveryReportHandler(handler: (report: DeliveryReport) => void): void {
    this.handler = handler;
  }

  /** Emits receipts that are due at the clock's time. */
  flush(): number {
    const now = this.clock.nowMs();
    let emitted = 0;
    for (let i = this.due.length - 1; i >= 0; i--) {
      if (this.due[i]!.atMs <= now) {
        this.handler?.(this.due[i]!.report);
        this.due.splice(i, 1);
        emitted += 1;
      }
    }
    return emitted;
  }
}

function deliveredReport(providerMessageId: string, status: DeliveryStatus = 'delivered'): DeliveryReport {
  return { providerMessageId, status, providerStatus: status.toUpperCase() };
}

/** Small deterministic PRNG (mulberry32) so runs are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationResult {
  verifications: number;
  deliveredWithin60s: number;
  deliveredShare: number;
  failedOver: number;
  verifiedAfterDelivery: number;
  p50DeliverySeconds: number;
  p99DeliverySeconds: number;
  primaryCallsUntilBreakerOpen: number;
  primaryCallsAfterOpen: number;
  sendsServedBySecondaryWhileDown: number;
}

export async function runDeliverySimulation(
  options: { verifications?: number; dropRate?: number; seed?: number } = {},
): Promise<SimulationResult> {
  const total = options.verifications ?? 2000;
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const random = seeded(options.seed ?? 42);
  const primary = new SimulatedGateway('primary', clock, options.dropRate ?? 0.3, random);
  const secondary = new SimulatedGateway('secondary', clock, 0, random);
  const config = loadConfig({
    env: {
      OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-sim-')),
      OTPGATE_PEPPER: 'simulation-pepper-0123456789-abcdefghij',
    },
    overrides: {
      store: 'memory',
      providers: { primary: { type: 'sandbox' }, secondary: { type: 'sandbox' } },
      routes: [
        {
          id: 1,
          name: 'primary',
          provider: 'primary',
          channel: 'sms',
          rates: [{ prefix: '', priceMicros: 50_000 }],
        },
        {
          id: 2,
          name: 'secondary',
          provider: 'secondary',
          channel: 'sms',
          rates: [{ prefix: '', priceMicros: 80_000 }],
        },
      ],
      routingPolicies: [{ name: 'failover', strategy: 'ordered', routes: [1, 2], timeoutSeconds: 20 }],
      defaultRouteId: 1,
      // Silent drops are not errors the breaker sees; keep its defaults.
    },
  });
  const app = await createApp(config, { clock, logger: silentLogger, providers: [primary, secondary] });
  const startedAt = new Map<string, { startMs: number; code: string }>();
  const deliveredAt = new Map<string, number>();
  try {
    // Phase 1: 2,000 verifications, one every 10 ms of simulated time, then 60 s of ticks.
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const to = `+316${String(10_000_000 + i).padStart(8, '0')}`;
      const outcome = await app.service.start({ to });
      ids.push(outcome.verification.id);
      startedAt.set(outcome.verification.id, { startMs: clock.nowMs(), code: outcome.debugCode ?? '' });
      clock.advanceMs(10);
      // Receipts and timers keep running while sends arrive (every simulated second).
      if (i % 100 === 99) await tick(app, primary, secondary, ids, deliveredAt, clock);
    }
    const phaseStart = clock.nowMs();
    for (let second = 0; second <= 80; second++) {
      await tick(app, primary, secondary, ids, deliveredAt, clock);
      clock.setMs(phaseStart + second * 1000);
    }
    const latencies = ids
      .map((id) => (deliveredAt.get(id) ?? Number.POSITIVE_INFINITY) - startedAt.get(id)!.startMs)
      .sort((a, b) => a - b);
    const within = latencies.filter((ms) => ms <= 60_000).length;
    let verified = 0;
    let failedOver = 0;
    for (const id of ids) {
      const view = await app.service.get(id);
      if (view.attempts.some((a) => a.routeId === 2)) failedOver += 1;
      if (!deliveredAt.has(id)) continue;
      const check = await app.service.check({ id, code: startedAt.get(id)!.code });
      if (check.kind === 'approved') verified += 1;
    }

    // Phase 2: the primary is down; count its calls until the breaker opens.
    primary.down = true;
    const callsBefore = primary.sent.length;
    let openedAfter = -1;
    let servedBySecondary = 0;
    for (let i = 0; i < 50; i++) {
      const outcome = await app.service.start({ to: `+316${String(30_000_000 + i).padStart(8, '0')}` });
      if (outcome.attempts.some((a) => a.routeId === 2 && a.providerMessageId)) servedBySecondary += 1;
      if (openedAfter < 0 && app.routing.breakers.get(1).state() === 'open')
        openedAfter = primary.sent.length - callsBefore;
      clock.advanceMs(100);
    }
    return {
      verifications: total,
      deliveredWithin60s: within,
      deliveredShare: within / total,
      failedOver,
      verifiedAfterDelivery: verified,
      p50DeliverySeconds: latencies[Math.floor(total * 0.5)]! / 1000,
      p99DeliverySeconds: latencies[Math.floor(total * 0.99)]! / 1000,
      primaryCallsUntilBreakerOpen: openedAfter,
      primaryCallsAfterOpen: primary.sent.length - callsBefore - openedAfter,
      sendsServedBySecondaryWhileDown: servedBySecondary,
    };
  } finally {
    await app.close();
  }
}

/** One simulated second: due receipts arrive, due failover timers fire, deliveries are noted. */
async function tick(
  app: Awaited<ReturnType<typeof createApp>>,
  primary: SimulatedGateway,
  secondary: SimulatedGateway,
  ids: string[],
  deliveredAt: Map<string, number>,
  clock: ManualClock,
): Promise<void> {
  primary.flush();
  secondary.flush();
  await new Promise((r) => setImmediate(r)); // let receipt handlers run
  await app.background.tickFailovers();
  await recordDeliveries(app, ids, deliveredAt, clock.nowMs());
}

async function recordDeliveries(
  app: Awaited<ReturnType<typeof createApp>>,
  ids: string[],
  deliveredAt: Map<string, number>,
  nowMs: number,
): Promise<void> {
  for (const id of ids) {
    if (deliveredAt.has(id)) continue;
    const attempts = await app.store.attempts.listByVerification(id);
    const delivered = attempts.find((a) => a.status === 'delivered');
    if (delivered) deliveredAt.set(id, Math.min(nowMs, delivered.deliveredAtMs ?? nowMs));
  }
}
