import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStore, SqliteStore } from '../../src/stores/index.js';
import { ConfigError } from '../../src/config/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/stores/sqlite/schema.js';
import { ATTEMPT_SQL } from '../../src/stores/sqlite/sqlite-attempts.js';
import { COUNTER_SQL } from '../../src/stores/sqlite/sqlite-counters.js';
import { VERIFICATION_SQL } from '../../src/stores/sqlite/sqlite-verifications.js';
import { CODE, codeHash, COOLDOWN_MS, makeAttempt, makeVerification, T0, tally, TTL_MS } from './fixtures.js';
import { storeContract } from './store-contract.js';

const run = promisify(execFile);

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'otpgate-sqlite-'));
}

storeContract('sqlite (file)', async () => {
  const dir = freshDir();
  const store = new SqliteStore({ path: join(dir, 'otpgate.sqlite') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('sqlite (:memory:)', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('SqliteStore on a shared file', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempFile(): string {
    const dir = freshDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'otpgate.sqlite');
  }

  function open(path: string): SqliteStore {
    const store = new SqliteStore({ path });
    cleanups.push(() => store.close());
    return store;
  }

  it('keeps everything acknowledged across close and reopen, field for field', async () => {
    const path = tempFile();
    const first = open(path);
    const plain = makeVerification({ routeId: 3, locale: undefined, country: undefined });
    const armed = makeVerification({ failoverAtMs: T0 + 30_000, chainIndex: 1 });
    const resent = makeVerification();
    for (const v of [plain, armed, resent]) await first.verifications.insertIfNoActive(v, T0);
    await first.verifications.recordCheck({
      id: resent.id,
      candidateHash: codeHash(resent, '000000'),
      nowMs: T0 + 1,
      maxChecks: 5,
    });
    const reserved = await first.verifications.reserveResend({
      id: resent.id,
      nowMs: T0 + COOLDOWN_MS,
      cooldownMs: COOLDOWN_MS,
      maxSends: 5,
      codeHash: codeHash(resent, '424242'),
      codeCipher: Buffer.from([0, 1, 2, 254, 255]),
      expiresAtMs: T0 + COOLDOWN_MS + TTL_MS,
      chain: [{ routeId: 9, timeoutSeconds: 15 }],
      failoverAtMs: T0 + COOLDOWN_MS + 15_000,
    });
    expect(reserved.kind).toBe('ok');
    const attempt = makeAttempt(armed, {
      providerMessageId: 'bx-77',
      providerOrderId: 'ord-1',
      priceMicros: 4200,
      currency: 'EUR',
      status: 'sent',
    });
    await first.attempts.insert(attempt);
    const delivered = await first.attempts.applyDeliveryStatus(attempt.id, 'delivered', T0 + 9);
    await first.counters.hit('durable', 600, T0, 3);
    const before = {
      plain: await first.verifications.get(plain.id),
      armed: await first.verifications.get(armed.id),
      resent: await first.verifications.get(resent.id),
    };
    await first.close();

    const second = open(path);
    expect(await second.verifications.get(plain.id)).toEqual(plain);
    expect(await second.verifications.get(armed.id)).toEqual(before.armed);
    const reopened = await second.verifications.get(resent.id);
    expect(reopened).toEqual(before.resent);
    expect(reopened?.failedChecks).toBe(1);
    expect(Buffer.isBuffer(reopened?.codeHash)).toBe(true);
    expect(reopened?.codeHash.equals(codeHash(resent, '424242'))).toBe(true);
    expect(reopened?.codeCipher.equals(Buffer.from([0, 1, 2, 254, 255]))).toBe(true);
    expect(await second.attempts.get(attempt.id)).toEqual(delivered?.attempt);
    expect(await second.attempts.findByProviderMessageId('sandbox', 'bx-77')).toEqual(delivered?.attempt);
    expect(await second.counters.peek('durable', T0 + 1)).toEqual({ count: 3, resetAtMs: T0 + 600_000 });
  });

  it('sets up the file once: WAL journal, schema version, and refuses a newer schema', async () => {
    const path = tempFile();
    await open(path).close();
    const raw = new Database(path);
    cleanups.push(() => void raw.close());
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const reopened = open(path);
    await reopened.migrate();
    await expect(reopened.health()).resolves.toBeUndefined();
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => new SqliteStore({ path })).toThrow(/newer/);
  });

  it('stores the chain compactly and still reads rows whose chain was written as JSON', async () => {
    const path = tempFile();
    const store = open(path);
    const v = makeVerification({
      chain: [
        { routeId: 3, timeoutSeconds: 30 },
        { routeId: 12, timeoutSeconds: 600 },
      ],
    });
    await store.verifications.insertIfNoActive(v, T0);
    const raw = new Database(path);
    cleanups.push(() => void raw.close());
    const stored = raw.prepare('SELECT chain FROM verifications WHERE id = ?').get(v.id) as { chain: string };
    expect(stored.chain).toBe('3:30,12:600');
    // A row as an earlier otpgate wrote it.
    raw
      .prepare('UPDATE verifications SET chain = ? WHERE id = ?')
      .run('[{"routeId":5,"timeoutSeconds":45},{"routeId":6,"timeoutSeconds":90}]', v.id);
    expect((await open(path).verifications.get(v.id))?.chain).toEqual([
      { routeId: 5, timeoutSeconds: 45 },
      { routeId: 6, timeoutSeconds: 90 },
    ]);
  });

  it('migrates a version-2 file: only attempts waiting for a final receipt stay in attempts_awaiting', async () => {
    const path = tempFile();
    const raw = new Database(path);
    cleanups.push(() => void raw.close());
    raw.exec(MIGRATIONS[0] as string);
    raw.exec(MIGRATIONS[1] as string);
    raw.pragma('user_version = 2');
    const store = open(path);
    const v = makeVerification();
    await store.verifications.insertIfNoActive(v, T0);
    const waiting = makeAttempt(v, { provider: 'p', providerMessageId: 'm-1', status: 'sent' });
    const delivered = makeAttempt(v, { provider: 'p', providerMessageId: 'm-2', status: 'delivered' });
    await store.attempts.insert(waiting);
    await store.attempts.insert(delivered);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const index = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'attempts_awaiting'").get() as {
      sql: string;
    };
    expect(index.sql).toMatch(/WHERE provider_message_id IS NOT NULL AND status IN \('queued', 'sent'\)$/);
    expect((await store.attempts.listAwaitingReceipt('p', T0 - 1, 10)).map((a) => a.id)).toEqual([
      waiting.id,
    ]);
  });

  it('migrates a version-1 file in place, keeping its counters', async () => {
    const path = tempFile();
    const raw = new Database(path);
    cleanups.push(() => void raw.close());
    raw.exec(MIGRATIONS[0] as string);
    raw.pragma('user_version = 1');
    raw.prepare('INSERT INTO counters (key, count, reset_at_ms) VALUES (?, ?, ?)').run('k', 4, T0 + 60_000);
    const store = open(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await store.counters.peek('k', T0)).toEqual({ count: 4, resetAtMs: T0 + 60_000 });
    expect(await store.counters.hit('k', 60, T0 + 1)).toEqual({ count: 5, resetAtMs: T0 + 60_000 });
    const table = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'counters'").get() as {
      sql: string;
    };
    expect(table.sql).toContain('WITHOUT ROWID');
  });

  it('two connections on one file: parallel correct checks approve exactly once', async () => {
    const path = tempFile();
    const a = open(path);
    const b = open(path);
    const v = makeVerification();
    await a.verifications.insertIfNoActive(v, T0);
    const check = (store: SqliteStore) =>
      store.verifications.recordCheck({
        id: v.id,
        candidateHash: codeHash(v, CODE),
        nowMs: T0,
        maxChecks: 5,
      });
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => check(i % 2 === 0 ? a : b)));
    expect(tally(outcomes)).toEqual({ approved: 1, not_pending: 39 });
    expect((await b.verifications.get(v.id))?.status).toBe('approved');
  });

  it('two connections on one file: parallel sends to one number start exactly one verification', async () => {
    const path = tempFile();
    const stores = [open(path), open(path)];
    const destination = makeVerification().destination;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 2]!.verifications.insertIfNoActive(makeVerification({ destination }), T0),
      ),
    );
    expect(outcomes.filter((o) => o.inserted)).toHaveLength(1);
  });

  it('separate processes on one file: exactly one approval', async () => {
    const path = tempFile();
    const store = open(path);
    const v = makeVerification();
    await store.verifications.insertIfNoActive(v, T0);
    const worker = fileURLToPath(new URL('./sqlite-check-worker.ts', import.meta.url));
    const hashHex = codeHash(v, CODE).toString('hex');
    // Started together after every child has had time to boot, so their checks overlap.
    const startAt = String(Date.now() + 2500);
    const children = Array.from({ length: 4 }, () =>
      run(process.execPath, ['--import', 'tsx', worker, path, v.id, hashHex, '25', startAt], {
        timeout: 15_000,
      }),
    );
    const kinds = (await Promise.all(children)).flatMap(({ stdout }) => JSON.parse(stdout) as string[]);
    expect(kinds).toHaveLength(100);
    expect(kinds.filter((k) => k === 'approved')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'not_pending')).toHaveLength(99);
  });

  it('opens a file already at the current schema while another process holds the write lock', async () => {
    const path = tempFile();
    await open(path).close();
    const other = new Database(path);
    cleanups.push(() => void other.close());
    other.exec('BEGIN IMMEDIATE');
    // A replaced worker starting while another process writes: no lock needed, no wait.
    const startedMs = Date.now();
    const store = open(path);
    await store.migrate();
    expect(Date.now() - startedMs).toBeLessThan(1000);
    expect(await store.verifications.get('ver_missing')).toBeUndefined();
    other.exec('ROLLBACK');
  });

  it('a schema update that another process keeps locked is one listed start-up problem, not a stack trace', async () => {
    const dataDir = freshDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const other = new Database(join(dataDir, 'otpgate.sqlite'));
    cleanups.push(() => void other.close());
    other.pragma('journal_mode = WAL');
    other.exec('CREATE TABLE unrelated (a)');
    other.exec('BEGIN IMMEDIATE');
    let problem: unknown;
    try {
      createStore('sqlite', { dataDir });
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect((problem as ConfigError).problems).toEqual([
      expect.stringContaining(
        'stayed locked by another process while its schema was being updated (SQLITE_BUSY)',
      ),
    ]);
    other.exec('ROLLBACK');
  }, 15_000);

  it('createStore puts the file at <dataDir>/otpgate.sqlite, creating the folder', async () => {
    const root = freshDir();
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, 'nested', 'data');
    const store = createStore('sqlite', { dataDir });
    cleanups.push(() => store.close());
    expect(store.kind).toBe('sqlite');
    await store.health();
    const raw = new Database(join(dataDir, 'otpgate.sqlite'), { fileMustExist: true });
    cleanups.push(() => void raw.close());
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(createStore('memory', { dataDir }).kind).toBe('memory');
  });
});

