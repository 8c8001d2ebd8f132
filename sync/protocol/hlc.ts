/**
 * Hybrid logical clock (Kulkarni et al.; the variant of Actual Budget's `Timestamp`).
 *
 * Wall-clock milliseconds alone cannot order edits from laptops whose clocks disagree, and a pure
 * counter loses the "when". The HLC keeps the largest time seen (local or remote) plus a counter
 * for events within the same millisecond, plus the node id as the final tie-breaker, so every
 * timestamp is unique and the text sorts in causal order.
 *
 * Pure: the physical clock is injected, nothing is read from the environment.
 */

export const MAX_COUNTER = 0xffff;
/** How far ahead of our own wall clock a timestamp may be before we refuse it (Actual Budget's). */
export const DEFAULT_MAX_DRIFT_MS = 60_000;

export interface HlcParts {
  millis: number;
  counter: number;
  node: string;
}

export class TimestampFormatError extends Error {
  constructor(text: string) {
    super(`"${text.length > 80 ? `${text.slice(0, 80)}...` : text}" is not an HLC timestamp (YYYY-MM-DDTHH:mm:ss.sssZ-CCCC-NNNNNNNNNNNNNNNN)`);
    this.name = 'TimestampFormatError';
  }
}

export class ClockDriftError extends Error {
  readonly driftMs: number;
  constructor(millis: number, physical: number, maxDriftMs: number) {
    const driftMs = millis - physical;
    super(
      `clock drift: a timestamp at ${new Date(millis).toISOString()} is ${driftMs} ms ahead of this clock ` +
        `(${new Date(physical).toISOString()}); the limit is ${maxDriftMs} ms. Check the computer's clock.`,
    );
    this.name = 'ClockDriftError';
    this.driftMs = driftMs;
  }
}

export class CounterOverflowError extends Error {
  constructor() {
    super(`clock counter overflow: more than ${MAX_COUNTER + 1} events within one millisecond`);
    this.name = 'CounterOverflowError';
  }
}

const NODE_PATTERN = /^[0-9a-f]{16}$/;
const PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)-([0-9A-F]{4})-([0-9a-f]{16})$/i;
/** 24 characters of ISO time, a dash, 4 of counter, a dash, 16 of node. */
export const TIMESTAMP_LENGTH = 46;

/**
 * The times a timestamp may carry: from the epoch to the last millisecond whose minute the merkle
 * trie can key (16 base-3 digits of minutes since the epoch, sync/protocol/merkle.ts), i.e. up to
 * 2051-11-05T13:20:59.999Z. A later time would need a 17th digit, which breaks every trie holding
 * it; an earlier one a negative key. Every message, every stored clock and every trie key is
 * within this range.
 */
export const MIN_MILLIS = 0;
export const MAX_MILLIS = 3 ** 16 * 60_000 - 1;

export function formatTimestamp({ millis, counter, node }: HlcParts): string {
  if (!Number.isInteger(millis) || millis < MIN_MILLIS || millis > MAX_MILLIS) {
    throw new RangeError(`time ${millis} is out of range (${new Date(MIN_MILLIS).toISOString()} to ${new Date(MAX_MILLIS).toISOString()})`);
  }
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new CounterOverflowError();
  if (!NODE_PATTERN.test(node)) throw new RangeError(`node id "${node}" is not 16 lower-case hex digits`);
  return `${new Date(millis).toISOString()}-${counter.toString(16).toUpperCase().padStart(4, '0')}-${node}`;
}

/**
 * The last minute (`YYYY-MM-DDTHH:mm`) found valid and its first millisecond. Messages come in
 * bursts within a minute; parsing a date costs more than the rest of checking a message, and
 * every second (00-59) and millisecond of a valid minute is a valid time within the range (the
 * range ends at a minute's end).
 */
let knownMinute = '';
let knownMinuteMillis = 0;
const WITHIN_KNOWN_MINUTE = /^:([0-5]\d)\.(\d{3})Z-([0-9A-F]{4})-([0-9a-f]{16})$/i;

