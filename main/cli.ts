/**
 * The `turash` command line: a stable contract (architecture.md). Every command takes --db and
 * --json; with --json, stdout carries exactly one JSON document and nothing else. Exit status:
 * 0 success, 1 an error (the message says what and where), 2 bad usage.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openCore, type Core } from './core.ts';
import { defaultDatabasePath, RENDERER_DIR } from './paths.ts';
import { APP_VERSION } from './version.ts';
import { exportPortfolio } from './portfolio/export-file.ts';
import { importFiles } from './portfolio/import-file.ts';
import { startHost } from './host/server.ts';
import { seedDemoPortfolioOnce } from './portfolio/demo-seed.ts';
import { DEFAULT_TABLE_LIMIT, explainText, flowNames, matchCommand, writeMatchJson, writeMatchTable, type MatchOptions } from './cli/match-commands.ts';
import { lineSink, streamSink, type OutputSink } from './cli/format.ts';

export class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where large output streams with backpressure (process.stdout); absent: piece by piece through `out`. */
  stdout?: NodeJS.WritableStream;
}

const sinkOf = (io: Io): OutputSink => (io.stdout ? streamSink(io.stdout) : lineSink(io.out));

/** --limit: rows of a table (0: all of them). */
function tableLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TABLE_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--limit must be a whole number of rows, 0 for all of them, got "${value}"`);
  return n;
}

const COMMON = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const HELP = `turash ${APP_VERSION}: Turash Field, industrial symbiosis in the field

Usage:
  turash import <file> [<file> ...]   import a Turash exchange file (JSON, or CSV tables:
                                      organizations, sites, flows) or the Hotmaps Industrial
                                      Database CSV (detected); all or nothing
  turash export --out <file.json>     export the portfolio as a turash-exchange v1 document
  turash export --out <dir> --format csv
                                      export as organizations.csv, sites.csv, flows.csv
  turash match [--flow <id>] [--top N] [--max-km K] [--limit N]
                                      run the matching engine over the database and store the
                                      result (--flow: re-match one flow incrementally); prints the
                                      count and the N best (default 20, 0: all); --json writes
                                      every match as it goes
  turash plan [--objective npv|co2|energy] [--limit N]
                                      match, then allocate every supply and demand among its
                                      alternatives (mixed-integer, HiGHS): no flow promised more
                                      than it has; prints the plan, its totals and the N best
                                      members (default 20, 0: all); --json: plan and alternatives
  turash explain <match-id>           why a match scores as it does, and its economics
  turash packet <match-id> --out <file.pdf> [--partner supply|demand|both]
                                      the partner packets of a match (one PDF per partner:
                                      <file>.supply.pdf, <file>.demand.pdf; one partner:
                                      <file.pdf>) and the turash-packet bundle <file>.json
  turash bench match [--flows N] [--hotmaps <csv>]
                                      benchmark the matching engine against the naive scan
  turash bench plan [--flows N]       the regional plan of the same portfolio: solve time, gap,
                                      against the one-to-one greedy pick
  turash bench match-process [--flows N]
                                      the whole \`turash match\` and \`turash plan\` processes on the
                                      N-flow portfolio (default 50,000) in SQLite: wall, CPU, peak
                                      memory, stdout bytes, database growth, alert rows; against
                                      the in-process engine and PostGIS ST_DWithin (if installed)
  turash bench ui-click [--flows N]   "Run matching" in headless Chromium (turash serve), click to
                                      the first result row, on the demo and the N-flow portfolio
  turash bench api-latency [--flows N] [--samples S]
                                      p50/p95 of every API procedure the UI calls, over HTTP with
                                      the host's token, on the matched N-flow portfolio
  turash bench opcua                  OPC UA client CPU at 5,000 items / 1 s (server in a child)
  turash bench ingest                 samples/s into SQLite through the Recorder (vs one
                                      transaction per sample); API p99 idle / ingesting / re-match
  turash bench hub [--laptops N] [--seconds S] [--store sqlite|postgres|both] [--postgres <url>]
                                      N laptops (default 200) syncing through a SQLite hub and 1-2
                                      hubs on PostgreSQL: msg/s, push/pull/live p95, hub memory;
                                      [--pace person|stress] [--capacity on|off]: a person's pace
                                      (default) or the stress stream; one hub's capacity
  turash serve [--port P] [--demo]    the browser host on 127.0.0.1 (prints the URL to open);
                                      --demo seeds the demo portfolio into an empty database
  turash read <endpoint> [--profile <name>] [--node <id> ...] [--depth N]
                                      one reading of every point of a device, decoded
  turash record <endpoint> --flow <id> [--profile <name>] [--node <id> ...] [--duration <s>]
                                      record a device into the database for a flow (Ctrl+C
                                      stops; everything acknowledged stays)
  turash simulate [--opcua-port P] [--modbus-port P]
                                      the demo plant's OPC UA / Modbus servers on 127.0.0.1
  turash hub [--database <sqlite path | postgres:// url>] [--port P] [--trusted-proxy A]
                                      run the sync hub (prints its URL; default database:
                                      hub.db in the user data folder; /health, /ready, /metrics)
  turash hub grant <email> --workspace <name> --role <owner|facilitator|engineer|viewer>
                                      beside the hub (same --database): give a role, creating
                                      what is missing; prints a sign-in token (and a new user's
                                      generated password, once); \`turash hub --help\` for more
  turash hub users | workspaces | revoke <email> [--workspace W]
                                      the hub's users and sessions, its workspaces; end a user's
                                      sessions (or one membership)
  turash hub backup <file> | restore <file> --database <target>
                                      online backup of a SQLite hub; restore a checked backup
  turash sync --hub <url> [--token-file <path> | --token -] [--workspace <name>]
                                      one full sync of the database with a hub workspace (push,
                                      pull, merkle check); prints what was pushed and pulled. The
                                      token: a file, standard input (-) or TURASH_HUB_TOKEN

  turash impact [--csv <file>]        CO2, value, energy, tonnes and water of contracted and live
                                      exchanges (measured beside projected where meters are bound)
  turash reminders [--days N]         reservations ending within N days (default 7), or lapsed

Options for every command:
  --db <path>   the database (default: ${defaultDatabasePath()})
  --json        machine-readable output on stdout, nothing else there
  -h, --help    this help

Exit status: 0 success, 1 error, 2 bad usage.
`;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options } as typeof COMMON & O, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function withCore<T>(db: string | undefined, work: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(db ?? defaultDatabasePath());
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

async function importCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return (io.out(HELP), 0);
  if (positionals.length === 0) throw new UsageError('import needs a file: turash import <file>');
  const files = positionals.map((path) => {
    try {
      if (statSync(path).isDirectory()) throw new Error('is a folder; name the files');
      return { name: path, text: readFileSync(path, 'utf8') };
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  });
  const report = await withCore(values.db, (core) => importFiles(core.repo, files));
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else if (report.ok) {
    const s = report.summary;
    io.out(
      `imported ${report.files.join(', ')} (${report.format}): ${s.organizations} organizations, ${s.sites} sites, ${s.flows} flows ` +
        `(${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged)`,
    );
    if (report.skipped.length) {
      io.out(`skipped ${report.skipped.length} records:`);
      for (const k of report.skipped) io.out(`  line ${k.line}: ${k.id}: ${k.reason}`);
    }
  } else {
    io.err(`nothing imported: ${report.problems.length} problem${report.problems.length > 1 ? 's' : ''} in ${report.files.join(', ')}`);
    for (const p of report.problems) {
      const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.record, p.field].filter(Boolean).join(': ');
      io.err(`  ${where ? `${where}: ` : ''}${p.reason}`);
    }
  }
  return report.ok ? 0 : 1;
}

