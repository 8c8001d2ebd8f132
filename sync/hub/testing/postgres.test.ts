import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres } from './postgres.ts';

describe('the PostgreSQL test fixture', () => {
  it('fails loudly, naming what is missing, when PostgreSQL is not installed', async () => {
    await assert.rejects(startPostgres({ bin: '/nonexistent/postgresql/bin' }), /PostgreSQL 15 is not installed \(no \/nonexistent\/postgresql\/bin\/postgres\)/);
  });

  it('starts a private server with a database, and stop() ends it', async () => {
    const server = await startPostgres({ database: 'fixture_check' });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ db: string; version: string }>('select current_database() as db, version() as version');
    await client.end();
    assert.equal(rows[0]!.db, 'fixture_check');
    assert.match(rows[0]!.version, /^PostgreSQL 15/);
    assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/fixture_check$/);
    await server.stop();
    await assert.rejects(async () => {
      const again = new pg.Client({ connectionString: server.url });
      try {
        await again.connect();
      } finally {
        await again.end().catch(() => {});
      }
    }, /ECONNREFUSED/);
  });
});
