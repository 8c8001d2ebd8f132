import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { devicePasswordKey } from '../field/secrets.ts';
import { testEncryptor } from './fixtures/test-encryptor.ts';
import { fieldSecretPort, hubTokenVault } from './secret-ports.ts';
import { SecretStore } from './secrets.ts';

test('with OS encryption, device passwords and the hub token persist encrypted across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-ports-'));
  try {
    const encryptor = testEncryptor();
    const field = fieldSecretPort(new SecretStore(dir, encryptor));
    const vault = hubTokenVault(new SecretStore(dir, encryptor));
    assert.equal(field.persistent, true);
    assert.ok(vault);
    await field.set(devicePasswordKey('dev-boiler-1'), 'meter-password-123');
    await vault.set('hub-token-abcdef-0123456789');
    const file = readFileSync(join(dir, 'secrets.json'), 'utf8');
    assert.ok(!file.includes('meter-password-123') && !file.includes('hub-token-abcdef'), 'nothing in clear');

    // A restart: new store objects over the same folder and key.
    const again = new SecretStore(dir, encryptor);
    assert.equal(await fieldSecretPort(again).get(devicePasswordKey('dev-boiler-1')), 'meter-password-123');
    assert.equal(await hubTokenVault(again)!.get(), 'hub-token-abcdef-0123456789');
    await hubTokenVault(again)!.set(undefined);
    assert.equal(await hubTokenVault(again)!.get(), undefined, 'signing out removes the token');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without OS encryption, passwords stay in memory for the session and the hub token is left to the core', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-ports-'));
  try {
    const store = new SecretStore(dir, testEncryptor(false));
    const field = fieldSecretPort(store);
    assert.equal(field.persistent, false);
    await field.set(devicePasswordKey('dev-1'), 'pw');
    assert.equal(await field.get(devicePasswordKey('dev-1')), 'pw');
    assert.equal(await store.names().catch(() => []).then((n) => n.length), 0, 'nothing written to the store');
    assert.equal(hubTokenVault(store), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
