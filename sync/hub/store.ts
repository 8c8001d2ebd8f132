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
import { readerOf, type HubDb, type HubDialect } from './database.ts';
import type { SignInBackoff } from './limits.ts';
import type { Role, SessionKind } from './schema.ts';

export interface HubUser {
  id: string;
  email: string;
}

/** The user a valid token belongs to, and when that token stops working (if not used again). */
export interface HubSession extends HubUser {
  kind: Exclude<SessionKind, 'invite'>;
  expiresAt: string;
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
}

/** A pulled message with the email of the user who pushed it first ('' when the hub does not know). */
export type HubMessage = StoredMessage & { user: string };

export interface PullResult {
  messages: HubMessage[];
  /** Pass back as `since` to continue. */
  cursor: number;
  /** True when there is nothing after `cursor` (at the time of the pull). */
  done: boolean;
}

/** A stored message with its pusher's email (null when the hub does not know the pusher). */
type MessageRow = { seq: number | string; timestamp: string; dataset: string; row_id: string; column_name: string; value: string; client_id: string; email: string | null };

/** Raised for a state conflict the caller can fix (last owner, duplicate name); tRPC maps it. */
export class HubConflictError extends Error {}
export class HubNotFoundError extends Error {}
/** Raised when the caller may not do this whatever they retry (another user's node id). */
export class HubForbiddenError extends Error {}

/** Rows per INSERT: 9 parameters each stays under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 500;
/** How long a members.grant invite token works (once: accepting it consumes it). */
export const INVITE_DAYS = 14;
/** A sign-in session ends after this many days without use ... */
export const SESSION_IDLE_DAYS = 30;
/** ... and this many days after signing in, however often it is used. */
export const SESSION_MAX_DAYS = 90;
/** The token `turash hub grant` prints works this long (an operator's decision: no sliding). */
export const GRANT_DAYS = 90;
/** Sliding writes the expiry at most once per this interval, not on every request. */
const SLIDE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Rows per SELECT of a pull. */
const PULL_CHUNK = 1000;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The node id of an HLC timestamp: its last 16 hex digits (lower case). */
export function nodeOf(timestamp: string): string {
  return timestamp.slice(-16).toLowerCase();
}

