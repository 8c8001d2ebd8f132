/**
 * "New messages in workspace W up to seq N": the signal behind sync.live. One SQLite hub feeds it
 * in-process after each commit; hub instances sharing one PostgreSQL feed it through
 * LISTEN/NOTIFY (the push sends pg_notify inside its transaction, so the signal exists only if
 * the messages were committed, and reaches every instance including the pushing one).
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';

export type FeedListener = (head: number) => void;

export class HubFeed {
  readonly #emitter = new EventEmitter();
  #client: pg.Client | undefined;
  #closed = false;
  #url: string | undefined;

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(workspaceId: string, head: number): void {
    this.#emitter.emit(workspaceId, head);
  }

  subscribe(workspaceId: string, listener: FeedListener): () => void {
    this.#emitter.on(workspaceId, listener);
    return () => this.#emitter.off(workspaceId, listener);
  }

  /** Starts listening on PostgreSQL's turash_hub channel (reconnecting if the server drops it). */
  async listen(url: string): Promise<void> {
    this.#url = url;
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (message) => {
      const [workspaceId, head] = (message.payload ?? '').split(' ');
      if (workspaceId && head) this.publish(workspaceId, Number(head));
    });
    client.on('error', () => {
      if (this.#closed) return;
      this.#client = undefined;
      // Clients re-check their cursor on every signal, so a missed one costs latency, not data.
      setTimeout(() => void this.#connect().catch(() => {}), 1000).unref();
    });
    await client.connect();
    await client.query('LISTEN turash_hub');
    if (this.#closed) await client.end();
    else this.#client = client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#emitter.removeAllListeners();
    await this.#client?.end().catch(() => {});
  }
}
