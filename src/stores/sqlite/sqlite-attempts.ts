import type { GroupCommit } from './group-commit.js';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import {
  DELIVERY_STATUSES,
  deliveryRank,
  isFinalDelivery,
  type Attempt,
  type AttemptOutcome,
  type DeliveryStatus,
} from '../../core/index.js';
import type { AttemptPatch, AttemptRepo } from '../store.js';
import { applyAttemptPatch, rowLimit } from '../transitions.js';
import { fromAttempt, toAttempt, toAttemptOutcome, type AttemptRow, type OutcomeRow } from './rows.js';

const COLUMNS = [
  'id',
  'verification_id',
  'step_index',
  'route_id',
  'provider',
  'channel',
  'provider_message_id',
  'provider_order_id',
  'price_micros',
  'currency',
  'status',
  'error_code',
  'error_message',
  'created_at_ms',
  'updated_at_ms',
  'delivered_at_ms',
  'country',
] as const;

const MUTABLE = [
  'provider_message_id',
  'provider_order_id',
  'price_micros',
  'currency',
  'status',
  'error_code',
  'error_message',
  'updated_at_ms',
  'delivered_at_ms',
] as const;

/** Derived from the core list so a new non-final status cannot be forgotten here. */
const WAITING_STATUSES = DELIVERY_STATUSES.filter((s) => !isFinalDelivery(s))
  .map((s) => `'${s}'`)
  .join(', ');

