/**
 * Every procedure of the hub's router, found by walking the router definition (so a procedure
 * added later fails this test until its access rule is declared here), called over the wire:
 * - without a token and with a made-up token: 401;
 * - with the token of a member of ANOTHER workspace: 403 (workspace procedures), or an answer
 *   that holds nothing of this workspace (the caller's own account procedures);
 * - writes with a viewer's token, and member admin with an engineer's token: 403;
 * - with the right role: it works.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codeOf } from './hub-contract.ts';
import { hubRouter } from './router.ts';
import { startHub, type RunningHub } from './server.ts';
import { httpClient, seedMember, wsClient, type HubClient } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

type Access = 'public' | 'account' | 'read' | 'write' | 'admin';
interface Rule {
  access: Access;
  /** A valid input for the procedure in workspace `ws`. */
  input: (ws: string) => unknown;
  /** It ends the caller's other sessions: call it as a user of its own, not a shared token. */
  ownUser?: true;
}

let unique = 0;
const RULES: Record<string, Rule> = {
  'auth.signIn': { access: 'public', input: () => ({ email: 'owner@example.org', password: 'wrong password' }) },
  'auth.acceptInvite': { access: 'public', input: () => ({ token: 'no-such-invite', password: 'a long enough password' }) },
  'auth.signOut': { access: 'account', input: () => undefined },
  'auth.signOutEverywhere': { access: 'account', input: () => undefined, ownUser: true },
  'auth.setPassword': { access: 'account', input: () => ({ currentPassword: 'correct horse battery', password: 'a new long password' }), ownUser: true },
  me: { access: 'account', input: () => undefined },
  'workspaces.list': { access: 'account', input: () => undefined },
  'workspaces.create': { access: 'account', input: () => ({ name: `created-${++unique}` }) },
  'members.list': { access: 'read', input: (ws) => ({ workspace: ws }) },
  'members.grant': { access: 'admin', input: (ws) => ({ workspace: ws, email: `invitee${++unique}@example.org`, role: 'viewer' }) },
  'members.revoke': { access: 'admin', input: (ws) => ({ workspace: ws, email: 'leaver@example.org' }) },
  'sync.push': { access: 'write', input: (ws) => ({ workspace: ws, client: 'laptop', messages: messageFactory('1234567812345678', Date.now() - 30 * 86_400_000 + (++unique) * 3_600_000).make(2) }) },
  'sync.pull': { access: 'read', input: (ws) => ({ workspace: ws, since: 0 }) },
  'sync.merkle': { access: 'read', input: (ws) => ({ workspace: ws }) },
  'sync.live': { access: 'read', input: (ws) => ({ workspace: ws }) },
};

const procedures = (hubRouter as unknown as { _def: { procedures: Record<string, { _def: { type: 'query' | 'mutation' | 'subscription' } }> } })._def.procedures;

/** Calls a procedure by its path; a subscription resolves with its first event or rejects. */
async function call(hub: RunningHub, token: string | undefined, path: string, input: unknown): Promise<unknown> {
  const type = procedures[path]!._def.type;
  if (type === 'subscription') {
    const ws = wsClient(hub, token);
    try {
      const target = path.split('.').reduce<any>((node, key) => node[key], ws.client); // eslint-disable-line @typescript-eslint/no-explicit-any
      return await new Promise((resolve, reject) => {
        const subscription = target.subscribe(input, {
          onData: (data: unknown) => (subscription.unsubscribe(), resolve(data)),
          onError: (error: unknown) => reject(error),
        });
      });
    } finally {
      await ws.close();
    }
  }
  const client: HubClient = httpClient(hub, token);
  const target = path.split('.').reduce<any>((node, key) => node[key], client); // eslint-disable-line @typescript-eslint/no-explicit-any
  return type === 'query' ? target.query(input) : target.mutate(input);
}

async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return codeOf(error) ?? `not a tRPC error: ${(error as Error).message}`;
  }
}