async function exportCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' }, format: { type: 'string' } } as const);
  if (values.help) return (io.out(HELP), 0);
  if (!values.out) throw new UsageError('export needs --out <file.json> (or --out <dir> --format csv)');
  const format = values.format ?? (values.out.endsWith('.json') ? 'json' : undefined);
  if (format !== 'json' && format !== 'csv') throw new UsageError('--format is json or csv (json is implied by a .json file name)');
  const result = await withCore(values.db, (core) => exportPortfolio(core.repo, values.out!, format));
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out(`exported ${result.organizations} organizations, ${result.sites} sites, ${result.flows} flows to ${result.files.join(', ')}`);
  return 0;
}

async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' }, demo: { type: 'boolean', default: false } } as const);
  if (values.help) return (io.out(HELP), 0);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
  const core = await openCore(values.db ?? defaultDatabasePath());
  try {
    if (values.demo) await seedDemoPortfolioOnce(core.repo);
    // the first "Run matching" should not wait for a cold worker (match-service.ts warmUp)
    void core.matching.warmUp();
    const host = await startHost({ core, port, rendererDir: RENDERER_DIR });
    if (values.json) io.out(JSON.stringify({ url: host.url, open: host.openUrl, token: host.token, database: core.repo.path }));
    else io.out(`Turash Field is serving ${core.repo.path}\nOpen this address in a browser (it carries this run's access token):\n\n  ${host.openUrl}\n\nCtrl+C stops it.`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await host.close();
  } finally {
    await core.close();
  }
  return 0;
}

