/**
 * Devices and their meter points: what a field engineer connects to at a plant. Writes go through
 * the generic entity store, so they are validated, versioned and change-logged like the graph's
 * other records (a site audit syncs later with everything else).
 */
import type { Selectable } from 'kysely';
import type { POINT_ROLES} from '../domain/field-entities.ts';
import { deviceSchema, pointSchema, type Device, type Point } from '../domain/field-entities.ts';
import type { LoggedWriter } from './change-log.ts';
import type { Db } from './database.ts';
import { EntityStore } from './entity-store.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { compact, type RecordMeta } from './records.ts';
import type { DevicesTable, PointsTable } from './schema.ts';

export type DeviceRecord = Device & RecordMeta;
export type PointRecord = Point & RecordMeta;
export type PointRole = (typeof POINT_ROLES)[number];

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

function deviceFromRow(row: Selectable<DevicesTable>): DeviceRecord {
  return compact({
    id: row.id,
    site_id: row.site_id,
    name: row.name,
    protocol: row.protocol as Device['protocol'],
    endpoint: row.endpoint,
    profile: row.profile ?? undefined,
    config: row.config === null ? undefined : (JSON.parse(row.config as string) as Record<string, unknown>),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }) as DeviceRecord;
}

function pointFromRow(row: Selectable<PointsTable>): PointRecord {
  return compact({
    id: row.id,
    device_id: row.device_id,
    flow_id: row.flow_id ?? undefined,
    name: row.name,
    address: row.address,
    role: (row.role ?? undefined) as Point['role'],
    data_type: (row.data_type ?? undefined) as Point['data_type'],
    unit: row.unit ?? undefined,
    scale: row.scale ?? undefined,
    ...(row.config === null ? {} : (JSON.parse(row.config as string) as Pick<Point, 'order' | 'unit_id'>)),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }) as PointRecord;
}

export const devices = new EntityStore<Device, DeviceRecord, 'devices'>({
  entity: 'device',
  table: 'devices',
  schema: deviceSchema,
  toRow: (d) => ({
    id: d.id,
    site_id: d.site_id,
    name: d.name,
    protocol: d.protocol,
    endpoint: d.endpoint,
    profile: d.profile ?? null,
    config: json(d.config),
  }),
  fromRow: deviceFromRow,
  references: (d) => [{ field: 'site_id', table: 'sites', id: d.site_id, label: 'site' }],
  // Points are deleted with their device (FieldStore.deleteDevice logs each), so none block it.
  dependents: [],
});

export const points = new EntityStore<Point, PointRecord, 'points'>({
  entity: 'point',
  table: 'points',
  schema: pointSchema,
  toRow: (p) => ({
    id: p.id,
    device_id: p.device_id,
    flow_id: p.flow_id ?? null,
    name: p.name,
    address: p.address,
    role: p.role ?? null,
    data_type: p.data_type ?? null,
    unit: p.unit ?? null,
    scale: p.scale ?? null,
    // Protocol details without a column of their own.
    config: p.order !== undefined || p.unit_id !== undefined ? json({ order: p.order, unit_id: p.unit_id }) : null,
  }),
  fromRow: pointFromRow,
  references: (p) => [
    { field: 'device_id', table: 'devices', id: p.device_id, label: 'device' },
    ...(p.flow_id ? [{ field: 'flow_id', table: 'flows' as const, id: p.flow_id, label: 'flow' }] : []),
  ],
  dependents: [],
});

type Write = <T>(work: (w: LoggedWriter) => Promise<T>) => Promise<T>;

/** Reads and writes of devices and points (Repository.field). */
export class FieldStore {
  readonly #db: Db;
  readonly #write: Write;

  constructor(db: Db, write: Write) {
    this.#db = db;
    this.#write = write;
  }

  async getDevice(id: string): Promise<DeviceRecord> {
    const row = await this.#db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('device', id);
    return deviceFromRow(row);
  }

  async listDevices(filter: { site_id?: string } = {}): Promise<DeviceRecord[]> {
    let q = this.#db.selectFrom('devices').selectAll();
    if (filter.site_id) q = q.where('site_id', '=', filter.site_id);
    return (await q.orderBy('name').orderBy('id').execute()).map(deviceFromRow);
  }

  async getPoint(id: string): Promise<PointRecord> {
    const row = await this.#db.selectFrom('points').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('point', id);
    return pointFromRow(row);
  }

  async listPoints(filter: { device_id?: string; flow_id?: string } = {}): Promise<PointRecord[]> {
    let q = this.#db.selectFrom('points').selectAll();
    if (filter.device_id) q = q.where('device_id', '=', filter.device_id);
    if (filter.flow_id) q = q.where('flow_id', '=', filter.flow_id);
    return (await q.orderBy('name').orderBy('id').execute()).map(pointFromRow);
  }

  createDevice(input: unknown): Promise<DeviceRecord> {
    return this.#write((w) => devices.create(w, input));
  }

  updateDevice(id: string, patch: Record<string, unknown>, version?: number): Promise<DeviceRecord> {
    return this.#write((w) => devices.update(w, id, patch, version));
  }

  /** Deletes the device and its points (each point delete is change-logged too). */
  deleteDevice(id: string, version?: number): Promise<void> {
    return this.#write(async (w) => {
      const own = await w.tx.selectFrom('points').select('id').where('device_id', '=', id).execute();
      for (const p of own) await points.delete(w, p.id);
      await devices.delete(w, id, version);
    });
  }

  createPoint(input: unknown): Promise<PointRecord> {
    return this.#write((w) => points.create(w, input));
  }

  /** Creates the points that do not exist yet (by id) and returns all of them. */
  ensurePoints(inputs: Point[]): Promise<PointRecord[]> {
    return this.#write(async (w) => {
      const out: PointRecord[] = [];
      for (const input of inputs) out.push((await points.find(w, input.id)) ?? (await points.create(w, input)));
      return out;
    });
  }

  updatePoint(id: string, patch: Record<string, unknown>, version?: number): Promise<PointRecord> {
    return this.#write((w) => points.update(w, id, patch, version));
  }

  deletePoint(id: string, version?: number): Promise<void> {
    return this.#write((w) => points.delete(w, id, version));
  }

  /** Links points to a flow with a role each; the flow must exist (a clear error names it). */
  bindPoints(flowId: string, bindings: { point_id: string; role: PointRole }[]): Promise<PointRecord[]> {
    return this.#write(async (w) => {
      const flow = await w.tx.selectFrom('flows').select('id').where('id', '=', flowId).executeTakeFirst();
      if (!flow) throw new ValidationError('binding', [{ field: 'flow_id', message: `flow "${flowId}" does not exist` }]);
      const out: PointRecord[] = [];
      for (const b of bindings) out.push(await points.update(w, b.point_id, { flow_id: flowId, role: b.role }));
      return out;
    });
  }

  unbindPoints(pointIds: string[]): Promise<PointRecord[]> {
    return this.#write(async (w) => {
      const out: PointRecord[] = [];
      for (const id of pointIds) out.push(await points.update(w, id, { flow_id: null }));
      return out;
    });
  }
}
