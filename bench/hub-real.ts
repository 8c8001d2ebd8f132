/**
 * The real laptop of `turash bench hub`, for the comparison at a small N: the sync client
 * (sync/client/client.ts) on a real replica (main/sync/replica.ts over a SQLite Repository),
 * typed into through the repository as the app does. The same edit stream as the lightweight
 * laptop (bench/hub-edits.ts), turned into record writes: a burst's messages grouped by record
 * become creates, one-field updates and deletes (an import: one importDocument), so staging,
 * the private/shared rules and the change log run as on a laptop.
 */
import { join } from 'node:path';
import { Repository, type PortfolioDocument } from '../main/db/repository.ts';
import { LocalReplica } from '../main/sync/replica.ts';
import { SyncClient } from '../sync/client/client.ts';
import { TOMBSTONE_COLUMN, type ChangeMessage } from '../sync/protocol/messages.ts';
import type { EditBurst } from './hub-edits.ts';

type Dataset = 'organization' | 'site' | 'flow';

export class RealLaptop {
  readonly repo: Repository;
  readonly replica: LocalReplica;
  readonly client: SyncClient;
  /** Writes the repository refused (an edit stream the app would not produce; must stay 0). */
  refused = 0;
  lastRefusal = '';
  readonly #exists = new Set<string>();

  private constructor(repo: Repository, address: { url: string; token: string; workspace: string }) {
    this.repo = repo;
    this.replica = new LocalReplica(repo);
    this.client = new SyncClient(this.replica, address);
    repo.events.on('localChange', () => this.client.notifyLocalChange());
  }

  static async open(folder: string, name: string, address: { url: string; token: string; workspace: string }): Promise<RealLaptop> {
    return new RealLaptop(await Repository.open(join(folder, `${name}.db`)), address);
  }

  /** The burst as record writes (field messages of one record together). */
  async type(burst: EditBurst): Promise<void> {
    const records = new Map<string, { dataset: Dataset; row: string; fields: Record<string, unknown>; deleted: boolean }>();
    for (const m of burst.messages as ChangeMessage[]) {
      const key = `${m.dataset}\u0000${m.row}`;
      if (!records.has(key)) records.set(key, { dataset: m.dataset as Dataset, row: m.row, fields: {}, deleted: false });
      const record = records.get(key)!;
      if (m.column === TOMBSTONE_COLUMN) record.deleted = true;
      else record.fields[m.column] = JSON.parse(m.value) as unknown;
    }
    if (burst.import) {
      const doc: PortfolioDocument = { organizations: [], sites: [], flows: [] };
      for (const r of records.values()) {
        const list = r.dataset === 'organization' ? doc.organizations : r.dataset === 'site' ? doc.sites : doc.flows;
        (list as unknown[]).push({ id: r.row, ...r.fields });
      }
      await this.#write(async () => {
        await this.repo.importDocument(doc);
        for (const key of records.keys()) this.#exists.add(key);
      });
      return;
    }
    // One write per record, as a person edits them one after the other.
    for (const [key, r] of records) {
      const kind = r.dataset === 'organization' ? 'Organization' : r.dataset === 'site' ? 'Site' : 'Flow';
      await this.#write(async () => {
        if (r.deleted) {
          await this.repo[`delete${kind}`](r.row);
          this.#exists.delete(key);
        } else if (this.#exists.has(key)) {
          await this.repo[`update${kind}`](r.row, r.fields);
        } else {
          await this.repo[`create${kind}`]({ id: r.row, ...r.fields });
          this.#exists.add(key);
        }
      });
    }
  }

  async #write(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.refused += 1;
      this.lastRefusal = (error as Error).message;
    }
  }

  async close(): Promise<void> {
    await this.client.stop();
    await this.repo.close();
  }
}
