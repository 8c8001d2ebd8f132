/**
 * The desktop bundle's packet worker: built by scripts/build-electron.mjs into out/app/ (inside
 * the project, so the external pdfkit resolves from node_modules as it does in the packaged app)
 * and run as a worker thread without the tsx loader; it renders the same packet as this thread.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { buildPacketData } from './data.ts';
import { renderPacketPdf } from './render.ts';
import { PacketWorker } from './renderer.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const outDir = mkdtempSync(join(ROOT, 'out', 'test-packet-bundle-'));
const folder = mkdtempSync(join(tmpdir(), 'turash-packet-bundle-'));
after(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
});

const text = (pdf: Buffer, name: string) => {
  const file = join(folder, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

test('the bundled packet worker renders what the renderer renders in-process', async () => {
  const { buildElectron } = await import('../../scripts/build-electron.mjs');
  const outputs = await buildElectron({ outDir, quiet: true });
  const repo = await Repository.open(join(folder, 'bundle.db'));
  const worker = new PacketWorker(pathToFileURL(outputs.packetWorker));
  try {
    await repo.importDocument(loadDemoPortfolio());
    await new MatchService(repo).runAll();
    const best = (await repo.matches.list({ limit: 1 })).items[0]!;
    const data = await buildPacketData(repo, best.id, { now: new Date('2026-11-24T09:00:00Z') });
    const fromWorker = await worker.render(data, 'demand');
    const inProcess = await renderPacketPdf(data, 'demand');
    assert.equal(worker.fellBack, false, 'rendered by the bundled worker, not the in-thread fallback');
    assert.equal(fromWorker.subarray(0, 5).toString(), '%PDF-');
    assert.equal(text(fromWorker, 'worker.pdf'), text(inProcess, 'main.pdf'));
  } finally {
    await worker.close();
    await repo.close();
  }
});
