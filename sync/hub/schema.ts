/** The hub's tables, as Kysely sees them (the same on SQLite and PostgreSQL). */
import type { ColumnType } from 'kysely';

/** bigint comes back as a string from pg and as a number from sqlite3: read it through Number(). */
type BigIntColumn = ColumnType<number | string, number, number>;

export type Role = 'owner' | 'facilitator' | 'engineer' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'facilitator', 'engineer', 'viewer'];

export interface HubDatabase {
  users: { id: string; email: string; password_hash: string | null; created_at: string };
  sessions: { token_hash: string; user_id: string; created_at: string; kind: 'sign-in' | 'grant' | 'invite'; expires_at: string | null };
  workspaces: { id: string; name: string; next_seq: BigIntColumn; created_at: string };
  merkle_nodes: { workspace_id: string; prefix: string; hash: number };
  memberships: { workspace_id: string; user_id: string; role: Role; granted_at: string };
  messages: {
    workspace_id: string;
    seq: BigIntColumn;
    timestamp: string;
    dataset: string;
    row_id: string;
    column_name: string;
    value: string;
    client_id: string;
    received_at: string;
  };
  clients: { workspace_id: string; client_id: string; user_id: string; first_seen: string; last_seen: string };
}
