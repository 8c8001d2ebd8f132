/**
 * The change message: the one unit the sync moves between laptops and the hub. One message sets
 * one field of one record (or deletes the record) at one hybrid-logical-clock time, so merging two
 * replicas is last-writer-wins per (dataset, row, column) and applying a message twice is harmless.
 *
 * The hub stores and relays these opaquely; the limits here exist so a hostile or broken client
 * cannot make the hub store garbage or huge rows. Domain validation happens where data is applied
 * (main/sync), never here.
 */
import { z } from 'zod';
import { isTimestamp } from './hlc.ts';

export interface ChangeMessage {
  /** HLC, Actual Budget's format, sortable as a string:
   *  `${new Date(ms).toISOString()}-${counter 4 hex}-${node id 16 hex}`, e.g.
   *  2026-11-25T01:00:00.000Z-0000-0123456789abcdef */
  timestamp: string;
  /** What kind of record: 'organization' | 'site' | 'flow' | 'device' | 'point' | 'match' |
   *  'match_event' | 'measurement_hour' ...; opaque to the hub. */
  dataset: string;
  /** The record's id. */
  row: string;
  /** A field name, or '__deleted' for a tombstone (value 'true'). */
  column: string;
  /** The field's value as JSON text ('null' removes an optional field). */
  value: string;
}

/** The column of a tombstone message; its value is 'true'. */
export const TOMBSTONE_COLUMN = '__deleted';

/**
 * The shape of HLC text: ISO time in UTC with milliseconds, 4 hex counter, 16 hex node id. Only
 * the shape: a timestamp is valid when `isTimestamp` (hlc.ts) accepts it (a real date and time
 * within the range the merkle trie can key), which the schema and `asChangeMessage` check.
 */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9A-F]{4}-[0-9a-f]{16}$/i;

export const MESSAGE_LIMITS = {
  datasetChars: 64,
  rowChars: 200,
  columnChars: 128,
  /** A field value as JSON text; hourly aggregates and notes fit easily, blobs do not belong here. */
  valueChars: 64 * 1024,
  /**
   * Arrays and objects nested in a value. A record's deepest field (a flow's temporal profile) is
   * a few levels; a value nested thousands deep overflows the stack of whatever reads it
   * recursively (validation, JSON.stringify) on every laptop.
   */
  jsonDepth: 32,
} as const;

const DATASET_PATTERN = /^[a-z][a-z0-9_]*$/;
const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function hasNoControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * Whether JSON text nests arrays and objects at most `max` deep: one pass over the characters,
 * no recursion and no parse (it runs before JSON.parse, on text from anyone). Brackets inside
 * strings do not count; malformed text is left to JSON.parse.
 */
export function jsonDepthWithin(text: string, max: number = MESSAGE_LIMITS.jsonDepth): boolean {
  if (text.length <= max) return true; // not enough characters to open more than `max`
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return false;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return true;
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * No lone UTF-16 surrogate: such text has no UTF-8 form, and SQLite and PostgreSQL store it
 * differently (one id would become two). Escaped in JSON text (`\ud800`) it is plain ASCII.
 */
function isWellFormed(text: string): boolean {
  // ES2024 (Node 20 has it); the project's TypeScript lib is ES2023.
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

const TIMESTAMP_MESSAGE = 'not an HLC timestamp (YYYY-MM-DDTHH:mm:ss.sssZ-CCCC-NNNNNNNNNNNNNNNN, a real UTC date and time from 1970 to 2051-11-05)';

export const changeMessageSchema = z
  .object({
    timestamp: z.string().max(64).refine(isTimestamp, TIMESTAMP_MESSAGE),
    dataset: z
      .string()
      .min(1)
      .max(MESSAGE_LIMITS.datasetChars)
      .regex(DATASET_PATTERN, 'a dataset is lower-case letters, digits and _ (e.g. flow, measurement_hour)'),
    row: z
      .string()
      .min(1)
      .max(MESSAGE_LIMITS.rowChars)
      // Control characters (NUL above all: PostgreSQL refuses it in text) are never part of an id.
      .refine(hasNoControlCharacters, 'a row id has no control characters')
      .refine(isWellFormed, 'a row id has no lone UTF-16 surrogate'),
    column: z
      .string()
      .min(1)
      .max(MESSAGE_LIMITS.columnChars)
      .regex(COLUMN_PATTERN, 'a column is a field name: letters, digits and _'),
    value: z
      .string()
      .max(MESSAGE_LIMITS.valueChars)
      .refine(isWellFormed, { message: 'the value has a lone UTF-16 surrogate (not text)', abort: true })
      // Before JSON.parse (abort: the later checks do not run): a deep value is never parsed.
      .refine((text) => jsonDepthWithin(text), { message: `the value is nested more than ${MESSAGE_LIMITS.jsonDepth} levels deep`, abort: true })
      .refine(isJsonText, 'the value is not JSON text'),
  })
  .strict();

const MESSAGE_KEYS = ['timestamp', 'dataset', 'row', 'column', 'value'] as const;

/**
 * The message itself (a copy with exactly its five fields) when `changeMessageSchema` accepts
 * it, otherwise undefined: the same rules checked directly, without zod's machinery, which cost
 * more than storing a 10,000-message push. Only a shortcut for the common case: callers fall back
 * to the schema when it answers undefined, so a refused message gets zod's own error (and an
 * unusual but valid input, say an object with another prototype, is still accepted by zod).
 */
export function asChangeMessage(input: unknown): ChangeMessage | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const m = input as Record<string, unknown>;
  // Exactly the five fields (strict): five own keys, all of them ours.
  let keys = 0;
  for (const key in m) {
    if (!Object.prototype.hasOwnProperty.call(m, key)) return undefined;
    keys += 1;
  }
  if (keys !== MESSAGE_KEYS.length || Object.getOwnPropertySymbols(m).length > 0) return undefined;
  const { timestamp, dataset, row, column, value } = m;
  if (!isTimestamp(timestamp)) return undefined;
  if (typeof dataset !== 'string' || dataset.length < 1 || dataset.length > MESSAGE_LIMITS.datasetChars || !DATASET_PATTERN.test(dataset)) return undefined;
  if (typeof row !== 'string' || row.length < 1 || row.length > MESSAGE_LIMITS.rowChars || !hasNoControlCharacters(row) || !isWellFormed(row)) return undefined;
  if (typeof column !== 'string' || column.length < 1 || column.length > MESSAGE_LIMITS.columnChars || !COLUMN_PATTERN.test(column)) return undefined;
  if (typeof value !== 'string' || value.length > MESSAGE_LIMITS.valueChars || !isWellFormed(value) || !jsonDepthWithin(value) || !isJsonText(value)) return undefined;
  return { timestamp, dataset, row, column, value };
}

/** A message as the hub hands it back on pull: with its place in the workspace and its origin. */
export interface StoredMessage extends ChangeMessage {
  /** The hub's per-workspace sequence number (the pull cursor). */
  seq: number;
  /** The client id that pushed it first. */
  client: string;
  /**
   * The email of the hub user who pushed it (the hub's own record, not the replica's claim); what
   * a laptop's history names. Absent from hubs older than issue #14.
   */
  user?: string;
}

/** A message as the sync client hands it to a replica: the change and, when known, who pushed it. */
export type PulledMessage = ChangeMessage & { user?: string };

/** A client (a laptop replica) names itself with a stable id, e.g. its HLC node id. */
export const clientIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'a client id is letters, digits and _ . : -');

/** Record sharing levels on the laptop (organization.sharing); the hub never sees private data. */
export type SharingLevel = 'public' | 'partners' | 'private';
