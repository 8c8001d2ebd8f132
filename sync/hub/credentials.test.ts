import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashPassword, tokenHash, verifyPassword } from './credentials.ts';
import { startHub } from './server.ts';
import { httpClient } from './testing/clients.ts';

describe('hub credentials', () => {
  it('hashes passwords with scrypt, a random salt and the parameters, and verifies them', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b, 'salted');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterz', a), false);
    assert.equal(await verifyPassword('anything', null), false);
    assert.equal(await verifyPassword('anything', 'md5$abc'), false);
  });

  it('the database file holds neither passwords nor tokens in clear text', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'turash-hub-cred-'));
    const database = join(folder, 'hub.db');
    const hub = await startHub({ database });
    try {
      const password = 'Plain-Text-Password-4711';
      await hub.store.ensureUser('ana@example.org', password);
      const session = await httpClient(hub).auth.signIn.mutate({ email: 'ana@example.org', password });
      const bytes = () => ['', '-wal'].map((suffix) => (existsSync(database + suffix) ? readFileSync(database + suffix).toString('latin1') : '')).join('');
      const content = bytes();
      assert.ok(content.includes('ana@example.org'), 'the file is the one written');
      assert.ok(content.includes(tokenHash(session.token)), 'the token hash is stored');
      assert.ok(!content.includes(password), 'password in clear text');
      assert.ok(!content.includes(session.token), 'token in clear text');
    } finally {
      await hub.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
