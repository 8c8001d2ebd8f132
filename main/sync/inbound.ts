/**
 * The check of one received message, before anything of it is used: the protocol's rules (the
 * schema the hub checks too: a real HLC timestamp, sizes, JSON text nested at most 32 deep,
 * well-formed text) and the hub's `user` beside it. What fails is refused with a reason people
 * understand and, where it can be told, the record it was meant for, so the problem is shown
 * there. Nothing here throws, whatever the input: a hub (or a hub's stored past) may hand over
 * anything.
 */
import { isTimestamp } from '../../sync/protocol/hlc.ts';
import { asChangeMessage, changeMessageSchema, MESSAGE_LIMITS, type ChangeMessage, type PulledMessage } from '../../sync/protocol/messages.ts';
import { NODE_DATASET } from './datasets.ts';

export type Inbound =
  | { ok: true; message: PulledMessage }
  | {
      ok: false;
      /** Why, for the problem list. */
      reason: string;
      /** The record it names (or dataset "message" and its timestamp when it names none). */
      dataset: string;
      row: string;
      /** Its timestamp when that is a valid one (then it counts in the merkle trie). */
      timestamp?: string;
    };

const USER_CHARS = 254;

/** The hub's user: an email as the hub stores it; anything else is not used. */
function userOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > USER_CHARS) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value) || !(value as string & { isWellFormed(): boolean }).isWellFormed()) return undefined;
  return value;
}

const shortText = (value: unknown, max: number) => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined);

/**
 * A valid message, unless it is a `node` record written by another replica: a replica names only
 * itself (the `node/<id>/actor` record is how other laptops show who works on it when the hub did
 * not say). The hub ties the node id of a timestamp to the user who pushes it, so a node record
 * stamped by its own node comes from that node's user; one stamped by another node is a forgery
 * (a member renaming a colleague's laptop to make the colleague's history name someone else).
 */
function accepted(message: ChangeMessage, user: string | undefined): Inbound {
  if (message.dataset === NODE_DATASET && message.row !== message.timestamp.slice(-16)) {
    return {
      ok: false,
      reason: `a replica may only name itself: node ${message.row} written by node ${message.timestamp.slice(-16)}${user ? ` (${user})` : ''}`,
      dataset: message.dataset,
      row: message.row,
      timestamp: message.timestamp,
    };
  }
  return { ok: true, message: user === undefined ? message : { ...message, user } };
}

export function checkInbound(raw: unknown): Inbound {
  let user: string | undefined;
  let fields: unknown = raw;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.prototype.hasOwnProperty.call(raw, 'user')) {
    const { user: claimed, ...rest } = raw as Record<string, unknown>;
    user = userOf(claimed);
    fields = rest;
  }
  const fast = asChangeMessage(fields);
  if (fast) return accepted(fast, user);
  let reason: string;
  try {
    const parsed = changeMessageSchema.safeParse(fields);
    if (parsed.success) return accepted(parsed.data, user);
    const issue = parsed.error.issues[0];
    reason = issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'not a change message';
  } catch (error) {
    reason = `not a change message (${error instanceof Error ? error.message : String(error)})`;
  }
  const m = (typeof fields === 'object' && fields !== null ? fields : {}) as Record<string, unknown>;
  const dataset = shortText(m.dataset, MESSAGE_LIMITS.datasetChars);
  const row = shortText(m.row, MESSAGE_LIMITS.rowChars);
  const timestamp = isTimestamp(m.timestamp) ? m.timestamp : undefined;
  const named = dataset !== undefined && row !== undefined;
  return {
    ok: false,
    reason,
    dataset: named ? dataset : 'message',
    row: named ? row : typeof m.timestamp === 'string' ? m.timestamp.slice(0, 64) : '(no timestamp)',
    ...(timestamp ? { timestamp } : {}),
  };
}
