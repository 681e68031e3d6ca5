import type { GroupCommit } from './group-commit.js';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { FailedChecks, FailedChecksLimit, Verification, VerificationStatus } from '../../core/index.js';
import type {
  AdvanceArgs,
  CheckArgs,
  CheckOutcome,
  InsertOutcome,
  ResendArgs,
  ResendOutcome,
  VerificationRepo,
} from '../store.js';
import {
  cooldownRemainingMs,
  decideCheck,
  decideFinish,
  decideResend,
  isActive,
  lockedOutInsert,
  rowLimit,
  settleStale,
} from '../transitions.js';
import {
  CHECKED_COLUMNS,
  fromVerification,
  toCheckedVerification,
  toVerification,
  type CheckedRow,
  type VerificationRow,
} from './rows.js';

const COLUMNS = [
  'id',
  'destination',
  'channel',
  'purpose',
  'status',
  'code_hash',
  'code_cipher',
  'locale',
  'route_id',
  'chain',
  'chain_index',
  'failover_at_ms',
  'created_at_ms',
  'updated_at_ms',
  'expires_at_ms',
  'last_sent_at_ms',
  'send_count',
  'failed_checks',
  'country',
] as const;

/** Everything a transition may change; identity columns (destination, purpose, …) never move. */
const MUTABLE = [
  'status',
  // A resend may go over a route of another channel (an SMS, then a voice call).
  'channel',
  'code_hash',
  'code_cipher',
  'chain',
  'chain_index',
  'failover_at_ms',
  'updated_at_ms',
  'expires_at_ms',
  'last_sent_at_ms',
  'send_count',
  'failed_checks',
] as const;

const CHECK_COLUMNS = CHECKED_COLUMNS.join(', ');

/** The most recently created row of one (destination, purpose); uses verifications_latest. */
const LATEST_OF_KEY = `WHERE destination = @destination AND purpose = @purpose
    ORDER BY created_at_ms DESC, rowid DESC LIMIT 1`;

