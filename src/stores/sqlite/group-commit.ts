import type { Database } from 'better-sqlite3';
import { OtpError } from '../../errors/index.js';

/** A queued call: the work to run inside the batch's transaction, and its promise's settlers. */
interface Pending {
  operation: () => unknown;
  /** A read that joined the batch only to see its writes; it need not wait for a busy lock. */
  read: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** How long a batch waits for another process's write lock before its callers get STORE_BUSY. */
export const LOCK_WAIT_LIMIT_MS = 5000;

/** A batch that starts within this many ms of the previous one waits more turns (see holdOneTurn). */
export const HOLD_WINDOW_MS = 5;
/** How many more turns such a batch waits at most. */
export const MAX_HELD_TURNS = 3;
/** A batch this large is committed at once. */
const HOLD_BELOW_CALLS = 1024;

/**
 * Group commit: every store call made in the same turn of the event loop is queued, and at the end
 * of the turn the whole queue runs inside one BEGIN IMMEDIATE … COMMIT; each call's promise
 * resolves only after that COMMIT. Callers therefore never acknowledge anything that is not
 * durable, while N concurrent requests share one commit instead of paying N. Each call's own
 * transaction nests as a SAVEPOINT, so a call that throws rolls back only its own writes.
 *
 * The write lock is held only while the queued statements run (one synchronous stretch), never
 * across a turn of the event loop: several processes (cluster workers) on one file then take turns
 * at the lock instead of each holding it while it parses HTTP. When another process holds it, the
 * batch is retried a millisecond later from a timer instead of sleeping in SQLite's busy handler,
 * so this process keeps serving (its new calls join the waiting batch).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** When the waiting batch first found the lock taken (undefined: not waiting). */
  private busySinceMs: number | undefined;
  private readonly flushSoon = () => this.flushOrRetry();
  /** performance.now() when the last batch started to run (see holdOneTurn). */
  private lastFlushAtMs = Number.NEGATIVE_INFINITY;
  /** Turns the waiting batch has been held for so far. */
  private heldTurns = 0;

  /** `holdWindowMs`: see holdOneTurn (tests widen it so a slow machine cannot change the outcome). */
  constructor(
    private readonly db: Database,
    private readonly lockWaitLimitMs = LOCK_WAIT_LIMIT_MS,
    private readonly holdWindowMs = HOLD_WINDOW_MS,
  ) {}

  /** Queues `operation` for this turn's transaction; resolves with its result once committed. */
  run<T>(operation: () => T): Promise<T> {
    return this.enqueue(operation, false);
  }

