import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The WAL checkpointer's thread (see Checkpointer): its own connection to the store's file copies
 * committed WAL frames into the database every `intervalMs`. A PASSIVE checkpoint never waits for
 * readers or writers, so the request threads keep committing meanwhile.
 */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path);
// Another process's checkpoint may be running: PASSIVE then simply does less, it does not wait.
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY (another checkpointer) or a transient I/O error: the next tick tries again.
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
