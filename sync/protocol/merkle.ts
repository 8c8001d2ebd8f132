/**
 * The merkle trie over message timestamps (Actual Budget's design), used to find the earliest
 * point where two replicas differ without comparing every message.
 *
 * Keys are the minute of each timestamp (ms since the epoch / 60000) written in base 3, 16 digits
 * (enough until 2051-11-05T13:20:59.999Z: hlc.ts MAX_MILLIS, beyond which no timestamp is valid), so the trie has at most 3 children per node and the path to a
 * minute is the minute itself. Every node holds the XOR of the hashes of all timestamps below it:
 * insertion order does not matter, and two replicas holding the same set of timestamps have equal
 * root hashes. `diff` walks down the first (oldest) child whose hashes differ and returns the start
 * of that minute: everything before it is known to be the same on both sides.
 *
 * Every timestamp must be inserted once: inserting the same one twice would XOR it out again. The
 * hub guarantees that by inserting only messages it did not already store.
 *
 * Plain JSON objects, so a trie travels over the wire and into a database column as is.
 */
import { hashTimestamp, parseTimestamp, TIMESTAMP_LENGTH } from './hlc.ts';

export interface MerkleTrie {
  hash: number;
  '0'?: MerkleTrie;
  '1'?: MerkleTrie;
  '2'?: MerkleTrie;
}

type Digit = '0' | '1' | '2';
const DIGITS: readonly Digit[] = ['0', '1', '2'];
export const KEY_DIGITS = 16;

export function emptyTrie(): MerkleTrie {
  return { hash: 0 };
}

/** The base-3 key of the minute a timestamp falls in. */
export function keyOfMillis(millis: number): string {
  return Math.floor(millis / 60_000).toString(3).padStart(KEY_DIGITS, '0');
}

/** The first millisecond of the minute a (partial) key designates; missing digits are 0. */
export function millisOfKey(key: string): number {
  return parseInt(key.padEnd(KEY_DIGITS, '0'), 3) * 60_000;
}

let cachedMinute = '';
let cachedKey = '';

/**
 * The rest of a timestamp after a minute already validated: seconds 00-59 (any of them exists
 * in every real minute; UTC in ISO text has no leap second), milliseconds, counter, node.
 */
const REST_OF_MINUTE = /^:[0-5]\d\.\d{3}Z-[0-9A-F]{4}-[0-9a-f]{16}$/i;

/**
 * The trie key of an HLC timestamp, which is validated in full every time (a timestamp that is
 * not one must never get a key: the hub would store it and every laptop would choke on it).
 * Consecutive messages mostly share a minute, so the minute's key is cached; what follows the
 * minute is then checked with one pattern, which is the rest of `parseTimestamp`'s rules.
 */
function keyOf(timestamp: string): string {
  const minute = timestamp.slice(0, 16); // YYYY-MM-DDTHH:mm
  if (minute === cachedMinute && timestamp.length === TIMESTAMP_LENGTH && REST_OF_MINUTE.test(timestamp.slice(16))) return cachedKey;
  const key = keyOfMillis(parseTimestamp(timestamp).millis); // validates; throws the clear error
  cachedMinute = minute;
  cachedKey = key;
  return key;
}

/**
 * The XOR of the hashes of the timestamps per trie key (minute). A node's hash is the XOR over
 * the timestamps below it, so XORing per minute first and walking each minute's path once gives
 * the same trie as walking the path per timestamp (a batch of 10,000 messages spans few minutes).
 */
function hashesByKey(timestamps: Iterable<string>): Map<string, number> {
  const byKey = new Map<string, number>();
  for (const timestamp of timestamps) {
    const key = keyOf(timestamp);
    byKey.set(key, ((byKey.get(key) ?? 0) ^ hashTimestamp(timestamp)) | 0);
  }
  return byKey;
}

/** XORs a hash into the path of a key, in place (callers own the trie they mutate). */
function insertInPlace(trie: MerkleTrie, key: string, hash: number): void {
  trie.hash = (trie.hash ^ hash) | 0;
  let node = trie;
  for (let i = 0; i < key.length; i++) {
    const digit = key[i] as Digit;
    const child = node[digit] ?? (node[digit] = emptyTrie());
    child.hash = (child.hash ^ hash) | 0;
    node = child;
  }
}

