/**
 * Imports started from the UI run as jobs, so the renderer can show progress while the import
 * runs and pick up the result when it ends. Finished jobs are kept for a while for late watchers.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import type { Repository } from '../db/repository.ts';
import { importFiles, type ImportInput, type ImportReport } from './import-file.ts';

export type ImportEvent =
  | { kind: 'progress'; phase: 'parsing' | 'writing'; done: number; total: number }
  | { kind: 'done'; report: ImportReport }
  | { kind: 'failed'; message: string };

interface Job {
  last: ImportEvent;
  events: EventEmitter;
}

const KEEP_FINISHED_MS = 10 * 60_000;

export class ImportJobs {
  readonly #repo: Repository;
  readonly #jobs = new Map<string, Job>();

  constructor(repo: Repository) {
    this.#repo = repo;
  }

  start(files: ImportInput[]): string {
    const id = randomUUID();
    const job: Job = { last: { kind: 'progress', phase: 'parsing', done: 0, total: 0 }, events: new EventEmitter() };
    this.#jobs.set(id, job);
    const emit = (event: ImportEvent) => {
      job.last = event;
      job.events.emit('event', event);
    };
    // Let the caller subscribe before the work begins.
    setImmediate(() => {
      importFiles(this.#repo, files, (done, total) => emit({ kind: 'progress', phase: 'writing', done, total }))
        .then((report) => emit({ kind: 'done', report }))
        .catch((error: unknown) => emit({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }))
        .finally(() => setTimeout(() => this.#jobs.delete(id), KEEP_FINISHED_MS).unref());
    });
    return id;
  }

  /** The job's events from its latest one on, ending with `done` or `failed`. */
  async *watch(id: string, signal?: AbortSignal): AsyncGenerator<ImportEvent> {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no import job "${id}" (it finished more than 10 minutes ago, or never started)`);
    const iterator = on(job.events, 'event', signal ? { signal } : {});
    yield job.last;
    if (job.last.kind !== 'progress') return;
    for await (const [event] of iterator as AsyncIterable<[ImportEvent]>) {
      yield event;
      if (event.kind !== 'progress') return;
    }
  }
}
