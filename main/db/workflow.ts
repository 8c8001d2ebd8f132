/**
 * The facilitator's workflow in the local graph: notes on a match, the record of partner packets
 * sent, reservation reminders and extensions, the meter points bound to an exchange for
 * measurement and verification, and (alert-digests.ts) the digests of new high-scoring matches.
 *
 * Every user action here is also an audit event in match_events (action "note", "packet:sent",
 * "reservation:extended", "meter:bound", "meter:unbound"), so the match's trail tells the whole
 * story in one place.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AlertDigestStore } from './alert-digests.ts';
import { LoggedWriter } from './change-log.ts';
import { storedEconomics } from './matches.ts';
import { joinedMatches } from './match-join.ts';
import type { Db } from './database.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import type { Database } from './schema.ts';
import { METER_ROLES, type MeterRole, type WorkflowTables } from './workflow-schema.ts';

type WDb = Kysely<Database & WorkflowTables>;

export interface NoteRecord {
  id: string;
  match_id: string;
  at: string;
  actor: string;
  text: string;
}

/** One file of a partner packet as the packets service produced it. */
export interface PacketFile {
  /** File name as shown to the user (e.g. "packet-acme.pdf"). */
  name: string;
  /** Where it was written on this machine, when known. */
  path?: string | undefined;
  /** The organisation the document is for, when the file is one partner's document. */
  organization_id?: string | undefined;
  bytes?: number | undefined;
}

export interface PacketSendInput {
  organization_id: string;
  recipient: string;
  /** ISO time it was sent; now when absent. */
  sent_at?: string | undefined;
  files: PacketFile[];
  note?: string | undefined;
}

export interface PacketSendRecord {
  id: string;
  match_id: string;
  organization_id: string;
  organization_name: string;
  recipient: string;
  sent_at: string;
  actor: string;
  files: PacketFile[];
  note: string | null;
}

export interface ReservationReminder {
  match_id: string;
  type: string;
  version: number;
  reserved_until: string;
  /** Whole days from now to the end of the reservation; negative once it has passed. */
  days_left: number;
  /** The reservation has passed: the facilitator must extend it or release it (never automatic). */
  expired: boolean;
  supply_organization: string;
  demand_organization: string;
}

export interface MeterBinding {
  match_id: string;
  point_id: string;
  role: MeterRole;
  point_name: string;
  unit: string | null;
  device_id: string;
  flow_id: string | null;
  created_at: string;
  actor: string;
}

/** A contracted or live exchange with the dates the impact dashboard places it by. */
export interface ExchangeRow {
  id: string;
  type: string;
  status: 'contracted' | 'live';
  economics: Record<string, unknown>;
  supply_organization: string;
  demand_organization: string;
  contracted_at: string | null;
  live_at: string | null;
}

export type { AlertDigest, AlertRegion, MatchAlert } from './alert-digests.ts';

const DAY_MS = 86_400_000;
const MAX_TEXT = 10_000;

function required(what: string, field: string, value: string | undefined, max = 500): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(what, [{ field, message: `${field} is required` }]);
  if (v.length > max) throw new ValidationError(what, [{ field, message: `${field} is longer than ${max} characters` }]);
  return v;
}

function isoTime(what: string, field: string, value: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new ValidationError(what, [{ field, message: `${field} "${value}" is not a date and time` }]);
  return new Date(t).toISOString();
}

export class WorkflowStore {
  readonly #db: WDb;
  /** Lists, reminders and the impact's exchanges: the read connection beside the writer (repository.ts), or the writer itself. */
  readonly #read: WDb;
  /** The same read handle with the shared tables only (the seven-table match join). */
  readonly #readShared: Db;
  /** Digests of new high-scoring matches. */
  readonly alerts: AlertDigestStore;
  constructor(db: Db, read: Db = db) {
    this.#db = db.withTables<WorkflowTables>();
    this.#read = read.withTables<WorkflowTables>();
    this.#readShared = read;
    this.alerts = new AlertDigestStore(db, read);
  }

