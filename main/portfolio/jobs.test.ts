/**
 * Jobs as a late watcher sees them: it starts from the job's state so far, so something reported
 * once (a run's first results) is not lost on a watcher that joins after it was sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Jobs } from './jobs.ts';

interface Progress {
  phase: string;
  done: number;
  preview?: string[];
}

test('a watcher joining a running job finds what was reported once, with the latest phase', async () => {
  const jobs = new Jobs<Progress, string>({ phase: 'loading', done: 0 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let reported!: () => void;
  const reportedAll = new Promise<void>((resolve) => (reported = resolve));
  const id = jobs.start(async (progress) => {
    progress({ phase: 'matching', done: 1, preview: ['m-a-b', 'm-c-d'] });
    progress({ phase: 'saving', done: 7 });
    reported();
    await finished;
    return 'ok';
  });
  await reportedAll;
  const late = jobs.watch(id);
  const first = (await late.next()).value;
  assert.deepEqual(first, { kind: 'progress', phase: 'saving', done: 7, preview: ['m-a-b', 'm-c-d'] });
  finish();
  const rest = [];
  for await (const event of late) rest.push(event);
  assert.deepEqual(rest, [{ kind: 'done', result: 'ok' }]);
});

test('a live watcher gets each event as sent (the one-off field once), and the end replaces the state', async () => {
  const jobs = new Jobs<Progress, string>({ phase: 'loading', done: 0 });
  let go!: () => void;
  const started = new Promise<void>((resolve) => (go = resolve));
  const id = jobs.start(async (progress) => {
    await started;
    progress({ phase: 'matching', done: 1, preview: ['m-a-b'] });
    progress({ phase: 'saving', done: 2 });
    return 'ok';
  });
  const watch = jobs.watch(id);
  const events = [(await watch.next()).value];
  go();
  for await (const event of watch) events.push(event);
  assert.deepEqual(events, [
    { kind: 'progress', phase: 'loading', done: 0 },
    { kind: 'progress', phase: 'matching', done: 1, preview: ['m-a-b'] },
    { kind: 'progress', phase: 'saving', done: 2 },
    { kind: 'done', result: 'ok' },
  ]);
  const after = [];
  for await (const event of jobs.watch(id)) after.push(event);
  assert.deepEqual(after, [{ kind: 'done', result: 'ok' }]);
});

test('a job that is committing refuses a cancel and ends done; before that, a cancel stops it', async () => {
  const jobs = new Jobs<Progress, string>({ phase: 'loading', done: 0 });
  let commit!: () => void;
  const mayCommit = new Promise<void>((resolve) => (commit = resolve));
  let atCommit!: () => void;
  const reachedCommit = new Promise<void>((resolve) => (atCommit = resolve));
  const committing = jobs.start(async (_progress, signal, control) => {
    control.committing();
    atCommit();
    await mayCommit;
    return signal.aborted ? 'aborted' : 'stored';
  });
  await reachedCommit;
  assert.equal(jobs.cancel(committing), false, 'a cancel it cannot honour is refused');
  commit();
  const ends = [];
  for await (const event of jobs.watch(committing)) ends.push(event);
  assert.deepEqual(ends.at(-1), { kind: 'done', result: 'stored' });

  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const stoppable = jobs.start(
    (_progress, signal) =>
      new Promise<string>((_resolve, reject) => {
        started();
        signal.addEventListener('abort', () => reject(new Error('stopped')));
      }),
  );
  await running;
  assert.equal(jobs.cancel(stoppable), true);
  const stopped = [];
  for await (const event of jobs.watch(stoppable)) stopped.push(event);
  assert.equal(stopped.at(-1)!.kind, 'cancelled');
});
