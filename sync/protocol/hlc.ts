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

export function formatTimestamp({ millis, counter, node }: HlcParts): string {
  if (!Number.isInteger(millis) || millis < 0 || millis > 253402300799999) throw new RangeError(`time ${millis} is out of range`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new CounterOverflowError();
  if (!NODE_PATTERN.test(node)) throw new RangeError(`node id "${node}" is not 16 lower-case hex digits`);
  return `${new Date(millis).toISOString()}-${counter.toString(16).toUpperCase().padStart(4, '0')}-${node}`;
}

export function parseTimestamp(text: string): HlcParts {
  const match = PATTERN.exec(text);
  if (!match) throw new TimestampFormatError(text);
  const millis = Date.parse(match[1]!);
  // Date.parse accepts 2026-02-31; the round trip catches dates that do not exist.
  if (Number.isNaN(millis) || new Date(millis).toISOString() !== match[1]) throw new TimestampFormatError(text);
  return { millis, counter: parseInt(match[2]!, 16), node: match[3]!.toLowerCase() };
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
