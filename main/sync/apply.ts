/**
 * Applying hub messages to the local graph, in the caller's transaction (docs/sync.md, "Applying
 * messages"):
 *
 * 1. local changes not staged yet enter the cells first, so an unshipped local edit competes in
 *    last-writer-wins like any other message (and a record where one lost is re-materialised);
 * 2. every message is checked (inbound.ts); one that is not a valid change message is skipped and
 *    becomes a problem of the record it names; nothing a message holds can fail the page;
 * 3. a message more than 60 s ahead of this laptop's clock is held aside (aside.ts) and applied
 *    by the first apply at which the clock has caught up; held messages that are due are applied
 *    now;
 * 4. a message for a record that is private here is not applied (privacy.ts);
 * 5. the others are kept in the shared log and merged into the cells (newest timestamp wins; the
 *    same message twice changes nothing), the clock moves past them, and every touched record
 *    (and the records under it) is materialised from its cells (materialise.ts).
 */
import type { Transaction } from 'kysely';
import { CounterOverflowError, formatTimestamp, HybridLogicalClock, parseTimestamp } from '../../sync/protocol/hlc.ts';
import type { PulledMessage } from '../../sync/protocol/messages.ts';
import { loadNode, saveClock } from '../db/change-log.ts';
import type { Database } from '../db/schema.ts';
import { horizonOf, isAhead, knownAside, putAside, stillHeld, takeDue } from './aside.ts';
import { knownTimestamps, markPushed, mergeCells, recordMessages, type Cell } from './cells.ts';
import { isSyncedDataset, NODE_DATASET, type SyncedDataset } from './datasets.ts';
import { checkInbound } from './inbound.ts';
import { isKnownField, materialise, rowsWithCells, type ApplyResult } from './materialise.ts';
import { privateReasons } from './privacy.ts';
import { clearProblems, problemRows, recordProblem } from './problems.ts';
import { stageLocalChanges } from './stage.ts';

export { recordOfCells, materialise, type ApplyResult } from './materialise.ts';

type Tx = Transaction<Database>;

/**
 * Stages local changes (stage.ts) and re-materialises every record where a staged message lost
 * against a newer cell, so this laptop's table always shows what its cells (and so every other
 * laptop) hold. The clock is past everything applied, so that only happens with cells stamped
 * ahead of it before issue #14; each such record is reported.
 */
export async function settleLocalChanges(tx: Tx, now: string): Promise<void> {
  const outvoted = new Set<string>();
  await stageLocalChanges(tx, outvoted);
  if (outvoted.size === 0) return;
  const touched = new Map<SyncedDataset, Set<string>>();
  for (const key of outvoted) {
    const [dataset, row] = key.split('\u0000') as [string, string];
    if (!isSyncedDataset(dataset)) continue;
    if (!touched.has(dataset)) touched.set(dataset, new Set());
    touched.get(dataset)!.add(row);
    await recordProblem(tx, 'message', dataset, row, `${dataset} "${row}": a change made here lost against a newer one (stamped by a clock that was ahead); the record shows the newer one`, now);
  }
  await materialise(tx, touched, now);
}

/**
 * Moves this replica's clock past the newest applied timestamp, so a later local edit wins over
 * what was just applied. Every applied message is at most MAX_AHEAD_MS ahead of `nowMs` (later
 * ones are held), so no drift check is needed here; and one must not fail the page: this
 * replica's own clock may be ahead of the computer's (its clock was set back after local edits).
 * A counter already at its maximum (a hostile one) moves the clock to the next millisecond.
 */