/** The parts of a timestamp, or undefined when it is not one (the single definition of "valid"). */
export function timestampParts(text: string): HlcParts | undefined {
  if (typeof text !== 'string' || text.length !== TIMESTAMP_LENGTH) return undefined;
  if (text.startsWith(knownMinute) && knownMinute !== '') {
    const rest = WITHIN_KNOWN_MINUTE.exec(text.slice(16));
    if (!rest) return undefined;
    return { millis: knownMinuteMillis + Number(rest[1]) * 1000 + Number(rest[2]), counter: parseInt(rest[3]!, 16), node: rest[4]!.toLowerCase() };
  }
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const millis = Date.parse(match[1]!);
  // Date.parse accepts 2026-02-31 (and second 99 on some engines); the round trip catches
  // every date and time that does not exist.
  if (Number.isNaN(millis) || millis < MIN_MILLIS || millis > MAX_MILLIS || new Date(millis).toISOString() !== match[1]) return undefined;
  knownMinute = text.slice(0, 16);
  knownMinuteMillis = millis - (millis % 60_000);
  return { millis, counter: parseInt(match[2]!, 16), node: match[3]!.toLowerCase() };
}

/** Whether `text` is an HLC timestamp `parseTimestamp` accepts. */
export function isTimestamp(text: unknown): text is string {
  return typeof text === 'string' && timestampParts(text) !== undefined;
}

export function parseTimestamp(text: string): HlcParts {
  const parts = timestampParts(text);
  if (!parts) throw new TimestampFormatError(String(text));
  return parts;
}

/** A random 16-hex node id (one per replica, kept with the replica). */
export function makeNodeId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ClockOptions {
  /** The physical clock, ms since the epoch (injected so the clock is testable). */
  now?: () => number;
  maxDriftMs?: number;
  /** The last timestamp this node issued or received (restored from storage). */
  last?: string;
}

export class HybridLogicalClock {
  readonly node: string;
  readonly #now: () => number;
  readonly #maxDriftMs: number;
  #millis: number;
  #counter: number;

  constructor(node: string, options: ClockOptions = {}) {
    if (!NODE_PATTERN.test(node)) throw new RangeError(`node id "${node}" is not 16 lower-case hex digits`);
    this.node = node;
    this.#now = options.now ?? Date.now;
    this.#maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS;
    const last = options.last === undefined ? undefined : parseTimestamp(options.last);
    this.#millis = last?.millis ?? 0;
    this.#counter = last?.counter ?? 0;
  }

  /** The clock's current state as a timestamp of this node (persist it to resume). */
  get last(): string {
    return formatTimestamp({ millis: this.#millis, counter: this.#counter, node: this.node });
  }

  /** A new timestamp for a local event, later than every timestamp sent or received so far. */
  send(): string {
    const physical = this.#now();
    const millis = Math.max(this.#millis, physical);
    const counter = millis === this.#millis ? this.#counter + 1 : 0;
    if (millis - physical > this.#maxDriftMs) throw new ClockDriftError(millis, physical, this.#maxDriftMs);
    if (counter > MAX_COUNTER) throw new CounterOverflowError();
    this.#millis = millis;
    this.#counter = counter;
    return formatTimestamp({ millis, counter, node: this.node });
  }

  /** Merges a remote timestamp, so the next `send()` sorts after it. Refuses one too far ahead. */
  receive(remote: string): void {
    const physical = this.#now();
    const theirs = parseTimestamp(remote);
    if (theirs.millis - physical > this.#maxDriftMs) throw new ClockDriftError(theirs.millis, physical, this.#maxDriftMs);
    const millis = Math.max(this.#millis, physical, theirs.millis);
    const counter =
      millis === this.#millis && millis === theirs.millis
        ? Math.max(this.#counter, theirs.counter) + 1
        : millis === this.#millis
          ? this.#counter + 1
          : millis === theirs.millis
            ? theirs.counter + 1
            : 0;
    if (millis - physical > this.#maxDriftMs) throw new ClockDriftError(millis, physical, this.#maxDriftMs);
    if (counter > MAX_COUNTER) throw new CounterOverflowError();
    this.#millis = millis;
    this.#counter = counter;
  }
}

/** 32-bit FNV-1a of a timestamp's text: the value the merkle trie XORs together. */
export function hashTimestamp(timestamp: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < timestamp.length; i++) {
    hash ^= timestamp.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
