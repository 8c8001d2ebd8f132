/**
 * The hub's storage operations: users, sessions, workspaces, memberships, and the message log.
 * Knows nothing of tRPC; the router checks who may call what, this file keeps the data consistent.
 *
 * Message sequence numbers: a push first bumps its workspace's `next_seq` (an UPDATE, which on
 * PostgreSQL locks the workspace row until commit), so pushes to one workspace commit one after
 * another in sequence order. A reader paging by `seq > cursor` therefore never skips a message
 * that commits later with a lower number. Duplicates leave harmless gaps in the numbering.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ChangeMessage, StoredMessage } from '../protocol/messages.ts';
import { fromNodes, nodeDeltas, type MerkleTrie } from '../protocol/merkle.ts';
import { hashPassword, newToken, tokenHash, verifyPassword } from './credentials.ts';
import type { HubDb, HubDialect } from './database.ts';
import type { Role } from './schema.ts';

export interface HubUser {
  id: string;
  email: string;
}

export interface WorkspaceMembership {
  id: string;
  name: string;
  role: Role;
}

export interface PushResult {
  /** Messages accepted (stored now or already stored before). */
  acknowledged: number;
  /** Messages new to the hub. */
  stored: number;
  /** The hub's per-workspace sequence number after the push. */
  head: number;
  merkle: MerkleTrie;
}

export interface PullResult {
  messages: StoredMessage[];
  /** Pass back as `since` to continue. */
  cursor: number;
  /** True when there is nothing after `cursor` (at the time of the pull). */
  done: boolean;
}

type MessageRow = { seq: number | string; timestamp: string; dataset: string; row_id: string; column_name: string; value: string; client_id: string };

/** Raised for a state conflict the caller can fix (last owner, duplicate name); tRPC maps it. */
export class HubConflictError extends Error {}
export class HubNotFoundError extends Error {}

