/**
 * Where packet PDFs are rendered: `inProcess` (the command line, the bench, tests) or a
 * `PacketWorker` (the API: a kept worker thread, so the event loop stays free meanwhile).
 */
import { Worker } from 'node:worker_threads';
import type { PacketData, Partner } from './bundle.ts';
import { renderPacketPdf } from './render.ts';
import type { RenderReply, RenderRequest } from './worker-main.ts';

export type RenderPdf = (data: PacketData, partner: Partner) => Promise<Buffer>;

export const inProcess: RenderPdf = renderPacketPdf;

/** The worker itself failed (could not start, crashed), as opposed to a packet that failed to render. */
class WorkerFailure extends Error {}

/** The development worker entry; the Electron bundle passes its own built file. */
export const DEFAULT_PACKET_WORKER_URL = new URL('./worker.mjs', import.meta.url);

export class PacketWorker {
  readonly #url: URL;
  #worker: Worker | undefined;
  #next = 1;
  #broken = false;
  readonly #pending = new Map<number, { resolve: (pdf: Buffer) => void; reject: (error: Error) => void }>();

  constructor(url: URL = DEFAULT_PACKET_WORKER_URL) {
    this.#url = url;
  }

  #start(): Worker {
    const worker = new Worker(this.#url);
    // An idle packet worker must not keep the command line or a test process alive.
    worker.unref();
    worker.on('message', (reply: RenderReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve(Buffer.from(reply.pdf.buffer, reply.pdf.byteOffset, reply.pdf.byteLength));
      else waiting.reject(new Error(`packet rendering failed: ${reply.message}`));
    });
    const fail = (error: Error) => {
      this.#worker = undefined;
      for (const waiting of this.#pending.values()) waiting.reject(new WorkerFailure(error.message));
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the packet worker stopped with exit code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #post(data: PacketData, partner: Partner): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const worker = this.#worker ?? this.#start();
      const id = this.#next++;
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, data, partner } satisfies RenderRequest);
    });
  }

  /**
   * Renders in the worker. When the worker itself cannot run (a packaged app started without its
   * built worker file, a crash), the packet is rendered in this thread instead: slower for the UI
   * for a moment, but the user gets the packet. A packet that fails to render fails either way.
   */
  readonly render: RenderPdf = async (data, partner) => {
    if (this.#broken) return inProcess(data, partner);
    try {
      return await this.#post(data, partner);
    } catch (error) {
      if (!(error instanceof WorkerFailure)) throw error;
      if (!this.#broken) console.error(`packet worker unavailable (${error.message}); rendering packets in the main thread`);
      this.#broken = true;
      return inProcess(data, partner);
    }
  };

  /** True once the worker failed and packets render in this thread. */
  get fellBack(): boolean {
    return this.#broken;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }
}
