/**
 * `turash hub` (run the sync hub) and `turash hub grant` (give someone a role in a workspace,
 * beside a running hub on the same --database). The only file of main/ that uses sync/hub.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newPassword } from '../../sync/hub/credentials.ts';
import { openHubDatabase, redactUrl } from '../../sync/hub/database.ts';
import { ROLES, type Role } from '../../sync/hub/schema.ts';
import { startHub } from '../../sync/hub/server.ts';
import { HubStore } from '../../sync/hub/store.ts';
import { userDataDir } from '../paths.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const HUB_HELP = `  turash hub [--database <sqlite path | postgres:// url>] [--port P] [--host H]
                                      run the sync hub (tRPC over HTTP and WebSocket; prints
                                      its URL); default database: hub.db in the user data folder
  turash hub grant <email> --workspace <name> --role <owner|facilitator|engineer|viewer>
                                      (beside the hub, same --database) give a role, creating
                                      the user and workspace when missing; prints a sign-in
                                      token, and a new user's generated password once`;

export function defaultHubDatabase(): string {
  return join(userDataDir(), 'hub.db');
}

/** `hub` and `hub grant`; `usage` makes the CLI's usage error (exit status 2). */
export async function hubCommand(args: string[], io: Io, usage: (message: string) => Error): Promise<number> {
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
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out(`Usage:\n${HUB_HELP}`), 0);
  const database = values.database ?? values.db ?? defaultHubDatabase();
  if (positionals[0] === 'grant') return grant(positionals.slice(1), values, database, io, usage);
  if (positionals.length > 0) throw usage(`unknown hub command "${positionals[0]}": turash hub, or turash hub grant <email> ...`);

  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be 0..65535, got "${values.port}"`);
  const hub = await startHub({ database, port, ...(values.host ? { host: values.host } : {}) });
  if (values.json) io.out(JSON.stringify({ url: hub.url, wsUrl: hub.wsUrl, port: hub.port, database: redactUrl(database) }));
  else io.out(`Turash hub on ${redactUrl(database)}\n  HTTP:      ${hub.url}\n  WebSocket: ${hub.wsUrl}\nGive people access with: turash hub grant <email> --workspace <name> --role <role>\nCtrl+C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await hub.close();
  return 0;
}

async function grant(
  positionals: string[],
  values: { workspace?: string | undefined; role?: string | undefined; json?: boolean | undefined },
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

  const { db, dialect } = await openHubDatabase(database);
  const store = new HubStore(db, dialect);
  try {
    // A new user gets a generated password, shown once here, so they can also sign in from the
    // app's sync panel; the token lets a laptop connect right away.
    const password = (await store.findUserByEmail(email)) ? undefined : newPassword();
    const { user, created: userCreated } = await store.ensureUser(email, password);
    const { workspace, created: workspaceCreated } = await store.ensureWorkspace(values.workspace.trim());
    await store.grant(workspace.id, user.id, role);
    const token = await store.createSession(user.id, 'grant');
    const shownPassword = userCreated ? password : undefined;
    if (values.json) {
      io.out(JSON.stringify({ email: user.email, role, workspace, userCreated, workspaceCreated, token, ...(shownPassword ? { password: shownPassword } : {}) }));
    } else {
      const notes = [userCreated ? 'new user' : undefined, workspaceCreated ? 'new workspace' : undefined].filter(Boolean);
      io.out(`${user.email} is ${role} of workspace "${workspace.name}" (${workspace.id})${notes.length ? ` (${notes.join(', ')})` : ''}`);
      if (shownPassword) io.out(`password (shown once, change it after signing in): ${shownPassword}`);
      io.out(`sign-in token (shown once): ${token}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
