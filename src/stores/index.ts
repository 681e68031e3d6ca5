import { join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { ensureDataDir, errorCode } from '../config/data-dir.js';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type * from './store.js';
export { MemoryStore } from './memory/memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

export type StoreKind = 'memory' | 'sqlite';

/** File name of the embedded database inside the data directory. */
export const SQLITE_FILE_NAME = 'otpgate.sqlite';

/** SQLite failures that say "this file or folder cannot hold the database", not "there is a bug". */
const UNUSABLE_DATABASE = /^SQLITE_(CANTOPEN|NOTADB|READONLY|CORRUPT|PERM|IOERR|FULL|AUTH)/;

/**
 * Opens the configured store. A data directory that cannot be created, or a database file that
 * cannot be opened there, is a configuration problem (ConfigError), listed like the others.
 * `checkpointInBackground` (SQLite; see SqliteStoreOptions) is for a store that serves requests:
 * the cluster primary, which only migrates and closes, starts no thread for it.
 */
export function createStore(
  kind: StoreKind,
  options: { dataDir: string; checkpointInBackground?: boolean },
): Store {
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite': {
      // Not mkdirSync(…, { recursive: true }): it never returns for a path under /proc (see ensureDataDir).
      const problem = ensureDataDir(options.dataDir);
      if (problem) throw new ConfigError([problem]);
      const path = join(options.dataDir, SQLITE_FILE_NAME);
      try {
        return new SqliteStore({ path, checkpointInBackground: options.checkpointInBackground });
      } catch (error) {
        const code = errorCode(error);
        if (code !== undefined && code.startsWith('SQLITE_BUSY')) {
          // Only a schema migration takes the write lock at start-up; another process held it throughout.
          throw new ConfigError([
            `dataDir ${options.dataDir}: the database ${path} stayed locked by another process while its schema was being updated (${code}); stop that process (a sqlite3 shell left in a transaction, a backup) and start again`,
          ]);
        }
        if (code !== undefined && UNUSABLE_DATABASE.test(code)) {
          throw new ConfigError([
            `dataDir ${options.dataDir}: cannot open the database ${path}: ${(error as Error).message} (${code})`,
          ]);
        }
        throw error;
      }
    }
    default:
      // Reached only from untyped input (a config file bypassing the schema).
      throw new Error(`unknown store kind: ${String(kind satisfies never)}`);
  }
}