  private enqueue<T>(operation: () => T, read: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Plain fields, no closure per call: this runs for every store call of every request.
      this.queue.push({ operation, read, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushSoon);
      }
    });
  }

  /**
   * A read runs at once when nothing is queued (it sees committed rows only). When writes are
   * queued it joins their batch, behind them: it sees them (a delivery receipt finds the message
   * written just before it), and it must not answer before they are durable.
   */
  read<T>(operation: () => T): Promise<T> {
    // While the batch waits for another process's lock, reads do not wait with it: WAL readers
    // never need the write lock, and a read must not turn into STORE_BUSY.
    if (this.queue.length > 0 && this.busySinceMs === undefined) return this.enqueue(operation, true);
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs and commits everything queued now, waiting in SQLite's busy handler if another process
   * holds the lock (used on close, where there is no later turn to retry on).
   */
  commit(): void {
    if (this.queue.length === 0) return;
    this.flush(true);
  }

  /**
   * Runs `operation` with SQLite's busy handler waiting up to the lock-wait limit for another
   * process's lock. The connection keeps it off otherwise (see SqliteStore): only migrations and the
   * last commit on close, where there is no later turn to retry on, may block this thread.
   */
  waitingForLock<T>(operation: () => T): T {
    this.db.pragma(`busy_timeout = ${this.lockWaitLimitMs}`);
    try {
      return operation();
    } finally {
      this.db.pragma('busy_timeout = 0');
    }
  }

  private flushOrRetry(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    if (this.holdOneTurn()) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
      return;
    }
    this.lastFlushAtMs = performance.now();
    if (this.flush(false)) {
      this.busySinceMs = undefined;
      return;
    }
    // Another process holds the write lock. The reads that joined the batch answer now, from the
    // committed rows (WAL readers never wait for a writer); the writes try again shortly, unless
    // the lock has been held for too long.
    this.answerReads();
    if (this.queue.length === 0) {
      this.busySinceMs = undefined;
      return;
    }
    const nowMs = Date.now();
    this.busySinceMs ??= nowMs;
    const waitedMs = nowMs - this.busySinceMs;
    if (waitedMs >= this.lockWaitLimitMs) {
      this.busySinceMs = undefined;
      const batch = this.queue;
      this.queue = [];
      const error = new OtpError('STORE_BUSY', {
        retryAfterSeconds: 1,
        message: `The store stayed locked by another process for ${waitedMs} ms; try again shortly.`,
      });
      for (const call of batch) call.reject(error);
      return;
    }
    this.scheduled = true;
    // A lock is held for well under a millisecond per batch, so a millisecond later it is free again.
    // Retrying on the next turn instead fails 4-5 times per batch under load (measured with two
    // workers): every failed BEGIN is a wasted turn, while the calls arriving meanwhile join this batch.
    setTimeout(this.flushSoon, 1);
  }

  /**
   * Under load, a batch is held for up to MAX_HELD_TURNS more turns of the event loop so the calls
   * of those turns share its COMMIT: most of a commit's cost (two pwrite calls per WAL frame, and
   * the index pages every batch dirties) does not grow with the batch. A batch is held only when
   * the previous one started less than `holdWindowMs` ago, so a lone request never waits for it;
   * never while waiting for another process's lock, and not once it has HOLD_BELOW_CALLS calls.
   * A held turn costs little latency: it is the work of that turn, which a busy loop does anyway.
   * Measured (alternating A/B, BridgeXAPI sends): one turn against none +8 % req/s and −6 % CPU
   * per request; three turns against one +5 % req/s (median of 22 rounds in three runs, 15 of them
   * ahead; the runs' medians +14 %, +3 % and 0 %: the slower the VM, the fewer holds fit the window).
   */
  private holdOneTurn(): boolean {
    // The window runs from the previous batch's start, so the holds of one batch end within it too.
    const hold =
      this.heldTurns < MAX_HELD_TURNS &&
      this.busySinceMs === undefined &&
      this.queue.length < HOLD_BELOW_CALLS &&
      performance.now() - this.lastFlushAtMs < this.holdWindowMs;
    this.heldTurns = hold ? this.heldTurns + 1 : 0;
    return hold;
  }

  private answerReads(): void {
    if (!this.queue.some((call) => call.read)) return;
    const reads = this.queue.filter((call) => call.read);
    this.queue = this.queue.filter((call) => !call.read);
    for (const call of reads) {
      try {
        call.resolve(call.operation());
      } catch (error) {
        call.reject(error);
      }
    }
  }

  /** Runs the queue in one transaction. False (queue kept) when the lock is busy and `wait` is off. */
  private flush(wait: boolean): boolean {
    try {
      if (!this.begin(wait)) return false;
    } catch (error) {
      // The file cannot be written at all (disk full, I/O error): this batch's callers hear so.
      const batch = this.queue;
      this.queue = [];
      for (const call of batch) call.reject(error);
      return true;
    }
    const batch = this.queue;
    this.queue = [];
    const results: unknown[] = new Array(batch.length);
    const failures: unknown[] = new Array(batch.length);
    const failed: boolean[] = new Array(batch.length).fill(false);
    for (let k = 0; k < batch.length; k++) {
      try {
        results[k] = batch[k]!.operation();
      } catch (error) {
        failed[k] = true;
        failures[k] = error;
        // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction back; the
        // calls after it must not run outside it, one autocommit each, and then be reported failed.
        if (!this.db.inTransaction) {
          for (const call of batch) call.reject(error);
          return true;
        }
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const call of batch) call.reject(error);
      return true;
    }
    for (let k = 0; k < batch.length; k++) {
      const call = batch[k]!;
      if (failed[k]) call.reject(failures[k]);
      else call.resolve(results[k]);
    }
    return true;
  }

  private begin(wait: boolean): boolean {
    if (wait) {
      this.waitingForLock(() => this.db.exec('BEGIN IMMEDIATE'));
      return true;
    }
    // With several workers this fails a few times per batch (the other worker is committing); the
    // stack trace of each SqliteError would cost more than the attempt itself (9 µs against 2.4).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
