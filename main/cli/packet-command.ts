/**
 * `turash packet <match-id> --out <file.pdf> [--partner supply|demand|both]`: writes a match's
 * partner packets and its JSON bundle.
 *
 * One --out names two documents: with --partner both (the default) the PDFs are
 * `<file>.supply.pdf` and `<file>.demand.pdf` (".pdf" of --out dropped first); with one partner,
 * --out itself. The bundle is always `<file>.json` beside them. --json prints what was written.
 */
import { parseArgs } from 'node:util';
import { openCore } from '../core.ts';
import { PARTNERS, type Partner } from '../packets/bundle.ts';
import { writePacket } from '../packets/service.ts';
import { defaultDatabasePath } from '../paths.ts';

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

export function packetTargets(out: string, partners: readonly Partner[]) {
  const base = out.replace(/\.pdf$/i, '');
  return {
    pdf: (partner: Partner) => (partners.length === 1 ? (out.toLowerCase().endsWith('.pdf') ? out : `${out}.pdf`) : `${base}.${partner}.pdf`),
    bundle: `${base}.json`,
  };
}

export async function packetCli(args: string[], io: Io): Promise<number> {
  const json = args.includes('--json');
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { db: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, out: { type: 'string' }, partner: { type: 'string', default: 'both' } },
    });
  } catch (error) {
    return usage(io, json, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out('Usage: turash packet <match-id> --out <file.pdf> [--partner supply|demand|both] [--db <path>] [--json]'), 0);
  if (positionals.length !== 1) return usage(io, json, 'packet needs one match id: turash packet <match-id> --out <file.pdf>');
  if (!values.out) return usage(io, json, 'packet needs --out <file.pdf>');
  const partner = values.partner;
  if (partner !== 'both' && partner !== 'supply' && partner !== 'demand') return usage(io, json, `--partner is supply, demand or both, got "${partner}"`);
  const partners: readonly Partner[] = partner === 'both' ? PARTNERS : [partner];
  const core = await openCore(values.db ?? defaultDatabasePath());
  try {
    const result = await writePacket(core.repo, positionals[0]!, packetTargets(values.out, partners), { partners });
    const report = {
      match_id: result.data.match.id,
      generated_at: result.data.generated_at,
      files: result.files.map(({ partner: p, organization_id, organization, path, bytes }) => ({ partner: p, organization_id, organization, path, bytes })),
      bundle: { path: result.bundle_file.path, bytes: result.bundle_file.bytes },
    };
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else {
      for (const f of report.files) io.out(`wrote ${f.path} (${f.partner}: ${f.organization}, ${Math.round(f.bytes / 1024)} KiB)`);
      io.out(`wrote ${report.bundle.path} (turash-packet v1 bundle)`);
    }
    return 0;
  } finally {
    await core.close();
  }
}
