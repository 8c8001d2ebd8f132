/**
 * `turash bench hub` options from the command line: --laptops N, --seconds S,
 * --store sqlite|postgres|both, --postgres <url>, --team N (laptops per workspace),
 * --pace person|stress (person: a burst of 1-15 edits every 20-90 s per laptop, the default;
 * stress: 1-50 edits every 2-8 s), --capacity on|off (step the person pace up to find one
 * instance's capacity; on by default), --real-laptops N (the lightweight-vs-real comparison; 0
 * skips it), --seed. Progress and, at the end, the figures table go to stderr; stdout carries
 * the JSON report only.
 */
import type { BenchArgs } from './suites.ts';
import { runHubBench, type HubBenchPace, type HubBenchStore } from './hub.ts';

function count(value: string | boolean | undefined, flag: string, min: number): number | undefined {
  if (value === undefined || value === false) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} ${String(value)}: a whole number, at least ${min}`);
  return n;
}

export async function runHubBenchFromCli(args: BenchArgs): Promise<object> {
  const o = args.options ?? {};
  const seconds = o.seconds === undefined ? undefined : Number(o.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new Error(`--seconds ${String(o.seconds)}: a positive number of seconds`);
  const store = o.store as string | undefined;
  if (store !== undefined && !['sqlite', 'postgres', 'both'].includes(store)) throw new Error(`--store ${store}: sqlite, postgres or both`);
  const postgres = typeof o.postgres === 'string' ? o.postgres : undefined;
  if (postgres !== undefined && !/^postgres(ql)?:\/\//.test(postgres)) throw new Error(`--postgres: a postgres:// URL (got "${postgres}")`);
  const pace = o.pace as string | undefined;
  if (pace !== undefined && !['person', 'stress'].includes(pace)) throw new Error(`--pace ${pace}: person (a burst of 1-15 edits every 20-90 s per laptop) or stress (1-50 edits every 2-8 s)`);
  const capacityFlag = o.capacity === true ? 'on' : (o.capacity as string | undefined);
  if (capacityFlag !== undefined && !['on', 'off'].includes(capacityFlag)) throw new Error(`--capacity ${capacityFlag}: on or off`);
  const laptops = count(o.laptops, '--laptops', 1);
  const team = count(o.team, '--team', 1);
  const realLaptops = count(o['real-laptops'], '--real-laptops', 0);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const report = (await runHubBench({
    ...(laptops !== undefined ? { laptops } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(store !== undefined ? { store: store as HubBenchStore } : {}),
    ...(postgres !== undefined ? { postgres } : {}),
    ...(team !== undefined ? { team } : {}),
    ...(pace !== undefined ? { pace: pace as HubBenchPace } : {}),
    ...(capacityFlag !== undefined ? { capacity: capacityFlag === 'on' } : {}),
    ...(realLaptops !== undefined ? { realLaptops } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    progress,
  })) as { table: string[] };
  progress('');
  for (const line of report.table) progress(line);
  return report;
}
