import cluster, { type Worker } from 'node:cluster';
import { hostAndPort, type Config } from '../config/index.js';
import { createStore } from '../stores/index.js';
import type { Logger } from '../service/logger.js';
import { EXIT } from '../cli/exit-codes.js';

/** The environment variable that tells a worker its slot (0 … workers-1); slot 0 runs the sweeps. */
export const WORKER_INDEX_ENV = 'OTPGATE_WORKER_INDEX';

/** A worker that dies is replaced after this long, so a crash loop does not spin the CPU. */
const RESTART_DELAY_MS = 1000;
/** More unexpected exits than this within RESTART_WINDOW_MS and the primary gives up. */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;

/** This process's worker slot, or undefined when it is not a cluster worker. */
export function workerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(process.env[WORKER_INDEX_ENV]);
  return Number.isInteger(index) && index >= 0 ? index : 0;
}

/**
 * The cluster primary: prepares the shared store once (migrations), forks `config.workers` HTTP
 * workers that share the listening socket (each accepts connections itself),
 * replaces a worker that dies, and on SIGINT/SIGTERM stops them all gracefully. It serves no
 * requests itself. Exit status: that of a worker that could not start (78 bad configuration, 69
 * cannot listen), 1 when workers keep crashing, 0 after a clean stop.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  // Migrate before any worker opens the file, so workers start on the current schema at once.
  const store = createStore(config.store, { dataDir: config.dataDir });
  await store.migrate();
  await store.close();

  // Workers accept connections themselves. node:cluster's default on Linux (round-robin) has the
  // primary accept and hand each connection over; a worker that dies during a hand-over leaves
  // that client waiting forever on a socket nobody serves.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const slots = new Map<number, Worker>();
  const listening = new Set<number>();
  const restarts: number[] = [];
  let stopping = false;
  let announced = false;
  let exitCode: number = EXIT.ok;

  const stopAll = (code: number) => {
    if (!stopping) exitCode = code;
    stopping = true;
    for (const worker of slots.values()) worker.process.kill('SIGTERM');
    if (slots.size === 0) process.exit(exitCode);
    // Workers finish in-flight requests within the grace period; after that they are killed.
    const hard = setTimeout(
      () => {
        for (const worker of slots.values()) worker.process.kill('SIGKILL');
      },
      (config.shutdownGraceSeconds + 5) * 1000,
    );
    hard.unref();
  };

  const fork = (index: number) => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    let started = false;
    slots.set(index, worker);
    worker.on('listening', (address) => {
      started = true;
      listening.add(index);
      if (!announced && listening.size === config.workers) {
        announced = true;
        logger.info(
          {
            event: 'cluster.started',
            url: `http://${hostAndPort(config.host, address.port)}`,
            workers: config.workers,
            pid: process.pid,
          },
          `otpgate listening on http://${hostAndPort(config.host, address.port)} with ${config.workers} workers`,
        );
        announceReady(address.port, config.workers);
      }
    });
    worker.on('exit', (code, signal) => {
      slots.delete(index);
      listening.delete(index);
      if (stopping) {
        if (slots.size === 0) process.exit(exitCode);
        return;
      }
      // A worker that could not even start will not start on a retry either: stop with its reason.
      if (!started && (code === EXIT.config || code === EXIT.unavailable)) {
        stopAll(code);
        return;
      }
      const nowMs = Date.now();
      restarts.push(nowMs);
      while (restarts.length > 0 && restarts[0]! < nowMs - RESTART_WINDOW_MS) restarts.shift();
      logger.error(
        // Not `code`: the logger redacts that key everywhere (it names one-time codes elsewhere).
        { event: 'cluster.worker_exited', worker: index, exit_code: code, signal, restarts: restarts.length },
        `worker ${index} exited (${signal ?? `code ${code}`}); starting a new one`,
      );
      if (restarts.length > MAX_RESTARTS) {
        logger.error({ event: 'cluster.giving_up' }, 'workers keep exiting; stopping');
        stopAll(1);
        return;
      }
      setTimeout(() => {
        if (!stopping) fork(index);
      }, RESTART_DELAY_MS).unref();
    });
  };

  for (let index = 0; index < config.workers; index++) fork(index);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ event: 'cluster.stopping', signal }, 'stopping workers');
    stopAll(EXIT.ok);
  };
  // SIGHUP is left alone on purpose, as in a single-process serve.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The message a parent with an IPC channel receives once every worker serves. */
export interface ReadyMessage {
  event: 'otpgate.ready';
  port: number;
  workers: number;
}

/** Tells a parent process that started otpgate with an IPC channel that it now serves. */
export function announceReady(port: number, workers: number): void {
  const message: ReadyMessage = { event: 'otpgate.ready', port, workers };
  process.send?.(message);
}
