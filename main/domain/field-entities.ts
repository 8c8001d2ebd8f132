/**
 * Schemas of the graph's other entities: devices and their points (what a field engineer connects
 * to at a plant), measurements (the time series they produce), and matches with their audit
 * events. Their tables exist from the first migration; the field connectivity and matching issues
 * build the behaviour on them.
 */
import { z } from 'zod';
import { idSchema } from './entities.ts';

export const DEVICE_PROTOCOLS = ['opcua', 'modbus-tcp', 'modbus-rtu', 'serial'] as const;

/** The endpoint URL schemes of architecture.md, per protocol. */
const ENDPOINT_SCHEME: Record<(typeof DEVICE_PROTOCOLS)[number], string> = {
  opcua: 'opc.tcp:',
  'modbus-tcp': 'modbus-tcp:',
  'modbus-rtu': 'modbus-rtu:',
  serial: 'serial:',
};

export const deviceSchema = z
  .strictObject({
    id: idSchema,
    site_id: idSchema,
    name: z.string().trim().min(1).max(200),
    protocol: z.enum(DEVICE_PROTOCOLS),
    endpoint: z.string().trim().min(1).max(500),
    profile: z.string().trim().min(1).max(80).optional(),
    /** Protocol options (security mode, timeouts, ...); secrets are never stored here in clear. */
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((device, ctx) => {
    let url: URL;
    try {
      url = new URL(device.endpoint);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `"${device.endpoint}" is not a URL, e.g. opc.tcp://10.0.0.5:4840` });
      return;
    }
    const expected = ENDPOINT_SCHEME[device.protocol];
    if (url.protocol !== expected) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `a ${device.protocol} endpoint starts with ${expected}//, got ${url.protocol}//` });
    }
  });
export type Device = z.infer<typeof deviceSchema>;

export const POINT_DATA_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'boolean', 'string', 'opcua'] as const;
/** What a point measures for a flow: derived quantities (heat power, energy) combine roles. */
export const POINT_ROLES = ['power', 'energy_counter', 'flow_rate', 'supply_temperature', 'return_temperature', 'volume_counter', 'mass_rate', 'other'] as const;

export const pointSchema = z.strictObject({
  id: idSchema,
  device_id: idSchema,
  flow_id: idSchema.optional(),
  name: z.string().trim().min(1).max(200),
  /** Protocol address: an OPC UA NodeId, a Modbus `fc:register`, an OBIS code, ... */
  address: z.string().trim().min(1).max(500),
  role: z.enum(POINT_ROLES).optional(),
  data_type: z.enum(POINT_DATA_TYPES).optional(),
  unit: z.string().trim().min(1).max(20).optional(),
  scale: z.number().finite().optional(),
  /** Modbus word/byte order of multi-register values (ABCD big-endian, CDAB word swap, ...). */
  order: z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']).optional(),
  /** Modbus unit (slave) id when one bus carries several devices. */
  unit_id: z.int().min(0).max(255).optional(),
});
export type Point = z.infer<typeof pointSchema>;

export const SAMPLE_QUALITIES = ['good', 'uncertain', 'bad'] as const;

export const measurementSchema = z.strictObject({
  point_id: idSchema,
  /** Source timestamp, ms since the epoch (UTC). */
  ts_ms: z.int().min(0),
  received_ms: z.int().min(0),
  value: z.number().finite().nullable(),
  quality: z.enum(SAMPLE_QUALITIES),
  /** The protocol's own status (OPC UA StatusCode name, Modbus exception, ...). */
  status: z.string().max(200).optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** domain.md 2.5: suggested -> negotiating -> reserved -> contracted -> live; failed / cancelled. */
export const MATCH_STATUSES = ['suggested', 'negotiating', 'reserved', 'contracted', 'live', 'failed', 'cancelled'] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];
export const MATCH_ROUTES = ['automated', 'facilitated'] as const;

export const matchEventSchema = z.strictObject({
  match_id: idSchema,
  at: z.iso.datetime({ offset: true }),
  actor: z.string().trim().min(1).max(200),
  action: z.string().trim().min(1).max(80),
  from_status: z.enum(MATCH_STATUSES).nullable(),
  to_status: z.enum(MATCH_STATUSES).nullable(),
  note: z.string().max(10_000).optional(),
});
export type MatchEvent = z.infer<typeof matchEventSchema>;
