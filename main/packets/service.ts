/**
 * Producing a packet: the bundle for a match, one PDF per partner organisation, all written to a
 * packets folder. The API and the command line both come through here.
 *
 * Files: `<match id>.<stamp>.supply.pdf`, `<match id>.<stamp>.demand.pdf` and the bundle
 * `<match id>.<stamp>.json` (stamp: generation time, UTC, 20261125T011722Z), so packets of one
 * match sort by time and an earlier packet is never overwritten (G records which one was sent).
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Repository } from '../db/repository.ts';
import { NotFoundError, ValidationError } from '../db/errors.ts';
import { PARTNERS, type PacketData, type Partner } from './bundle.ts';
import { buildPacketData, type BuildOptions } from './data.ts';
import { inProcess, PacketWorker, type RenderPdf } from './renderer.ts';

export interface PacketFile {
  partner: Partner;
  organization_id: string;
  organization: string;
  /** The file name inside the packets folder (what `packets.file` takes). */
  name: string;
  path: string;
  bytes: number;
}

export interface GeneratedPacket {
  /** `<match id>.<stamp>`: names the files of this packet. */
  id: string;
  match_id: string;
  generated_at: string;
  files: PacketFile[];
  bundle_file: { name: string; path: string; bytes: number };
  bundle: PacketData;
}

/**
 * The packets folder beside the database: for the default database that is the user data folder
 * (main/paths.ts); a database elsewhere (--db, tests) keeps its packets with it.
 */
export const packetsDirFor = (databasePath: string) => join(dirname(databasePath), 'packets');

const stampOf = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** Writes through a temporary name, so a reader never sees half a PDF. */
async function writeAtomic(path: string, content: Buffer | string): Promise<number> {
  const temporary = `${path}.partial`;
  await writeFile(temporary, content);
  await rename(temporary, path);
  return typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
}

export interface WriteTargets {
  /** Where each partner's PDF goes. */
  pdf: (partner: Partner) => string;
  bundle: string;
}

/** Builds the bundle and renders `partners`' PDFs to the given paths. */
export async function writePacket(repo: Repository, matchId: string, targets: WriteTargets, options: BuildOptions & { render?: RenderPdf; partners?: readonly Partner[] } = {}) {
  const data = await buildPacketData(repo, matchId, options);
  const render = options.render ?? inProcess;
  const partners = options.partners ?? PARTNERS;
  const pdfs = await Promise.all(partners.map((partner) => render(data, partner)));
  const files: PacketFile[] = [];
  for (const [i, partner] of partners.entries()) {
    const path = targets.pdf(partner);
    await mkdir(dirname(path), { recursive: true });
    const bytes = await writeAtomic(path, pdfs[i]!);
    files.push({ partner, organization_id: data[partner].organization.id, organization: data[partner].organization.name, name: basename(path), path, bytes });
  }
  await mkdir(dirname(targets.bundle), { recursive: true });
  const bytes = await writeAtomic(targets.bundle, `${JSON.stringify(data, null, 2)}\n`);
  return { data, files, bundle_file: { name: basename(targets.bundle), path: targets.bundle, bytes } };
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,300}\.(pdf|json)$/;

export class PacketService {
  readonly #repo: Repository;
  readonly dir: string;
  readonly #worker: PacketWorker | undefined;
  readonly #render: RenderPdf;

  /** `worker`: a URL renders in that worker thread (the API); false renders in this thread. */
  constructor(repo: Repository, options: { dir?: string; worker?: URL | false } = {}) {
    this.#repo = repo;
    this.dir = options.dir ?? packetsDirFor(repo.path);
    this.#worker = options.worker === false ? undefined : new PacketWorker(options.worker);
    this.#render = this.#worker ? this.#worker.render : inProcess;
  }

  async generate(matchId: string, options: BuildOptions = {}): Promise<GeneratedPacket> {
    const now = options.now ?? new Date();
    const id = `${matchId}.${stampOf(now.toISOString())}`;
    const { data, files, bundle_file } = await writePacket(
      this.#repo,
      matchId,
      { pdf: (partner) => join(this.dir, `${id}.${partner}.pdf`), bundle: join(this.dir, `${id}.json`) },
      { ...options, now, render: this.#render },
    );
    return { id, match_id: matchId, generated_at: data.generated_at, files, bundle_file, bundle: data };
  }

  /** The packet files in the folder (of one match, or all), newest first. */
  async list(matchId?: string): Promise<{ name: string; bytes: number; modified: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const wanted = names.filter((n) => SAFE_NAME.test(n) && (!matchId || n.startsWith(`${matchId}.`)));
    const out = await Promise.all(wanted.map(async (name) => {
      const s = await stat(join(this.dir, name));
      return { name, bytes: s.size, modified: s.mtime.toISOString() };
    }));
    return out.sort((a, b) => b.name.localeCompare(a.name));
  }

  /** One file of the packets folder (for the renderer to download or open); never outside it. */
  async read(name: string): Promise<{ name: string; mime: string; content: Buffer }> {
    if (!SAFE_NAME.test(name) || name.includes('..')) {
      throw new ValidationError(`packet file "${name}"`, [{ field: 'name', message: 'a packet file name is <match id>.<stamp>.<partner>.pdf or .json, without folders' }]);
    }
    try {
      const content = await readFile(join(this.dir, name));
      return { name, mime: name.endsWith('.pdf') ? 'application/pdf' : 'application/json', content };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('packet file', name);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#worker?.close();
  }
}