async function receiveClock(tx: Tx, messages: PulledMessage[], nowMs: number): Promise<void> {
  if (messages.length === 0) return;
  const newest = messages.reduce((a, m) => (m.timestamp > a ? m.timestamp : a), '');
  const node = await loadNode(tx);
  const clock = new HybridLogicalClock(node.nodeId, { last: node.clock.last, now: () => nowMs, maxDriftMs: Number.MAX_SAFE_INTEGER });
  try {
    clock.receive(newest);
    node.clock = clock;
  } catch (error) {
    if (!(error instanceof CounterOverflowError)) throw error;
    const { millis } = parseTimestamp(newest);
    const past = formatTimestamp({ millis: Math.max(millis + 1, parseTimestamp(node.clock.last).millis), counter: 0, node: node.nodeId });
    node.clock = new HybridLogicalClock(node.nodeId, { last: past > node.clock.last ? past : node.clock.last, maxDriftMs: Number.MAX_SAFE_INTEGER });
  }
  await saveClock(tx, node);
}

const minutesAhead = (timestamp: string, nowMs: number) => Math.max(1, Math.round((parseTimestamp(timestamp).millis - nowMs) / 60_000));

/**
 * Applies a page of hub messages (see the module comment). `messages` may hold anything: what is
 * not a valid change message is skipped as a problem, never thrown.
 */
