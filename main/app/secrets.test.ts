import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicePasswordKey, HUB_TOKEN, SecretEncryptionUnavailableError, SecretStore } from './secrets.ts';
import { testEncryptor } from './fixtures/test-encryptor.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'turash-secrets-'));
}

test('test encryptor: secrets round-trip and the file never holds them in clear', async () => {
  const dir = tempDir();
  try {
    const store = new SecretStore(dir, testEncryptor());
    const token = 'hub-token-ABCdef0123456789-very-secret';
    const password = 'p@ssw0rd-of-the-meter';
    await store.set(HUB_TOKEN, token);
    await store.set(devicePasswordKey('meter-7'), password);
    assert.equal(await store.get(HUB_TOKEN), token);
    assert.equal(await store.get(devicePasswordKey('meter-7')), password);
    assert.equal(await store.get(devicePasswordKey('other')), undefined);
    assert.deepEqual(await store.names(), ['device:meter-7', 'hub-token']);
    const raw = readFileSync(store.path);
    for (const secret of [token, password]) {
      assert.ok(!raw.includes(secret), 'not in clear');
      assert.ok(!raw.includes(Buffer.from(secret).toString('base64')), 'not merely base64');
      assert.ok(!raw.includes(Buffer.from(secret, 'utf8').toString('hex')), 'not hex');
    }
    if (process.platform !== 'win32') assert.equal(statSync(store.path).mode & 0o777, 0o600);
    await store.delete(HUB_TOKEN);
    assert.equal(await store.has(HUB_TOKEN), false);
    assert.deepEqual(readdirSync(dir), ['secrets.json'], 'no temp file left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('test encryptor: concurrent writes all land (atomic, serialised)', async () => {
  const dir = tempDir();
  try {
    const store = new SecretStore(dir, testEncryptor());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(devicePasswordKey(`d${i}`), `pw-${i}`)));
    const reopened = new SecretStore(dir, testEncryptor());
    assert.equal((await reopened.names()).length, 20);
    assert.equal(await store.get(devicePasswordKey('d13')), 'pw-13');
    assert.doesNotThrow(() => JSON.parse(readFileSync(store.path, 'utf8')) as unknown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('test encryptor unavailable (or basic_text on Linux): refuses to store in clear, with a clear error', async () => {
  for (const encryptor of [testEncryptor(false), testEncryptor(true, 'basic_text')]) {
    const dir = tempDir();
    try {
      const store = new SecretStore(dir, encryptor);
      assert.equal(store.encryptionAvailable(), false);
      await assert.rejects(store.set(HUB_TOKEN, 'secret'), (error: unknown) => error instanceof SecretEncryptionUnavailableError && /keyring/.test(error.message));
      assert.equal(encryptor.calls, 0);
      assert.deepEqual(readdirSync(dir), [], 'nothing written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('test encryptor: bad secret names are refused', async () => {
  const dir = tempDir();
  try {
    const store = new SecretStore(dir, testEncryptor());
    await assert.rejects(store.set('../x', 'v'), /not a secret name/);
    await assert.rejects(store.set('__proto__', 'v'), /not a secret name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