  async #matchSides(matchId: string) {
    const row = await joinedMatches(this.#readShared)
      .select(['m.id', 'm.status', 'ss.organization_id as supply_org', 'ds.organization_id as demand_org'])
      .where('m.id', '=', matchId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('match', matchId);
    return row;
  }

  // ---- notes -------------------------------------------------------------------------------

  async addNote(matchId: string, text: string, actor: string, now = new Date()): Promise<NoteRecord> {
    const body = required(`note on match "${matchId}"`, 'text', text, MAX_TEXT);
    await this.#matchSides(matchId);
    const note: NoteRecord = { id: randomUUID(), match_id: matchId, at: now.toISOString(), actor, text: body };
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('match_notes').values(note).execute();
      await tx.insertInto('match_events').values({ match_id: matchId, at: note.at, actor, action: 'note', from_status: null, to_status: null, note: body }).execute();
    });
    return note;
  }

  async listNotes(matchId: string): Promise<NoteRecord[]> {
    return this.#read.selectFrom('match_notes').selectAll().where('match_id', '=', matchId).orderBy('at', 'desc').orderBy('id').execute();
  }

  // ---- packets sent ------------------------------------------------------------------------

  async recordPacketSend(matchId: string, input: PacketSendInput, actor: string, now = new Date()): Promise<PacketSendRecord> {
    const what = `packet sent for match "${matchId}"`;
    const sides = await this.#matchSides(matchId);
    const recipient = required(what, 'recipient', input.recipient);
    if (input.organization_id !== sides.supply_org && input.organization_id !== sides.demand_org) {
      throw new ValidationError(what, [
        { field: 'organization_id', message: `organization "${input.organization_id}" is not a partner of this match (${sides.supply_org}, ${sides.demand_org})` },
      ]);
    }
    if (input.files.length === 0) throw new ValidationError(what, [{ field: 'files', message: 'name at least one file that was sent' }]);
    input.files.forEach((f, i) => required(what, `files.${i}.name`, f.name, 300));
    const sentAt = input.sent_at ? isoTime(what, 'sent_at', input.sent_at) : now.toISOString();
    const id = randomUUID();
    const note = input.note?.trim() ? input.note.trim().slice(0, MAX_TEXT) : null;
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('packet_sends')
        .values({ id, match_id: matchId, organization_id: input.organization_id, recipient, sent_at: sentAt, actor, files: JSON.stringify(input.files), note, created_at: now.toISOString() })
        .execute();
      const summary = `packet sent to ${recipient} (${input.organization_id}): ${input.files.map((f) => f.name).join(', ')}${note ? ` — ${note}` : ''}`;
      await tx.insertInto('match_events').values({ match_id: matchId, at: now.toISOString(), actor, action: 'packet:sent', from_status: null, to_status: null, note: summary }).execute();
    });
    return (await this.listPacketSends(matchId)).find((p) => p.id === id)!;
  }

  async listPacketSends(matchId?: string): Promise<PacketSendRecord[]> {
    let q = this.#read
      .selectFrom('packet_sends as p')
      .innerJoin('organizations as o', 'o.id', 'p.organization_id')
      .selectAll('p')
      .select('o.name as organization_name');
    if (matchId) q = q.where('p.match_id', '=', matchId);
    const rows = await q.orderBy('p.sent_at', 'desc').orderBy('p.id').execute();
    return rows.map((r) => ({ ...r, files: JSON.parse(r.files) as PacketFile[] }));
  }

  // ---- reservations ------------------------------------------------------------------------

  /**
   * Reserved matches whose reservation ends within `withinDays` days of `now`, and those that have
   * already passed (flagged `expired`), soonest first. A lapsed reservation is never changed
   * silently: it stays `reserved` and shows here until the facilitator extends or releases it.
   */
  async reservationReminders(withinDays: number, now = new Date()): Promise<ReservationReminder[]> {
    if (!(withinDays >= 0 && withinDays <= 3650)) throw new ValidationError('reservation reminders', [{ field: 'within_days', message: `within_days must be 0..3650, got ${withinDays}` }]);
    const horizon = new Date(now.getTime() + withinDays * DAY_MS).toISOString();
    const rows = await joinedMatches(this.#readShared)
      .select(['m.id', 'm.type', 'm.version', 'm.reserved_until', 'so.name as supply_organization', 'do.name as demand_organization'])
      .where('m.status', '=', 'reserved')
      .where('m.reserved_until', 'is not', null)
      .where('m.reserved_until', '<=', horizon)
      .orderBy('m.reserved_until')
      .orderBy('m.id')
      .execute();
    return rows.map((r) => {
      const left = Date.parse(r.reserved_until!) - now.getTime();
      return {
        match_id: r.id,
        type: r.type,
        version: r.version,
        reserved_until: r.reserved_until!,
        days_left: left >= 0 ? Math.ceil(left / DAY_MS) : -Math.ceil(-left / DAY_MS),
        expired: left <= 0,
        supply_organization: r.supply_organization,
        demand_organization: r.demand_organization,
      };
    });
  }

  /** Moves the end of a reservation (version-checked, audited, change-logged like a transition). */
  async extendReservation(matchId: string, request: { version: number; reserved_until: string; note?: string | undefined }, actor: string, now = new Date()): Promise<void> {
    const what = `match "${matchId}"`;
    const until = isoTime(what, 'reserved_until', request.reserved_until);
    if (Date.parse(until) <= now.getTime()) throw new ValidationError(what, [{ field: 'reserved_until', message: `reserved_until ${request.reserved_until} is not in the future` }]);
    await this.#db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('matches').select(['status', 'version', 'reserved_until']).where('id', '=', matchId).executeTakeFirst();
      if (!current) throw new NotFoundError('match', matchId);
      if (current.version !== request.version) throw new ConflictError('match', matchId, request.version, current.version);
      if (current.status !== 'reserved') throw new ValidationError(what, [{ field: 'status', message: `only a reserved match can have its reservation extended; this one is ${current.status}` }]);
      const at = now.toISOString();
      await tx.updateTable('matches').set({ reserved_until: until, version: current.version + 1, updated_at: at }).where('id', '=', matchId).execute();
      const note = `reservation moved from ${current.reserved_until ?? 'none'} to ${until}${request.note?.trim() ? ` — ${request.note.trim().slice(0, MAX_TEXT)}` : ''}`;
      await tx.insertInto('match_events').values({ match_id: matchId, at, actor, action: 'reservation:extended', from_status: 'reserved', to_status: 'reserved', note }).execute();
      // The same transaction, seen with the shared tables only: the writer logs the match change.
      await new LoggedWriter(tx as unknown as Transaction<Database>, at).logUpsert('match', matchId, { reserved_until: until });
    });
  }

  // ---- meters (M&V) ------------------------------------------------------------------------

  async bindMeter(matchId: string, pointId: string, role: MeterRole, actor: string, now = new Date()): Promise<MeterBinding[]> {
    const what = `meter binding of match "${matchId}"`;
    if (!(METER_ROLES as readonly string[]).includes(role)) throw new ValidationError(what, [{ field: 'role', message: `role must be one of ${METER_ROLES.join(', ')}, got "${role}"` }]);
    await this.#matchSides(matchId);
    const point = await this.#db.selectFrom('points').select(['id', 'name']).where('id', '=', pointId).executeTakeFirst();
    if (!point) throw new ValidationError(what, [{ field: 'point_id', message: `meter point "${pointId}" does not exist` }]);
    const at = now.toISOString();
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('match_meters')
        .values({ match_id: matchId, point_id: pointId, role, created_at: at, actor })
        .onConflict((oc) => oc.columns(['match_id', 'point_id']).doUpdateSet({ role }))
        .execute();
      await tx.insertInto('match_events').values({ match_id: matchId, at, actor, action: 'meter:bound', from_status: null, to_status: null, note: `meter point ${point.name} (${pointId}) bound as ${role}` }).execute();
    });
    return this.listMeters(matchId);
  }

  async unbindMeter(matchId: string, pointId: string, actor: string, now = new Date()): Promise<MeterBinding[]> {
    await this.#db.transaction().execute(async (tx) => {
      const gone = await tx.deleteFrom('match_meters').where('match_id', '=', matchId).where('point_id', '=', pointId).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw new NotFoundError('meter binding', `${matchId} / ${pointId}`);
      await tx.insertInto('match_events').values({ match_id: matchId, at: now.toISOString(), actor, action: 'meter:unbound', from_status: null, to_status: null, note: `meter point ${pointId} unbound` }).execute();
    });
    return this.listMeters(matchId);
  }

  async listMeters(matchId?: string): Promise<MeterBinding[]> {
    let q = this.#read
      .selectFrom('match_meters as b')
      .innerJoin('points as p', 'p.id', 'b.point_id')
      .select(['b.match_id', 'b.point_id', 'b.role', 'b.created_at', 'b.actor', 'p.name as point_name', 'p.unit', 'p.device_id', 'p.flow_id']);
    if (matchId) q = q.where('b.match_id', '=', matchId);
    return q.orderBy('b.match_id').orderBy('b.point_id').execute();
  }

  /** Meter points a facilitator could bind to a match: those of its two sites' devices. */
  async candidatePoints(matchId: string): Promise<{ id: string; name: string; unit: string | null; role: string | null; device_name: string; site_id: string }[]> {
    const m = await joinedMatches(this.#readShared)
      .select(['ss.id as s', 'ds.id as d'])
      .where('m.id', '=', matchId)
      .executeTakeFirst();
    if (!m) throw new NotFoundError('match', matchId);
    return this.#read
      .selectFrom('points as p')
      .innerJoin('devices as dv', 'dv.id', 'p.device_id')
      .select(['p.id', 'p.name', 'p.unit', 'p.role', 'dv.name as device_name', 'dv.site_id'])
      .where('dv.site_id', 'in', [m.s, m.d])
      .orderBy('dv.name')
      .orderBy('p.name')
      .execute();
  }

  // ---- impact ------------------------------------------------------------------------------

  /** Contracted and live exchanges with their stored economics and the dates they were contracted and went live. */
  async exchanges(): Promise<ExchangeRow[]> {
    const rows = await joinedMatches(this.#readShared)
      .select((eb) => [
        'm.id',
        'm.type',
        'm.status',
        'm.economics',
        'm.packed',
        'so.name as supply_organization',
        'do.name as demand_organization',
        eb.selectFrom('match_events as e').select((e) => e.fn.max('e.at').as('at')).whereRef('e.match_id', '=', 'm.id').where('e.to_status', '=', 'contracted').as('contracted_at'),
        eb.selectFrom('match_events as e').select((e) => e.fn.max('e.at').as('at')).whereRef('e.match_id', '=', 'm.id').where('e.to_status', '=', 'live').as('live_at'),
      ])
      .where('m.status', 'in', ['contracted', 'live'])
      .orderBy('m.id')
      .execute();
    const economics = await storedEconomics(this.#readShared, rows);
    return rows.map((r, i) => ({
      id: r.id,
      type: r.type,
      status: r.status as 'contracted' | 'live',
      economics: economics[i]!,
      supply_organization: r.supply_organization,
      demand_organization: r.demand_organization,
      contracted_at: (r.contracted_at as string | null) ?? null,
      live_at: (r.live_at as string | null) ?? null,
    }));
  }

  // Alerts: `alerts` above (digests of new high-scoring matches, alert-digests.ts).
}
