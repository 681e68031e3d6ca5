import type { GroupCommit } from './group-commit.js';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { DELIVERY_STATUSES, isFinalDelivery, type Attempt, type DeliveryStatus } from '../../core/index.js';
import type { AttemptPatch, AttemptRepo } from '../store.js';
import { applyAttemptPatch, decideDelivery, rowLimit } from '../transitions.js';
import { fromAttempt, toAttempt, type AttemptRow } from './rows.js';

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
  insert: `INSERT INTO attempts (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
  get: `SELECT * FROM attempts WHERE id = @id`,
  update: `UPDATE attempts SET ${MUTABLE.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
  // A receipt changes only these; leaving provider_message_id out of the SET keeps SQLite from
  // rewriting the provider-message index entry on every receipt.
  updateDelivery: `UPDATE attempts SET status = @status, error_code = @error_code,
    error_message = @error_message, updated_at_ms = @updated_at_ms, delivered_at_ms = @delivered_at_ms
    WHERE id = @id`,
  listByVerification: `SELECT * FROM attempts WHERE verification_id = @verification_id
    ORDER BY created_at_ms, rowid`,
  findByProviderMessageId: `SELECT * FROM attempts
    WHERE provider = @provider AND provider_message_id = @provider_message_id
    ORDER BY created_at_ms DESC, rowid DESC LIMIT 1`,
  listAwaitingReceipt: `SELECT * FROM attempts
    WHERE provider = @provider AND provider_message_id IS NOT NULL
      AND status IN (${WAITING_STATUSES}) AND created_at_ms >= @since_ms
    ORDER BY created_at_ms, rowid LIMIT @limit`,
  listSince: `SELECT * FROM attempts WHERE created_at_ms >= @since_ms
    ORDER BY created_at_ms DESC, rowid DESC LIMIT @limit`,
} as const;

type DeliveryResult = { changed: boolean; attempt: Attempt } | undefined;
type DeliveryError = { code?: string; message?: string } | undefined;

export class SqliteAttemptRepo implements AttemptRepo {
  private readonly insertRow: Statement<[AttemptRow]>;
  private readonly select: Statement<[{ id: string }], AttemptRow>;
  private readonly updateRow: Statement<[AttemptRow]>;
  private readonly updateDelivery: Statement<
    [Pick<AttemptRow, 'id' | 'status' | 'error_code' | 'error_message' | 'updated_at_ms' | 'delivered_at_ms'>]
  >;
  private readonly byVerification: Statement<[{ verification_id: string }], AttemptRow>;
  private readonly byProviderMessage: Statement<
    [{ provider: string; provider_message_id: string }],
    AttemptRow
  >;
  private readonly awaiting: Statement<[{ provider: string; since_ms: number; limit: number }], AttemptRow>;
  private readonly since: Statement<[{ since_ms: number; limit: number }], AttemptRow>;

  // Read-modify-write under BEGIN IMMEDIATE, so two receipts for one message (possibly in two
  // processes) are applied one after the other and the second sees the first.
  private readonly updateTx: Transaction<
    (id: string, patch: AttemptPatch, nowMs: number) => Attempt | undefined
  >;
  private readonly deliveryTx: Transaction<
    (id: string, status: DeliveryStatus, nowMs: number, error: DeliveryError) => DeliveryResult
  >;

  constructor(
    db: Database,
    private readonly group: GroupCommit,
  ) {
    this.insertRow = db.prepare<AttemptRow>(ATTEMPT_SQL.insert);
    this.select = db.prepare<{ id: string }, AttemptRow>(ATTEMPT_SQL.get);
    this.updateRow = db.prepare<AttemptRow>(ATTEMPT_SQL.update);
    this.updateDelivery = db.prepare(ATTEMPT_SQL.updateDelivery);
    this.byVerification = db.prepare<{ verification_id: string }, AttemptRow>(ATTEMPT_SQL.listByVerification);
    this.byProviderMessage = db.prepare<{ provider: string; provider_message_id: string }, AttemptRow>(
      ATTEMPT_SQL.findByProviderMessageId,
    );
    this.awaiting = db.prepare<{ provider: string; since_ms: number; limit: number }, AttemptRow>(
      ATTEMPT_SQL.listAwaitingReceipt,
    );
    this.since = db.prepare<{ since_ms: number; limit: number }, AttemptRow>(ATTEMPT_SQL.listSince);

    this.updateTx = db.transaction((id: string, patch: AttemptPatch, nowMs: number): Attempt | undefined => {
      const current = this.read(id);
      if (!current) return undefined;
      const next = applyAttemptPatch(current, patch, nowMs);
      this.updateRow.run(fromAttempt(next));
      return next;
    });
    this.deliveryTx = db.transaction(
      (id: string, status: DeliveryStatus, nowMs: number, error: DeliveryError): DeliveryResult => {
        const current = this.read(id);
        if (!current) return undefined;
        const { outcome, write } = decideDelivery(current, status, nowMs, error);
        if (write) {
          const row = fromAttempt(outcome.attempt);
          this.updateDelivery.run({
            id: row.id,
            status: row.status,
            error_code: row.error_code,
            error_message: row.error_message,
            updated_at_ms: row.updated_at_ms,
            delivered_at_ms: row.delivered_at_ms,
          });
        }
        return outcome;
      },
    );
  }

  async insert(a: Attempt): Promise<void> {
    return this.group.run(() => {
      this.insertRow.run(fromAttempt(a));
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
      return this.deliveryTx(id, status, nowMs, error);
    });
  }

  async listAwaitingReceipt(provider: string, sinceMs: number, limit: number): Promise<Attempt[]> {
    return this.group.read(() => {
      return this.awaiting.all({ provider, since_ms: sinceMs, limit: rowLimit(limit) }).map(toAttempt);
    });
  }

  async listSince(sinceMs: number, limit: number): Promise<Attempt[]> {
    return this.group.read(() => {
      return this.since.all({ since_ms: sinceMs, limit: rowLimit(limit) }).map(toAttempt);
    });
  }

  private read(id: string): Attempt | undefined {
    const row = this.select.get({ id });
    return row && toAttempt(row);
  }
}
