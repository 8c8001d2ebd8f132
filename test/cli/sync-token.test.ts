/**
 * `turash sync` and its token, as a user runs it: the real `turash` binary in child processes
 * against a real `turash hub` on loopback. A token is a password: it can start with "-" (tokens are
 * base64url), and on the command line every user of the machine sees it in `ps`. The token is
 * taken from a file, standard input or TURASH_HUB_TOKEN, and --token=<token> warns.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import sqlite3 from 'sqlite3';
import { tokenHash } from '../../sync/hub/credentials.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-sync-token-'));
const TURASH = join(import.meta.dirname, '..', '..', 'bin', 'turash.mjs');
const hubDb = join(folder, 'hub.db');
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function turash(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): ChildProcess {
  // Only the token the test gives: not one from the environment the tests run in.
  const env: NodeJS.ProcessEnv = { ...process.env, TURASH_HOME: folder, TURASH_HUB_TOKEN: undefined, ...options.env };
  if (env.TURASH_HUB_TOKEN === undefined) delete env.TURASH_HUB_TOKEN;
  const child = spawn(process.execPath, [TURASH, ...args], { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

const run = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) => finished(turash(args, options));

/** A database statement on the hub's SQLite file (the hub is not running yet). */
function onHubDb(sql: string, params: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(hubDb);
    db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
      const changes = this?.changes ?? 0;
      db.close(() => (error ? reject(error) : resolve(changes)));
    });
  });
}

let hubUrl = '';
/** A real sign-in token of the hub that starts with "-" (1 in 64 tokens does). */
let dashToken = '';
const laptop = join(folder, 'laptop.db');
const sync = (...tokenArgs: string[]) => ['sync', '--db', laptop, '--hub', hubUrl, '--workspace', 'tokens', '--json', ...tokenArgs];

before(async () => {
  const granted = await run(['hub', 'grant', 'dash@example.org', '--workspace', 'tokens', '--role', 'engineer', '--database', hubDb, '--json']);
  assert.equal(granted.status, 0, granted.stderr);
  const { token } = JSON.parse(granted.stdout) as { token: string };
  // The hub keeps only the token's hash: this session's token becomes one that starts with "-".
  dashToken = `-${token.slice(1)}`;
  assert.equal(await onHubDb('UPDATE sessions SET token_hash = ? WHERE token_hash = ?', [tokenHash(dashToken), tokenHash(token)]), 1);

  const hub = turash(['hub', '--database', hubDb, '--port', '0', '--json']);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: hub.stdout! }).once('line', resolve);
    hub.once('exit', (code) => reject(new Error(`turash hub exited with ${code}`)));
  });
  hubUrl = (JSON.parse(line) as { url: string }).url;
});

const syncedOk = (r: Run) => {
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { workspace: { name: string } };
  assert.equal(report.workspace.name, 'tokens');
};

describe('turash sync: where the token comes from', () => {
  test('--token <token starting with -> is refused with a way out, and never echoed', async () => {
    const r = await run(sync('--token', dashToken));
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--token=<token>/);
    assert.match(r.stderr, /--token-file/);
    assert.ok(!r.stderr.includes(dashToken.slice(1)) && !r.stdout.includes(dashToken.slice(1)), 'the token is not printed');
  });

  test('--token=<token starting with -> syncs, with a warning that others can see it', async () => {
    const r = await run(sync(`--token=${dashToken}`));
    syncedOk(r);
    assert.match(r.stderr, /warning: .*visible to other users of this machine/);
  });

  test('TURASH_HUB_TOKEN syncs without a warning', async () => {
    const r = await run(sync(), { env: { TURASH_HUB_TOKEN: dashToken } });
    syncedOk(r);
    assert.doesNotMatch(r.stderr, /warning/);
  });

  test('--token-file syncs (a trailing line break is fine); a missing file is named', async () => {
    const file = join(folder, 'token.txt');
    writeFileSync(file, `${dashToken}\n`, { mode: 0o600 });
    const r = await run(sync('--token-file', file));
    syncedOk(r);
    assert.doesNotMatch(r.stderr, /warning/);

    const missing = await run(sync('--token-file', join(folder, 'nope.txt')));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the token file .*nope\.txt: no such file/);
  });

  test('--token - reads standard input, and the token is not in the process arguments (ps)', async () => {
    const child = turash(sync('--token', '-'), { stdin: true });
    const done = finished(child);
    // The child waits for standard input: what `ps` shows of it now is all it will ever show.
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    assert.ok(cmdline.includes('--hub'), cmdline);
    assert.ok(!cmdline.includes(dashToken.slice(1)), 'the token is not in the command line');
    child.stdin!.end(`${dashToken}\n`);
    const r = await done;
    syncedOk(r);
    assert.doesNotMatch(r.stderr, /warning/);
  });

  test('no token at all, or two sources, are usage errors naming the ways to give one', async () => {
    const none = await run(sync());
    assert.equal(none.status, 2);
    assert.match(none.stderr, /a token is required .*--token-file <path>, --token - \(standard input\) or TURASH_HUB_TOKEN/);
    const both = await run(sync(`--token=${dashToken}`, '--token-file', join(folder, 'token.txt')));
    assert.equal(both.status, 2);
    assert.match(both.stderr, /not both/);
  });

  test('a wrong token is the hub refusing it, not a usage error', async () => {
    const r = await run(sync(), { env: { TURASH_HUB_TOKEN: '-not-a-token' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /refused the token/);
  });
});