function chunks<T>(items: T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export class HubStore {
  readonly db: HubDb;
  /**
   * Reads that need not queue behind writes: the SQLite hub's read-only connection (WAL: it
   * reads the last committed state while a push writes), PostgreSQL's pool itself.
   */
  readonly reader: HubDb;
  readonly dialect: HubDialect;
  /** Called after a push that stored something committed (the SQLite hub's in-process feed). */
  onCommitted: ((workspaceId: string, head: number) => void) | undefined;
  /** The hub's clock for session lifetimes and sign-in backoff (tests move it). */
  clock: () => number = Date.now;

  constructor(db: HubDb, dialect: HubDialect) {
    this.db = db;
    this.reader = readerOf(db);
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
      if (password !== undefined) await this.#writePassword(existing.id, password);
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

  async #writePassword(userId: string, password: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', userId).execute();
  }

  /**
   * Sets a new password and ends every other session of the user (a changed password is what
   * people do when they fear someone else has it). `keepToken`: the caller's own session.
   */
  async changePassword(userId: string, password: string, keepToken?: string): Promise<void> {
    await this.#writePassword(userId, password);
    await this.deleteSessionsOf(userId, keepToken);
  }

  /** The user when the password is right; undefined otherwise (same time either way). */
  async checkPassword(email: string, password: string): Promise<HubUser | undefined> {
    const user = await this.findUserByEmail(email);
    const ok = await verifyPassword(password, user?.password_hash ?? null);
    return ok && user ? { id: user.id, email: user.email } : undefined;
  }

  /**
   * A new token for the user. A sign-in session ends SESSION_IDLE_DAYS after its last use and
   * SESSION_MAX_DAYS after it began; a grant token (`turash hub grant`) GRANT_DAYS after it was
   * printed; an invite (members.grant) travels through chat and mail, works INVITE_DAYS and only
   * once, for acceptInvite (it is not a session).
   */
  async createSession(userId: string, kind: SessionKind, now = this.clock()): Promise<string> {
    const token = newToken();
    const days = kind === 'invite' ? INVITE_DAYS : kind === 'grant' ? GRANT_DAYS : SESSION_MAX_DAYS;
    const max = new Date(now + days * DAY_MS).toISOString();
    const expires = kind === 'sign-in' ? new Date(now + SESSION_IDLE_DAYS * DAY_MS).toISOString() : max;
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash(token), user_id: userId, kind, created_at: new Date(now).toISOString(), expires_at: expires, max_expires_at: max })
      .execute();
    return token;
  }

  /** The session of a valid token (never an invite); using a sign-in session slides its expiry. */
  async userOfToken(token: string): Promise<HubSession | undefined> {
    return (await this.sessionOf(token)).session;
  }

  /**
   * The session of a valid token and, when `workspaceId` is given, its user's role there (null:
   * not a member), in ONE query: every workspace request needs both, and asking twice was two
   * of the three statements the hub ran per request. Sliding as `userOfToken`.
   */
  async sessionOf(token: string, workspaceId?: string): Promise<{ session: HubSession | undefined; role: Role | null }> {
    const now = this.clock();
    const hash = tokenHash(token);
    const row = await this.reader
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('memberships', (join) => join.onRef('memberships.user_id', '=', 'users.id').on('memberships.workspace_id', '=', workspaceId ?? ''))
      .select(['users.id', 'users.email', 'sessions.kind', 'sessions.expires_at', 'sessions.max_expires_at', 'memberships.role'])
      .where('sessions.token_hash', '=', hash)
      .where('sessions.kind', '<>', 'invite')
      .where('sessions.expires_at', '>', new Date(now).toISOString())
      .executeTakeFirst();
    if (!row || row.kind === 'invite' || !row.expires_at) return { session: undefined, role: null };
    let expiresAt = row.expires_at;
    if (row.kind === 'sign-in') {
      const slid = Math.min(now + SESSION_IDLE_DAYS * DAY_MS, Date.parse(row.max_expires_at ?? row.expires_at));
      if (slid - Date.parse(row.expires_at) >= SLIDE_EVERY_MS) {
        expiresAt = new Date(slid).toISOString();
        await this.db.updateTable('sessions').set({ expires_at: expiresAt }).where('token_hash', '=', hash).execute();
      }
    }
    return { session: { id: row.id, email: row.email, kind: row.kind, expiresAt }, role: workspaceId === undefined ? null : (row.role ?? null) };
  }

  /** When a token stops working if not used again (for the sign-in answer). */
  async expiryOf(token: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('sessions').select('expires_at').where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    return row?.expires_at ?? undefined;
  }

  async deleteSession(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
  }

  /** Ends every session (and pending invite) of the user but `exceptToken`'s; how many ended. */
  async deleteSessionsOf(userId: string, exceptToken?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptToken !== undefined) query = query.where('token_hash', '<>', tokenHash(exceptToken));
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async recordSignIn(userId: string): Promise<void> {
    await this.db.updateTable('users').set({ last_sign_in_at: new Date(this.clock()).toISOString() }).where('id', '=', userId).execute();
  }

  /**
   * Exchanges an invite for a first password and a sign-in session. The invite is consumed
   * whatever happens next (deleted first, so two racing uses cannot both pass), and it never
   * changes a password that is set already. undefined: no such unexpired invite.
   */
  async acceptInvite(token: string, password: string): Promise<HubUser | undefined> {
    const hash = tokenHash(token);
    const invite = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email'])
      .where('sessions.token_hash', '=', hash)
      .where('sessions.kind', '=', 'invite')
      .where('sessions.expires_at', '>', new Date(this.clock()).toISOString())
      .executeTakeFirst();
    if (!invite) return undefined;
    const consumed = await this.db.deleteFrom('sessions').where('token_hash', '=', hash).where('kind', '=', 'invite').executeTakeFirst();
    if (Number(consumed.numDeletedRows) !== 1) return undefined;
    const passwordHash = await hashPassword(password);
    const set = await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', invite.id).where('password_hash', 'is', null).executeTakeFirst();
    if (Number(set.numUpdatedRows) !== 1) {
      throw new HubConflictError(`${invite.email} has a password already: sign in with it (an invite never changes a password; ask the hub's operator if it is lost)`);
    }
    // Other invites of the same person are spent too: the account has its password now.
    await this.db.deleteFrom('sessions').where('user_id', '=', invite.id).where('kind', '=', 'invite').execute();
    return { id: invite.id, email: invite.email };
  }

  // ---- failed sign-ins (per account, shared by every hub instance on one database)

  /** Seconds the account (by normalised email, existing or not) must wait before a sign-in. */
  async signInWait(email: string): Promise<number> {
    const row = await this.db.selectFrom('sign_in_failures').select('locked_until').where('email', '=', normaliseEmail(email)).executeTakeFirst();
    const until = row?.locked_until ? Date.parse(row.locked_until) : 0;
    return Math.max(0, Math.ceil((until - this.clock()) / 1000));
  }

  /**
   * Counts a failed sign-in; from `backoff.freeFailures` on, the account waits
   * baseSeconds * 2^(failures - freeFailures), at most maxSeconds. A count older than
   * forgetAfterHours starts again. The increment is one statement, so instances do not lose counts.
   */
  async recordSignInFailure(email: string, backoff: SignInBackoff): Promise<void> {
    const now = this.clock();
    const key = normaliseEmail(email);
    const stale = new Date(now - backoff.forgetAfterHours * 3_600_000).toISOString();
    await this.db.deleteFrom('sign_in_failures').where('last_failure_at', '<', stale).execute();
    const at = new Date(now).toISOString();
    const row = await this.db
      .insertInto('sign_in_failures')
      .values({ email: key, failures: 1, last_failure_at: at, locked_until: null })
      .onConflict((oc) => oc.column('email').doUpdateSet({ failures: sql<number>`sign_in_failures.failures + 1`, last_failure_at: at }))
      .returning('failures')
      .executeTakeFirstOrThrow();
    const over = Number(row.failures) - backoff.freeFailures;
    if (over < 0) return;
    const wait = Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.min(over, 30));
    await this.db.updateTable('sign_in_failures').set({ locked_until: new Date(now + wait * 1000).toISOString() }).where('email', '=', key).execute();
  }

  async clearSignInFailures(email: string): Promise<void> {
    await this.db.deleteFrom('sign_in_failures').where('email', '=', normaliseEmail(email)).execute();
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
    const row = await this.reader
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

  /**
   * Creates the workspace when missing (by name). `createdBy`: the user who made it through
   * workspaces.create; none when the operator's command line made it.
   */
  async ensureWorkspace(name: string, createdBy?: string): Promise<{ workspace: { id: string; name: string }; created: boolean }> {
    const existing = await this.findWorkspaceByName(name);
    if (existing) return { workspace: existing, created: false };
    const id = randomUUID();
    await this.db
      .insertInto('workspaces')
      .values({ id, name, next_seq: 0, created_at: new Date().toISOString(), created_by: createdBy ?? null })
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

  /** Who made a workspace through the API (undefined: the operator, or before this was kept). */
  async workspaceCreator(workspaceId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('workspaces')
      .leftJoin('users', 'users.id', 'workspaces.created_by')
      .select(['workspaces.created_by', 'users.email'])
      .where('workspaces.id', '=', workspaceId)
      .executeTakeFirst();
    return row?.created_by ? (row.email ?? 'a deleted user') : undefined;
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
      // Under the workspace's lock (the UPDATE above): claims of one workspace never race.
      await this.#claimNodes(tx, workspaceId, userId, messages);
      const inserted: string[] = [];
      if (this.dialect === 'sqlite') {
        // SQLite: the whole batch as ONE JSON parameter read with json_each (as
        // main/db/measurements.ts does): binding 9 parameters per row through the sqlite3 driver
        // and compiling a multi-row VALUES per 500 rows cost more than storing them. Same rows,
        // same sequence numbers (first + index), same skip of stored timestamps.
        const batch = JSON.stringify(messages.map((m) => [m.timestamp, m.dataset, m.row, m.column, m.value]));
        const stored = await sql`INSERT INTO messages
            (workspace_id, seq, timestamp, dataset, row_id, column_name, value, client_id, received_at, user_id)
          SELECT ${workspaceId}, ${first} + j.key, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, ${clientId}, ${now}, ${userId}
          FROM json_each(${batch}) j WHERE true
          ON CONFLICT (workspace_id, timestamp) DO NOTHING`.execute(tx);
        // Which were new, without a RETURNING row object per message: this push alone holds the
        // numbers first..head, so the stored ones are the rows there. When all were stored (the
        // statement's count of changed rows says so) that is the batch.
        if (Number(stored.numAffectedRows ?? -1) === messages.length) {
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
          user_id: userId,
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
      // No trie in the answer: reading the whole trie inside every push's write transaction held
      // the write lock for it, and no client used it (sync.merkle answers it, from one snapshot).
      return { acknowledged: messages.length, stored: inserted.length, head };
    });
    if (result.stored > 0) this.onCommitted?.(workspaceId, result.head);
    return result;
  }

  /**
   * Claims the node ids of the batch for the pushing user (the first pusher of a node id in a
   * workspace owns it) and refuses the batch when a message NEW to the hub carries a node id
   * another user claimed: nobody writes history in another member's name. A message the hub
   * holds already is skipped anyway, so re-sending another member's stored messages (a laptop
   * repairing after a merkle difference) still works.
   */
  async #claimNodes(tx: HubDb, workspaceId: string, userId: string, messages: ChangeMessage[]): Promise<void> {
    const firstIndex = new Map<string, number>();
    messages.forEach((m, i) => {
      const node = nodeOf(m.timestamp);
      if (!firstIndex.has(node)) firstIndex.set(node, i);
    });
    const nodes = [...firstIndex.keys()];
    const at = new Date().toISOString();
    const foreign = new Map<string, string>();
    for (const part of chunks(nodes)) {
      await tx
        .insertInto('node_claims')
        .values(part.map((node) => ({ workspace_id: workspaceId, node, user_id: userId, claimed_at: at })))
        .onConflict((oc) => oc.columns(['workspace_id', 'node']).doNothing())
        .execute();
      const others = await tx
        .selectFrom('node_claims')
        .innerJoin('users', 'users.id', 'node_claims.user_id')
        .select(['node_claims.node', 'users.email'])
        .where('node_claims.workspace_id', '=', workspaceId)
        .where('node_claims.node', 'in', part)
        .where('node_claims.user_id', '<>', userId)
        .execute();
      for (const row of others) foreign.set(row.node, row.email);
    }
    if (foreign.size === 0) return;
    const suspects = messages.map((m, index) => ({ m, index })).filter(({ m }) => foreign.has(nodeOf(m.timestamp)));
    const stored = new Set<string>();
    for (const part of chunks(suspects)) {
      const rows = await tx
        .selectFrom('messages')
        .select('timestamp')
        .where('workspace_id', '=', workspaceId)
        .where('timestamp', 'in', part.map(({ m }) => m.timestamp))
        .execute();
      for (const row of rows) stored.add(row.timestamp);
    }
    const forged = suspects.find(({ m }) => !stored.has(m.timestamp));
    if (forged) {
      const node = nodeOf(forged.m.timestamp);
      throw new HubForbiddenError(
        `messages[${forged.index}].timestamp: node id ${node} belongs to ${foreign.get(node)} in this workspace; ` +
          'a laptop pushes only messages it wrote, with its own node id (nothing of this push was stored)',
      );
    }
  }

  /**
   * Messages after `since` in sequence order: at most `limit`, and at most about `maxBytes` of
   * them (always at least one), read in chunks so a page of large values never sits in memory
   * twice over.
   */
  async pull(workspaceId: string, since: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<PullResult> {
    if (this.dialect === 'sqlite') return this.#pullSqlite(workspaceId, since, limit, maxBytes);
    // The head is read BEFORE the messages: every sequence number up to it was committed by then,
    // so a pull that reaches the end may move the cursor to the head, past the gaps duplicates
    // leave, without skipping anything (then `cursor === head` means "up to date").
    const head = await this.head(workspaceId);
    const messages: HubMessage[] = [];
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
        messages.push({ seq: after, timestamp: r.timestamp, dataset: r.dataset, row: r.row_id, column: r.column_name, value: r.value, client: r.client_id, user: r.email ?? '' });
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
   * fewer than the UTF-16 units the chunked read counts). The head and the pushers' emails (''
   * when the hub does not know the pusher) come from the same statement: one snapshot, in which
   * every sequence number up to the head is committed (one writer, pushes commit in order), so
   * a page that reaches the end may move the cursor to that head.
   */
  async #pullSqlite(workspaceId: string, since: number, limit: number, maxBytes: number): Promise<PullResult> {
    const budget = Number.isFinite(maxBytes) ? maxBytes : Number.MAX_SAFE_INTEGER;
    const { rows } = await sql<{ available: number; head: number | null; page: string | null }>`WITH
        sizes AS (SELECT seq, octet_length(value) + octet_length(row_id) + octet_length(column_name) + octet_length(dataset) + 100 AS size
                  FROM messages WHERE workspace_id = ${workspaceId} AND seq > ${since} ORDER BY seq LIMIT ${limit + 1}),
        running AS (SELECT seq, sum(size) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) AS total, row_number() OVER (ORDER BY seq) AS k FROM sizes),
        last AS (SELECT max(seq) AS seq FROM running WHERE k <= ${limit} AND (k = 1 OR total <= ${budget}))
      SELECT (SELECT count(*) FROM sizes) AS available,
        (SELECT next_seq FROM workspaces WHERE id = ${workspaceId}) AS head,
        (SELECT json_group_array(json_array(m.seq, m.timestamp, m.dataset, m.row_id, m.column_name, m.value, m.client_id, coalesce(u.email, '')))
         FROM messages m LEFT JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = ${workspaceId} AND m.seq > ${since} AND m.seq <= (SELECT seq FROM last)) AS page`.execute(this.reader);
    const head = Number(rows[0]?.head ?? 0);
    const tuples = JSON.parse(rows[0]?.page ?? '[]') as [number, string, string, string, string, string, string, string][];
    // Sorted here: the order must not depend on how SQLite feeds the aggregate.
    tuples.sort((a, b) => a[0] - b[0]);
    const messages = tuples.map(([seq, timestamp, dataset, row, column, value, client, user]) => ({ seq, timestamp, dataset, row, column, value, client, user }));
    const after = messages.length > 0 ? messages[messages.length - 1]!.seq : since;
    const done = messages.length === Number(rows[0]?.available ?? 0);
    return { messages, cursor: done ? Math.max(after, head) : after, done };
  }

  /** Up to `limit` messages with `seq > after`, in sequence order (PostgreSQL; SQLite: #pullSqlite). */
  async #messagesAfter(workspaceId: string, after: number, limit: number): Promise<MessageRow[]> {
    return this.reader
      .selectFrom('messages')
      .leftJoin('users', 'users.id', 'messages.user_id')
      .select(['messages.seq', 'messages.timestamp', 'messages.dataset', 'messages.row_id', 'messages.column_name', 'messages.value', 'messages.client_id', 'users.email'])
      .where('messages.workspace_id', '=', workspaceId)
      .where('messages.seq', '>', after)
      .orderBy('messages.seq')
      .limit(limit)
      .execute();
  }

  /**
   * The trie and the head from ONE snapshot. Read apart, a push committing in between gave a trie
   * ahead of the head: a laptop caught up to that head saw a difference and re-read the whole
   * workspace (290 times in 20 s with 200 laptops in `turash bench hub`). Both come from ONE
   * statement (the workspace joined with its trie nodes, the head on every row): a statement
   * reads one snapshot on SQLite (WAL) and on PostgreSQL, whatever commits meanwhile, and one
   * statement instead of a transaction of two is a quarter of the round trips.
   */
  async merkle(workspaceId: string): Promise<{ merkle: MerkleTrie; head: number }> {
    const rows = await this.reader
      .selectFrom('workspaces')
      .leftJoin('merkle_nodes', 'merkle_nodes.workspace_id', 'workspaces.id')
      .select(['workspaces.next_seq', 'merkle_nodes.prefix', 'merkle_nodes.hash'])
      .where('workspaces.id', '=', workspaceId)
      .execute();
    const nodes = rows.filter((n) => n.prefix !== null).map((n) => ({ prefix: n.prefix!, hash: Number(n.hash) }));
    return { head: Number(rows[0]?.next_seq ?? 0), merkle: fromNodes(nodes) };
  }

  // ---- the operator's view (`turash hub users | workspaces`)

  /** Every user: workspaces and roles, last sign-in, sessions that still work (invites apart). */
  async users(): Promise<{ email: string; workspaces: { name: string; id: string; role: Role }[]; lastSignIn: string | null; activeSessions: number; pendingInvite: boolean }[]> {
    const now = new Date(this.clock()).toISOString();
    const users = await this.db.selectFrom('users').select(['id', 'email', 'last_sign_in_at']).orderBy('email').execute();
    const memberships = await this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select(['memberships.user_id', 'workspaces.name', 'workspaces.id', 'memberships.role'])
      .orderBy('workspaces.name')
      .execute();
    const sessions = await this.db
      .selectFrom('sessions')
      .select(['user_id', 'kind', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('expires_at', '>', now)
      .groupBy(['user_id', 'kind'])
      .execute();
    return users.map((u) => ({
      email: u.email,
      workspaces: memberships.filter((m) => m.user_id === u.id).map((m) => ({ name: m.name, id: m.id, role: m.role })),
      lastSignIn: u.last_sign_in_at ?? null,
      activeSessions: sessions.filter((s) => s.user_id === u.id && s.kind !== 'invite').reduce((sum, s) => sum + Number(s.n), 0),
      pendingInvite: sessions.some((s) => s.user_id === u.id && s.kind === 'invite'),
    }));
  }

  /** Every workspace: members, stored messages, head, and who made it through the API. */
  async workspaceSummaries(): Promise<{ name: string; id: string; members: number; owners: string[]; messages: number; head: number; createdBy: string | null }[]> {
    const workspaces = await this.db
      .selectFrom('workspaces')
      .leftJoin('users', 'users.id', 'workspaces.created_by')
      .select(['workspaces.id', 'workspaces.name', 'workspaces.next_seq', 'users.email as creator'])
      .orderBy('workspaces.name')
      .execute();
    const members = await this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.workspace_id', 'memberships.role', 'users.email'])
      .orderBy('users.email')
      .execute();
    const counts = await this.db
      .selectFrom('messages')
      .select(['workspace_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('workspace_id')
      .execute();
    return workspaces.map((w) => ({
      name: w.name,
      id: w.id,
      members: members.filter((m) => m.workspace_id === w.id).length,
      owners: members.filter((m) => m.workspace_id === w.id && m.role === 'owner').map((m) => m.email),
      messages: Number(counts.find((c) => c.workspace_id === w.id)?.n ?? 0),
      head: Number(w.next_seq),
      createdBy: w.creator ?? null,
    }));
  }

  async head(workspaceId: string): Promise<number> {
    return this.#headIn(this.reader, workspaceId);
  }

  async #headIn(db: HubDb, workspaceId: string): Promise<number> {
    const row = await db.selectFrom('workspaces').select('next_seq').where('id', '=', workspaceId).executeTakeFirst();
    return Number(row?.next_seq ?? 0);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
