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

/** Exact HLC text: ISO time in UTC with milliseconds, 4 hex counter, 16 hex node id. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9A-F]{4}-[0-9a-f]{16}$/i;

export const MESSAGE_LIMITS = {
  datasetChars: 64,
  rowChars: 200,
  columnChars: 128,
  /** A field value as JSON text; hourly aggregates and notes fit easily, blobs do not belong here. */
  valueChars: 64 * 1024,
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

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const changeMessageSchema = z
  .object({
    timestamp: z
      .string()
      .max(64)
      .regex(TIMESTAMP_PATTERN, 'not an HLC timestamp (YYYY-MM-DDTHH:mm:ss.sssZ-CCCC-NNNNNNNNNNNNNNNN)'),
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
      .refine(hasNoControlCharacters, 'a row id has no control characters'),
    column: z
      .string()
      .min(1)
      .max(MESSAGE_LIMITS.columnChars)
      .regex(COLUMN_PATTERN, 'a column is a field name: letters, digits and _'),
    value: z.string().max(MESSAGE_LIMITS.valueChars).refine(isJsonText, 'the value is not JSON text'),
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
  if (typeof timestamp !== 'string' || timestamp.length > 64 || !TIMESTAMP_PATTERN.test(timestamp)) return undefined;
  if (typeof dataset !== 'string' || dataset.length < 1 || dataset.length > MESSAGE_LIMITS.datasetChars || !DATASET_PATTERN.test(dataset)) return undefined;
  if (typeof row !== 'string' || row.length < 1 || row.length > MESSAGE_LIMITS.rowChars || !hasNoControlCharacters(row)) return undefined;
  if (typeof column !== 'string' || column.length < 1 || column.length > MESSAGE_LIMITS.columnChars || !COLUMN_PATTERN.test(column)) return undefined;
  if (typeof value !== 'string' || value.length > MESSAGE_LIMITS.valueChars || !isJsonText(value)) return undefined;
  return { timestamp, dataset, row, column, value };
}

/** A message as the hub hands it back on pull: with its place in the workspace and its origin. */
export interface StoredMessage extends ChangeMessage {
  /** The hub's per-workspace sequence number (the pull cursor). */
  seq: number;
  /** The client id that pushed it first. */
  client: string;
}

/** A client (a laptop replica) names itself with a stable id, e.g. its HLC node id. */
export const clientIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'a client id is letters, digits and _ . : -');

/** Record sharing levels on the laptop (organization.sharing); the hub never sees private data. */
export type SharingLevel = 'public' | 'partners' | 'private';
