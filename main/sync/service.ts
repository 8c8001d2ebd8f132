/**
 * The sync service of the core: signing in to a hub, choosing a workspace, live sync in the
 * background, the status the header shows, "sync now", signing out, record history and sync
 * problems. (The flows an applied hub page changed are re-matched by the core, which follows the
 * repository's change events: main/db/repository-events.ts.)
 *
 * The hub token is kept through a `TokenVault` port: the desktop app passes one over its encrypted
 * SecretStore (main/app/secrets.ts); without one (browser host, command line) the token is kept in
 * the local database's sync_state table, readable by whoever can read the database file. That is
 * a deliberate, documented trade-off (docs/sync.md): the token is revocable on the hub (sign out).
 *
 * Hub sessions expire (sync/PROTOCOL.md: 30 days unused, 90 days at most; every sync slides the
 * first). An ended session is not retried: the status becomes an `error` saying to sign in again.
 */
import { EventEmitter } from 'node:events';
import { createTRPCClient, httpLink } from '@trpc/client';
import { SyncClient, describeError, type RoundReport, type SyncStatus } from '../../sync/client/client.ts';
import { hubHttp } from '../../sync/client/hub-link.ts';
import type { HubRouter } from '../../sync/hub/server.ts';
import type { Repository } from '../db/repository.ts';
import type { ApplyResult } from './apply.ts';
import type { HistoryEntry } from './history.ts';
import { LocalReplica, type SyncProblem } from './replica.ts';

export interface TokenVault {
  get(): Promise<string | undefined>;
  set(token: string | undefined): Promise<void>;
}

/** The token in the local database (browser host, command line): see the module comment. */
export function databaseVault(replica: LocalReplica): TokenVault {
  return {
    get: () => replica.state<string>('token'),
    set: (token) => replica.setState('token', token),
  };
}

export interface Workspace {
  id: string;
  name: string;
  role: string;
}

export interface SyncView extends SyncStatus {
  signedIn: boolean;
  hub: string | null;
  email: string | null;
  workspace: Workspace | null;
  workspaces: Workspace[];
  /** Changes kept on this laptop because their organization is private. */
  held: number;
  problems: number;
  tokenStorage: 'secret store' | 'local database';
}

export interface SyncServiceEvents {
  view: [view: SyncView];
  /** Records written or removed by applied hub messages (the UI reloads what it shows). */
  changed: [changes: ApplyResult['changed']];
}

interface Saved {
  hub?: string;
  email?: string;
  workspace?: Workspace;
  workspaces?: Workspace[];
}

const IDLE: SyncStatus = { state: 'idle', pending: 0, lastSync: null, lastError: null, live: false };

/** What the header shows when the hub no longer takes the saved token. */
export const SESSION_ENDED = 'your session ended: sign in again';

/** The sync client's words for a refused token (sync/client/client.ts describeError), in the user's. */
function inUserWords(status: SyncStatus): SyncStatus {
  return status.state === 'error' && status.lastError?.startsWith('the hub refused the token') ? { ...status, lastError: SESSION_ENDED } : status;
}

export class SyncService extends EventEmitter<SyncServiceEvents> {
  readonly replica: LocalReplica;
  readonly #stopFollowing: () => void;
  readonly #vault: TokenVault;
  readonly #secretStore: boolean;
  #client: SyncClient | undefined;
  #status: SyncStatus = IDLE;
  #view: SyncView | undefined;