/** Statement texts, exported so tests can check their query plans (see SqliteStore.queryPlan). */
export const ATTEMPT_SQL = {
  // Positional, like the verification insert: named binding costs a property lookup per column.
  insert: `INSERT INTO attempts (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  get: `SELECT * FROM attempts WHERE id = @id`,
  update: `UPDATE attempts SET ${MUTABLE.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
  listByVerification: `SELECT * FROM attempts WHERE verification_id = @verification_id
    ORDER BY created_at_ms, rowid`,
  findByProviderMessageId: `SELECT * FROM attempts
    WHERE provider = @provider AND provider_message_id = @provider_message_id
    ORDER BY created_at_ms DESC, rowid DESC LIMIT 1`,
  listAwaitingReceipt: `SELECT * FROM attempts
    WHERE provider = @provider AND provider_message_id IS NOT NULL
      AND status IN (${WAITING_STATUSES}) AND created_at_ms >= @since_ms
    ORDER BY created_at_ms, rowid LIMIT @limit`,
  listOutcomesSince: `SELECT route_id, country, status, created_at_ms, delivered_at_ms
    FROM attempts WHERE created_at_ms >= @since_ms
    ORDER BY created_at_ms DESC, rowid DESC LIMIT @limit`,
} as const;

type DeliveryResult = { changed: boolean; attempt: Attempt } | undefined;
type DeliveryParams = {
  id: string;
  status: DeliveryStatus;
  updated_at_ms: number;
  delivered_at_ms: number | null;
  error_code: string | null;
  error_message: string | null;
};

/**
 * The UPDATE that applies `status` only where decideDelivery would: the attempt is not final yet
 * and the receipt does not go back (queued after sent) or repeat. The states it may move from are
 * fixed per target status, so each target gets its own statement. A receipt's error fields only
 * overwrite when it carries them; RETURNING gives the updated attempt.
 */
function deliveryUpdateSql(status: DeliveryStatus): string {
  const from = DELIVERY_STATUSES.filter(
    (current) =>
      !isFinalDelivery(current) && current !== status && deliveryRank(current) <= deliveryRank(status),
  );
  // No state may move to this one (e.g. queued): a condition that never holds keeps the shape.
  const allowed = from.length > 0 ? from.map((s) => `'${s}'`).join(', ') : 'NULL';
  return `UPDATE attempts SET status = @status, updated_at_ms = @updated_at_ms,
    delivered_at_ms = COALESCE(@delivered_at_ms, delivered_at_ms),
    error_code = COALESCE(@error_code, error_code), error_message = COALESCE(@error_message, error_message)
    WHERE id = @id AND status IN (${allowed}) RETURNING *`;
}

export class SqliteAttemptRepo implements AttemptRepo {
  private readonly insertRow: Statement<[Array<AttemptRow[keyof AttemptRow]>]>;
  private readonly select: Statement<[{ id: string }], AttemptRow>;
  private readonly updateRow: Statement<[AttemptRow]>;
  private readonly byVerification: Statement<[{ verification_id: string }], AttemptRow>;
  private readonly byProviderMessage: Statement<
    [{ provider: string; provider_message_id: string }],
    AttemptRow
  >;
  private readonly awaiting: Statement<[{ provider: string; since_ms: number; limit: number }], AttemptRow>;
  private readonly outcomesSince: Statement<[{ since_ms: number; limit: number }], OutcomeRow>;

  // Read-modify-write under BEGIN IMMEDIATE, so two receipts for one message (possibly in two
  // processes) are applied one after the other and the second sees the first.
  private readonly updateTx: Transaction<
    (id: string, patch: AttemptPatch, nowMs: number) => Attempt | undefined
  >;
  private readonly deliveryByStatus: ReadonlyMap<DeliveryStatus, Statement<[DeliveryParams], AttemptRow>>;

  constructor(
    db: Database,
    private readonly group: GroupCommit,
  ) {
    this.insertRow = db.prepare<[Array<AttemptRow[keyof AttemptRow]>]>(ATTEMPT_SQL.insert);
    this.select = db.prepare<{ id: string }, AttemptRow>(ATTEMPT_SQL.get);
    this.updateRow = db.prepare<AttemptRow>(ATTEMPT_SQL.update);
    this.byVerification = db.prepare<{ verification_id: string }, AttemptRow>(ATTEMPT_SQL.listByVerification);
    this.byProviderMessage = db.prepare<{ provider: string; provider_message_id: string }, AttemptRow>(
      ATTEMPT_SQL.findByProviderMessageId,
    );
    this.awaiting = db.prepare<{ provider: string; since_ms: number; limit: number }, AttemptRow>(
      ATTEMPT_SQL.listAwaitingReceipt,
    );
    this.outcomesSince = db.prepare<{ since_ms: number; limit: number }, OutcomeRow>(
      ATTEMPT_SQL.listOutcomesSince,
    );

    this.updateTx = db.transaction((id: string, patch: AttemptPatch, nowMs: number): Attempt | undefined => {
      const current = this.read(id);
      if (!current) return undefined;
      const next = applyAttemptPatch(current, patch, nowMs);
      this.updateRow.run(fromAttempt(next));
      return next;
    });
    this.deliveryByStatus = new Map(
      DELIVERY_STATUSES.map((status) => [status, db.prepare(deliveryUpdateSql(status))] as const),
    );
  }

  async insert(a: Attempt): Promise<void> {
    return this.group.run(() => {
      const row = fromAttempt(a);
      this.insertRow.run(COLUMNS.map((column) => row[column]));
    });
  }

  async update(id: string, patch: AttemptPatch, nowMs: number): Promise<Attempt | undefined> {
    return this.group.run(() => {
      return this.updateTx(id, patch, nowMs);
    });
  }

  async get(id: string): Promise<Attempt | undefined> {
    return this.group.read(() => {
      return this.read(id);
    });
  }

  async listByVerification(verificationId: string): Promise<Attempt[]> {
    return this.group.read(() => {
      return this.byVerification.all({ verification_id: verificationId }).map(toAttempt);
    });
  }

  async findByProviderMessageId(provider: string, providerMessageId: string): Promise<Attempt | undefined> {
    return this.group.read(() => {
      const row = this.byProviderMessage.get({ provider, provider_message_id: providerMessageId });
      return row && toAttempt(row);
    });
  }

  async applyDeliveryStatus(
    id: string,
    status: DeliveryStatus,
    nowMs: number,
    error?: { code?: string; message?: string },
  ): Promise<DeliveryResult> {
    return this.group.run(() => {
      // One conditional UPDATE is its own compare-and-set (see deliveryUpdateSql); only a receipt
      // that changes nothing (a duplicate, one out of order) pays a read for its answer.
      const row = this.deliveryByStatus.get(status)?.get({
        id,
        status,
        updated_at_ms: nowMs,
        delivered_at_ms: status === 'delivered' ? nowMs : null,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
      });
      if (row) return { changed: true, attempt: toAttempt(row) };
      const current = this.read(id);
      return current && { changed: false, attempt: current };
    });
  }

  async listAwaitingReceipt(provider: string, sinceMs: number, limit: number): Promise<Attempt[]> {
    return this.group.read(() => {
      return this.awaiting.all({ provider, since_ms: sinceMs, limit: rowLimit(limit) }).map(toAttempt);
    });
  }

  async listOutcomesSince(sinceMs: number, limit: number): Promise<AttemptOutcome[]> {
    return this.group.read(() => {
      return this.outcomesSince.all({ since_ms: sinceMs, limit: rowLimit(limit) }).map(toAttemptOutcome);
    });
  }

  private read(id: string): Attempt | undefined {
    const row = this.select.get({ id });
    return row && toAttempt(row);
  }
}