/** Statement texts, exported so tests can check their query plans (see SqliteStore.queryPlan). */
export const VERIFICATION_SQL = {
  // Positional: binding 19 named parameters costs several µs more per insert (a property lookup each).
  insert: `INSERT INTO verifications (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  get: `SELECT * FROM verifications WHERE id = @id`,
  // A check reads only what it compares and answers with: no chain to parse, no sealed code.
  // The rowid comes along so the write that follows goes straight to the row, not through the id index.
  getForCheck: `SELECT rowid AS row_id, ${CHECK_COLUMNS} FROM verifications WHERE id = ?`,
  lastSend: `SELECT status, last_sent_at_ms FROM verifications ${LATEST_OF_KEY}`,
  findLatestForCheck: `SELECT rowid AS row_id, ${CHECK_COLUMNS} FROM verifications ${LATEST_OF_KEY}`,
  findPending: `SELECT * FROM verifications
    WHERE destination = @destination AND purpose = @purpose AND status = 'pending'`,
  findLatest: `SELECT * FROM verifications ${LATEST_OF_KEY}`,
  // A range of verifications_latest; a number sees few sends per window (cooldown, send limits).
  listFailedChecks: `SELECT created_at_ms, failed_checks FROM verifications
    WHERE destination = @destination AND purpose = @purpose AND created_at_ms >= @since_ms
    AND failed_checks > 0 ORDER BY created_at_ms`,
  update: `UPDATE verifications SET ${MUTABLE.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
  // A check changes only these columns; naming only them keeps SQLite from touching the
  // destination/expiry indexes on the hottest write path.
  checkUpdate: `UPDATE verifications SET status = ?, failed_checks = ?, updated_at_ms = ? WHERE rowid = ?`,
  // A wrong code that leaves the row pending: status is in the partial indexes' WHERE clauses,
  // so leaving it out of the SET spares SQLite their maintenance (and their pages in the commit).
  countWrongCode: `UPDATE verifications SET failed_checks = ?, updated_at_ms = ? WHERE rowid = ?`,
  advanceChain: `UPDATE verifications SET chain_index = @to_index, failover_at_ms = @failover_at_ms,
    updated_at_ms = @now_ms WHERE id = @id AND status = 'pending' AND chain_index = @from_index
    AND (@send_count IS NULL OR send_count = @send_count)`,
  clearFailover: `UPDATE verifications SET failover_at_ms = NULL, updated_at_ms = @now_ms
    WHERE id = @id AND chain_index = @at_index AND failover_at_ms IS NOT NULL
    AND last_sent_at_ms <= @sent_at_ms`,
  // INDEXED BY pins the partial index: the planner may otherwise range-scan the expiry index,
  // which also holds every approved/canceled row that has not expired yet.
  countActive: `SELECT count(*) AS n FROM verifications INDEXED BY verifications_active
    WHERE status = 'pending' AND expires_at_ms > @now_ms`,
  listDueFailovers: `SELECT * FROM verifications
    WHERE failover_at_ms IS NOT NULL AND status = 'pending' AND failover_at_ms <= @now_ms
    ORDER BY failover_at_ms LIMIT @limit`,
  purgeExpired: `DELETE FROM verifications WHERE id IN (
    SELECT id FROM verifications WHERE expires_at_ms < @before_ms ORDER BY expires_at_ms LIMIT @limit)`,
} as const;

type FinishResult = { changed: boolean; verification: Verification } | undefined;

export class SqliteVerificationRepo implements VerificationRepo {
  private readonly insert: Statement<[Array<VerificationRow[keyof VerificationRow]>]>;
  private readonly select: Statement<[{ id: string }], VerificationRow>;
  private readonly findPending: Statement<[{ destination: string; purpose: string }], VerificationRow>;
  private readonly selectLatest: Statement<[{ destination: string; purpose: string }], VerificationRow>;
  private readonly selectForCheck: Statement<[string], CheckedRow & { row_id: number }>;
  private readonly lastSend: Statement<
    [{ destination: string; purpose: string }],
    { status: string; last_sent_at_ms: number }
  >;
  private readonly selectLatestForCheck: Statement<
    [{ destination: string; purpose: string }],
    CheckedRow & { row_id: number }
  >;
  private readonly update: Statement<[VerificationRow]>;
  // Positional (status, failed_checks, updated_at_ms, rowid): the hottest writes skip named binding.
  private readonly checkUpdate: Statement<[string, number, number, number]>;
  private readonly countWrongCode: Statement<[number, number, number]>;
  private readonly advance: Statement<
    [
      {
        id: string;
        from_index: number;
        to_index: number;
        failover_at_ms: number | null;
        now_ms: number;
        send_count: number | null;
      },
    ]
  >;
  private readonly clear: Statement<[{ id: string; at_index: number; sent_at_ms: number; now_ms: number }]>;
  private readonly failedChecks: Statement<
    [{ destination: string; purpose: string; since_ms: number }],
    { created_at_ms: number; failed_checks: number }
  >;
  private readonly countPending: Statement<[{ now_ms: number }], { n: number }>;
  private readonly dueFailovers: Statement<[{ now_ms: number; limit: number }], VerificationRow>;
  private readonly purge: Statement<[{ before_ms: number; limit: number }]>;

  // Each decision and its write run under BEGIN IMMEDIATE: the write lock is taken before the
  // read, so another process cannot decide on the same row in between.
  /** Not a db.transaction, like checkOp: it runs inside the batch's BEGIN IMMEDIATE (see insertIfNoActive). */
  private readonly insertOp: (
    v: Verification,
    nowMs: number,
    cooldownMs: number,
    lockout: FailedChecksLimit | undefined,
  ) => InsertOutcome;
  private readonly settleAndInsertTx: Transaction<(settled: Verification, v: Verification) => void>;
  private readonly resendTx: Transaction<(args: ResendArgs) => ResendOutcome>;
  /**
   * Not a db.transaction: it always runs inside the group-commit batch's BEGIN IMMEDIATE and
   * writes with a single statement, which saves the hottest path a SAVEPOINT and a RELEASE per call.
   */
  private readonly checkOp: (args: CheckArgs) => CheckOutcome;
  private readonly finishTx: Transaction<
    (id: string, to: 'canceled' | 'failed', nowMs: number) => FinishResult
  >;

  constructor(
    db: Database,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare<[Array<VerificationRow[keyof VerificationRow]>]>(VERIFICATION_SQL.insert);
    this.select = db.prepare<{ id: string }, VerificationRow>(VERIFICATION_SQL.get);
    this.findPending = db.prepare<{ destination: string; purpose: string }, VerificationRow>(
      VERIFICATION_SQL.findPending,
    );
    this.selectLatest = db.prepare<{ destination: string; purpose: string }, VerificationRow>(
      VERIFICATION_SQL.findLatest,
    );
    this.update = db.prepare<VerificationRow>(VERIFICATION_SQL.update);
    this.selectForCheck = db.prepare(VERIFICATION_SQL.getForCheck);
    this.lastSend = db.prepare(VERIFICATION_SQL.lastSend);
    this.selectLatestForCheck = db.prepare(VERIFICATION_SQL.findLatestForCheck);
    this.checkUpdate = db.prepare(VERIFICATION_SQL.checkUpdate);
    this.countWrongCode = db.prepare(VERIFICATION_SQL.countWrongCode);
    this.advance = db.prepare<{
      id: string;
      from_index: number;
      to_index: number;
      failover_at_ms: number | null;
      now_ms: number;
      send_count: number | null;
    }>(VERIFICATION_SQL.advanceChain);
    this.clear = db.prepare<{ id: string; at_index: number; sent_at_ms: number; now_ms: number }>(
      VERIFICATION_SQL.clearFailover,
    );
    this.failedChecks = db.prepare(VERIFICATION_SQL.listFailedChecks);
    this.countPending = db.prepare<{ now_ms: number }, { n: number }>(VERIFICATION_SQL.countActive);
    this.dueFailovers = db.prepare<{ now_ms: number; limit: number }, VerificationRow>(
      VERIFICATION_SQL.listDueFailovers,
    );
    this.purge = db.prepare<{ before_ms: number; limit: number }>(VERIFICATION_SQL.purgeExpired);

    const insertRow = (v: Verification): void => {
      const fresh = fromVerification(v);
      this.insert.run(COLUMNS.map((column) => fresh[column]));
    };
    this.settleAndInsertTx = db.transaction((settled: Verification, v: Verification): void => {
      this.update.run(fromVerification(settled));
      insertRow(v);
    });
    this.insertOp = (
      v: Verification,
      nowMs: number,
      cooldownMs: number,
      lockout: FailedChecksLimit | undefined,
    ): InsertOutcome => {
      const lockedOut = lockedOutInsert(lockout, nowMs, (sinceMs) =>
        this.readFailedChecks(v.destination, v.purpose, sinceMs),
      );
      if (lockedOut) return lockedOut;
      const row = this.findPending.get({ destination: v.destination, purpose: v.purpose });
      const existing = row && toVerification(row);
      if (existing && isActive(existing, nowMs)) return { inserted: false, active: existing };
      // Only with a cooldown configured is the latest (settled) row worth a read.
      if (cooldownMs > 0) {
        const last = this.lastSend.get({ destination: v.destination, purpose: v.purpose });
        const retryAfterMs = cooldownRemainingMs(
          last && { status: last.status as VerificationStatus, lastSentAtMs: last.last_sent_at_ms },
          nowMs,
          cooldownMs,
        );
        if (retryAfterMs > 0) return { inserted: false, active: undefined, retryAfterMs };
      }
      const settled = existing && settleStale(existing, nowMs);
      // Two writes need a savepoint so a failed insert leaves the stale row pending; the usual case
      // is one INSERT, atomic on its own, and skips the savepoint, whose statement journal copies
      // every page the insert touches.
      if (settled) this.settleAndInsertTx(settled, v);
      else insertRow(v);
      return { inserted: true };
    };
    this.resendTx = db.transaction((args: ResendArgs): ResendOutcome => {
      const current = this.read(args.id);
      if (!current) return { kind: 'not_found' };
      const { outcome, write } = decideResend(current, args);
      if (write) this.update.run(fromVerification(outcome.verification));
      return outcome;
    });
    this.checkOp = (args: CheckArgs): CheckOutcome => {
      const row =
        args.id !== undefined
          ? this.selectForCheck.get(args.id)
          : args.latestFor && this.selectLatestForCheck.get(args.latestFor);
      if (!row) return { kind: 'not_found' };
      const current = toCheckedVerification(row);
      const { outcome, write } = decideCheck(current, args);
      // One statement writes the decision, so there is nothing to roll back on a failure.
      if (write && outcome.verification.status === current.status) {
        const next = outcome.verification;
        this.countWrongCode.run(next.failedChecks, next.updatedAtMs, row.row_id);
      } else if (write) {
        const next = outcome.verification;
        this.checkUpdate.run(next.status, next.failedChecks, next.updatedAtMs, row.row_id);
      }
      return outcome;
    };
    this.finishTx = db.transaction((id: string, to: 'canceled' | 'failed', nowMs: number): FinishResult => {
      const current = this.read(id);
      if (!current) return undefined;
      const { outcome, write } = decideFinish(current, to, nowMs);
      if (write) this.update.run(fromVerification(outcome.verification));
      return outcome;
    });
  }

  async insertIfNoActive(
    v: Verification,
    nowMs: number,
    cooldownMs = 0,
    lockout?: FailedChecksLimit,
  ): Promise<InsertOutcome> {
    return this.group.run(() => {
      return this.insertOp(v, nowMs, cooldownMs, lockout);
    });
  }

  async get(id: string): Promise<Verification | undefined> {
    return this.group.read(() => {
      return this.read(id);
    });
  }

  async findActive(destination: string, purpose: string, nowMs: number): Promise<Verification | undefined> {
    return this.group.read(() => {
      const row = this.findPending.get({ destination, purpose });
      const v = row && toVerification(row);
      return v && isActive(v, nowMs) ? v : undefined;
    });
  }

  async findLatest(destination: string, purpose: string): Promise<Verification | undefined> {
    return this.group.read(() => {
      const row = this.selectLatest.get({ destination, purpose });
      return row && toVerification(row);
    });
  }

  async reserveResend(args: ResendArgs): Promise<ResendOutcome> {
    return this.group.run(() => {
      return this.resendTx(args);
    });
  }

  async recordCheck(args: CheckArgs): Promise<CheckOutcome> {
    return this.group.run(() => {
      return this.checkOp(args);
    });
  }

  async finish(id: string, to: 'canceled' | 'failed', nowMs: number): Promise<FinishResult> {
    return this.group.run(() => {
      return this.finishTx(id, to, nowMs);
    });
  }

  async advanceChain(args: AdvanceArgs): Promise<boolean> {
    return this.group.run(() => {
      // A single conditional UPDATE is its own compare-and-set.
      const result = this.advance.run({
        id: args.id,
        from_index: args.fromIndex,
        to_index: args.toIndex,
        failover_at_ms: args.failoverAtMs ?? null,
        now_ms: args.nowMs,
        send_count: args.sendCount ?? null,
      });
      return result.changes === 1;
    });
  }

  async clearFailover(id: string, atIndex: number, sentAtMs: number, nowMs: number): Promise<void> {
    return this.group.run(() => {
      this.clear.run({ id, at_index: atIndex, sent_at_ms: sentAtMs, now_ms: nowMs });
    });
  }

  async listFailedChecks(destination: string, purpose: string, sinceMs: number): Promise<FailedChecks[]> {
    return this.group.read(() => this.readFailedChecks(destination, purpose, sinceMs));
  }

  private readFailedChecks(destination: string, purpose: string, sinceMs: number): FailedChecks[] {
    return this.failedChecks
      .all({ destination, purpose, since_ms: sinceMs })
      .map((row) => ({ createdAtMs: row.created_at_ms, failedChecks: row.failed_checks }));
  }

  async countActive(nowMs: number): Promise<number> {
    return this.group.read(() => {
      return this.countPending.get({ now_ms: nowMs })?.n ?? 0;
    });
  }

  async listDueFailovers(nowMs: number, limit: number): Promise<Verification[]> {
    return this.group.read(() => {
      return this.dueFailovers.all({ now_ms: nowMs, limit: rowLimit(limit) }).map(toVerification);
    });
  }

  /** Deletes up to `limit` rows expired before `beforeMs`; their attempts go by ON DELETE CASCADE. */
  deleteExpired(beforeMs: number, limit: number): number {
    return this.purge.run({ before_ms: beforeMs, limit }).changes;
  }

  private read(id: string): Verification | undefined {
    const row = this.select.get({ id });
    return row && toVerification(row);
  }
}
