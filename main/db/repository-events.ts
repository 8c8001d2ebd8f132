/**
 * What the local graph tells the rest of the core after a write: ONE way in for changes. The
 * repository reads, inside each write transaction, what that transaction appended to `change_log`
 * (every write of a synced entity appends there, local or applied from the hub: change-log.ts,
 * main/sync/materialise.ts), and announces it once the transaction has committed. A rolled-back
 * write announces nothing, and a write that changed several flows announces them together.
 *
 * - `flowsChanged`: flows whose matching inputs changed (the flow itself, its site's location or
 *   kind, its organization's trust), with where the change came from. The core re-matches them
 *   (main/matching/service/rematch-queue.ts).
 * - `localChange`: a committed write logged changes made on this laptop (the sync pushes them).
 *
 * Listeners run synchronously after the commit and must only note the change (queue it, wake a
 * client): a listener that throws or rejects is logged, never thrown into the writer.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** Where a change came from: typed here, applied from the hub, a portfolio import, or a meter's measured rule. */
export type ChangeOrigin = 'local' | 'sync' | 'import' | 'ingest';

export interface FlowsChanged {
  /** Each flow once: written, created, removed, or at a site / of an organization whose matching inputs changed. */
  flowIds: string[];
  origin: ChangeOrigin;
}

export interface LocalChange {
  /** change_log entries this write logged on this laptop. */
  entries: number;
}

export interface RepositoryEventMap {
  flowsChanged: FlowsChanged;
  localChange: LocalChange;
}

export type RepositoryEventName = keyof RepositoryEventMap;
type Listener<K extends RepositoryEventName> = (event: RepositoryEventMap[K]) => void | Promise<void>;

/** Typed events with any number of listeners; `on` returns the function that removes the listener. */
export class RepositoryEvents {
  readonly #listeners: { [K in RepositoryEventName]: Set<Listener<K>> } = { flowsChanged: new Set(), localChange: new Set() };

  on<K extends RepositoryEventName>(name: K, listener: Listener<K>): () => void {
    this.#listeners[name].add(listener);
    return () => this.off(name, listener);
  }

  off<K extends RepositoryEventName>(name: K, listener: Listener<K>): void {
    this.#listeners[name].delete(listener);
  }

  listenerCount(name: RepositoryEventName): number {
    return this.#listeners[name].size;
  }

  /** Calls every listener; one that fails does not keep the others from hearing, nor fail the write. */
  emit<K extends RepositoryEventName>(name: K, event: RepositoryEventMap[K]): void {
    for (const listener of [...this.#listeners[name]]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => report(name, error));
      } catch (error) {
        report(name, error);
      }
    }
  }
}

function report(name: string, error: unknown): void {
  console.error(`[turash] a listener of the repository's "${name}" event failed (the write itself is committed):`, error);
}

/** What one committed write transaction changed, as its events announce it. */
export interface WriteChanges {
  flowsChanged: FlowsChanged | undefined;
  localChange: LocalChange | undefined;
}

/** The site and organization fields the matching engine reads (Repository.flowsInContext). */
const SITE_MATCH_FIELDS = ['lat', 'lon', 'country', 'organization_id', 'kind'];
const ORGANIZATION_MATCH_FIELDS = ['trust'];

/** The change_log position before a transaction's own entries (read first thing inside it). */
export async function changeLogMark(tx: Transaction<Database>): Promise<number> {
  const { rows } = await sql<{ seq: number }>`SELECT coalesce(max(seq), 0) AS seq FROM change_log`.execute(tx);
  return rows[0]?.seq ?? 0;
}

function touchesMatching(fields: string | null, names: string[]): boolean {
  if (fields === null) return true;
  try {
    const changed = JSON.parse(fields) as Record<string, unknown>;
    return names.some((name) => name in changed);
  } catch {
    return true; // unreadable: re-matching too much is safe, too little is not
  }
}

/**
 * The changes a transaction logged after `mark`, read inside it before it commits. `origin` is the
 * writer's own; entries applied from the hub make it 'sync'. `localEntries` is what the
 * transaction's LoggedWriter counted.
 */
export async function changesSince(tx: Transaction<Database>, mark: number, origin: Exclude<ChangeOrigin, 'sync'>, localEntries: number): Promise<WriteChanges> {
  // Flows' own fields are not needed (any change re-matches them): not read, an import logs 50,000.
  const { rows } = await sql<{ entity: string; entity_id: string; op: string; origin: string; fields: string | null }>`
    SELECT entity, entity_id, op, origin, CASE WHEN entity = 'flow' THEN NULL ELSE fields END AS fields
    FROM change_log WHERE seq > ${mark} AND entity IN ('flow', 'site', 'organization') ORDER BY seq`.execute(tx);
  const flows = new Set<string>();
  const sites = new Set<string>();
  const organizations = new Set<string>();
  let remote = false;
  for (const row of rows) {
    if (row.origin === 'remote') remote = true;
    if (row.entity === 'flow') flows.add(row.entity_id);
    // A created or removed site or organization has no flows of its own yet or any more (their
    // flows are written or removed as flows); an updated one matters when a matching input changed.
    else if (row.op === 'upsert' && row.entity === 'site' && touchesMatching(row.fields, SITE_MATCH_FIELDS)) sites.add(row.entity_id);
    else if (row.op === 'upsert' && row.entity === 'organization' && touchesMatching(row.fields, ORGANIZATION_MATCH_FIELDS)) organizations.add(row.entity_id);
  }
  const inside = async (query: RawBuilder<{ id: string }>) => {
    for (const { id } of (await query.execute(tx)).rows) flows.add(id);
  };
  if (sites.size) await inside(sql<{ id: string }>`SELECT id FROM flows WHERE site_id IN (SELECT value FROM json_each(${JSON.stringify([...sites])}))`);
  if (organizations.size) {
    await inside(sql<{ id: string }>`SELECT f.id FROM flows f JOIN sites s ON s.id = f.site_id
      WHERE s.organization_id IN (SELECT value FROM json_each(${JSON.stringify([...organizations])}))`);
  }
  return {
    flowsChanged: flows.size ? { flowIds: [...flows], origin: remote ? 'sync' : origin } : undefined,
    localChange: localEntries > 0 ? { entries: localEntries } : undefined,
  };
}
