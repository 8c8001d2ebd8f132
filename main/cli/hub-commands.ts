/**
 * `turash hub` (run the sync hub), `turash hub grant` (give someone a role in a workspace, beside
 * a running hub on the same --database), and the operator's `users`, `workspaces` and `revoke`
 * (hub-admin-commands.ts). With hub-admin-commands.ts the only files of main/ that use sync/hub.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newPassword } from '../../sync/hub/credentials.ts';
import { openHubDatabase, redactUrl } from '../../sync/hub/database.ts';
import { ROLES, type Role } from '../../sync/hub/schema.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../sync/hub/log.ts';
import { startHub, type HubOptions } from '../../sync/hub/server.ts';
import { trustedProxyList } from '../../sync/transport/client-address.ts';
import { GRANT_DAYS, HubStore } from '../../sync/hub/store.ts';
import { hubRevoke, hubUsers, hubWorkspaces } from './hub-admin-commands.ts';
import { HUB_BACKUP_HELP, hubBackupCommand } from './hub-backup-command.ts';
import { userDataDir } from '../paths.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const HUB_HELP = `  turash hub [--database <sqlite path | postgres:// url>] [--port P] [--host H]
             [--trusted-proxy <address | CIDR>]... [--log-format json|text] [--log-level L]
             [--metrics-token-file <path>]
                                      run the sync hub (tRPC over HTTP and WebSocket; prints
                                      its URL); default database: hub.db in the user data folder;
                                      GET /health, /ready, /metrics (localhost only, unless a
                                      metrics token is set); logs one JSON line per event on
                                      stderr (level info by default); behind a reverse proxy,
                                      name it with --trusted-proxy (see docs/hub-operations.md)
  turash hub grant <email> --workspace <name> --role <owner|facilitator|engineer|viewer> [--existing]
                                      (beside the hub, same --database) give a role, creating
                                      the user and workspace when missing; prints a sign-in
                                      token (valid ${GRANT_DAYS} days), and a new user's generated
                                      password once; --existing: join a workspace that a hub
                                      user created (not this command)
  turash hub users [--json]           users: workspaces and roles, last sign-in, sessions
  turash hub workspaces [--json]      workspaces: id, members, messages, head, owners
  turash hub revoke <email> [--workspace <name>] [--json]
                                      end all of the user's sessions; with --workspace, remove
                                      their membership there instead`;

export function defaultHubDatabase(): string {
  return join(userDataDir(), 'hub.db');
}

/** `hub` and `hub grant`; `usage` makes the CLI's usage error (exit status 2). */
export async function hubCommand(args: string[], io: Io, usage: (message: string) => Error): Promise<number> {
  // backup and restore parse their own options (--force ...), --database included.
  if (args[0] === 'backup' || args[0] === 'restore') return hubBackupCommand(args[0], args.slice(1), defaultHubDatabase(), io, usage);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        database: { type: 'string' },
        db: { type: 'string' }, // every command takes --db; here it means the hub's database
        port: { type: 'string' },
        host: { type: 'string' },
        workspace: { type: 'string' },
        role: { type: 'string' },
        existing: { type: 'boolean', default: false },
        'trusted-proxy': { type: 'string', multiple: true },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-token-file': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out(`Usage:\n${HUB_HELP}\n${HUB_BACKUP_HELP}`), 0);
  const database = values.database ?? values.db ?? defaultHubDatabase();
  if (positionals[0] === 'grant') return grant(positionals.slice(1), values, database, io, usage);
  if (positionals[0] === 'users' || positionals[0] === 'workspaces') {
    if (positionals.length > 1) throw usage(`hub ${positionals[0]} takes no arguments (got "${positionals[1]}")`);
    const listing = positionals[0] === 'users' ? hubUsers : hubWorkspaces;
    return withStore(database, (store) => listing(store, values.json ?? false, io));
  }
  if (positionals[0] === 'revoke') {
    const email = positionals[1];
    if (positionals.length !== 2 || !email) throw usage('hub revoke needs one email: turash hub revoke <email> [--workspace <name>]');
    if (values.workspace !== undefined && !values.workspace.trim()) throw usage('--workspace needs a workspace name');
    return withStore(database, (store) => hubRevoke(store, email, values.workspace?.trim(), values.json ?? false, io));
  }
  if (positionals.length > 0) throw usage(`unknown hub command "${positionals[0]}": turash hub, or turash hub grant | users | workspaces | revoke | backup | restore ...`);

  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be 0..65535, got "${values.port}"`);
  const hub = await startHub({ database, port, ...(values.host ? { host: values.host } : {}), ...hubRunOptions(values, usage) });
  if (values.json) io.out(JSON.stringify({ url: hub.url, wsUrl: hub.wsUrl, port: hub.port, database: redactUrl(database) }));
  else io.out(`Turash hub on ${redactUrl(database)}\n  HTTP:      ${hub.url}\n  WebSocket: ${hub.wsUrl}\nGive people access with: turash hub grant <email> --workspace <name> --role <role>\nCtrl+C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await hub.close();
  return 0;
}

