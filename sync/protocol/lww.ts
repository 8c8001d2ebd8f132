/**
 * Last-writer-wins helpers both sides share. HLC timestamps sort as plain strings (fixed-width ISO
 * time, fixed-width counter, node id), so "newer" is a string comparison; equal timestamps are the
 * same event.
 */
import { TOMBSTONE_COLUMN, type ChangeMessage } from './messages.ts';

/** True when timestamp `a` is strictly newer than `b` (an absent `b` is older than anything). */
export function newer(a: string, b: string | undefined): boolean {
  return b === undefined || a > b;
}

/** Orders messages by timestamp, the order in which they must be applied. */
export function byTimestamp(a: ChangeMessage, b: ChangeMessage): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0;
}

export function isTombstone(message: ChangeMessage): boolean {
  return message.column === TOMBSTONE_COLUMN;
}

/** The key of the cell a message writes; one winner per key. */
export function cellKey(message: Pick<ChangeMessage, 'dataset' | 'row' | 'column'>): string {
  return `${message.dataset}\u0000${message.row}\u0000${message.column}`;
}

/**
 * Reduces a batch to the winning message per cell (the newest timestamp), e.g. before applying a
 * pulled page. Input order does not matter; the result is sorted by timestamp.
 */
export function winners(messages: Iterable<ChangeMessage>): ChangeMessage[] {
  const best = new Map<string, ChangeMessage>();
  for (const message of messages) {
    const key = cellKey(message);
    const current = best.get(key);
    if (!current || newer(message.timestamp, current.timestamp)) best.set(key, message);
  }
  return [...best.values()].sort(byTimestamp);
}
