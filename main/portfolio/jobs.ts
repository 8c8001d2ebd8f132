/**
 * Long work started from the UI (imports, full re-matches) runs as a job: the caller gets an id
 * at once, watches progress events, and picks up the result when it ends. Finished jobs are kept
 * for a while for late watchers, who start from the job's state so far (its progress events merged).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, on } from 'node:events';

export type JobEvent<P, R> = ({ kind: 'progress' } & P) | { kind: 'done'; result: R } | { kind: 'failed'; message: string } | { kind: 'cancelled'; message: string };

interface Job<P, R> {
  last: JobEvent<P, R>;
  events: EventEmitter;
  abort: AbortController;
  /** The work passed its point of no return (it is committing): a cancel can no longer stop it. */
  committing: boolean;
}

/** What a job's work is given besides progress: the cancel signal, and a way to say it is committing. */
export interface JobControl {
  signal: AbortSignal;
  /** From now on the work finishes whatever happens: `cancel` answers false instead of promising a stop it cannot keep. */
  committing(): void;
}

const KEEP_FINISHED_MS = 10 * 60_000;

export class Jobs<P extends object, R> {
  readonly #jobs = new Map<string, Job<P, R>>();
  readonly #initial: P;

  constructor(initialProgress: P) {
    this.#initial = initialProgress;
  }

  /** `work` gets a signal that `cancel` aborts; a job whose signal was aborted ends `cancelled`. */
  start(work: (progress: (p: P) => void, signal: AbortSignal, control: JobControl) => Promise<R>): string {
    const id = randomUUID();
    const job: Job<P, R> = { last: { kind: 'progress', ...this.#initial }, events: new EventEmitter(), abort: new AbortController(), committing: false };
    const control: JobControl = { signal: job.abort.signal, committing: () => void (job.committing = true) };
    this.#jobs.set(id, job);
    const emit = (event: JobEvent<P, R>) => {
      // A late watcher starts from `last`: progress events merge into it, so a field sent once (a
      // run's first results) stays in the job's state while later events carry only what changed.
      job.last = event.kind === 'progress' && job.last.kind === 'progress' ? { ...job.last, ...event } : event;
      job.events.emit('event', event);
    };
    // Let the caller subscribe before the work begins.
    setImmediate(() => {
      work((p) => emit({ kind: 'progress', ...p }), job.abort.signal, control)
        .then((result) => emit({ kind: 'done', result }))
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          emit(job.abort.signal.aborted ? { kind: 'cancelled', message } : { kind: 'failed', message });
        })
        .finally(() => setTimeout(() => this.#jobs.delete(id), KEEP_FINISHED_MS).unref());
    });
    return id;
  }

  /** Asks a running job to stop: true when it was still running (it ends `cancelled`), false when it had ended, is committing, or is unknown. */
  cancel(id: string): boolean {
    const job = this.#jobs.get(id);
    if (!job || job.last.kind !== 'progress' || job.abort.signal.aborted || job.committing) return false;
    job.abort.abort();
    return true;
  }

  /** The job's events from its latest one on, ending with `done`, `failed` or `cancelled`. */
  async *watch(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent<P, R>> {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job "${id}" (it finished more than 10 minutes ago, or never started)`);
    const iterator = on(job.events, 'event', signal ? { signal } : {});
    // `last` as it is now: the job may end while the watcher handles it, and that end is then
    // waiting in the iterator (reading `job.last` again after the yield would skip it)
    const first = job.last;
    yield first;
    if (first.kind !== 'progress') return;
    for await (const [event] of iterator as AsyncIterable<[JobEvent<P, R>]>) {
      yield event;
      if (event.kind !== 'progress') return;
    }
  }
}
