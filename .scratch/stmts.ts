import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateSchema } from '../src/stores/sqlite/schema.js';
const db = new Database(join(mkdtempSync(join(tmpdir(), 'st-')), 'x.sqlite'));
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('foreign_keys = ON'); db.pragma('cache_size = -65536');
migrateSchema(db);
const insV = db.prepare(`INSERT INTO verifications (id,destination,channel,purpose,status,code_hash,code_cipher,chain,chain_index,created_at_ms,updated_at_ms,expires_at_ms,last_sent_at_ms,send_count,failed_checks) VALUES (@id,@d,'sms','login','pending',@h,@h,'[]',0,@t,@t,@t,@t,1,0)`);
const insA = db.prepare(`INSERT INTO attempts (id,verification_id,step_index,route_id,provider,channel,provider_message_id,status,created_at_ms,updated_at_ms,price_micros,currency) VALUES (@id,@v,0,1,'sandbox','sms',@m,'queued',@t,@t,50000,'EUR')`);
const find = db.prepare(`SELECT * FROM attempts WHERE provider = @provider AND provider_message_id = @m ORDER BY created_at_ms DESC, rowid DESC LIMIT 1`);
const upd = db.prepare(`UPDATE attempts SET status = 'delivered', updated_at_ms = @t WHERE id = @id AND status IN ('queued','sent') RETURNING *`);
const h = Buffer.alloc(32, 1);
let n = 0;
function time(label: string, count: number, fn: (i: number) => void) {
  const t0 = process.cpuUsage();
  db.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < count; i++) { fn(i); if (i % 100 === 99) { db.exec('COMMIT'); db.exec('BEGIN IMMEDIATE'); } }
  db.exec('COMMIT');
  const c = process.cpuUsage(t0);
  console.log(label.padEnd(20), ((c.user + c.system) / count).toFixed(2), 'µs');
}
const base = Date.now();
for (let r = 0; r < 3; r++) {
  const start = n;
  const vid = (i: number) => `ver_${(base + start + i).toString(16)}abcdef0123456789ab`;
  const aid = (i: number) => `msg_${(base + start + i).toString(16)}abcdef0123456789ab`;
  time('insert verification', 30000, (i) => insV.run({ id: vid(i), d: `+316${10000000 + start + i}`, h, t: base + start + i }));
  time('insert attempt', 30000, (i) => insA.run({ id: aid(i), v: vid(i), m: `SBX-${(start + i).toString(36)}-abcdefgh`, t: base + start + i }));
  time('find by msg id', 30000, (i) => find.get({ provider: 'sandbox', m: `SBX-${(start + i).toString(36)}-abcdefgh` }));
  time('update delivered', 30000, (i) => upd.get({ id: aid(i), t: base + i }));
  n += 30000;
}
