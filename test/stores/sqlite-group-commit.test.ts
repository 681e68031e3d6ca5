import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/index.js';
import { GroupCommit, LOCK_WAIT_LIMIT_MS, MAX_HELD_TURNS } from '../../src/stores/sqlite/group-commit.js';
import { T0, makeAttempt, makeVerification } from './fixtures.js';

/** Group commit: calls in one event-loop turn share a COMMIT, and none resolves before it. */
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function open(lockWaitLimitMs?: number): { store: SqliteStore; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'otpgate-group-')), 'otpgate.sqlite');
  const store = new SqliteStore({ path, ...(lockWaitLimitMs !== undefined ? { lockWaitLimitMs } : {}) });
  stores.push(store);
  return { store, path };
}

describe('SqliteStore group commit', () => {
  it('resolves a write only when another connection can already read it', async () => {
    const { store, path } = open();
    const reader = new Database(path, { readonly: true });
    const v = makeVerification();
    const pending = store.verifications.insertIfNoActive(v, T0);
    // Written but not committed yet: invisible to other connections until the batch commits.
    expect(reader.prepare('SELECT count(*) AS n FROM verifications WHERE id = ?').get(v.id)).toEqual({
      n: 0,
    });
    await pending;
    expect(reader.prepare('SELECT count(*) AS n FROM verifications WHERE id = ?').get(v.id)).toEqual({
      n: 1,
    });
    reader.close();
  });

  it('a failing call rolls back only itself, not the rest of its batch', async () => {
    const { store, path } = open();
    const a = makeVerification();
    const b = makeVerification();
    const results = await Promise.allSettled([
      store.verifications.insertIfNoActive(a, T0),
      // An attempt for a verification that does not exist: the foreign key refuses it.
      store.attempts.insert(makeAttempt({ id: 'ver_does_not_exist' })),
      store.verifications.insertIfNoActive(b, T0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM verifications').get()).toEqual({ n: 2 });
    reader.close();
  });

  it('a read joins an open batch, so it never answers with writes that are not durable yet', async () => {
    const { store } = open();
    const v = makeVerification();
    const order: string[] = [];
    const write = store.verifications.insertIfNoActive(v, T0).then(() => order.push('write'));
    const read = store.verifications
      .get(v.id)
      .then((found) => order.push(found ? 'read-found' : 'read-missing'));
    await Promise.all([write, read]);
    expect(order).toEqual(['write', 'read-found']);
    // With no batch open a read opens no transaction at all.
    const alone = await store.verifications.get(v.id);
    expect(alone?.id).toBe(v.id);
  });

  it(`under load a batch waits up to ${MAX_HELD_TURNS} more turns, so the calls of those turns share its COMMIT`, async () => {
    const db = new Database(join(mkdtempSync(join(tmpdir(), 'otpgate-group-')), 'hold.sqlite'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    let commits = 0;
    const exec = db.exec.bind(db);
    db.exec = ((sql: string) => {
      if (sql === 'COMMIT') commits += 1;
      return exec(sql);
    }) as typeof db.exec;
    // A window no machine is slow enough to miss: what decides here is the count of turns.
    const group = new GroupCommit(db, LOCK_WAIT_LIMIT_MS, 60_000);
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    // The first batch in a while is committed at once.
    await group.run(() => insert.run(0));
    expect(commits).toBe(1);

    // Right after it, one call per turn: the batch takes the calls of its own turn and of the next
    // MAX_HELD_TURNS turns, and the call of the turn after those starts a batch of its own.
    const calls: Promise<unknown>[] = [];
    for (let turn = 0; turn <= MAX_HELD_TURNS + 1; turn++) {
      calls.push(group.run(() => insert.run(turn + 1)));
      await nextTurn();
    }
    await Promise.all(calls);
    expect(commits).toBe(3);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: MAX_HELD_TURNS + 3 });
    db.close();
  });

  it('many concurrent calls share commits and all resolve', async () => {
    const { store } = open();
    const vs = Array.from({ length: 500 }, () => makeVerification());
    const outcomes = await Promise.all(vs.map((v) => store.verifications.insertIfNoActive(v, T0)));
    expect(outcomes.every((o) => o.inserted)).toBe(true);
    expect(await store.verifications.countActive(T0)).toBe(500);
  });

  it('holds the write lock only while a batch runs, never across a turn of the event loop', async () => {
    const { store, path } = open();
    const other = new Database(path, { timeout: 0 });
    const pending = store.verifications.insertIfNoActive(makeVerification(), T0);
    // Queued but not begun: another process could take the lock right now.
    other.exec('BEGIN IMMEDIATE');
    other.exec('ROLLBACK');
    await pending;
    other.exec('BEGIN IMMEDIATE');
    other.exec('ROLLBACK');
    other.close();
  });

  it("waits for another process's lock on later turns without blocking this one, then commits", async () => {
    const { store, path } = open();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const v = makeVerification();
    let settled = false;
    const pending = store.verifications.insertIfNoActive(v, T0).then((outcome) => {
      settled = true;
      return outcome;
    });
    // While the lock is held the event loop keeps turning: timers fire, the write waits.
    let ticks = 0;
    for (let k = 0; k < 5; k++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ticks += 1;
    }
    expect(ticks).toBe(5);
    expect(settled).toBe(false);
    // A call made while the batch waits joins it; a read does not wait for another process's lock.
    const w = makeVerification();
    const joined = store.verifications.insertIfNoActive(w, T0);
    expect(await store.verifications.get(v.id)).toBeUndefined();
    other.exec('COMMIT');
    other.close();
    expect((await pending).inserted).toBe(true);
    expect((await joined).inserted).toBe(true);
    expect(await store.verifications.get(v.id)).toMatchObject({ id: v.id });
  });

  it('a read queued behind writes answers from committed rows once the batch finds the lock taken', async () => {
    const { store, path } = open();
    const committed = makeVerification();
    await store.verifications.insertIfNoActive(committed, T0);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const waiting = store.verifications.insertIfNoActive(makeVerification(), T0);
    // Queued behind the write, so it would see it; but the write cannot start, and a read needs no lock.
    const read = await store.verifications.get(committed.id);
    expect(read?.id).toBe(committed.id);
    other.exec('COMMIT');
    other.close();
    expect((await waiting).inserted).toBe(true);
  });

  it('fails a batch with STORE_BUSY when another process keeps the lock past the limit', async () => {
    const { store, path } = open(60);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const v = makeVerification();
    await expect(store.verifications.insertIfNoActive(v, T0)).rejects.toMatchObject({
      code: 'STORE_BUSY',
      status: 503,
      retryAfterSeconds: 1,
    });
    other.exec('ROLLBACK');
    other.close();
    // Nothing of the refused batch was written, and the store works again once the lock is free.
    expect(await store.verifications.get(v.id)).toBeUndefined();
    expect((await store.verifications.insertIfNoActive(v, T0)).inserted).toBe(true);
  });

  it("when a call's error ends the whole transaction, the calls after it do not run on their own", async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER)');
    const group = new GroupCommit(db);
    const insert = (n: number) => () => db.prepare('INSERT INTO t (n) VALUES (?)').run(n);
    const results = await Promise.allSettled([
      group.run(insert(1)),
      // What SQLite does on a full disk or an I/O error: the transaction is rolled back under us.
      group.run(() => {
        db.exec('ROLLBACK');
        throw new Error('disk I/O error');
      }),
      group.run(insert(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    // The next batch works normally.
    await group.run(insert(4));
    expect(db.prepare('SELECT n FROM t').all()).toEqual([{ n: 4 }]);
    db.close();
  });
});
