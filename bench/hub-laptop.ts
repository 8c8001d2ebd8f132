/**
 * A simulated laptop of `turash bench hub`: a lightweight replica speaking the real wire
 * protocol. It has its own HLC node id, its own user and token, its own outbox of change
 * messages (bench/hub-edits.ts), its own pull cursor and the set of messages it holds (a count
 * and a merkle trie, enough to prove nothing was lost), and one WebSocket with the `sync.live`
 * subscription. Its rounds copy the real sync client's (sync/client/client.ts): push the outbox
 * in batches (moving the cursor past its own push when nothing came between), pull pages until
 * done, then compare merkle tries with the hub (pulling again when the hub moved on); a local
 * change schedules a round after 20 ms, a live signal above the cursor one at once, rounds never
 * overlap.
 *
 * What it leaves out is the SQLite replica (staging and applying records), which costs the
 * laptop, not the hub: 200 of them would swamp a 2-core machine before the hub. The bench
 * compares it with the real client on real replicas at a small N (bench/hub-real.ts).
 */
import { performance } from 'node:perf_hooks';
import { createTRPCClient, createWSClient, httpBatchLink, TRPCClientError, wsLink, type TRPCClient } from '@trpc/client';
import type { HubRouter } from '../sync/hub/server.ts';
import { bearerWebSocket } from '../sync/transport/ws-client.ts';
import { diff, emptyTrie, insertAll, type MerkleTrie } from '../sync/protocol/merkle.ts';
import type { ChangeMessage } from '../sync/protocol/messages.ts';
import { EditStream, type BurstShape } from './hub-edits.ts';
import type { LiveBoard, Recorder } from './hub-measure.ts';

/** As the real client (sync/client/client.ts defaults). */
const PUSH_BATCH = 5000;
const PULL_LIMIT = 5000;
const DEBOUNCE_MS = 20;

export interface LaptopSetup {
  name: string;
  node: string;
  token: string;
  workspace: string;
  /** The hub instance this laptop talks to: http://.../trpc and ws://.../trpc. */
  url: string;
  wsUrl: string;
  seed: number;
  /** The bursts this laptop's user types (the pace's). */
  bursts: BurstShape;
}

function codeOf(error: unknown): string {
  if (error instanceof TRPCClientError) return (error.data as { code?: string } | undefined)?.code ?? 'NETWORK';
  return 'ERROR';
}

export class Laptop {
  readonly setup: LaptopSetup;
  readonly stream: EditStream;
  readonly #api: TRPCClient<HubRouter>;
  readonly #board: LiveBoard;
  readonly #recorder: Recorder;
  #outbox: ChangeMessage[] = [];
  cursor = 0;
  /** Own messages the hub acknowledged, and teammates' messages pulled: together, what it holds. */
  acknowledged = 0;
  received = 0;
  trie: MerkleTrie = emptyTrie();
  /** Failed rounds by tRPC code (retried with backoff, as the real client does). */
  readonly errors = new Map<string, number>();
  /**
   * Merkle checks that differed although the cursor was at the hub's head: a push committed
   * between the hub reading its head and its trie. Transient (the final check catches a real
   * loss), but each is a full repair for the real client.
   */
  merkleRaces = 0;
  #round: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #running = false;
  #ws: ReturnType<typeof createWSClient> | undefined;
  #subscription: { unsubscribe(): void } | undefined;
  #live = false;
  liveDrops = 0;

