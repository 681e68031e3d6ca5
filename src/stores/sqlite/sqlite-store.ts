import Database from 'better-sqlite3';
import type { Store } from '../store.js';
import { rowLimit } from '../transitions.js';
import { migrateSchema } from './schema.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit, LOCK_WAIT_LIMIT_MS } from './group-commit.js';
import { SqliteAttemptRepo } from './sqlite-attempts.js';
import { SqliteCounterRepo } from './sqlite-counters.js';
import { SqliteVerificationRepo } from './sqlite-verifications.js';

export interface SqliteStoreOptions {
  /** Database file, or ':memory:' for a private in-memory database. */
  path: string;
  /** How long a write batch waits for another process's lock before failing with STORE_BUSY. */
  lockWaitLimitMs?: number;
  /**
   * Checkpoint the WAL from a thread of its own instead of inside the COMMIT that crosses the
   * threshold (see Checkpointer). The service turns it on; a file only.
   */
  checkpointInBackground?: boolean;
}

/** SQLite's automatic checkpoint threshold, in WAL pages, when this process checkpoints itself. */
const AUTO_CHECKPOINT_PAGES = 10000;

/**
 * The embedded default store: one SQLite file, safe to share between processes on one host.
 * better-sqlite3 is synchronous, so an ATOMIC method (one transaction) cannot interleave with
 * another call in this process; BEGIN IMMEDIATE serialises it against other processes. Calls
 * share commits through GroupCommit: each resolves only once its batch is durable.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly verifications: SqliteVerificationRepo;
  readonly attempts: SqliteAttemptRepo;
  readonly counters: SqliteCounterRepo;
  private readonly db: Database.Database;
  private readonly group: GroupCommit;
  private readonly purgeTx: Database.Transaction<(beforeMs: number, limit: number) => number>;
  private readonly checkpointer: Checkpointer | undefined;

  constructor(options: SqliteStoreOptions) {
    const lockWaitMs = options.lockWaitLimitMs ?? LOCK_WAIT_LIMIT_MS;
    this.db = new Database(options.path, { timeout: lockWaitMs });
    try {
      // WAL lets readers run beside the single writer; NORMAL keeps every commit across a process
      // crash (only a power cut may lose the last ones), at a fraction of FULL's fsync cost.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // Throughput: a 64 MiB page cache keeps the hot indexes in memory, and checkpointing every
      // ~40 MiB of WAL instead of every 4 MiB makes the checkpoint's fsync rare (NORMAL syncs only there).
      this.db.pragma('cache_size = -65536');
      this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      this.db.pragma('temp_store = MEMORY');
      // Statements are prepared once, against tables that must therefore exist already.
      migrateSchema(this.db);
      // From here on every write goes through GroupCommit, which retries a locked file a millisecond
      // later from a timer instead of sleeping in SQLite's busy handler (that would stall this
      // process's HTTP serving while another worker commits). WAL readers never wait for writers.
      this.db.pragma('busy_timeout = 0');
    } catch (error) {
      // A store that failed to open must not keep the file handle (and its locks) alive.
      this.db.close();
      throw error;
    }
    this.group = new GroupCommit(this.db, lockWaitMs);
    this.counters = new SqliteCounterRepo(this.db, this.group);
    this.verifications = new SqliteVerificationRepo(this.db, this.group);
    this.attempts = new SqliteAttemptRepo(this.db, this.group);
    this.checkpointer =
      options.checkpointInBackground && options.path !== ':memory:'
        ? new Checkpointer(
            options.path,
            () => this.setAutoCheckpoint(0),
            () => this.setAutoCheckpoint(AUTO_CHECKPOINT_PAGES),
          )
        : undefined;
    this.purgeTx = this.db.transaction((beforeMs: number, limit: number): number => {
      const removed = this.verifications.deleteExpired(beforeMs, limit);
      this.counters.deleteExpired(beforeMs, limit);
      return removed;
    });
  }

  /** The constructor already migrated (statements need the tables); this re-checks, idempotently. */
  async migrate(): Promise<void> {
    // Another worker may be committing: wait for the lock here, as at start-up.
    this.group.waitingForLock(() => migrateSchema(this.db));
  }

  async health(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async purgeExpired(beforeMs: number, limit: number): Promise<number> {
    return this.group.run(() => this.purgeTx(beforeMs, rowLimit(limit)));
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.group.commit();
      this.db.close();
    }
    await this.checkpointer?.stop();
  }

  private setAutoCheckpoint(pages: number): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${pages}`);
  }

  /**
   * `EXPLAIN QUERY PLAN` of one of the exported statement texts (VERIFICATION_SQL, ATTEMPT_SQL,
   * COUNTER_SQL), one detail line per plan step, so tests can prove a statement uses its index.
   */
  queryPlan(sql: string): string[] {
    // Plans do not depend on parameter values, so every parameter (named or positional) is NULL.
    const names = new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1] as string));
    const named = Object.fromEntries([...names].map((name) => [name, null]));
    const positional = Array.from(sql.matchAll(/\?/g), () => null);
    const plan = this.db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = names.size > 0 ? plan.all(named, ...positional) : plan.all(...positional);
    return rows.map((row) => row.detail);
  }
}