/** Rows per INSERT: 9 parameters each stays under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 500;
/** How long a members.grant invite token works. */
export const INVITE_DAYS = 14;
/** Rows per SELECT of a pull. */
const PULL_CHUNK = 1000;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class HubStore {
  readonly db: HubDb;
  readonly dialect: HubDialect;
  /** Called after a push that stored something committed (the SQLite hub's in-process feed). */
  onCommitted: ((workspaceId: string, head: number) => void) | undefined;

  constructor(db: HubDb, dialect: HubDialect) {
    this.db = db;
    this.dialect = dialect;
  }

  // ---- users and sessions

  async findUserByEmail(email: string): Promise<(HubUser & { password_hash: string | null }) | undefined> {
    return this.db.selectFrom('users').select(['id', 'email', 'password_hash']).where('email', '=', normaliseEmail(email)).executeTakeFirst();
  }

  /** Creates the user when missing; a password is set only for a new user (or when given). */
  async ensureUser(email: string, password?: string): Promise<{ user: HubUser; created: boolean }> {
    const existing = await this.findUserByEmail(email);
    if (existing) {
      if (password !== undefined) await this.setPassword(existing.id, password);
      return { user: { id: existing.id, email: existing.email }, created: false };
    }
    const user = { id: randomUUID(), email: normaliseEmail(email) };
    await this.db
      .insertInto('users')
      .values({ ...user, password_hash: password === undefined ? null : await hashPassword(password), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    const stored = await this.findUserByEmail(email);
    return { user: { id: stored!.id, email: stored!.email }, created: stored!.id === user.id };
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', userId).execute();
  }

  /** The user when the password is right; undefined otherwise (same time either way). */
  async checkPassword(email: string, password: string): Promise<HubUser | undefined> {
    const user = await this.findUserByEmail(email);
    const ok = await verifyPassword(password, user?.password_hash ?? null);
    return ok && user ? { id: user.id, email: user.email } : undefined;
  }

  /**
   * A new token for the user. Invite tokens (members.grant) travel through chat and mail, so they
   * expire after INVITE_DAYS; the others last until signed out.
   */
  async createSession(userId: string, kind: 'sign-in' | 'grant' | 'invite', now = Date.now()): Promise<string> {
    const token = newToken();
    const expires = kind === 'invite' ? new Date(now + INVITE_DAYS * 86_400_000).toISOString() : null;
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash(token), user_id: userId, kind, created_at: new Date(now).toISOString(), expires_at: expires })
      .execute();
    return token;
  }

  async userOfToken(token: string): Promise<HubUser | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email'])
      .where('sessions.token_hash', '=', tokenHash(token))
      .where((eb) => eb.or([eb('sessions.expires_at', 'is', null), eb('sessions.expires_at', '>', new Date().toISOString())]))
      .executeTakeFirst();
  }

  async deleteSession(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
  }

  // ---- workspaces and memberships

  async workspacesOf(userId: string): Promise<WorkspaceMembership[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select(['workspaces.id', 'workspaces.name', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('workspaces.name')
      .execute();
  }

  async roleOf(userId: string, workspaceId: string): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', userId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return row?.role;
  }

  async findWorkspaceByName(name: string): Promise<{ id: string; name: string } | undefined> {
    return this.db.selectFrom('workspaces').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  }

  /** Creates the workspace when missing (by name). */
  async ensureWorkspace(name: string): Promise<{ workspace: { id: string; name: string }; created: boolean }> {
    const existing = await this.findWorkspaceByName(name);
    if (existing) return { workspace: existing, created: false };
    const id = randomUUID();
    await this.db
      .insertInto('workspaces')
      .values({ id, name, next_seq: 0, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const stored = (await this.findWorkspaceByName(name))!;
    return { workspace: stored, created: stored.id === id };
  }

  async grant(workspaceId: string, userId: string, role: Role): Promise<void> {
    if (role !== 'owner') await this.#keepAnOwner(workspaceId, userId);
    await this.db
      .insertInto('memberships')
      .values({ workspace_id: workspaceId, user_id: userId, role, granted_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role, granted_at: new Date().toISOString() }))
      .execute();
  }

  async revoke(workspaceId: string, userId: string): Promise<boolean> {
    await this.#keepAnOwner(workspaceId, userId);
    const result = await this.db.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** A workspace always keeps one owner: refuse to demote or remove the last one. */
  async #keepAnOwner(workspaceId: string, userId: string): Promise<void> {
    const owners = await this.db
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .execute();
    if (owners.length === 1 && owners[0]!.user_id === userId) {
      throw new HubConflictError('this is the workspace\'s last owner: make someone else owner first');
    }
  }

  async members(workspaceId: string): Promise<{ email: string; role: Role; grantedAt: string }[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.email', 'memberships.role', 'memberships.granted_at'])
      .where('memberships.workspace_id', '=', workspaceId)
      .orderBy('users.email')
      .execute();
    return rows.map((r) => ({ email: r.email, role: r.role, grantedAt: r.granted_at }));
  }

  // ---- messages

  /** Stores a batch all or nothing; messages already stored (same timestamp) are skipped. */
  async push(workspaceId: string, clientId: string, userId: string, messages: ChangeMessage[]): Promise<PushResult> {
    const now = new Date().toISOString();
    const result = await this.db.transaction().execute(async (tx) => {
      const reserved = await tx
        .updateTable('workspaces')
        .set({ next_seq: sql<number>`next_seq + ${messages.length}` })
        .where('id', '=', workspaceId)
        .returning('next_seq')
        .executeTakeFirst();
      if (!reserved) throw new HubNotFoundError(`workspace ${workspaceId} does not exist`);
      const head = Number(reserved.next_seq);
      const first = head - messages.length + 1;
      const inserted: string[] = [];
      if (this.dialect === 'sqlite') {
        // SQLite: the whole batch as ONE JSON parameter read with json_each (as
        // main/db/measurements.ts does): binding 9 parameters per row through the sqlite3 driver
        // and compiling a multi-row VALUES per 500 rows cost more than storing them. Same rows,
        // same sequence numbers (first + index), same skip of stored timestamps.
        const batch = JSON.stringify(messages.map((m) => [m.timestamp, m.dataset, m.row, m.column, m.value]));
        await sql`INSERT INTO messages
            (workspace_id, seq, timestamp, dataset, row_id, column_name, value, client_id, received_at)
          SELECT ${workspaceId}, ${first} + j.key, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, ${clientId}, ${now}
          FROM json_each(${batch}) j WHERE true
          ON CONFLICT (workspace_id, timestamp) DO NOTHING`.execute(tx);
        // Which were new, without a RETURNING row object per message: this push alone holds the
        // numbers first..head, so the stored ones are the rows there. When all were stored
        // (changes() counts them; the transaction holds the only connection) that is the batch.
        const { rows: counted } = await sql<{ n: number }>`SELECT changes() AS n`.execute(tx);
        if (Number(counted[0]?.n ?? -1) === messages.length) {
          for (const m of messages) inserted.push(m.timestamp);
        } else {
          const { rows: fresh } = await sql<{ timestamps: string | null }>`SELECT group_concat(timestamp, char(10)) AS timestamps
            FROM messages WHERE workspace_id = ${workspaceId} AND seq BETWEEN ${first} AND ${head}`.execute(tx);
          for (const timestamp of fresh[0]?.timestamps?.split('\n') ?? []) inserted.push(timestamp);
        }
      }
      for (let start = 0; this.dialect !== 'sqlite' && start < messages.length; start += INSERT_CHUNK) {
        const rows = messages.slice(start, start + INSERT_CHUNK).map((m, i) => ({
          workspace_id: workspaceId,
          seq: first + start + i,
          timestamp: m.timestamp,
          dataset: m.dataset,
          row_id: m.row,
          column_name: m.column,
          value: m.value,
          client_id: clientId,
          received_at: now,
        }));
        const fresh = await tx
          .insertInto('messages')
          .values(rows)
          .onConflict((oc) => oc.columns(['workspace_id', 'timestamp']).doNothing())
          .returning('timestamp')
          .execute();
        for (const row of fresh) inserted.push(row.timestamp);
      }
      if (inserted.length > 0) {
        const nodes = [...nodeDeltas(inserted)].map(([prefix, hash]) => ({ workspace_id: workspaceId, prefix, hash }));
        for (let start = 0; start < nodes.length; start += INSERT_CHUNK) {
          await tx
            .insertInto('merkle_nodes')
            .values(nodes.slice(start, start + INSERT_CHUNK))
            // XOR written as (a | b) - (a & b): the same SQL on SQLite (no XOR operator) and PostgreSQL.
            .onConflict((oc) =>
              oc.columns(['workspace_id', 'prefix']).doUpdateSet({ hash: sql<number>`(merkle_nodes.hash | excluded.hash) - (merkle_nodes.hash & excluded.hash)` }),
            )
            .execute();
        }
        if (this.dialect === 'postgres') {
          // Delivered to every listening hub instance when (and only if) this transaction commits.
          await sql`select pg_notify('turash_hub', ${`${workspaceId} ${head}`})`.execute(tx);
        }
      }
      await tx
        .insertInto('clients')
        .values({ workspace_id: workspaceId, client_id: clientId, user_id: userId, first_seen: now, last_seen: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'client_id']).doUpdateSet({ last_seen: now, user_id: userId }))
        .execute();
      return { acknowledged: messages.length, stored: inserted.length, head, merkle: await this.#merkleIn(tx, workspaceId) };
    });
    if (result.stored > 0) this.onCommitted?.(workspaceId, result.head);
    return result;
  }

  /**
   * Messages after `since` in sequence order: at most `limit`, and at most about `maxBytes` of
   * them (always at least one), read in chunks so a page of large values never sits in memory
   * twice over.
   */
  async pull(workspaceId: string, since: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<PullResult> {
    // The head is read BEFORE the messages: every sequence number up to it was committed by then,
    // so a pull that reaches the end may move the cursor to the head, past the gaps duplicates
    // leave, without skipping anything (then `cursor === head` means "up to date").
    const head = await this.head(workspaceId);
    if (this.dialect === 'sqlite') return this.#pullSqlite(workspaceId, since, limit, maxBytes, head);
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let after = since;
    let done = false;
    for (;;) {
      const want = Math.min(PULL_CHUNK, limit - messages.length);
      const rows = await this.#messagesAfter(workspaceId, after, want + 1);
      let full = false;
      for (const r of rows.slice(0, want)) {
        const size = r.value.length + r.row_id.length + r.column_name.length + r.dataset.length + 100;
        if (messages.length > 0 && bytes + size > maxBytes) {
          full = true;
          break;
        }
        bytes += size;
        after = Number(r.seq);
        messages.push({ seq: after, timestamp: r.timestamp, dataset: r.dataset, row: r.row_id, column: r.column_name, value: r.value, client: r.client_id });
      }
      if (full) break;
      if (rows.length <= want) {
        done = true;
        break;
      }
      if (messages.length >= limit) break;
    }
    return { messages, cursor: done ? Math.max(after, head) : after, done };
  }

  /**
   * SQLite: a page in ONE statement. The byte budget is applied inside SQLite over the sizes of
   * the messages (octet_length reads them from the record header, not the values), and only the
   * messages that fit (a range of sequence numbers) are read, as one JSON text: one statement per page instead of
   * one per 1000 messages, and never more values in memory than the page holds. Same page as the
   * chunked read (PostgreSQL): the longest run after `since` within `limit` and the budget, at
   * least one message; `done` when it is everything there is. Sizes count UTF-8 bytes (never
   * fewer than the UTF-16 units the chunked read counts).
   */
  async #pullSqlite(workspaceId: string, since: number, limit: number, maxBytes: number, head: number): Promise<PullResult> {
    const budget = Number.isFinite(maxBytes) ? maxBytes : Number.MAX_SAFE_INTEGER;
    const { rows } = await sql<{ available: number; page: string | null }>`WITH
        sizes AS (SELECT seq, octet_length(value) + octet_length(row_id) + octet_length(column_name) + octet_length(dataset) + 100 AS size
                  FROM messages WHERE workspace_id = ${workspaceId} AND seq > ${since} ORDER BY seq LIMIT ${limit + 1}),
        running AS (SELECT seq, sum(size) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) AS total, row_number() OVER (ORDER BY seq) AS k FROM sizes),
        last AS (SELECT max(seq) AS seq FROM running WHERE k <= ${limit} AND (k = 1 OR total <= ${budget}))
      SELECT (SELECT count(*) FROM sizes) AS available,
        (SELECT json_group_array(json_array(seq, timestamp, dataset, row_id, column_name, value, client_id)) FROM messages
         WHERE workspace_id = ${workspaceId} AND seq > ${since} AND seq <= (SELECT seq FROM last)) AS page`.execute(this.db);
    const tuples = JSON.parse(rows[0]?.page ?? '[]') as [number, string, string, string, string, string, string][];
    // Sorted here: the order must not depend on how SQLite feeds the aggregate.
    tuples.sort((a, b) => a[0] - b[0]);
    const messages = tuples.map(([seq, timestamp, dataset, row, column, value, client]) => ({ seq, timestamp, dataset, row, column, value, client }));
    const after = messages.length > 0 ? messages[messages.length - 1]!.seq : since;
    const done = messages.length === Number(rows[0]?.available ?? 0);
    return { messages, cursor: done ? Math.max(after, head) : after, done };
  }

  /** Up to `limit` messages with `seq > after`, in sequence order (PostgreSQL; SQLite: #pullSqlite). */
  async #messagesAfter(workspaceId: string, after: number, limit: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom('messages')
      .select(['seq', 'timestamp', 'dataset', 'row_id', 'column_name', 'value', 'client_id'])
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  async merkle(workspaceId: string): Promise<{ merkle: MerkleTrie; head: number }> {
    // Head first, like pull: the trie read after it covers at least every message up to it.
    const head = await this.head(workspaceId);
    return { merkle: await this.#merkleIn(this.db, workspaceId), head };
  }

  async #merkleIn(db: HubDb, workspaceId: string): Promise<MerkleTrie> {
    const nodes = await db.selectFrom('merkle_nodes').select(['prefix', 'hash']).where('workspace_id', '=', workspaceId).execute();
    return fromNodes(nodes.map((n) => ({ prefix: n.prefix, hash: Number(n.hash) })));
  }

  async head(workspaceId: string): Promise<number> {
    const row = await this.db.selectFrom('workspaces').select('next_seq').where('id', '=', workspaceId).executeTakeFirst();
    return Number(row?.next_seq ?? 0);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
