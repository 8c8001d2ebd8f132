/**
 * `turash hub` and `turash hub grant` as a user runs them: the real command line in a child
 * process, a real SQLite hub database, sign-in over HTTP with what grant printed.
 */
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { httpClient } from '../../sync/hub/testing/clients.ts';
import { messageFactory } from '../../sync/hub/testing/messages.ts';

const BIN = fileURLToPath(new URL('../../bin/turash.mjs', import.meta.url));

function turash(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })),
  );
}

describe('turash hub and turash hub grant', () => {
  let folder: string;
  let database: string;
  let hubProcess: ReturnType<typeof spawn> | undefined;
  let url: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'turash-hub-cli-'));
    database = join(folder, 'hub.db');
    hubProcess = spawn(process.execPath, [BIN, 'hub', '--database', database, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: hubProcess!.stdout! }).once('line', resolve);
      hubProcess!.once('exit', (code) => reject(new Error(`turash hub exited with ${code}`)));
    });
    url = (JSON.parse(firstLine) as { url: string }).url;
  });
  after(async () => {
    if (hubProcess && hubProcess.exitCode === null) {
      const exited = new Promise((resolve) => hubProcess!.once('exit', resolve));
      process.kill(hubProcess.pid!, 'SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('the hub prints its URL and answers there', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/trpc$/);
    const health = await fetch(new URL('/health', url));
    assert.deepEqual(await health.json(), { service: 'turash-hub', ok: true });
  });

  it('grant, run beside the running hub, creates user and workspace; the printed token and password work', async () => {
    const result = await turash(['hub', 'grant', 'Ana@Example.org', '--workspace', 'Rhine-Ruhr', '--role', 'facilitator', '--database', database, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const granted = JSON.parse(result.stdout) as { email: string; token: string; password: string; userCreated: boolean; workspaceCreated: boolean; workspace: { id: string } };
    assert.equal(granted.email, 'ana@example.org');
    assert.equal(granted.userCreated, true);
    assert.equal(granted.workspaceCreated, true);
    const me = await httpClient({ url }, granted.token).me.query();
    assert.deepEqual(me.workspaces.map((w) => [w.name, w.role]), [['Rhine-Ruhr', 'facilitator']]);
    const session = await httpClient({ url }).auth.signIn.mutate({ email: 'ana@example.org', password: granted.password });
    assert.equal(session.workspaces[0]!.id, granted.workspace.id);

    // Again for the same person: a new role, a new token, no password (they have one).
    const again = await turash(['hub', 'grant', 'ana@example.org', '--workspace', 'Rhine-Ruhr', '--role', 'owner', '--database', database]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /ana@example\.org is owner of workspace "Rhine-Ruhr"/);
    assert.match(again.stdout, /sign-in token \(shown once, valid until \d{4}-\d\d-\d\d\): \S+/);
    assert.doesNotMatch(again.stdout, /password/);
  });

  it("grant does not join a workspace a stranger created through the API, unless told --existing", async () => {
    // A stranger with any account on the hub takes the name the operator is about to use.
    const stranger = JSON.parse((await turash(['hub', 'grant', 'mallory@example.org', '--workspace', 'mallory-home', '--role', 'owner', '--database', database, '--json'])).stdout) as { token: string };
    const squatted = await httpClient({ url }, stranger.token).workspaces.create.mutate({ name: 'Acme' });
    const refused = await turash(['hub', 'grant', 'boss@example.org', '--workspace', 'Acme', '--role', 'owner', '--database', database]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /workspace "Acme" \(\S+\) was created by mallory@example\.org through the hub.*its owners: mallory@example\.org\. Pick another name, or pass --existing/);
    const members = await httpClient({ url }, stranger.token).members.list.query({ workspace: squatted.id });
    assert.deepEqual(members.map((m) => m.email), ['mallory@example.org'], 'the operator\'s user was not put into the stranger\'s workspace');
    const joined = await turash(['hub', 'grant', 'boss@example.org', '--workspace', 'Acme', '--role', 'viewer', '--existing', '--database', database]);
    assert.equal(joined.code, 0, joined.stderr);
    // A workspace the operator made with grant is joined by name as before.
    assert.equal((await turash(['hub', 'grant', 'boss@example.org', '--workspace', 'Rhine-Ruhr', '--role', 'viewer', '--database', database])).code, 0);
  });

  it('users, workspaces and revoke show and end access', async () => {
    const granted = JSON.parse((await turash(['hub', 'grant', 'cleo@example.org', '--workspace', 'Ops', '--role', 'owner', '--database', database, '--json'])).stdout) as { token: string; password: string; workspace: { id: string } };
    await httpClient({ url }).auth.signIn.mutate({ email: 'cleo@example.org', password: granted.password });
    await httpClient({ url }, granted.token).sync.push.mutate({ workspace: granted.workspace.id, client: 'cleo-laptop', messages: messageFactory('0d0d0d0d0d0d0d0d').make(3) });
    await turash(['hub', 'grant', 'dan@example.org', '--workspace', 'Ops', '--role', 'engineer', '--database', database]);

    const users = JSON.parse((await turash(['hub', 'users', '--database', database, '--json'])).stdout) as { users: { email: string; workspaces: { name: string; role: string }[]; lastSignIn: string | null; activeSessions: number }[] };
    const cleo = users.users.find((u) => u.email === 'cleo@example.org')!;
    assert.deepEqual(cleo.workspaces.map((w) => [w.name, w.role]), [['Ops', 'owner']]);
    assert.ok(cleo.lastSignIn && Date.parse(cleo.lastSignIn) > 0);
    assert.equal(cleo.activeSessions, 2);
    const table = await turash(['hub', 'users', '--database', database]);
    assert.match(table.stdout, /^EMAIL\s+WORKSPACES \(ROLE\)\s+LAST SIGN-IN\s+SESSIONS$/m);
    assert.match(table.stdout, /^dan@example\.org\s+Ops \(engineer\)\s+never\s+1$/m);

    const workspaces = JSON.parse((await turash(['hub', 'workspaces', '--database', database, '--json'])).stdout) as { workspaces: { name: string; id: string; members: number; messages: number; head: number }[] };
    assert.deepEqual(workspaces.workspaces.find((w) => w.name === 'Ops'), { name: 'Ops', id: granted.workspace.id, members: 2, owners: ['cleo@example.org'], messages: 3, head: 3, createdBy: null });
    assert.match((await turash(['hub', 'workspaces', '--database', database])).stdout, /^NAME\s+ID\s+MEMBERS\s+MESSAGES\s+HEAD/m);

    // Revoking a membership: dan loses Ops, keeps his sessions.
    const left = await turash(['hub', 'revoke', 'dan@example.org', '--workspace', 'Ops', '--database', database]);
    assert.equal(left.code, 0, left.stderr);
    assert.match(left.stdout, /dan@example\.org is no longer a member of workspace "Ops"/);
    // Revoking a user: every session of cleo ends at once, on the running hub.
    const revoked = JSON.parse((await turash(['hub', 'revoke', 'Cleo@Example.org', '--database', database, '--json'])).stdout) as { sessionsEnded: number };
    assert.equal(revoked.sessionsEnded, 2);
    await assert.rejects(httpClient({ url }, granted.token).me.query(), /your session ended/);
    const nobody = await turash(['hub', 'revoke', 'nobody@example.org', '--database', database]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no user nobody@example\.org on this hub/);
  });

  it('bad usage names the problem and exits with 2', async () => {
    const badRole = await turash(['hub', 'grant', 'bo@example.org', '--workspace', 'w', '--role', 'admin', '--database', database]);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--role is one of owner, facilitator, engineer, viewer \(got "admin"\)/);
    const noWorkspace = await turash(['hub', 'grant', 'bo@example.org', '--role', 'viewer', '--database', database]);
    assert.equal(noWorkspace.code, 2);
    assert.match(noWorkspace.stderr, /--workspace/);
    const unknown = await turash(['hub', 'frobnicate', '--database', database]);
    assert.equal(unknown.code, 2);
  });
});
