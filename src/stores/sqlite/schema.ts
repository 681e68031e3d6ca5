import type { Database } from 'better-sqlite3';

/**
 * Migrations in order; migration N (1-based) brings the file to `PRAGMA user_version = N`.
 * Append only: a released migration is never edited, a change is a new entry.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE verifications (
    id              TEXT PRIMARY KEY,
    destination     TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN
                      ('pending', 'approved', 'canceled', 'expired', 'max_attempts_reached', 'failed')),
    code_hash       BLOB    NOT NULL,
    code_cipher     BLOB    NOT NULL,
    locale          TEXT,
    route_id        INTEGER,
    chain           TEXT    NOT NULL,
    chain_index     INTEGER NOT NULL,
    failover_at_ms  INTEGER,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    last_sent_at_ms INTEGER NOT NULL,
    send_count      INTEGER NOT NULL,
    failed_checks   INTEGER NOT NULL,
    country         TEXT
  );
  -- At most one pending row per (destination, purpose): insertIfNoActive settles a stale one
  -- first, and the uniqueness guards that rule even against a writer that skips it.
  CREATE UNIQUE INDEX verifications_active ON verifications (destination, purpose) WHERE status = 'pending';
  CREATE INDEX verifications_latest ON verifications (destination, purpose, created_at_ms);
  CREATE INDEX verifications_expiry ON verifications (expires_at_ms);
  -- Only armed timers of pending rows: an approved row keeps its last timer value but must not
  -- make every failover sweep step over it.
  CREATE INDEX verifications_failover ON verifications (failover_at_ms)
    WHERE failover_at_ms IS NOT NULL AND status = 'pending';

  CREATE TABLE attempts (
    id                  TEXT PRIMARY KEY,
    verification_id     TEXT    NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    step_index          INTEGER NOT NULL,
    route_id            INTEGER NOT NULL,
    provider            TEXT    NOT NULL,
    channel             TEXT    NOT NULL,
    provider_message_id TEXT,
    provider_order_id   TEXT,
    price_micros        INTEGER,
    currency            TEXT,
    status              TEXT    NOT NULL,
    error_code          TEXT,
    error_message       TEXT,
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL,
    delivered_at_ms     INTEGER,
    country             TEXT
  );
  CREATE INDEX attempts_verification ON attempts (verification_id);
  CREATE INDEX attempts_provider_message ON attempts (provider, provider_message_id);
  CREATE INDEX attempts_created ON attempts (created_at_ms);
  CREATE INDEX attempts_awaiting ON attempts (provider, status, created_at_ms)
    WHERE provider_message_id IS NOT NULL;

  CREATE TABLE counters (
    key         TEXT PRIMARY KEY,
    count       INTEGER NOT NULL,
    reset_at_ms INTEGER NOT NULL
  );
  CREATE INDEX counters_reset ON counters (reset_at_ms);
  `,
  // 2: counters become WITHOUT ROWID. Every wrong code upserts one by its text key; in a rowid
  // table that is a search of the key's index plus one of the table, two B-trees and two dirty
  // pages per commit; clustered on the key it is one of each.
  `
  CREATE TABLE counters_clustered (
    key         TEXT PRIMARY KEY,
    count       INTEGER NOT NULL,
    reset_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO counters_clustered (key, count, reset_at_ms) SELECT key, count, reset_at_ms FROM counters;
  DROP TABLE counters;
  ALTER TABLE counters_clustered RENAME TO counters;
  CREATE INDEX counters_reset ON counters (reset_at_ms);
  `,
  // 3: only attempts still waiting for a final receipt are in attempts_awaiting, the index the
  // receipt polling reads. An attempt accepted as delivered (the sandbox answers so) never enters
  // it, and one that gets its final receipt leaves it, so the index stays as small as the backlog.
  // The status list is the one ATTEMPT_SQL.listAwaitingReceipt names (SQLite matches the terms).
  `
  DROP INDEX attempts_awaiting;
  CREATE INDEX attempts_awaiting ON attempts (provider, status, created_at_ms)
    WHERE provider_message_id IS NOT NULL AND status IN ('queued', 'sent');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file up to SCHEMA_VERSION. Runs under BEGIN IMMEDIATE so two processes starting on
 * the same file do not both apply a migration; the version is re-read inside the lock.
 */
export function migrateSchema(db: Database): void {
  // A file already at this version needs no write lock at all: a worker that starts (or is
  // replaced) while another process holds the lock must not wait for it, or fail.
  if ((db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this otpgate (${SCHEMA_VERSION})`);
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1] as string);
      // PRAGMA takes no bound parameters; `version` is an integer we computed.
      db.pragma(`user_version = ${version}`);
    }
  }).immediate();
}
