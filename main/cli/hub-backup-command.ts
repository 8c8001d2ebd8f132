/**
 * `turash hub backup <file> [--database <hub db>] [--force] [--json]` and
 * `turash hub restore <file> --database <target> [--force] [--json]`: the operator's side of
 * sync/hub/backup.ts (online SQLite backup while the hub runs; restore checked before it replaces
 * anything). PostgreSQL hubs: pg_dump / pg_restore, printed here and in docs/hub-backup.md.
 *
 * hub-commands.ts dispatches here with `args` = everything after `hub backup` / `hub restore`
 * (flags included) and `database` = the hub database it resolved (--database, --db or the default).
 */
import { parseArgs } from 'node:util';
import { backupHub, HubBackupError, restoreHub, type HubFileSummary } from '../../sync/hub/backup.ts';

export const HUB_BACKUP_HELP = `  turash hub backup <file> [--database <hub db>] [--force]
                                      online backup of a SQLite hub while it runs (a
                                      PostgreSQL hub: pg_dump, see docs/hub-backup.md)
  turash hub restore <file> --database <target> [--force]
                                      check a backup and make it the hub database <target>
                                      (stop the hub first; --force replaces an existing one)`;

function describe(summary: HubFileSummary): string {
  const mib = (summary.bytes / 1024 / 1024).toFixed(1);
  return `${summary.messages} message(s) in ${summary.workspaces} workspace(s), ${summary.users} user(s), ${mib} MiB, schema ${summary.migrations.at(-1)}`;
}

export async function hubBackupCommand(
  sub: 'backup' | 'restore',
  args: string[],
  database: string,
  io: { out: (t: string) => void; err: (t: string) => void },
  usage: (message: string) => Error,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        // Accepted here too, so the dispatcher may pass the raw arguments through.
        database: { type: 'string' },
        db: { type: 'string' },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out(`Usage:\n${HUB_BACKUP_HELP}`), 0);
  const hubDatabase = values.database ?? values.db ?? database;
  const file = positionals[0];
  if (positionals.length !== 1 || !file) {
    throw usage(sub === 'backup' ? 'hub backup needs one file to write: turash hub backup <file> [--database <hub db>]' : 'hub restore needs one backup file: turash hub restore <file> --database <target>');
  }
  const report = io.out;
  try {
    if (sub === 'backup') {
      const summary = await backupHub(hubDatabase, file, { force: values.force });
      if (values.json) report(JSON.stringify({ backup: summary.file, database: hubDatabase, ...summary }));
      else report(`backed up ${hubDatabase} to ${summary.file}: ${describe(summary)}`);
    } else {
      const summary = await restoreHub(file, hubDatabase, { force: values.force });
      if (values.json) report(JSON.stringify({ restored: file, database: summary.file, ...summary }));
      else {
        report(`restored ${file} to ${summary.file}: ${describe(summary)}`);
        report('Start the hub on it; laptops that synced after the backup send what it lacks on their next sync.');
      }
    }
    return 0;
  } catch (error) {
    if (!(error instanceof HubBackupError)) throw error;
    if (values.json) report(JSON.stringify({ error: { kind: 'error', message: error.message } }));
    io.err(`turash hub ${sub}: ${error.message}`);
    return 1;
  }
}
