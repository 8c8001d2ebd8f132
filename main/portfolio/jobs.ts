/**
 * Long work started from the UI (imports, full re-matches) runs as a job: the caller gets an id
 * at once, watches progress events, and picks up the result when it ends. Finished jobs are kept
 * for a while for late watchers.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, on } from 'node:events';

export type JobEvent<P, R> = ({ kind: 'progress' } & P) | { kind: 'done'; result: R } | { kind: 'failed'; message: string };

interface Job<P, R> {
  last: JobEvent<P, R>;
  events: EventEmitter;
}

const KEEP_FINISHED_MS = 10 * 60_000;

export class Jobs<P extends object, R> {
  readonly #jobs = new Map<string, Job<P, R>>();
  readonly #initial: P;

  constructor(initialProgress: P) {
    this.#initial = initialProgress;
  }

  start(work: (progress: (p: P) => void) => Promise<R>): string {
    const id = randomUUID();
    const job: Job<P, R> = { last: { kind: 'progress', ...this.#initial }, events: new EventEmitter() };
    this.#jobs.set(id, job);
    const emit = (event: JobEvent<P, R>) => {
      job.last = event;
      job.events.emit('event', event);
    };
    // Let the caller subscribe before the work begins.
    setImmediate(() => {
      work((p) => emit({ kind: 'progress', ...p }))
        .then((result) => emit({ kind: 'done', result }))
        .catch((error: unknown) => emit({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }))
        .finally(() => setTimeout(() => this.#jobs.delete(id), KEEP_FINISHED_MS).unref());
    });
    return id;
  }

  /** The job's events from its latest one on, ending with `done` or `failed`. */
  async *watch(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent<P, R>> {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job "${id}" (it finished more than 10 minutes ago, or never started)`);
    const iterator = on(job.events, 'event', signal ? { signal } : {});
    yield job.last;
    if (job.last.kind !== 'progress') return;
    for await (const [event] of iterator as AsyncIterable<[JobEvent<P, R>]>) {
      yield event;
      if (event.kind !== 'progress') return;
    }
  }
}