function positiveNumber(value: string | undefined, option: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${option} must be a positive ${integer ? 'whole ' : ''}number, got "${value}"`);
  return n;
}

async function matchCli(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { flow: { type: 'string' }, top: { type: 'string' }, 'max-km': { type: 'string' }, limit: { type: 'string' } } as const);
  if (values.help) return (io.out(HELP), 0);
  const options: MatchOptions = {};
  if (values.flow) options.flow = values.flow;
  const top = positiveNumber(values.top, '--top', true);
  if (top !== undefined) options.top = top;
  const maxKm = positiveNumber(values['max-km'], '--max-km');
  if (maxKm !== undefined) options.maxKm = maxKm;
  const limit = tableLimit(values.limit);
  return withCore(values.db, async (core) => {
    const result = await matchCommand(core, options, values.json === true);
    if (values.json) await writeMatchJson(sinkOf(io), result);
    else await writeMatchTable(core, sinkOf(io), result.table, limit);
    return 0;
  });
}

async function planCli(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { objective: { type: 'string' }, limit: { type: 'string' } } as const);
  if (values.help) return (io.out(HELP), 0);
  const { PLAN_OBJECTIVES, planCommand, planRows, writePlanJson, writePlanText } = await import('./cli/plan-command.ts');
  const objective = (values.objective ?? 'npv') as (typeof PLAN_OBJECTIVES)[number];
  if (!PLAN_OBJECTIVES.includes(objective)) throw new UsageError(`--objective is npv, co2 or energy (got "${values.objective}")`);
  const limit = tableLimit(values.limit);
  return withCore(values.db, async (core) => {
    const result = await planCommand(core, objective, values.json === true);
    if (values.json) {
      await writePlanJson(sinkOf(io), result);
      return 0;
    }
    const names = await flowNames(core, planRows(result, limit).flatMap((m) => [m.supply_flow_id, m.demand_flow_id]));
    await writePlanText(sinkOf(io), result, names, limit);
    return 0;
  });
}

async function explainCli(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return (io.out(HELP), 0);
  if (positionals.length !== 1) throw new UsageError('explain needs one match id: turash explain <match-id>');
  return withCore(values.db, async (core) => {
    const match = await core.repo.matches.get(positionals[0]!);
    io.out(values.json ? JSON.stringify(match, null, 2) : explainText(match));
    return 0;
  });
}

async function benchCli(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    flows: { type: 'string' }, hotmaps: { type: 'string' }, seed: { type: 'string' },
    // bench hub's own options (bench/hub-options.ts checks them).
    laptops: { type: 'string' }, seconds: { type: 'string' }, store: { type: 'string' }, postgres: { type: 'string' }, team: { type: 'string' }, 'real-laptops': { type: 'string' }, pace: { type: 'string' }, capacity: { type: 'string' },
    // bench api-latency: calls per procedure
    samples: { type: 'string' },
  } as const);
  if (values.help) return (io.out(HELP), 0);
  const { BENCH_SUITES } = await import('../bench/suites.ts');
  const which = positionals[0] ?? 'all';
  const names = which === 'all' ? Object.keys(BENCH_SUITES) : [which];
  if (!names.every((name) => name in BENCH_SUITES)) throw new UsageError(`bench runs: ${Object.keys(BENCH_SUITES).join(', ')}, all (got "${which}")`);
  const flows = positiveNumber(values.flows, '--flows', true);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const report: Record<string, unknown> = {};
  for (const name of names) {
    report[name] = await BENCH_SUITES[name]!({ ...(flows ? { flows } : {}), ...(seed !== undefined ? { seed } : {}), ...(values.hotmaps ? { hotmaps: values.hotmaps } : {}), options: values });
  }
  io.out(JSON.stringify(report, null, values.json ? 0 : 2));
  return 0;
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  import: importCommand,
  export: exportCommand,
  match: matchCli,
  explain: explainCli,
  plan: planCli,
  bench: benchCli,
  serve: serveCommand,
  packet: async (args, io) => (await import('./cli/packet-command.ts')).packetCli(args, io),
  read: async (args, io) => (await import('./cli/field-commands.ts')).readCommand(args, io, (message) => new UsageError(message)),
  record: async (args, io) => (await import('./cli/field-commands.ts')).recordCommand(args, io, (message) => new UsageError(message)),
  simulate: async (args, io) => (await import('./cli/field-commands.ts')).simulateCommand(args, io, (message) => new UsageError(message)),
  hub: async (args, io) => (await import('./cli/hub-commands.ts')).hubCommand(args, io, (message) => new UsageError(message)),
  sync: async (args, io) => (await import('./cli/sync-command.ts')).syncCommand(args, io, (message) => new UsageError(message)),
  impact: async (args, io) => (await import('./cli/workflow-commands.ts')).impactCli(args, io),
  reminders: async (args, io) => (await import('./cli/workflow-commands.ts')).remindersCli(args, io),
};

export async function runCli(argv: string[], io: Io = { out: (t) => console.log(t), err: (t) => console.error(t), stdout: process.stdout }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') return (io.out(APP_VERSION), 0);
  const handler = COMMANDS[command];
  try {
    if (!handler) throw new UsageError(`unknown command "${command}"; see turash --help`);
    return await handler(rest, io);
  } catch (error) {
    const usage = error instanceof UsageError;
    const message = (error as Error).message;
    // With --json, a script reads stdout: it gets the error there too, as JSON.
    if (rest.includes('--json')) io.out(JSON.stringify({ error: { kind: usage ? 'usage' : 'error', message } }));
    io.err(`${usage ? 'usage' : 'error'}: ${message}`);
    return usage ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
