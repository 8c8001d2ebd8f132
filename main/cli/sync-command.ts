/**
 * `turash sync --hub <url> --token <token> [--workspace <name>]`: one full sync round of the local
 * database with a hub workspace (push, pull, merkle check); prints what moved.
 */
import { parseArgs } from 'node:util';
import { openCore } from '../core.ts';
import { defaultDatabasePath } from '../paths.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const SYNC_HELP = `  turash sync --hub <url> --token <token> [--workspace <name>]
                                      one full sync with a hub workspace: push local changes,
                                      pull the others', check and repair (merkle); the token
                                      comes from \`turash hub grant\` or the hub's sign-in`;

export async function syncCommand(args: string[], io: Io, usage: (message: string) => Error): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        hub: { type: 'string' },
        token: { type: 'string' },
        workspace: { type: 'string' },
        db: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return (io.out(`Usage:\n${SYNC_HELP}`), 0);
  if (!values.hub) throw usage('--hub <url> is required (e.g. http://127.0.0.1:8090/trpc, as `turash hub` prints it)');
  if (!values.token) throw usage('--token <token> is required (`turash hub grant` prints one)');
  if (!/^https?:\/\//.test(values.hub)) throw usage(`--hub must be an http:// or https:// URL, got "${values.hub}"`);

  const core = await openCore(values.db ?? defaultDatabasePath());
  try {
    const view = await core.sync.useToken({ hub: values.hub, token: values.token });
    const wanted = values.workspace ?? view.workspace?.id;
    if (!wanted) {
      const names = view.workspaces.map((w) => w.name).join(', ') || 'none';
      throw usage(`${view.email} belongs to several workspaces (${names}): choose one with --workspace <name>`);
    }
    const chosen = await core.sync.selectWorkspace(wanted, { live: false });
    const report = await core.sync.syncNow();
    const after = await core.sync.view();
    if (values.json) {
      io.out(JSON.stringify({ workspace: chosen.workspace, ...report, pending: after.pending, held: after.held, problems: after.problems }, null, 2));
    } else {
      io.out(`synced ${core.repo.path} with ${chosen.workspace!.name} at ${view.hub}`);
      io.out(`pushed ${report.pushed} change(s), pulled ${report.pulled} (${report.applied} applied); cursor ${report.cursor}`);
      if (report.repaired) io.out('the merkle check found a difference and repaired it');
      if (after.held) io.out(`${after.held} change(s) of private organizations stay on this laptop`);
      if (after.problems) io.out(`${after.problems} record(s) could not be applied (see the sync problems in the app)`);
    }
    return 0;
  } finally {
    await core.close();
  }
}