/** The operating options of `turash hub` (proxy, log, metrics), checked with clear usage errors. */
function hubRunOptions(
  values: { 'trusted-proxy'?: string[] | undefined; 'log-format'?: string | undefined; 'log-level'?: string | undefined; 'metrics-token-file'?: string | undefined },
  usage: (message: string) => Error,
): Pick<HubOptions, 'trustedProxies' | 'log' | 'metricsToken'> {
  const trustedProxies = (values['trusted-proxy'] ?? []).flatMap((entry) => entry.split(',')).map((entry) => entry.trim()).filter(Boolean);
  try {
    trustedProxyList(trustedProxies);
  } catch (error) {
    throw usage(`--trusted-proxy: ${(error as Error).message}`);
  }
  const format = values['log-format'] ?? 'json';
  if (!LOG_FORMATS.includes(format as LogFormat)) throw usage(`--log-format is json or text (got "${format}")`);
  const level = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(level as LogLevel)) throw usage(`--log-level is one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  let metricsToken: string | undefined;
  if (values['metrics-token-file'] !== undefined) {
    // From a file, not the command line: arguments are visible to every user in `ps`.
    try {
      metricsToken = readFileSync(values['metrics-token-file'], 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (error) {
      throw usage(`--metrics-token-file: cannot read ${values['metrics-token-file']}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (metricsToken.length < 16) throw usage(`--metrics-token-file: the token in ${values['metrics-token-file']} has fewer than 16 characters`);
  }
  return { trustedProxies, log: { format: format as LogFormat, level: level as LogLevel }, ...(metricsToken ? { metricsToken } : {}) };
}

/** Opens the hub database beside a running hub (WAL on SQLite), runs `work`, closes it. */
async function withStore(database: string, work: (store: HubStore) => Promise<number>): Promise<number> {
  const { db, dialect } = await openHubDatabase(database);
  const store = new HubStore(db, dialect);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function grant(
  positionals: string[],
  values: { workspace?: string | undefined; role?: string | undefined; existing?: boolean | undefined; json?: boolean | undefined },
  database: string,
  io: Io,
  usage: (message: string) => Error,
): Promise<number> {
  const email = positionals[0];
  if (positionals.length !== 1 || !email) throw usage('hub grant needs one email: turash hub grant <email> --workspace <name> --role <role>');
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw usage(`"${email}" is not an email address`);
  if (!values.workspace?.trim()) throw usage('hub grant needs --workspace <name>');
  if (!ROLES.includes(values.role as Role)) throw usage(`--role is one of ${ROLES.join(', ')} (got "${values.role ?? ''}")`);
  const role = values.role as Role;

  const name = values.workspace.trim();

  return withStore(database, async (store) => {
    // A workspace a hub user made through the API (workspaces.create) is theirs: granting into it
    // by name would make its maker co-owner of the operator's team. Joining it takes --existing.
    const found = await store.findWorkspaceByName(name);
    const creator = found ? await store.workspaceCreator(found.id) : undefined;
    if (found && creator && !values.existing) {
      const owners = (await store.members(found.id)).filter((m) => m.role === 'owner').map((m) => m.email);
      io.err(
        `turash hub grant: workspace "${name}" (${found.id}) was created by ${creator} through the hub, not by turash hub grant; ` +
          `its owners: ${owners.join(', ') || 'none'}. Pick another name, or pass --existing to join it anyway.`,
      );
      return 1;
    }
    // A new user gets a generated password, shown once here, so they can also sign in from the
    // app's sync panel; the token lets a laptop connect right away.
    const password = (await store.findUserByEmail(email)) ? undefined : newPassword();
    const { user, created: userCreated } = await store.ensureUser(email, password);
    const { workspace, created: workspaceCreated } = await store.ensureWorkspace(name);
    await store.grant(workspace.id, user.id, role);
    const token = await store.createSession(user.id, 'grant');
    const shownPassword = userCreated ? password : undefined;
    const expiresAt = (await store.expiryOf(token))!;
    if (values.json) {
      io.out(JSON.stringify({ email: user.email, role, workspace, userCreated, workspaceCreated, token, expiresAt, ...(shownPassword ? { password: shownPassword } : {}) }));
    } else {
      const notes = [userCreated ? 'new user' : undefined, workspaceCreated ? 'new workspace' : undefined].filter(Boolean);
      io.out(`${user.email} is ${role} of workspace "${workspace.name}" (${workspace.id})${notes.length ? ` (${notes.join(', ')})` : ''}`);
      if (shownPassword) io.out(`password (shown once, change it after signing in): ${shownPassword}`);
      io.out(`sign-in token (shown once, valid until ${expiresAt.slice(0, 10)}): ${token}`);
    }
    return 0;
  });
}
