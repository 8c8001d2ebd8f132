/**
 * A real, private PostgreSQL 15 for tests: initdb into a fresh temp folder, `postgres` on a free
 * port on 127.0.0.1 with its socket in that folder, one database created, stopped by PID.
 *
 * initdb refuses to run as root, so as root the server runs as the `postgres` user (the folder is
 * handed to it); as any other user it runs as that user. No PostgreSQL installed is a clear
 * failure, never a silent skip.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_BIN = process.env.TURASH_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface RunningPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** Another empty database in the same server (one per test keeps tests independent). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[], identity: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { ...identity, env: { ...process.env, LC_ALL: 'C' } }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${stderr.trim() || error.message}`)) : resolve(),
    ),
  );
}

/** uid and gid of the postgres user when we are root (initdb refuses root). */
function identity(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no "postgres" user to run PostgreSQL as (initdb refuses root)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres did not accept connections within 30 s: ${log()}`);
}

export async function startPostgres(options: { database?: string; bin?: string } = {}): Promise<RunningPostgres> {
  const bin = options.bin ?? POSTGRES_BIN;
  const postgres = join(bin, 'postgres');
  if (!existsSync(postgres)) {
    throw new Error(
      `PostgreSQL 15 is not installed (no ${postgres}): install Debian's postgresql-15 (as .ci/run does), ` +
        'or set TURASH_POSTGRES_BIN to its bin folder. The hub\'s PostgreSQL tests cannot run without it.',
    );
  }
  const user = identity();
  const folder = mkdtempSync(join(tmpdir(), 'turash-pg-'));
  if (user.uid !== undefined) chownSync(folder, user.uid, user.gid!);
  const data = join(folder, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], user);
  const port = await freePort();
  let output = '';
  const server = spawn(
    postgres,
    // fsync off: test data need not survive a power cut, and the disk is shared by eight agents.
    ['-D', data, '-p', String(port), '-k', folder, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'],
    { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  server.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  server.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));

  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT'); // PostgreSQL's "fast shutdown"
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  };

  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(admin, server, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const createDatabase = async (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}": lower-case letters, digits and _`);
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return `postgres://postgres@127.0.0.1:${port}/${name}`;
  };
  let url: string;
  try {
    url = await createDatabase(options.database ?? 'turash_hub');
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, createDatabase, stop };
}
