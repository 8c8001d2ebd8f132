/**
 * `turash impact [--csv <file>]`: CO2, value and quantities of the contracted and live exchanges
 * (and their measured figures where meters are bound), as a table, JSON or the dashboard's CSV.
 * `turash reminders [--days N]`: reservations ending within N days (default 7) or lapsed.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openCore, type Core } from '../core.ts';
import { defaultDatabasePath } from '../paths.ts';
import { impactCsvExport } from '../workflow/service.ts';
import { num, pad } from './format.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Bad usage is answered here (exit 2), so this file needs nothing from main/cli.ts (no cycle). */
function usage(io: Io, json: boolean, message: string): number {
  if (json) io.out(JSON.stringify({ error: { kind: 'usage', message } }));
  io.err(`usage: ${message}`);
  return 2;
}

async function withCore<T>(db: string | undefined, work: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(db ?? defaultDatabasePath());
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

const COMMON = { db: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

export async function impactCli(args: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { ...COMMON, csv: { type: 'string' } }, strict: true }));
  } catch (error) {
    return usage(io, args.includes('--json'), `turash impact [--csv <file>] [--db <path>] [--json]: ${(error as Error).message}`);
  }
  const { report, csv } = await withCore(values.db, (core) => impactCsvExport(core.repo));
  if (values.csv) await writeFile(values.csv, csv);
  if (values.json) {
    io.out(JSON.stringify({ totals: report.totals, counts: report.counts, potential: report.potential, rows: report.rows, verified: report.verified, verified_totals: report.verified_totals, ...(values.csv ? { csv: values.csv } : {}) }));
    return 0;
  }
  const lines = [`${pad('', 16)} ${pad('CO2 t/yr', 12)} ${pad('EUR/yr', 14)} ${pad('MWh/yr', 12)} ${pad('t/yr', 10)} ${pad('m3/yr', 12)}`];
  for (const s of ['live', 'contracted', 'all'] as const) {
    const f = report.totals[s];
    const name = s === 'all' ? `total (${report.rows.length})` : `${s} (${report.counts[s]})`;
    lines.push(`${pad(name, 16)} ${pad(num(f.co2_t, 1), 12)} ${pad(num(f.value_eur, 0), 14)} ${pad(num(f.energy_mwh, 1), 12)} ${pad(num(f.tonnes_t, 1), 10)} ${pad(num(f.water_m3, 0), 12)}`);
  }
  // The potential: the regional plan (plan members at their allocation, never competing alternatives added up).
  const p = report.potential;
  if (p) {
    const f = p.figures;
    lines.push(`${pad(`potential (${p.members})`, 16)} ${pad(num(f.co2_t, 1), 12)} ${pad(num(f.value_eur, 0), 14)} ${pad(num(f.energy_mwh, 1), 12)} ${pad(num(f.tonnes_t, 1), 10)} ${pad(num(f.water_m3, 0), 12)}`);
    lines.push(`potential: the regional plan of ${p.created_at.slice(0, 10)}, ${p.members} exchanges chosen from ${p.candidates} alternatives maximising ${p.objective}, gap ${num(p.gap * 100, 3)} % (${p.status}); NPV ${num(p.totals.npv_eur, 0)} EUR, capex ${num(p.totals.capex_eur, 0)} EUR`);
  } else {
    lines.push('potential: no regional plan yet (run `turash plan` or `turash match`)');
  }
  for (const v of report.verified) {
    const x = v.verification;
    lines.push(`measured ${v.match_id}: ${num(x.measured, 2)} ${x.unit} (projected ${num(x.projected_for_period, 2)} for the same time), coverage ${num(x.coverage * 100, 1)} %`);
  }
  if (values.csv) lines.push(`CSV written to ${values.csv}`);
  io.out(lines.join('\n'));
  return 0;
}

export async function remindersCli(args: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { ...COMMON, days: { type: 'string', default: '7' } }, strict: true }));
  } catch (error) {
    return usage(io, args.includes('--json'), `turash reminders [--days N] [--db <path>] [--json]: ${(error as Error).message}`);
  }
  const days = Number(values.days);
  if (!(Number.isFinite(days) && days >= 0 && days <= 3650)) return usage(io, values.json, `--days must be a number of days from 0 to 3650, got "${values.days}"`);
  const reminders = await withCore(values.db, (core) => core.repo.workflow.reservationReminders(days));
  if (values.json) {
    io.out(JSON.stringify({ reminders }));
    return 0;
  }
  if (reminders.length === 0) io.out(`no reservation ends within ${days} days`);
  for (const r of reminders) {
    const when = r.expired ? `EXPIRED ${-r.days_left} day(s) ago: extend or release` : `ends in ${r.days_left} day(s)`;
    io.out(`${r.match_id}  ${r.supply_organization} -> ${r.demand_organization} (${r.type}), reserved until ${r.reserved_until}: ${when}`);
  }
  return 0;
}
