/**
 * `turash bench packet` times a packet only if what it times is a packet a partner can use: the
 * last timed packet's bundle carries the stored match's figures, and each partner's PDF, read back
 * with poppler (pdftotext, pdfinfo), names both organisations, shows the NPV the match shows in
 * the app and numbers its pages. One timed run, so the check stays fast.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packetDataSchema, type PacketData } from '../main/packets/bundle.ts';
import { eur, km, score } from '../main/packets/format.ts';
import { runPacketBench, type TimedPacket } from './packet.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-bench-packet-test-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** The PDF's text (one line: a phrase that wraps in the layout is found whole) and page count. */
function readPdf(pdf: Buffer, name: string): { text: string; pages: number } {
  const file = join(folder, `${name}.pdf`);
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
  return { text, pages };
}

test('bench packet: what it times is a packet a partner can use, and the report has the times, baselines, ratios and target', async () => {
  let timed: TimedPacket | undefined;
  const report = (await runPacketBench({
    runs: 1,
    inspect: async (packet) => {
      timed = packet;
      // Read while the bench's database is still open: the match as the app stores and shows it.
      const stored = await packet.repo.matches.get(packet.matchId);
      const best = (await packet.repo.matches.list({ limit: 1, order: 'score' })).items[0];
      assert.equal(packet.matchId, best?.id, 'the packet is of the best-scoring match');
      // The bundle as written to disk (JSON), read back through its schema.
      const bundle: PacketData = packetDataSchema.parse(JSON.parse(JSON.stringify(packet.data)));
      assert.equal(bundle.match.id, stored.id);
      assert.equal(bundle.match.score, stored.score);
      assert.equal(bundle.match.distance_km, stored.distance_km);
      assert.deepEqual(bundle.match.scores, stored.scores);
      assert.deepEqual(bundle.economics, stored.economics, 'the bundle carries the stored economics unchanged');
      assert.equal(bundle.supply.organization.id, stored.supply.organization_id);
      assert.equal(bundle.demand.organization.id, stored.demand.organization_id);
      assert.equal(bundle.supply.flow.id, stored.supply.flow_id);
      assert.equal(bundle.demand.flow.id, stored.demand.flow_id);

      const npv = eur((stored.economics as { npv_eur: number }).npv_eur);
      for (const partner of ['supply', 'demand'] as const) {
        const { text, pages } = readPdf(packet[partner], partner);
        const who = `${partner} partner's PDF`;
        assert.ok(text.includes(stored.supply.organization_name), `${who} names the supplier "${stored.supply.organization_name}"`);
        assert.ok(text.includes(stored.demand.organization_name), `${who} names the receiver "${stored.demand.organization_name}"`);
        assert.ok(text.includes(npv), `${who} shows the NPV the match shows, ${npv}`);
        assert.ok(text.includes(score(stored.score)), `${who} shows the score ${score(stored.score)}`);
        assert.ok(text.includes(km(stored.distance_km)), `${who} shows the distance ${km(stored.distance_km)}`);
        // A packet has a summary and its appendices on several pages, each footed "page i of n"
        // with n the document's real page count.
        assert.ok(pages >= 2, `${who}: ${pages} pages`);
        for (let page = 1; page <= pages; page++) assert.ok(text.includes(`page ${page} of ${pages}`), `${who}: page ${page} is footed "page ${page} of ${pages}"`);
        assert.ok(!text.includes(`page ${pages + 1} of`), `${who}: no footer counts a page that is not there`);
      }
    },
  })) as Record<string, unknown> & { targets: Record<string, { pass: boolean }> };

  assert.ok(timed, 'the bench hands over the packet it timed');

  for (const k of ['packet_median_ms', 'packet_cold_ms', 'baseline_data_assembly_median_ms', 'baseline_empty_pdf_median_ms', 'ratio_to_data_assembly', 'ratio_to_empty_pdf']) {
    assert.ok(Number.isFinite(report[k]) && (report[k] as number) > 0, `${k}: ${String(report[k])}`);
  }
  assert.equal(report.pdf_bytes_both, timed.supply.byteLength + timed.demand.byteLength, 'the reported size is of the packet checked above');
  assert.equal(typeof report.targets.packet_median_ms!.pass, 'boolean');
  assert.match(report.workload as string, new RegExp(`best match ${timed.matchId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
