import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type * from './store.js';
export { MemoryStore } from './memory/memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

export type StoreKind = 'memory' | 'sqlite';

/** File name of the embedded database inside the data directory. */
export const SQLITE_FILE_NAME = 'otpgate.sqlite';

export function createStore(kind: StoreKind, options: { dataDir: string }): Store {
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      mkdirSync(options.dataDir, { recursive: true });
      return new SqliteStore({ path: join(options.dataDir, SQLITE_FILE_NAME) });
    default:
      // Reached only from untyped input (a config file bypassing the schema).
      throw new Error(`unknown store kind: ${String(kind satisfies never)}`);
  }
}
