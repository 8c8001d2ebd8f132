/**
 * Imports started from the UI run as jobs, so the renderer shows progress while they run.
 */
import type { Repository } from '../db/repository.ts';
import { importFiles, type ImportInput, type ImportReport } from './import-file.ts';
import { Jobs, type JobEvent } from './jobs.ts';

export interface ImportProgressEvent {
  phase: 'parsing' | 'writing';
  done: number;
  total: number;
}

/** What `imports.watch` delivers; `done` carries the report (ok, or every problem). */
export type ImportEvent = { kind: 'progress'; phase: 'parsing' | 'writing'; done: number; total: number } | { kind: 'done'; report: ImportReport } | { kind: 'failed'; message: string };

export class ImportJobs {
  readonly #repo: Repository;
  readonly #onImported: () => void;
  readonly #jobs = new Jobs<ImportProgressEvent, ImportReport>({ phase: 'parsing', done: 0, total: 0 });

  /**
   * `onImported` runs after every import that wrote something. The core passes none: it learns of
   * imported flows from the repository's change events (origin 'import').
   */
  constructor(repo: Repository, onImported: () => void = () => {}) {
    this.#repo = repo;
    this.#onImported = onImported;
  }

  start(files: ImportInput[]): string {
    return this.#jobs.start(async (progress) => {
      const report = await importFiles(this.#repo, files, (done, total) => progress({ phase: 'writing', done, total }));
      if (report.ok) this.#onImported();
      return report;
    });
  }

  async *watch(id: string, signal?: AbortSignal): AsyncGenerator<ImportEvent> {
    for await (const event of this.#jobs.watch(id, signal)) yield toImportEvent(event);
  }
}

function toImportEvent(event: JobEvent<ImportProgressEvent, ImportReport>): ImportEvent {
  if (event.kind === 'done') return { kind: 'done', report: event.result };
  if (event.kind === 'cancelled') return { kind: 'failed', message: event.message }; // imports are not cancelled
  return event;
}