  constructor(setup: LaptopSetup, board: LiveBoard, recorder: Recorder) {
    this.setup = setup;
    this.stream = new EditStream(setup.node, setup.name, setup.seed, setup.bursts);
    this.#board = board;
    this.#recorder = recorder;
    this.#api = createTRPCClient<HubRouter>({
      links: [httpBatchLink({ url: setup.url, headers: () => ({ authorization: `Bearer ${setup.token}` }), maxItems: 4 })],
    });
    board.join(setup.workspace, setup.name);
  }

  get pending(): number {
    return this.#outbox.length;
  }

  get idle(): boolean {
    return this.#outbox.length === 0 && !this.#round && !this.#timer;
  }

  /** Opens the live subscription; resolves at its first signal (the current head). */
  connect(): Promise<void> {
    this.#running = true;
    this.#ws = createWSClient({
      url: this.setup.wsUrl,
      // As sync/client/hub-link.ts: the token in the upgrade's Authorization header.
      WebSocket: bearerWebSocket(this.setup.token) as unknown as typeof globalThis.WebSocket,
      retryDelayMs: () => 500,
      onClose: () => {
        if (this.#running && this.#live) this.liveDrops += 1;
        this.#live = false;
      },
    });
    const api = createTRPCClient<HubRouter>({ links: [wsLink({ client: this.#ws })] });
    return new Promise((resolve, reject) => {
      this.#subscription = api.sync.live.subscribe(
        { workspace: this.setup.workspace },
        {
          onData: (signal) => {
            this.#live = true;
            resolve();
            this.#board.signal(this.setup.workspace, this.setup.name, signal.head);
            if (signal.head > this.cursor) this.#schedule(0);
          },
          onError: (error) => {
            this.errors.set(`live ${codeOf(error)}`, (this.errors.get(`live ${codeOf(error)}`) ?? 0) + 1);
            reject(new Error(`${this.setup.name}: the live subscription failed: ${error.message}`));
          },
        },
      );
    });
  }

  /** The laptop's user typed a burst: it joins the outbox and a round follows. */
  edit(messages: ChangeMessage[]): void {
    this.#recorder.type(messages.length);
    this.#outbox.push(...messages);
    this.notifyLocalChange();
  }

  /** Messages join the outbox without scheduling a round (the saturated loop runs rounds itself). */
  queue(messages: ChangeMessage[]): void {
    this.#recorder.type(messages.length);
    this.#outbox.push(...messages);
  }

  notifyLocalChange(): void {
    if (!this.#running) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    this.#schedule(DEBOUNCE_MS);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.syncOnce().catch((error: unknown) => {
        const code = codeOf(error);
        this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
        // The real client's backoff: 500 ms doubling, half of it random, capped at 60 s.
        const ceiling = Math.min(60_000, 500 * 2 ** Math.min(this.#attempt++, 20));
        this.#schedule(ceiling / 2 + Math.random() * (ceiling / 2));
      });
    }, delayMs);
  }

  /** One round; a call during a round queues one more. */
  syncOnce(): Promise<void> {
    if (this.#round) {
      this.#again = true;
      return this.#round;
    }
    this.#round = this.#round_()
      .then(() => {
        this.#attempt = 0;
      })
      .finally(() => {
        this.#round = undefined;
        if (this.#again && this.#running) {
          this.#again = false;
          this.#schedule(0);
        }
      });
    return this.#round;
  }

  async #round_(): Promise<void> {
    const { workspace, node } = this.setup;
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.slice(0, PUSH_BATCH);
      const before = this.cursor;
      const result = await this.#api.sync.push.mutate({ workspace, client: node, messages: batch });
      const at = performance.now();
      this.#outbox.splice(0, batch.length);
      this.acknowledged += batch.length;
      this.#recorder.acked(batch.length);
      this.trie = insertAll(
        this.trie,
        batch.map((m) => m.timestamp),
      );
      // Nothing came between the cursor and this push: move past it (as sync/client does).
      if (result.head === before + batch.length) this.cursor = result.head;
      if (result.stored > 0) this.#board.acknowledged(workspace, this.setup.name, result.head, at);
    }
    await this.#pull();
    for (let check = 0; check < 3; check++) {
      const hub = await this.#api.sync.merkle.query({ workspace });
      if (diff(hub.merkle, this.trie) === null) return;
      if (hub.head > this.cursor) {
        await this.#pull();
        continue;
      }
      // The hub's trie holds a push its head does not cover (a hub reading the two apart; store.merkle
      // reads them from one snapshot): the real client would repair here (re-push from that minute,
      // pull the workspace again). Counted (must stay 0), and checked again.
      this.merkleRaces += 1;
    }
  }

  async #pull(): Promise<void> {
    const { workspace, node } = this.setup;
    for (;;) {
      const page = await this.#api.sync.pull.query({ workspace, since: this.cursor, limit: PULL_LIMIT });
      const theirs = page.messages.filter((m) => m.client !== node);
      for (const m of theirs) this.stream.learn(m);
      if (theirs.length > 0) {
        this.trie = insertAll(
          this.trie,
          theirs.map((m) => m.timestamp),
        );
      }
      this.received += theirs.length;
      this.cursor = page.cursor;
      if (page.done) return;
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#subscription?.unsubscribe();
    await this.#round?.catch(() => undefined);
    this.#ws?.close();
  }
}
