import type { Database } from 'better-sqlite3';

/** A call waiting for its batch's COMMIT, with the result it resolves to. */
interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  result: unknown;
}

/**
 * Group commit: every store call made in the same turn of the event loop runs inside one
 * BEGIN IMMEDIATE … COMMIT, and its promise resolves only after that COMMIT. Callers therefore
 * never acknowledge anything that is not durable, while N concurrent requests share one commit
 * instead of paying N. Each call's own transaction nests as a SAVEPOINT, so a call that throws
 * rolls back only its own writes. better-sqlite3 is synchronous, so calls still run one at a time.
 */
export class GroupCommit {
  /**
   * Open batches per database file in this process. A second connection to the same file would
   * block this thread waiting for a lock that only this thread's next turn releases, so before
   * taking the lock it commits its peers' batches early (always safe: committing sooner).
   */
  private static readonly peersByFile = new Map<string, Set<GroupCommit>>();
  private waiting: Array<Waiter> = [];
  private open = false;

  constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
  ) {
    if (file) {
      const peers = GroupCommit.peersByFile.get(file) ?? new Set<GroupCommit>();
      peers.add(this);
      GroupCommit.peersByFile.set(file, peers);
    }
  }

  run<T>(operation: () => T): Promise<T> {
    try {
      if (!this.open) {
        for (const peer of this.peers()) if (peer !== this) peer.commit();
        this.db.exec('BEGIN IMMEDIATE');
        this.open = true;
        setImmediate(() => this.commit());
      }
      const result = operation();
      return new Promise<T>((resolve, reject) => {
        // Plain fields, no closure per call: this runs for every store call of every request.
        this.waiting.push({ resolve: resolve as (value: unknown) => void, reject, result });
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A read that joins an open batch (it may see that batch's uncommitted writes, so it must not
   * answer before they are durable) but needs no transaction of its own when none is open.
   */
  read<T>(operation: () => T): Promise<T> {
    if (this.open) return this.run(operation);
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stops taking part in the same-file coordination (on close). */
  detach(): void {
    if (this.file) GroupCommit.peersByFile.get(this.file)?.delete(this);
  }

  private peers(): Iterable<GroupCommit> {
    return this.file ? (GroupCommit.peersByFile.get(this.file) ?? []) : [];
  }

  /** Commits now (also used before close, so nothing acknowledged-to-be is left open). */
  commit(): void {
    if (!this.open) return;
    const batch = this.waiting;
    this.waiting = [];
    this.open = false;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const call of batch) call.reject(error);
      return;
    }
    for (const call of batch) call.resolve(call.result);
  }
}
