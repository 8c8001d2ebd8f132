/**
 * The hub's schema, written once with Kysely's schema builder so the same migrations run on SQLite
 * and PostgreSQL (no dialect-specific SQL: text, bigint and composite keys only). Kysely's
 * Migrator records what ran and, on PostgreSQL, takes a lock so two hub instances starting at once
 * do not both migrate.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const MIGRATIONS: Record<string, Migration> = {
  '0001-users-workspaces-messages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        // ISO time after which the token no longer works; null: until signed out.
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('next_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull().check(sqlRoleCheck()))
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['workspace_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addColumn('dataset', 'text', (c) => c.notNull())
        .addColumn('row_id', 'text', (c) => c.notNull())
        .addColumn('column_name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('messages_pk', ['workspace_id', 'seq'])
        // The timestamp identifies a message (the HLC makes it unique per replica and event): a
        // re-pushed message hits this constraint and is not stored twice.
        .addUniqueConstraint('messages_timestamp_unique', ['workspace_id', 'timestamp'])
        .execute();
      // The merkle trie, one row per node (prefix of a base-3 minute key; '' is the root): a push
      // XORs its new timestamps into a few rows instead of rewriting a trie that grows forever.
      await db.schema
        .createTable('merkle_nodes')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('hash', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('merkle_nodes_pk', ['workspace_id', 'prefix'])
        .execute();
      await db.schema
        .createTable('clients')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('first_seen', 'text', (c) => c.notNull())
        .addColumn('last_seen', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('clients_pk', ['workspace_id', 'client_id'])
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
    },
  },
  /**
   * Accounts people can trust and messages tied to who pushed them (issue #14): sessions expire,
   * invites are single use (sessions of kind 'invite' are no longer accepted as bearer tokens),
   * failed sign-ins back off per account, messages record their pusher and node ids are claimed
   * by one user per workspace.
   */
  '0002-sessions-claims-backoff': {
    async up(db: Kysely<unknown>) {
      const now = Date.now();
      // A session works until expires_at (slid forward on use for sign-in sessions) and never
      // after max_expires_at. Tokens from before this migration never expired: they get the
      // lifetimes of a new sign-in from now on, so nobody is signed out by the upgrade.
      await db.schema.alterTable('sessions').addColumn('max_expires_at', 'text').execute();
      await sql`UPDATE sessions SET max_expires_at = ${new Date(now + 90 * 86_400_000).toISOString()} WHERE kind <> 'invite'`.execute(db);
      await sql`UPDATE sessions SET expires_at = ${new Date(now + 30 * 86_400_000).toISOString()} WHERE expires_at IS NULL AND kind = 'sign-in'`.execute(db);
      await sql`UPDATE sessions SET expires_at = max_expires_at WHERE expires_at IS NULL`.execute(db);
      await sql`UPDATE sessions SET max_expires_at = expires_at WHERE max_expires_at IS NULL`.execute(db);
      await db.schema.alterTable('users').addColumn('last_sign_in_at', 'text').execute();
      // Who made a workspace through workspaces.create (null: the operator's `turash hub grant`,
      // or made before this column): the CLI does not silently join a stranger's workspace.
      await db.schema.alterTable('workspaces').addColumn('created_by', 'text').execute();
      // The user who pushed each message first (history shows the hub's user, not what a laptop
      // claims). Older rows: the user the pushing client last pushed as.
      await db.schema.alterTable('messages').addColumn('user_id', 'text').execute();
      await sql`UPDATE messages SET user_id = (SELECT c.user_id FROM clients c WHERE c.workspace_id = messages.workspace_id AND c.client_id = messages.client_id)`.execute(db);
      // A node id (the last 16 hex of a timestamp) belongs to the first user who pushed it in a
      // workspace; another user's push with it is refused.
      await db.schema
        .createTable('node_claims')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('node_claims_pk', ['workspace_id', 'node'])
        .execute();
      await sql`INSERT INTO node_claims (workspace_id, node, user_id, claimed_at)
        SELECT workspace_id, lower(substr(timestamp, length(timestamp) - 15)), min(user_id), min(received_at)
        FROM messages WHERE user_id IS NOT NULL
        GROUP BY workspace_id, lower(substr(timestamp, length(timestamp) - 15))`.execute(db);
      // Failed sign-ins per normalised email (existing account or not, so the answer tells
      // nothing): in the database, so every hub instance on one PostgreSQL sees the same count.
      await db.schema
        .createTable('sign_in_failures')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .execute();
    },
  },
};

function sqlRoleCheck() {
  return sql`role in ('owner', 'facilitator', 'engineer', 'viewer')`;
}

export const hubMigrations: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