function clone(trie: MerkleTrie): MerkleTrie {
  const copy: MerkleTrie = { hash: trie.hash };
  for (const digit of DIGITS) if (trie[digit]) copy[digit] = clone(trie[digit]!);
  return copy;
}

/** A new trie with the timestamp added (the input is not modified). */
export function insert(trie: MerkleTrie, timestamp: string): MerkleTrie {
  return insertAll(trie, [timestamp]);
}

/** A new trie with many timestamps added, each new to the trie (the input is not modified). */
export function insertAll(trie: MerkleTrie, timestamps: Iterable<string>): MerkleTrie {
  const result = clone(trie);
  for (const [key, hash] of hashesByKey(timestamps)) insertInPlace(result, key, hash);
  return result;
}

/**
 * The trie as flat (prefix, hash) changes: for each timestamp, its hash XORed into the root ('')
 * and into every prefix of its key. Storage that keeps one row per node (the hub) applies these
 * with an XOR upsert instead of rewriting the whole trie; `fromNodes` rebuilds the trie.
 */
export function nodeDeltas(timestamps: Iterable<string>): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const [key, hash] of hashesByKey(timestamps)) {
    for (let length = 0; length <= key.length; length++) {
      const prefix = key.slice(0, length);
      deltas.set(prefix, ((deltas.get(prefix) ?? 0) ^ hash) | 0);
    }
  }
  return deltas;
}

/** The trie from its nodes as (prefix, hash) rows (any order). */
export function fromNodes(nodes: Iterable<{ prefix: string; hash: number }>): MerkleTrie {
  const root = emptyTrie();
  for (const { prefix, hash } of nodes) {
    let node = root;
    for (let i = 0; i < prefix.length; i++) {
      const digit = prefix[i] as Digit;
      if (!DIGITS.includes(digit)) throw new RangeError(`merkle node "${prefix}" is not a base-3 key`);
      node = node[digit] ?? (node[digit] = emptyTrie());
    }
    node.hash = hash | 0;
  }
  return root;
}

export function build(timestamps: Iterable<string>): MerkleTrie {
  return insertAll(emptyTrie(), timestamps);
}

/**
 * The earliest time (ms, start of a minute) from which the two tries may differ, or null when they
 * hold the same timestamps. Sync everything from that time on.
 */
export function diff(a: MerkleTrie, b: MerkleTrie): number | null {
  if (a.hash === b.hash) return null;
  let nodeA: MerkleTrie = a;
  let nodeB: MerkleTrie = b;
  let key = '';
  for (;;) {
    const next = DIGITS.find((digit) => (nodeA[digit]?.hash ?? 0) !== (nodeB[digit]?.hash ?? 0));
    // Equal children but unequal parents cannot happen in a well-formed trie; stop at this prefix.
    if (next === undefined) return millisOfKey(key);
    key += next;
    if (key.length === KEY_DIGITS) return millisOfKey(key);
    nodeA = nodeA[next] ?? emptyTrie();
    nodeB = nodeB[next] ?? emptyTrie();
  }
}

/**
 * Keeps only the newest `keep` children at every level (Actual Budget keeps 2), so the trie stays
 * small. A diff of pruned tries still finds a point at or before the first difference among
 * recent minutes; very old differences are reported from the oldest kept branch on.
 */
export function prune(trie: MerkleTrie, keep = 2): MerkleTrie {
  const present = DIGITS.filter((digit) => trie[digit] !== undefined);
  const result: MerkleTrie = { hash: trie.hash };
  for (const digit of present.slice(-keep)) result[digit] = prune(trie[digit]!, keep);
  return result;
}

/** Number of nodes (for limits and benchmarks). */
export function size(trie: MerkleTrie): number {
  let count = 1;
  for (const digit of DIGITS) if (trie[digit]) count += size(trie[digit]!);
  return count;
}

/** Validates a trie that came over the wire or out of storage (depth, keys, hash types). */
export function isMerkleTrie(value: unknown, depth = 0): value is MerkleTrie {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > KEY_DIGITS) return false;
  const record = value as Record<string, unknown>;
  if (!Number.isInteger(record.hash)) return false;
  for (const key of Object.keys(record)) {
    if (key === 'hash') continue;
    if (!DIGITS.includes(key as Digit) || !isMerkleTrie(record[key], depth + 1)) return false;
  }
  return true;
}
