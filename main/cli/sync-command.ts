/**
 * `turash sync --hub <url> [--token-file <path> | --token - | --token=<token>] [--workspace <name>]`:
 * one full sync round of the local database with a hub workspace (push, pull, merkle check);
 * prints what moved.
 *
 * The token is a password: on the command line it shows in `ps` and /proc/<pid>/cmdline for every
 * user of the machine, and in the shell history. So it is read, in this order, from --token (with a
 * warning; `-` reads it from standard input), from --token-file, or from TURASH_HUB_TOKEN.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openCore } from '../core.ts';
import { defaultDatabasePath } from '../paths.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const TOKEN_ENV = 'TURASH_HUB_TOKEN';

export const SYNC_HELP = `  turash sync --hub <url> [--token-file <path> | --token -] [--workspace <name>]
                                      one full sync with a hub workspace: push local changes,
                                      pull the others', check and repair (merkle). The token
                                      (from \`turash hub grant\` or the hub's sign-in) is read
                                      from --token-file, from standard input (--token -) or
                                      from the environment variable ${TOKEN_ENV};
                                      --token=<token> works too, but other users of the
                                      machine can see it (ps)`;

export const TOKEN_VISIBLE_WARNING = `warning: a token given with --token on the command line is visible to other users of this machine (ps, /proc) and stays in the shell history; use --token-file <path>, --token - (standard input) or ${TOKEN_ENV}`;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text;
}

/** The token from the first source given (see the header); undefined when there is none. */
export async function resolveToken(
  values: { token?: string | undefined; 'token-file'?: string | undefined },
  io: Io,
  usage: (message: string) => Error,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<string | undefined> {
  if (values.token !== undefined && values['token-file'] !== undefined) throw usage('give the token once: --token or --token-file, not both');
  let token: string;
  let from: string;
  if (values.token === '-') {
    if (stdin.isTTY) io.err('reading the token from standard input (end with Ctrl+D)');
    token = await readStdin(stdin);
    from = 'standard input (--token -)';
  } else if (values.token !== undefined) {
    io.err(TOKEN_VISIBLE_WARNING);
    token = values.token;
    from = '--token';
  } else if (values['token-file'] !== undefined) {
    const path = values['token-file'];
    try {
      token = await readFile(path, 'utf8');
    } catch (error) {
      throw usage(`cannot read the token file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    from = `the token file ${path}`;
  } else if (env[TOKEN_ENV] !== undefined) {
    token = env[TOKEN_ENV]!;
    from = TOKEN_ENV;
  } else return undefined;
  // A file or a pipe usually ends with a line break; a token never contains white space.
  token = token.trim();
  if (token === '') throw usage(`the token from ${from} is empty`);
  if (/\s/.test(token)) throw usage(`the token from ${from} contains white space: it should be the one line \`turash hub grant\` printed`);
  return token;
}

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
        'token-file': { type: 'string' },
        workspace: { type: 'string' },
        db: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // `--token -abc` cannot be told from a missing value followed by an option `-abc`.
    if (/'--token'/.test((error as Error).message)) {
      throw usage(`--token needs a value; a token starting with "-" is written --token=<token>, or better read from --token-file <path>, --token - (standard input) or ${TOKEN_ENV}`);
    }
    throw usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return (io.out(`Usage:\n${SYNC_HELP}`), 0);
  if (!values.hub) throw usage('--hub <url> is required (e.g. http://127.0.0.1:8090/trpc, as `turash hub` prints it)');
  if (!/^https?:\/\//.test(values.hub)) throw usage(`--hub must be an http:// or https:// URL, got "${values.hub}"`);
  const token = await resolveToken(values, io, usage);
  if (token === undefined) throw usage(`a token is required (\`turash hub grant\` prints one): --token-file <path>, --token - (standard input) or ${TOKEN_ENV}`);

  const core = await openCore(values.db ?? defaultDatabasePath());
  try {
    const view = await core.sync.useToken({ hub: values.hub, token });
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
