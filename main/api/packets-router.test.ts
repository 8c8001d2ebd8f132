/**
 * `packets.generate` through the appRouter as the renderer and the workflow (engineer G) call it:
 * rendered in the packet worker thread, written to the packets folder, listed and read back;
 * bad file names and unknown matches are refused with a message, and change nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { appRouter } from './router.ts';
import { createCallerFactory, type ApiContext } from './trpc.ts';
import { Repository } from '../db/repository.ts';
import { loadDemoPortfolio } from '../interchange/demo.ts';
import { ImportJobs } from '../portfolio/import-jobs.ts';
import { MatchService } from '../matching/service/match-service.ts';
import { PacketService } from '../packets/service.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-packet-api-'));
let repo: Repository;
let packets: PacketService;
const makeCaller = createCallerFactory(appRouter);
let caller: ReturnType<typeof makeCaller>;
let best: string;

before(async () => {
  repo = await Repository.open(join(folder, 'api.db'));
  await repo.importDocument(loadDemoPortfolio());
  const matching = new MatchService(repo);
  await matching.runAll();
  best = (await repo.matches.list({ limit: 1 })).items[0]!.id;
  packets = new PacketService(repo); // the worker thread, as the core opens it
  const ctx: ApiContext = { repo, imports: new ImportJobs(repo, () => matching.invalidate()), matching, packets, actor: 'test' };
  caller = makeCaller(ctx);
});

after(async () => {
  await packets.close();
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('packets API', () => {
  test('generate writes both partners\' PDFs and the bundle beside the database; file reads them back', async () => {
    const result = await caller.packets.generate({ matchId: best });
    assert.deepEqual(result.files.map((f) => f.partner), ['supply', 'demand']);
    assert.equal(result.bundle.match.id, best);
    assert.ok(result.files.every((f) => f.path.startsWith(join(folder, 'packets')) && existsSync(f.path) && f.bytes > 5000));
    assert.equal(result.files[0]!.organization, result.bundle.supply.organization.name);
    const listed = await caller.packets.list({ matchId: best });
    assert.deepEqual(listed.map((f) => f.name).sort(), [...result.files.map((f) => f.name), result.bundle_file.name].sort());
    const pdf = await caller.packets.file({ name: result.files[1]!.name });
    assert.equal(pdf.mime, 'application/pdf');
    const bytes = Buffer.from(pdf.base64, 'base64');
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    const file = join(folder, 'roundtrip.pdf');
    writeFileSync(file, bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.ok(text.includes(`Prepared for ${result.bundle.demand.organization.name}`), 'the demand side\'s packet');
    const json = await caller.packets.file({ name: result.bundle_file.name });
    assert.equal(JSON.parse(Buffer.from(json.base64, 'base64').toString('utf8')).format, 'turash-packet');
  });

  test('a worker that cannot start falls back to rendering in this thread', async () => {
    const broken = new PacketService(repo, { worker: new URL('file:///nonexistent/packet-worker.mjs'), dir: join(folder, 'fallback') });
    try {
      const result = await broken.generate(best);
      assert.equal(result.files.length, 2);
      assert.ok(result.files.every((f) => existsSync(f.path)));
    } finally {
      await broken.close();
    }
  });

  test('an unknown match is NOT_FOUND and writes nothing; a path in a file name is BAD_REQUEST', async () => {
    const before = readdirSync(join(folder, 'packets')).length;
    await assert.rejects(caller.packets.generate({ matchId: 'm-nope' }), (e: unknown) => e instanceof TRPCError && e.code === 'NOT_FOUND' && /m-nope/.test(e.message));
    assert.equal(readdirSync(join(folder, 'packets')).length, before);
    for (const name of ['../api.db', '/etc/passwd', 'x/../../api.db.pdf', 'api.db']) {
      await assert.rejects(caller.packets.file({ name }), (e: unknown) => e instanceof TRPCError && e.code === 'BAD_REQUEST', name);
    }
    await assert.rejects(caller.packets.file({ name: 'm-nope.20260101T000000Z.supply.pdf' }), (e: unknown) => e instanceof TRPCError && e.code === 'NOT_FOUND');
  });
});
