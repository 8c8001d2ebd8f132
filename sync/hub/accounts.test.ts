/**
 * Accounts as an attacker tries them, over the wire against a real hub on a SQLite file:
 * reusable invites, an invite resetting a set password, changing a password without knowing it,
 * tokens that never expire, signing out everywhere, per-account backoff on failed sign-ins, and
 * rate limits that a made-up token or a second session escaped. The hub's clock (store.clock) is
 * moved instead of waiting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { codeOf } from './hub-contract.ts';
import { startHub, type RunningHub } from './server.ts';
import { GRANT_DAYS, SESSION_IDLE_DAYS, SESSION_MAX_DAYS } from './store.ts';
import { httpClient, seedMember } from './testing/clients.ts';

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery';

async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return codeOf(error) ?? `not a tRPC error: ${(error as Error).message}`;
  }
}

describe('hub accounts', () => {
  let folder: string;
  let hub: RunningHub;
  let owner: { token: string; workspaceId: string };

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-hub-accounts-'));
    // A generous per-address sign-in bucket: these tests are about the per-account backoff.
    hub = await startHub({ database: join(folder, 'hub.db'), limits: { signInRate: { perSecond: 100, burst: 1000 } } });
    owner = await seedMember(hub.store, 'owner@example.org', 'team', 'owner');
  });
  afterEach(() => {
    hub.store.clock = Date.now;
  });
  after(async () => {
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const signIn = (email: string, password: string) => httpClient(hub).auth.signIn.mutate({ email, password });

  it('an invite is single use and is not a session: it cannot reset the password it set', async () => {
    const { inviteToken } = await httpClient(hub, owner.token).members.grant.mutate({ workspace: owner.workspaceId, email: 'newcomer@example.org', role: 'engineer' });
    assert.ok(inviteToken);
    // The attack: whoever saw the invite (chat, mail) used it as a bearer token and reset the
    // password the invitee had chosen.
    assert.equal(await failure(httpClient(hub, inviteToken).me.query()), 'UNAUTHORIZED');
    const session = await httpClient(hub).auth.acceptInvite.mutate({ token: inviteToken, password: 'the invitee chose this' });
    assert.deepEqual(session.workspaces.map((w) => [w.name, w.role]), [['team', 'engineer']]);
    assert.ok(Date.parse(session.expiresAt) > Date.now());
    assert.equal(await failure(httpClient(hub, inviteToken).auth.setPassword.mutate({ currentPassword: 'x', password: 'the attacker chose this' })), 'UNAUTHORIZED');
    assert.equal(await failure(httpClient(hub).auth.acceptInvite.mutate({ token: inviteToken, password: 'the attacker chose this' })), 'UNAUTHORIZED');
    assert.ok((await signIn('newcomer@example.org', 'the invitee chose this')).token);
    assert.equal(await failure(signIn('newcomer@example.org', 'the attacker chose this')), 'UNAUTHORIZED');
  });

  it('a second invite never changes a password that is set already', async () => {
    const other = await seedMember(hub.store, 'other-owner@example.org', 'second-team', 'owner');
    const first = await httpClient(hub, owner.token).members.grant.mutate({ workspace: owner.workspaceId, email: 'twice@example.org', role: 'viewer' });
    const second = await httpClient(hub, other.token).members.grant.mutate({ workspace: other.workspaceId, email: 'twice@example.org', role: 'viewer' });
    assert.ok(first.inviteToken && second.inviteToken, 'both owners get an invite while the account has no password');
    await httpClient(hub).auth.acceptInvite.mutate({ token: second.inviteToken, password: 'chosen with the second' });
    assert.equal(await failure(httpClient(hub).auth.acceptInvite.mutate({ token: first.inviteToken, password: 'reset with the first!' })), 'UNAUTHORIZED');
    assert.ok((await signIn('twice@example.org', 'chosen with the second')).token);
    // A grant once the account has a password gives no invite.
    const again = await httpClient(hub, owner.token).members.grant.mutate({ workspace: owner.workspaceId, email: 'twice@example.org', role: 'engineer' });
    assert.equal(again.inviteToken, null);
  });

  it('an invite for an account that got a password another way is refused with 409', async () => {
    const { user } = await hub.store.ensureUser('preset@example.org');
    const invite = await hub.store.createSession(user.id, 'invite');
    await hub.store.ensureUser('preset@example.org', 'set by the operator');
    const refused = await httpClient(hub).auth.acceptInvite.mutate({ token: invite, password: 'reset by the invite' }).catch((e: unknown) => e);
    assert.equal(codeOf(refused), 'CONFLICT');
    assert.match((refused as Error).message, /preset@example\.org has a password already/);
    assert.ok((await signIn('preset@example.org', 'set by the operator')).token);
  });

  it('changing a password needs the current one and ends the other sessions', async () => {
    await seedMember(hub.store, 'changer@example.org', 'team', 'viewer', PASSWORD);
    const laptop = (await signIn('changer@example.org', PASSWORD)).token;
    const stolen = (await signIn('changer@example.org', PASSWORD)).token;
    // The attack: a stolen token changed the password without knowing it.
    assert.equal(await failure(httpClient(hub, stolen).auth.setPassword.mutate({ password: 'stolen and changed' } as never)), 'BAD_REQUEST');
    const wrong = await httpClient(hub, stolen).auth.setPassword.mutate({ currentPassword: 'a guess', password: 'stolen and changed' }).catch((e: unknown) => e);
    assert.equal(codeOf(wrong), 'FORBIDDEN');
    assert.match((wrong as Error).message, /the current password is wrong/);
    await httpClient(hub, laptop).auth.setPassword.mutate({ currentPassword: PASSWORD, password: 'a fresh long password' });
    assert.equal(await failure(httpClient(hub, stolen).me.query()), 'UNAUTHORIZED', 'the other session ended');
    assert.equal(await failure(httpClient(hub, laptop).me.query()), undefined, 'the changing session goes on');
    assert.equal(await failure(signIn('changer@example.org', PASSWORD)), 'UNAUTHORIZED');
    assert.ok((await signIn('changer@example.org', 'a fresh long password')).token);
  });

  it('sign-in sessions expire when unused, slide while used, and end at the absolute maximum', async () => {
    await seedMember(hub.store, 'sleeper@example.org', 'team', 'viewer', PASSWORD);
    const start = Date.now();
    const idle = (await signIn('sleeper@example.org', PASSWORD)).token;
    const busy = (await signIn('sleeper@example.org', PASSWORD)).token;
    // Used every 20 days, a session keeps working past the idle limit ...
    for (let day = 20; day < SESSION_MAX_DAYS; day += 20) {
      hub.store.clock = () => start + day * DAY;
      assert.equal(await failure(httpClient(hub, busy).me.query()), undefined, `used on day ${day}`);
    }
    hub.store.clock = () => start + (SESSION_IDLE_DAYS + 1) * DAY;
    assert.equal(await failure(httpClient(hub, idle).me.query()), 'UNAUTHORIZED', 'unused for longer than the idle limit');
    // ... but never past the maximum, however busy.
    hub.store.clock = () => start + (SESSION_MAX_DAYS + 1) * DAY;
    const ended = await httpClient(hub, busy).me.query().catch((e: unknown) => e);
    assert.equal(codeOf(ended), 'UNAUTHORIZED');
    assert.match((ended as Error).message, /your session ended .*: sign in again/);
  });

  it('the token `turash hub grant` prints expires too', async () => {
    const { token } = await seedMember(hub.store, 'granted@example.org', 'team', 'viewer');
    const start = Date.now();
    hub.store.clock = () => start + (GRANT_DAYS - 1) * DAY;
    assert.equal(await failure(httpClient(hub, token).me.query()), undefined);
    hub.store.clock = () => start + (GRANT_DAYS + 1) * DAY;
    assert.equal(await failure(httpClient(hub, token).me.query()), 'UNAUTHORIZED');
  });

  it('sign out everywhere ends every session of the user, and only theirs', async () => {
    const granted = (await seedMember(hub.store, 'leaving@example.org', 'team', 'viewer', PASSWORD)).token;
    const a = (await signIn('leaving@example.org', PASSWORD)).token;
    const b = (await signIn('leaving@example.org', PASSWORD)).token;
    assert.deepEqual(await httpClient(hub, a).auth.signOutEverywhere.mutate(), { sessionsEnded: 3 });
    for (const token of [a, b, granted]) assert.equal(await failure(httpClient(hub, token).me.query()), 'UNAUTHORIZED');
    assert.equal(await failure(httpClient(hub, owner.token).me.query()), undefined);
  });

  it('failed sign-ins back off per account, existing or not, even for the right password', async () => {
    await seedMember(hub.store, 'target@example.org', 'team', 'viewer', PASSWORD);
    const answers = async (email: string) => {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) codes.push(await failure(signIn(email, `guess ${i}`)));
      return codes;
    };
    // The attack: many guesses at one account, limited only per address (any number of addresses).
    const expected = ['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'TOO_MANY_REQUESTS'];
    assert.deepEqual(await answers('Target@Example.org'), expected);
    assert.deepEqual(await answers('nobody@example.org'), expected, 'an unknown account answers the same');
    const locked = await signIn('target@example.org', PASSWORD).catch((e: unknown) => e);
    assert.equal(codeOf(locked), 'TOO_MANY_REQUESTS');
    assert.match((locked as Error).message, /too many failed sign-ins for target@example\.org: retry in \d+ s/);
    assert.ok((await signIn('owner@example.org', PASSWORD)).token, 'other accounts are not affected');
    // The wait doubles with every further failure.
    const start = Date.now();
    hub.store.clock = () => start + 16_000;
    assert.equal(await failure(signIn('target@example.org', 'guess 7')), 'UNAUTHORIZED');
    assert.equal(await hub.store.signInWait('target@example.org') > 16, true);
    hub.store.clock = () => start + 16_000 + 31_000;
    assert.ok((await signIn('target@example.org', PASSWORD)).token, 'the right password after the wait');
    assert.equal(await hub.store.signInWait('target@example.org'), 0, 'a success clears the count');
  });
});

describe('hub rate limits key on the user, else the address', () => {
  let folder: string;
  let hub: RunningHub;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-hub-rate-'));
    hub = await startHub({ database: join(folder, 'hub.db'), limits: { rate: { perSecond: 0.001, burst: 5 } } });
  });
  after(async () => {
    await hub?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const me = (token: string) => fetch(`${hub.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it('made-up tokens share their address allowance instead of each getting a fresh one', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await me(`made-up-token-${i}-${Math.random()}`));
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  });

  it("a user's sessions share one allowance: signing in again buys nothing; another user is unaffected", async () => {
    const first = await seedMember(hub.store, 'busy@example.org', 'rate', 'viewer');
    const second = await hub.store.createSession((await hub.store.findUserByEmail('busy@example.org'))!.id, 'sign-in');
    const other = await seedMember(hub.store, 'calm@example.org', 'rate', 'viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await me(first.token));
    statuses.push(await me(second));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    assert.equal(await me(other.token), 200);
  });
});
