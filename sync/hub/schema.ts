/** The hub's tables, as Kysely sees them (the same on SQLite and PostgreSQL). */
import type { ColumnType } from 'kysely';

/** bigint comes back as a string from pg and as a number from sqlite3: read it through Number(). */
type BigIntColumn = ColumnType<number | string, number, number>;

export type Role = 'owner' | 'facilitator' | 'engineer' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'facilitator', 'engineer', 'viewer'];

/** sign-in: auth.signIn or acceptInvite; grant: printed by `turash hub grant`; invite: members.grant (single use, not a session). */
export type SessionKind = 'sign-in' | 'grant' | 'invite';

export interface HubDatabase {
  users: { id: string; email: string; password_hash: string | null; created_at: string; last_sign_in_at: ColumnType<string | null, string | null | undefined, string | null> };
  sessions: {
    token_hash: string;
    user_id: string;
    created_at: string;
    kind: SessionKind;
    /** Until then the token works (slid forward on use for sign-in sessions). */
    expires_at: string | null;
    /** Never after this, however often it is used. */
    max_expires_at: string | null;
  };
  workspaces: { id: string; name: string; next_seq: BigIntColumn; created_at: string; created_by: ColumnType<string | null, string | null | undefined, string | null> };
  node_claims: { workspace_id: string; node: string; user_id: string; claimed_at: string };
  sign_in_failures: { email: string; failures: number; last_failure_at: string; locked_until: string | null };
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
    user_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  clients: { workspace_id: string; client_id: string; user_id: string; first_seen: string; last_seen: string };
}
