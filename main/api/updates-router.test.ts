// The updates procedures over the real UpdatePolicy, with an in-memory updater (mock: nothing is
// downloaded here; main/app/updater-policy.test.ts covers the real download from a local server).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { UpdatePolicy, type Updater, type UpdateChannel } from '../updates/policy.ts';
import { contextFor, openCore, type Core } from '../core.ts';
import { appRouter } from './router.ts';
import { createCallerFactory } from './trpc.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-updates-'));
let core: Core;
before(async () => (core = await openCore(join(folder, 'u.db'))));
after(async () => {
  await core.close();
  rmSync(folder, { recursive: true, force: true });
});

function inMemoryUpdater(latest: string) {
  const events = new EventEmitter();
  const calls: string[] = [];
  const updater: Updater = {
    async checkForUpdates() {
      calls.push('check');
      events.emit('update-available', { version: latest });
      return { updateInfo: { version: latest }, isUpdateAvailable: true };
    },
    async downloadUpdate() {
      calls.push('download');
      events.emit('download-progress', { percent: 100 });
      events.emit('update-downloaded', { version: latest });
      return [];
    },
    quitAndInstall: () => calls.push('install'),
    setChannel: (channel: UpdateChannel) => calls.push(`channel:${channel}`),
    on: (event, listener) => events.on(event, listener as (...args: unknown[]) => void),
  };
  return { updater, calls };
}

const callerOf = createCallerFactory(appRouter);

test('mock updater: the browser host has no updater, and says so', async () => {
  const api = callerOf(contextFor(core));
  assert.deepEqual(await api.updates.status(), { enabled: false, reason: 'updates are only available in the installed desktop application' });
  await assert.rejects(api.updates.restart(), (e: unknown) => e instanceof TRPCError && e.code === 'PRECONDITION_FAILED');
});

test('mock updater: status goes to ready; restart is deferred during a recording, then installs', async () => {
  let recording = true;
  const { updater, calls } = inMemoryUpdater('0.2.0');
  const policy = new UpdatePolicy({ updater, activity: { recordingActive: () => recording, syncActive: () => false }, currentVersion: '0.1.0', isOnline: () => true });
  const api = callerOf(contextFor(core, { updates: policy }));
  await api.updates.check();
  await new Promise((resolve) => setImmediate(resolve));
  const status = await api.updates.status();
  assert.ok(status.enabled && status.status === 'ready' && status.version === '0.2.0', JSON.stringify(status));
  const answer = await api.updates.restart();
  assert.equal(answer.ok, false);
  assert.ok(!answer.ok && answer.deferred && /recording/.test(answer.reason), JSON.stringify(answer));
  assert.ok(!calls.includes('install'), 'no restart during a recording');
  recording = false;
  assert.deepEqual(await api.updates.restart(), { ok: true });
  assert.ok(calls.includes('install'));
  await api.updates.setChannel({ channel: 'beta' });
  assert.ok(calls.includes('channel:beta'));
  assert.equal(await core.repo.getSetting('updates.channel'), 'beta', 'kept for the next start');
  assert.equal((await api.updates.status()).enabled && (await api.updates.status() as { channel: string }).channel, 'beta');
});
