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
};

function sqlRoleCheck() {
  return sql`role in ('owner', 'facilitator', 'engineer', 'viewer')`;
}

export const hubMigrations: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
