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
    assert.match(again.stdout, /sign-in token \(shown once\): \S+/);
    assert.doesNotMatch(again.stdout, /password/);
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
