import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints the SQLite WAL from a thread of its own. SQLite's automatic checkpoint runs inside
 * the COMMIT that crosses the threshold, on the request thread: under a sustained send load that
 * was a 30-100 ms stall every second or two, about 40 % of all COMMIT time (measured). The request
 * connection turns it off only once this thread is running; if the thread stops, it turns it back on.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped = false;

  /**
   * @param onRunning called when the thread has started (turn automatic checkpoints off)
   * @param onStopped called if the thread ends on its own (turn them back on)
   */
  constructor(path: string, onRunning: () => void, onStopped: () => void, intervalMs = 250) {
    this.worker = startThread({ path, intervalMs });
    // It must not keep a process alive whose store is otherwise done.
    this.worker.unref();
    this.worker.once('online', onRunning);
    this.worker.once('error', () => undefined);
    this.exited = new Promise<void>((resolve) =>
      this.worker.once('exit', () => {
        if (!this.stopped) onStopped();
        resolve();
      }),
    );
  }

  /** Ends the thread (its connection closes); resolves when it has exited. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Also when it has already ended on its own: `exited` is settled then. Referenced again, so
    // the process waits for the thread to close its connection.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}

/**
 * From the sources (tsx) a worker thread does not inherit the main thread's TypeScript loader, so
 * a two-line bootstrap registers it before importing the thread module; a build (dist) starts the
 * compiled module directly.
 */
function startThread(workerData: { path: string; intervalMs: number }): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./checkpoint-thread.js', import.meta.url), { workerData });
  }
  const loader = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const entry = new URL('./checkpoint-thread.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(`file://${loader}`)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