export async function applyRemote(tx: Tx, messages: readonly unknown[], now: string): Promise<ApplyResult> {
  const nowMs = Date.parse(now);
  const horizon = horizonOf(nowMs);
  await settleLocalChanges(tx, now);
  let problems = 0;

  // 1. The check of every message; refused ones with a valid timestamp are kept aside (the hub's
  //    merkle trie holds them, so this replica's must too).
  const good: PulledMessage[] = [];
  const refused: { timestamp: string; dataset: string; row: string; column: string }[] = [];
  for (const raw of messages) {
    const checked = checkInbound(raw);
    if (checked.ok) {
      good.push(checked.message);
      continue;
    }
    if (checked.timestamp) refused.push({ timestamp: checked.timestamp, dataset: checked.dataset, row: checked.row, column: '' });
    await recordProblem(tx, 'message', checked.dataset, checked.row, `a change from the hub was skipped: ${checked.reason}`, now);
    problems += 1;
  }
  if (refused.length > 0) await putAside(tx, 'refused', refused);

  // 2. Only new messages can change anything: one in the shared log was merged when it was
  //    stored (own messages echoed back by the hub are the common case), one aside was decided.
  const stamps = good.map((m) => m.timestamp);
  const known = await knownTimestamps(tx, stamps);
  const aside = await knownAside(tx, stamps);
  const fresh = good.filter((m) => !known.has(m.timestamp) && !aside.has(m.timestamp));
  // Known ones not acknowledged yet (a push whose answer was lost) are marked pushed.
  await markPushed(
    tx,
    [...known].filter(([, pushed]) => !pushed).map(([timestamp]) => timestamp),
  );

  // 3. Too far ahead: held (in the shared log, as the hub has it, but not in the cells).
  const held = fresh.filter((m) => isAhead(m.timestamp, horizon));
  const due = await takeDue(tx, horizon);
  let candidates = held.length === 0 ? fresh : fresh.filter((m) => !isAhead(m.timestamp, horizon));
  if (held.length > 0) {
    await recordMessages(tx, held, 1);
    await putAside(tx, 'held', held);
    for (const m of held) {
      await recordProblem(tx, 'held', m.dataset, m.row, `held: its clock is ${minutesAhead(m.timestamp, nowMs)} min ahead of this laptop's (a change to ${m.column}); applied when this clock reaches it`, now);
    }
    problems += held.length;
  }

  // 4. Private here: never applied. Fresh ones are kept aside, due held ones are already in the log.
  const pool = [...candidates, ...due];
  const reasons = await privateReasons(tx, pool);
  const applicable: PulledMessage[] = [];
  const ignored = new Set<PulledMessage>();
  for (let i = 0; i < pool.length; i++) {
    const m = pool[i]!;
    const why = reasons[i];
    if (why === undefined) {
      applicable.push(m);
      continue;
    }
    await recordProblem(tx, 'private', m.dataset, m.row, why, now);
    if (i < candidates.length) ignored.add(m);
  }
  if (ignored.size > 0) {
    await putAside(tx, 'private', [...ignored]);
    candidates = candidates.filter((m) => !ignored.has(m));
  }
  if (due.length > 0) {
    const records = [...new Map(due.map((m) => [`${m.dataset}\u0000${m.row}`, [m.dataset, m.row] as [string, string]])).values()];
    const waiting = await stillHeld(tx, records);
    await clearProblems(tx, 'held', records.filter(([d, r]) => !waiting.has(`${d}\u0000${r}`)));
  }

  // 5. Fields this version does not know (or datasets) stay in the cells, unused: reported once
  //    per record, as they may be a newer version's and become fields after an update.
  const unknown = new Map<string, { dataset: string; row: string; columns: Set<string> }>();
  for (const m of applicable) {
    if (isSyncedDataset(m.dataset) ? isKnownField(m.dataset, m.column) : m.dataset === NODE_DATASET) continue;
    const record = `${m.dataset}\u0000${m.row}`;
    if (!unknown.has(record)) unknown.set(record, { dataset: m.dataset, row: m.row, columns: new Set() });
    unknown.get(record)!.columns.add(m.column);
  }
  // One problem per record (a newer version's field on every record: one upsert each).
  for (const { dataset, row, columns } of unknown.values()) {
    const names = [...columns].sort().map((c) => `"${c}"`);
    const what = isSyncedDataset(dataset)
      ? `${names.length === 1 ? 'field' : 'fields'} ${names.join(', ')} of ${dataset} "${row}" ${names.length === 1 ? 'is not one' : 'are not ones'} this version of Turash Field knows`
      : `dataset "${dataset}" is not one this version of Turash Field knows`;
    await recordProblem(tx, 'message', dataset, row, `${what}; kept, not shown`, now);
  }

  // Records this page creates (no cell before it): their cells will be exactly the page's newest
  // message per column (what mergeCells keeps), so materialising them needs no read of what the
  // page just wrote.
  const pageCells = new Map<SyncedDataset, Map<string, Map<string, Cell>>>();
  for (const m of applicable) {
    if (!isSyncedDataset(m.dataset)) continue;
    let rows = pageCells.get(m.dataset);
    if (!rows) pageCells.set(m.dataset, (rows = new Map()));
    let columns = rows.get(m.row);
    if (!columns) rows.set(m.row, (columns = new Map()));
    const had = columns.get(m.column);
    if (!had || m.timestamp > had.timestamp) columns.set(m.column, { column: m.column, timestamp: m.timestamp, value: m.value });
  }
  const created = new Map<SyncedDataset, Map<string, Cell[]>>();
  for (const [dataset, rows] of pageCells) {
    const existing = await rowsWithCells(tx, dataset, [...rows.keys()]);
    const mine = new Map<string, Cell[]>();
    for (const [row, columns] of rows) if (!existing.has(row)) mine.set(row, [...columns.values()]);
    created.set(dataset, mine);
  }
  await recordMessages(tx, candidates, 1);
  const applied = await mergeCells(tx, applicable);
  await receiveClock(tx, applicable, nowMs);

  const users = new Map<string, string>();
  for (const m of applicable) users.set(m.timestamp, m.user ?? '');
  const touched = new Map<SyncedDataset, Set<string>>();
  const touch = (dataset: string, row: string) => {
    if (!isSyncedDataset(dataset)) return;
    if (!touched.has(dataset)) touched.set(dataset, new Set());
    touched.get(dataset)!.add(row);
  };
  for (const m of applicable) touch(m.dataset, m.row);
  // Records with an open problem are retried: a later message may have fixed them.
  for (const p of await problemRows(tx, 'record')) touch(p.dataset, p.row);
  const result = await materialise(tx, touched, now, created, users);
  return { applied, ...result, problems: result.problems + problems };
}
