/**
 * `turash bench packet`: time to produce one partner packet (the bundle and BOTH partners' PDFs,
 * in memory) for the demo portfolio's best match, median of several runs after a warm-up, against
 * two baselines of the same run: the data assembly alone (database reads + bundle) and an empty
 * pdfkit document. The cold first packet (fonts and basemap parsed) is reported beside it.
 * Target (quality.md): a packet in under 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repository } from '../main/db/repository.ts';
import { loadDemoPortfolio } from '../main/interchange/demo.ts';
import type { PacketData } from '../main/packets/bundle.ts';
import { buildPacketData } from '../main/packets/data.ts';
import { newDocument, toBuffer } from '../main/packets/layout.ts';
import { renderPacketPdf } from '../main/packets/render.ts';
import { MatchService } from '../main/matching/service/match-service.ts';

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function time(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The last packet the bench timed, with the database it came from (open while `inspect` runs). */
export interface TimedPacket {
  repo: Repository;
  matchId: string;
  data: PacketData;
  supply: Buffer;
  demand: Buffer;
}

/** `inspect` sees the last timed packet (bench/packet.test.ts checks it is one a partner can use). */
export async function runPacketBench(options: { runs?: number; inspect?: (packet: TimedPacket) => Promise<void> | void } = {}): Promise<Record<string, unknown>> {
  const runs = options.runs ?? 7;
  const folder = mkdtempSync(join(tmpdir(), 'turash-bench-packet-'));
  const repo = await Repository.open(join(folder, 'bench.db'));
  try {
    await repo.importDocument(loadDemoPortfolio());
    await new MatchService(repo).runAll();
    const best = (await repo.matches.list({ limit: 1, order: 'score' })).items[0];
    if (!best) throw new Error('the demo portfolio produced no match to make a packet of');
    const packet = async () => {
      const data = await buildPacketData(repo, best.id);
      const [supply, demand] = await Promise.all([renderPacketPdf(data, 'supply'), renderPacketPdf(data, 'demand')]);
      return { data, supply, demand };
    };
    const coldMs = await time(packet);
    const packetMs: number[] = [];
    const dataMs: number[] = [];
    const emptyMs: number[] = [];
    let bytes = 0;
    let last: Awaited<ReturnType<typeof packet>> | undefined;
    for (let i = 0; i < runs; i++) {
      packetMs.push(await time(async () => {
        last = await packet();
        bytes = last.supply.byteLength + last.demand.byteLength;
      }));
      dataMs.push(await time(() => buildPacketData(repo, best.id)));
      emptyMs.push(await time(() => {
        const doc = newDocument('empty', 'bench', new Date());
        doc.text('.');
        return toBuffer(doc);
      }));
    }
    if (last) await options.inspect?.({ repo, matchId: best.id, ...last });
    const packetMedian = median(packetMs);
    return {
      workload: `one packet (bundle + supply and demand PDFs) of the demo portfolio's best match ${best.id}, median of ${runs} after a warm-up`,
      packet_median_ms: round(packetMedian),
      packet_cold_ms: round(coldMs),
      pdf_bytes_both: bytes,
      baseline_data_assembly_median_ms: round(median(dataMs)),
      baseline_empty_pdf_median_ms: round(median(emptyMs)),
      ratio_to_data_assembly: round(packetMedian / median(dataMs)),
      ratio_to_empty_pdf: round(packetMedian / Math.max(0.01, median(emptyMs))),
      targets: { packet_median_ms: { target: '< 1000', pass: packetMedian < 1000 } },
    };
  } finally {
    await repo.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