  constructor(repo: Repository, options: { vault?: TokenVault } = {}) {
    super();
    this.replica = new LocalReplica(repo);
    this.#secretStore = options.vault !== undefined;
    this.#vault = options.vault ?? databaseVault(this.replica);
    this.replica.on('applied', (result) => {
      if (result.changed.length) this.emit('changed', result.changed);
    });
    // Local changes are pushed soon after they commit. Re-matching the flows a hub page changed
    // is not done here: the core follows every changed flow, whatever wrote it (repository-events.ts).
    this.#stopFollowing = repo.events.on('localChange', () => {
      this.#client?.notifyLocalChange();
      void this.#refresh();
    });
  }

  async #saved(): Promise<Saved> {
    return (await this.replica.state<Saved>('connection')) ?? {};
  }

  async view(): Promise<SyncView> {
    const saved = await this.#saved();
    const token = await this.#vault.get().catch(() => undefined);
    const [pending, held, problems] = await Promise.all([this.replica.pending(), this.replica.held(), this.replica.problems()]);
    const lastSync = this.#status.lastSync ?? (await this.replica.state<string>('lastSync')) ?? null;
    this.#view = {
      ...this.#status,
      pending,
      lastSync,
      signedIn: token !== undefined && saved.hub !== undefined,
      hub: saved.hub ?? null,
      email: saved.email ?? null,
      workspace: saved.workspace ?? null,
      workspaces: saved.workspaces ?? [],
      held,
      problems: problems.length,
      tokenStorage: this.#secretStore ? 'secret store' : 'local database',
    };
    return this.#view;
  }

  async #refresh(): Promise<void> {
    try {
      this.emit('view', await this.view());
    } catch {
      /* the database is closing */
    }
  }

  /** Signs in to a hub; returns the workspaces the user belongs to. */
  async signIn(input: { hub: string; email: string; password: string }): Promise<SyncView> {
    const hub = input.hub.replace(/\/+$/, '');
    const url = hub.endsWith('/trpc') ? hub : `${hub}/trpc`;
    const anonymous = createTRPCClient<HubRouter>({ links: [httpLink({ url })] });
    let result;
    try {
      result = await anonymous.auth.signIn.mutate({ email: input.email, password: input.password });
    } catch (error) {
      throw new Error(`sign-in at ${url} failed: ${describeError(error)}`);
    }
    await this.#stopClient();
    await this.#vault.set(result.token);
    const workspaces = result.workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role }));
    const only = workspaces.length === 1 ? workspaces[0] : undefined;
    await this.replica.setState('connection', { hub: url, email: result.user.email, workspaces, workspace: only } satisfies Saved);
    await this.replica.setActor(result.user.email);
    if (only) await this.#startClient();
    return this.view();
  }

  /** Uses an existing token (the command line's --token); looks up the user's workspaces. */
  async useToken(input: { hub: string; token: string }): Promise<SyncView> {
    const hub = input.hub.replace(/\/+$/, '');
    const url = hub.endsWith('/trpc') ? hub : `${hub}/trpc`;
    let me;
    try {
      me = await hubHttp({ url, token: input.token }).me.query();
    } catch (error) {
      throw new Error(`the hub at ${url} refused the token: ${describeError(error)}`);
    }
    await this.#vault.set(input.token);
    const workspaces = me.workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role }));
    const saved = await this.#saved();
    const keep = saved.workspace && workspaces.find((w) => w.id === saved.workspace!.id);
    await this.replica.setState('connection', { hub: url, email: me.user.email, workspaces, workspace: keep ?? (workspaces.length === 1 ? workspaces[0] : undefined) } satisfies Saved);
    await this.replica.setActor(me.user.email);
    return this.view();
  }

  /** Chooses the workspace to sync with (by id or name) and starts live sync. */
  async selectWorkspace(idOrName: string, options: { live?: boolean } = {}): Promise<SyncView> {
    const saved = await this.#saved();
    const workspace = saved.workspaces?.find((w) => w.id === idOrName || w.name === idOrName);
    if (!workspace) {
      const known = (saved.workspaces ?? []).map((w) => w.name).join(', ') || 'none';
      throw new Error(`workspace "${idOrName}" is not one of yours (${known})`);
    }
    if (saved.workspace && saved.workspace.id !== workspace.id) {
      // Another workspace is another stream of messages: read it from its beginning, and share
      // this laptop's shared records with it too (docs/sync.md: one database, one team picture).
      await this.replica.resetCursor();
      await this.replica.requeueSince(0);
    }
    await this.replica.setState('connection', { ...saved, workspace } satisfies Saved);
    await this.#stopClient();
    if (options.live !== false) await this.#startClient();
    return this.view();
  }

  async #makeClient(): Promise<SyncClient | undefined> {
    const saved = await this.#saved();
    const token = await this.#vault.get();
    if (!saved.hub || !saved.workspace || !token) return undefined;
    const client = new SyncClient(this.replica, { url: saved.hub, token, workspace: saved.workspace.id });
    client.on('status', (status) => {
      this.#status = inUserWords(status);
      void this.#refresh();
    });
    // a round ending while the database closes cannot record its time: it is not an error worth a crash
    client.on('round', () => void this.replica.setState('lastSync', new Date().toISOString()).catch(() => undefined));
    return client;
  }

  async #startClient(): Promise<void> {
    this.#client = await this.#makeClient();
    this.#client?.start();
  }

  async #stopClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.stop();
    this.#status = IDLE;
  }

  /** Resumes live sync at start when a hub, a workspace and a token are saved. */
  async resume(): Promise<void> {
    if (!this.#client) await this.#startClient();
  }

  /** One full round now (the live client's, or a one-off one). */
  async syncNow(): Promise<RoundReport> {
    const client = this.#client ?? (await this.#makeClient());
    if (!client) throw new Error('not connected: sign in to a hub and choose a workspace first');
    try {
      return await client.syncOnce();
    } finally {
      if (client !== this.#client) await client.stop();
      await this.#refresh();
    }
  }

  /**
   * Signs this laptop out. `everywhere`: ends every session of the user on the hub first (every
   * laptop, after a lost or stolen one); that must reach the hub, so its failure is reported and
   * nothing is signed out. A plain sign-out forgets the token even when the hub is unreachable.
   */
  async signOut(options: { everywhere?: boolean } = {}): Promise<SyncView> {
    const saved = await this.#saved();
    const token = await this.#vault.get().catch(() => undefined);
    if (options.everywhere) {
      if (!saved.hub || !token) throw new Error('not signed in to a hub: sign in first to sign out everywhere');
      try {
        await hubHttp({ url: saved.hub, token }).auth.signOutEverywhere.mutate();
      } catch (error) {
        throw new Error(`signing out everywhere at ${saved.hub} failed: ${describeError(error)}`);
      }
    }
    await this.#stopClient();
    if (saved.hub && token && !options.everywhere) await hubHttp({ url: saved.hub, token }).auth.signOut.mutate().catch(() => undefined);
    await this.#vault.set(undefined);
    // The hub address stays so signing in again is quick; the cursor stays with the replica.
    await this.replica.setState('connection', { hub: saved.hub } satisfies Saved);
    await this.replica.setActor('local user');
    return this.view();
  }

  history(entity: string, id: string): Promise<HistoryEntry[]> {
    return this.replica.history(entity, id);
  }

  problems(): Promise<SyncProblem[]> {
    return this.replica.problems();
  }

  /** A push or pull is under way (the desktop updater defers a restart until it ends). */
  isSyncing(): boolean {
    return this.#status.state === 'syncing';
  }

  async close(): Promise<void> {
    this.#stopFollowing();
    await this.#stopClient();
    this.removeAllListeners();
  }
}
