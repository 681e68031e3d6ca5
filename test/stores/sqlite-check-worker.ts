/**
 * Child process for the cross-process test in sqlite-store.test.ts: opens its own SqliteStore on
 * the shared file, waits for the common start time, then fires `rounds` correct checks and prints
 * how each ended as one JSON line on stdout.
 * argv: <dbPath> <verificationId> <candidateHashHex> <rounds> <startAtEpochMs>
 */
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';

const [path, id, hashHex, roundsText, startAtText] = process.argv.slice(2);
if (!path || !id || !hashHex || !roundsText || !startAtText)
  throw new Error('usage: <db> <id> <hash> <rounds> <startAt>');

const store = new SqliteStore({ path });
// Line the processes up so their checks really overlap instead of running one process after another.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtText) - Date.now())));
const kinds: string[] = [];
for (let round = 0; round < Number(roundsText); round++) {
  const outcome = await store.verifications.recordCheck({
    id,
    candidateHash: Buffer.from(hashHex, 'hex'),
    nowMs: 1_700_000_000_000,
    maxChecks: 5,
  });
  kinds.push(outcome.kind);
}
await store.close();
process.stdout.write(`${JSON.stringify(kinds)}\n`);