describe('SqliteStore query plans', () => {
  const store = new SqliteStore({ path: ':memory:' });
  afterAll(() => store.close());

  /** A full table scan shows up as a bare "SCAN <table>"; index scans name their index. */
  function expectIndexed(sql: string, index: string): void {
    const plan = store.queryPlan(sql);
    expect(plan.join('\n')).toContain(index);
    for (const line of plan) expect(line).not.toMatch(/^SCAN (verifications|attempts|counters)$/);
  }

  it('purgeExpired walks the expiry indexes (cost follows the limit, not the table)', () => {
    expectIndexed(VERIFICATION_SQL.purgeExpired, 'verifications_expiry');
    expectIndexed(VERIFICATION_SQL.purgeExpired, 'attempts_verification');
    expectIndexed(COUNTER_SQL.purgeExpired, 'counters_reset');
  });

  it('active lookups and counts use the partial pending index', () => {
    expectIndexed(VERIFICATION_SQL.findPending, 'verifications_active');
    expectIndexed(VERIFICATION_SQL.countActive, 'verifications_active');
    expectIndexed(VERIFICATION_SQL.findLatest, 'verifications_latest');
    expectIndexed(VERIFICATION_SQL.findLatestForCheck, 'verifications_latest');
    expectIndexed(VERIFICATION_SQL.lastSend, 'verifications_latest');
    expectIndexed(VERIFICATION_SQL.getForCheck, 'sqlite_autoindex_verifications_1');
  });

  it('the check writes go to the row by rowid, not through an index', () => {
    expectIndexed(VERIFICATION_SQL.countWrongCode, 'INTEGER PRIMARY KEY');
    expectIndexed(VERIFICATION_SQL.checkUpdate, 'INTEGER PRIMARY KEY');
  });

  it('background listings use their indexes', () => {
    expectIndexed(VERIFICATION_SQL.listDueFailovers, 'verifications_failover');
    expectIndexed(ATTEMPT_SQL.listAwaitingReceipt, 'attempts_awaiting');
    expectIndexed(ATTEMPT_SQL.listOutcomesSince, 'attempts_created');
    expectIndexed(ATTEMPT_SQL.findByProviderMessageId, 'attempts_provider_message');
    expectIndexed(ATTEMPT_SQL.listByVerification, 'attempts_verification');
  });
});