describe('hub authorisation, every procedure', () => {
  let folder: string;
  let hub: RunningHub;
  const tokens = {} as Record<'owner' | 'engineer' | 'viewer' | 'stranger', string>;
  let ws: string;
  let otherWs: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-hub-auth-'));
    hub = await startHub({ database: join(folder, 'hub.db') });
    const owner = await seedMember(hub.store, 'owner@example.org', 'target', 'owner');
    ws = owner.workspaceId;
    tokens.owner = owner.token;
    tokens.engineer = (await seedMember(hub.store, 'engineer@example.org', 'target', 'engineer')).token;
    tokens.viewer = (await seedMember(hub.store, 'viewer@example.org', 'target', 'viewer')).token;
    const stranger = await seedMember(hub.store, 'stranger@example.org', 'elsewhere', 'owner');
    tokens.stranger = stranger.token;
    otherWs = stranger.workspaceId;
  });
  after(async () => {
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('has an access rule for every procedure of the router', () => {
    assert.deepEqual(Object.keys(procedures).sort(), Object.keys(RULES).sort(), 'declare the access rule of every new procedure in RULES');
  });

  for (const path of Object.keys(procedures)) {
    const rule = RULES[path];
    it(`${path}: 401 without a token and with a made-up token`, async () => {
      assert.ok(rule, `no access rule for ${path}`);
      assert.equal(await failure(call(hub, undefined, path, rule.input(ws))), 'UNAUTHORIZED');
      assert.equal(await failure(call(hub, 'made-up-token-0123456789', path, rule.input(ws))), 'UNAUTHORIZED');
      // Garbage input without a token is still 401: the input is not even looked at.
      if (rule.access !== 'public') assert.equal(await failure(call(hub, undefined, path, { workspace: 42, junk: true })), 'UNAUTHORIZED');
    });

    if (rule && ['read', 'write', 'admin'].includes(rule.access)) {
      it(`${path}: 403 with another workspace's token`, async () => {
        assert.equal(await failure(call(hub, tokens.stranger, path, rule.input(ws))), 'FORBIDDEN');
      });
    }
    if (rule && ['write', 'admin'].includes(rule.access)) {
      it(`${path}: 403 for a viewer`, async () => {
        assert.equal(await failure(call(hub, tokens.viewer, path, rule.input(ws))), 'FORBIDDEN');
      });
    }
    if (rule?.access === 'admin') {
      it(`${path}: 403 for an engineer`, async () => {
        assert.equal(await failure(call(hub, tokens.engineer, path, rule.input(ws))), 'FORBIDDEN');
      });
    }
    if (rule?.access === 'account') {
      it(`${path}: answers about the caller only`, async () => {
        const { token } = await seedMember(hub.store, rule.ownUser ? `self${++unique}@example.org` : 'stranger@example.org', 'elsewhere', rule.ownUser ? 'viewer' : 'owner');
        const answer = JSON.stringify(await call(hub, token, path, rule.input(otherWs)));
        assert.ok(!answer.includes(ws), `${path} leaked workspace ${ws}: ${answer}`);
      });
    }
    if (rule && rule.access !== 'public') {
      it(`${path}: works with the right role`, async () => {
        if (path === 'members.revoke') await seedMember(hub.store, 'leaver@example.org', 'target', 'viewer');
        const role = rule.access === 'read' ? 'viewer' : rule.access === 'write' ? 'engineer' : 'owner';
        const token =
          rule.access !== 'account' ? tokens[role] : (await seedMember(hub.store, rule.ownUser ? `self${++unique}@example.org` : 'owner@example.org', 'target', rule.ownUser ? 'viewer' : 'owner')).token;
        assert.equal(await failure(call(hub, token, path, rule.input(ws))), undefined);
      });
    }
  }

  it('auth.signIn: the right password gives a working token, a signed-out token is refused', async () => {
    const client = httpClient(hub);
    const session = await client.auth.signIn.mutate({ email: 'Viewer@Example.org ', password: 'correct horse battery' });
    assert.deepEqual(session.workspaces.map((w) => w.name), ['target']);
    const me = await httpClient(hub, session.token).me.query();
    assert.equal(me.user.email, 'viewer@example.org');
    await httpClient(hub, session.token).auth.signOut.mutate();
    assert.equal(await failure(httpClient(hub, session.token).me.query()), 'UNAUTHORIZED');
  });

  it('a revoked member loses access at once', async () => {
    const { token } = await seedMember(hub.store, 'temp@example.org', 'target', 'engineer');
    assert.equal(await failure(call(hub, token, 'sync.pull', { workspace: ws })), undefined);
    await httpClient(hub, tokens.owner).members.revoke.mutate({ workspace: ws, email: 'temp@example.org' });
    assert.equal(await failure(call(hub, token, 'sync.pull', { workspace: ws })), 'FORBIDDEN');
  });

  it('a live subscription ends with 403 once its member is revoked', async () => {
    const { token } = await seedMember(hub.store, 'watcher@example.org', 'target', 'viewer');
    const socket = wsClient(hub, token);
    const events: number[] = [];
    const ended = new Promise<string | undefined>((resolve) => {
      socket.client.sync.live.subscribe({ workspace: ws }, { onData: (e) => events.push(e.head), onError: (error) => resolve(codeOf(error)) });
    });
    try {
      while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await httpClient(hub, tokens.owner).members.revoke.mutate({ workspace: ws, email: 'watcher@example.org' });
      await httpClient(hub, tokens.engineer).sync.push.mutate(RULES['sync.push']!.input(ws) as never);
      assert.equal(await ended, 'FORBIDDEN');
      assert.equal(events.length, 1, 'no signal after the revocation');
    } finally {
      await socket.close();
    }
  });

  it('the last owner cannot be removed or demoted', async () => {
    const owner = httpClient(hub, tokens.stranger);
    assert.equal(await failure(owner.members.revoke.mutate({ workspace: otherWs, email: 'stranger@example.org' })), 'CONFLICT');
    assert.equal(await failure(owner.members.grant.mutate({ workspace: otherWs, email: 'stranger@example.org', role: 'viewer' })), 'CONFLICT');
  });

  it('an invite token stops working after 14 days', async () => {
    const { user } = await hub.store.ensureUser('late@example.org');
    await hub.store.grant(ws, user.id, 'viewer');
    const stale = await hub.store.createSession(user.id, 'invite', Date.now() - 15 * 86_400_000);
    const fresh = await hub.store.createSession(user.id, 'invite');
    assert.equal(await failure(httpClient(hub).auth.acceptInvite.mutate({ token: stale, password: 'my own long password' })), 'UNAUTHORIZED');
    assert.equal(await failure(httpClient(hub).auth.acceptInvite.mutate({ token: fresh, password: 'my own long password' })), undefined);
  });
});
