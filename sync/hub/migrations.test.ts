/**
 * Upgrading a hub that ran the first schema: a real SQLite file migrated to 0001 only and filled
 * as that hub version did (sessions without expiry, messages without their pusher), then opened
 * by the current hub. Nobody is signed out by the upgrade, every token gets an expiry, the stored
 * messages name their pusher, and the node ids they used are claimed by that pusher.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kysely, Migrator, sql } from 'kysely';
import { Sqlite3Dialect } from '../storage/sqlite3-dialect.ts';
import { newToken, tokenHash } from './credentials.ts';
import { codeOf } from './hub-contract.ts';
import { hubMigrations } from './migrations.ts';
import { startHub } from './server.ts';
import { httpClient } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

describe('hub schema upgrade from 0001', () => {
  const folder = mkdtempSync(join(tmpdir(), 'turash-hub-migrate-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('old sessions keep working with an expiry; old messages name their pusher, whose node ids are claimed', async () => {
    const database = join(folder, 'old.db');
    const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ filename: database }) });
    const first = {
      getMigrations: async () => {
        const all = await hubMigrations.getMigrations();
        return { '0001-users-workspaces-messages': all['0001-users-workspaces-messages']! };
      },
    };
    const { error } = await new Migrator({ db, provider: first }).migrateToLatest();
    assert.ifError(error);
    const at = '2026-11-01T00:00:00.000Z';
    const token = newToken();
    const sent = messageFactory('0e0e0e0e0e0e0e0e').make(2);
    await sql`INSERT INTO users (id, email, password_hash, created_at) VALUES ('u-ana', 'ana@example.org', NULL, ${at}), ('u-bo', 'bo@example.org', NULL, ${at})`.execute(db);
    await sql`INSERT INTO workspaces (id, name, next_seq, created_at) VALUES ('w-1', 'old-team', 2, ${at})`.execute(db);
    await sql`INSERT INTO memberships (workspace_id, user_id, role, granted_at) VALUES ('w-1', 'u-ana', 'owner', ${at}), ('w-1', 'u-bo', 'engineer', ${at})`.execute(db);
    await sql`INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (${tokenHash(token)}, 'u-ana', 'sign-in', ${at}, NULL)`.execute(db);
    await sql`INSERT INTO clients (workspace_id, client_id, user_id, first_seen, last_seen) VALUES ('w-1', 'ana-laptop', 'u-ana', ${at}, ${at})`.execute(db);
    for (const [i, m] of sent.entries()) {
      await sql`INSERT INTO messages (workspace_id, seq, timestamp, dataset, row_id, column_name, value, client_id, received_at)
        VALUES ('w-1', ${i + 1}, ${m.timestamp}, ${m.dataset}, ${m.row}, ${m.column}, ${m.value}, 'ana-laptop', ${at})`.execute(db);
    }
    await db.destroy();

    const hub = await startHub({ database });
    try {
      const ana = httpClient(hub, token);
      assert.equal((await ana.me.query()).user.email, 'ana@example.org', 'the old token still works');
      const expiry = await hub.store.expiryOf(token);
      assert.ok(expiry && Date.parse(expiry) > Date.now() && Date.parse(expiry) < Date.now() + 91 * 86_400_000, `an expiry within 90 days, got ${expiry}`);
      const pulled = await ana.sync.pull.query({ workspace: 'w-1' });
      assert.deepEqual(pulled.messages.map((m) => m.user), ['ana@example.org', 'ana@example.org']);
      const bo = httpClient(hub, await hub.store.createSession('u-bo', 'sign-in'));
      const forged = messageFactory('0e0e0e0e0e0e0e0e', Date.parse('2026-11-26T00:00:00.000Z')).make(1);
      assert.equal(codeOf(await bo.sync.push.mutate({ workspace: 'w-1', client: 'bo-laptop', messages: forged }).catch((e: unknown) => e)), 'FORBIDDEN');
    } finally {
      await hub.close();
    }
  });
});
