/**
 * The hub operator's view and remedies, run beside the hub on the same --database:
 * `turash hub users`, `turash hub workspaces`, `turash hub revoke <email> [--workspace W]`.
 * Each prints a table, or one JSON document with --json.
 */
import { HubConflictError, type HubStore } from '../../sync/hub/store.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function hubUsers(store: HubStore, json: boolean, io: Io): Promise<number> {
  const users = await store.users();
  if (json) return (io.out(JSON.stringify({ users })), 0);
  if (users.length === 0) return (io.out('no users yet: add one with turash hub grant <email> --workspace <name> --role <role>'), 0);
  io.out(
    table(
      ['EMAIL', 'WORKSPACES (ROLE)', 'LAST SIGN-IN', 'SESSIONS'],
      users.map((u) => [
        u.email,
        u.workspaces.map((w) => `${w.name} (${w.role})`).join(', ') || '-',
        u.lastSignIn ?? (u.pendingInvite ? 'never (invite pending)' : 'never'),
        String(u.activeSessions),
      ]),
    ),
  );
  return 0;
}

export async function hubWorkspaces(store: HubStore, json: boolean, io: Io): Promise<number> {
  const workspaces = await store.workspaceSummaries();
  if (json) return (io.out(JSON.stringify({ workspaces })), 0);
  if (workspaces.length === 0) return (io.out('no workspaces yet: turash hub grant <email> --workspace <name> --role owner makes one'), 0);
  io.out(
    table(
      ['NAME', 'ID', 'MEMBERS', 'MESSAGES', 'HEAD', 'OWNERS', 'CREATED BY'],
      workspaces.map((w) => [w.name, w.id, String(w.members), String(w.messages), String(w.head), w.owners.join(', ') || '-', w.createdBy ?? 'operator']),
    ),
  );
  return 0;
}

/**
 * Without --workspace: ends every session of the user on every laptop (they sign in again, if
 * they still know the password). With --workspace: removes the membership (their sessions stay,
 * for their other workspaces). Exit 1 when there is nothing to revoke.
 */
export async function hubRevoke(store: HubStore, email: string, workspaceName: string | undefined, json: boolean, io: Io): Promise<number> {
  const user = await store.findUserByEmail(email);
  if (!user) {
    io.err(`turash hub revoke: no user ${email.trim().toLowerCase()} on this hub (see turash hub users)`);
    return 1;
  }
  if (workspaceName === undefined) {
    const sessionsEnded = await store.deleteSessionsOf(user.id);
    if (json) io.out(JSON.stringify({ email: user.email, sessionsEnded }));
    else io.out(`${user.email}: ${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended; signing in again needs the password`);
    return 0;
  }
  const workspace = await store.findWorkspaceByName(workspaceName);
  if (!workspace) {
    io.err(`turash hub revoke: no workspace named "${workspaceName}" on this hub (see turash hub workspaces)`);
    return 1;
  }
  let revoked: boolean;
  try {
    revoked = await store.revoke(workspace.id, user.id);
  } catch (error) {
    if (error instanceof HubConflictError) {
      io.err(`turash hub revoke: ${user.email} is the last owner of workspace "${workspace.name}": make someone else owner first (turash hub grant <email> --workspace "${workspace.name}" --role owner)`);
      return 1;
    }
    throw error;
  }
  if (!revoked) {
    io.err(`turash hub revoke: ${user.email} is not a member of workspace "${workspace.name}"`);
    return 1;
  }
  if (json) io.out(JSON.stringify({ email: user.email, workspace, revoked }));
  else io.out(`${user.email} is no longer a member of workspace "${workspace.name}" (${workspace.id})`);
  return 0;
}
