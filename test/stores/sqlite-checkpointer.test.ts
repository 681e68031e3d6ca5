import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME, createStore } from '../../src/stores/index.js';
import type { Store } from '../../src/stores/store.js';
import { T0, makeVerification } from './fixtures.js';

/**
 * The WAL checkpointer thread: committed pages reach the database file without any COMMIT on the
 * request connection paying for it. Observable from outside: the file grows while the process only
 * waits, which SQLite's own automatic checkpoint (inside a COMMIT, past 10,000 WAL pages) never does.
 */
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Through createStore, as the service (on) and the cluster primary (off) open it. */
function open(checkpointInBackground: boolean): { store: Store; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-ckpt-'));
  dirs.push(dir);
  const path = join(dir, SQLITE_FILE_NAME);
  const store = createStore('sqlite', { dataDir: dir, checkpointInBackground });
  stores.push(store);
  return { store, path };
}

async function writeRows(store: Store, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () => store.verifications.insertIfNoActive(makeVerification(), T0)),
  );
}

const sizeOf = (path: string) => statSync(path).size;

async function grows(path: string, fromBytes: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline;) {
    if (sizeOf(path) > fromBytes) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('createStore checkpointInBackground (SQLite)', () => {
  it('copies committed WAL pages into the database file from its own thread', async () => {
    const { store, path } = open(true);
    await writeRows(store, 2000);
    const before = sizeOf(path);
    expect(await grows(path, before, 5000)).toBe(true);
    // The store keeps working with the thread beside it.
    await writeRows(store, 10);
    // SQLite removes the WAL only when the last connection to the file closes: the thread's too.
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('without it, the same writes stay in the WAL (below SQLite’s own threshold)', async () => {
    const { store, path } = open(false);
    await writeRows(store, 2000);
    expect(await grows(path, sizeOf(path), 1000)).toBe(false);
  });

  it('closes at once after opening, and twice, without hanging', async () => {
    const { store, path } = open(true);
    await store.close();
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
