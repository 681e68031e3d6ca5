import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/index.js';
import { T0, makeAttempt, makeVerification } from './fixtures.js';

/** Group commit: calls in one event-loop turn share a COMMIT, and none resolves before it. */
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function open(): { store: SqliteStore; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'otpgate-group-')), 'otpgate.sqlite');
  const store = new SqliteStore({ path });
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

  it('many concurrent calls share commits and all resolve', async () => {
    const { store } = open();
    const vs = Array.from({ length: 500 }, () => makeVerification());
    const outcomes = await Promise.all(vs.map((v) => store.verifications.insertIfNoActive(v, T0)));
    expect(outcomes.every((o) => o.inserted)).toBe(true);
    expect(await store.verifications.countActive(T0)).toBe(500);
  });
});
