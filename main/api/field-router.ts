/**
 * `field`: what a field engineer does at a plant, over the appRouter. Devices per site (CRUD),
 * endpoint discovery, connect / disconnect, status (subscription), browse (lazy), Modbus register
 * scan and profiles, points, live values (subscription pushing batches), binding points to a flow,
 * recording, server certificates (trust / reject) and the measured evaluation of a flow.
 *
 * Errors of the drivers ("connection refused", "no such register") come back as PRECONDITION_FAILED
 * with the driver's message, which names the device and what failed; bad input is BAD_REQUEST.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { POINT_DATA_TYPES, POINT_ROLES } from '../domain/field-entities.ts';
import { ConflictError, NotFoundError, StillReferencedError, ValidationError } from '../db/errors.ts';
import { protocolOf } from '../../connectors/factory.ts';
import { certificateActions, discoverEndpoints, listProfiles, profilePointsByAddress, saveProfile, scanRegisters } from '../field/drivers.ts';
import { eventStream } from '../field/events.ts';
import { deviceIdFor, pointIdFor } from '../field/points.ts';
import type { DeviceState, FieldService } from '../field/service.ts';
import { procedure, router, type ApiContext } from './trpc.ts';

const id = z.string().min(1).max(128);
const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;

const deviceConfig = z
  .strictObject({
    securityMode: z.enum(SECURITY_MODES).optional(),
    securityPolicy: z.string().max(80).optional(),
    /** OPC UA user name; the password goes to the secret store, never here. */
    userName: z.string().min(1).max(200).optional(),
    /** Sampling / polling interval in ms. */
    intervalMs: z.int().min(50).max(3_600_000).optional(),
  })
  .optional();

const deviceInput = z.strictObject({
  id: id.optional(),
  site_id: id,
  name: z.string().trim().min(1).max(200),
  endpoint: z.string().trim().min(1).max(500),
  profile: z.string().max(80).optional(),
  config: deviceConfig,
  /** Kept in the secret store (memory for the session outside the desktop app). */
  password: z.string().max(500).optional(),
});

const pointInput = z.strictObject({
  address: z.string().trim().min(1).max(500),
  name: z.string().trim().min(1).max(200),
  data_type: z.enum(POINT_DATA_TYPES).optional(),
  unit: z.string().trim().min(1).max(20).optional(),
  scale: z.number().finite().optional(),
  order: z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']).optional(),
  unit_id: z.int().min(0).max(255).optional(),
});

function fieldOf(ctx: ApiContext): FieldService {
  if (!ctx.field) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'field connectivity is not available in this process' });
  return ctx.field;
}

/** Store errors keep their mapping (trpc.ts); anything else from a driver is a failed precondition. */
async function driver<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TRPCError || error instanceof ValidationError || error instanceof NotFoundError || error instanceof ConflictError || error instanceof StillReferencedError) {
      throw error;
    }
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: (error as Error).message, cause: error });
  }
}

function endpointProtocol(endpoint: string) {
  try {
    return protocolOf(endpoint);
  } catch (error) {
    throw new ValidationError('device', [{ field: 'endpoint', message: (error as Error).message }]);
  }
}

const devicesRouter = router({
  /** The devices of a site with their points and live state. */
  list: procedure.input(z.strictObject({ site_id: id })).query(async ({ ctx, input }) => {
    const devices = await ctx.repo.field.listDevices({ site_id: input.site_id });
    return Promise.all(
      devices.map(async (device) => ({
        device,
        points: await ctx.repo.field.listPoints({ device_id: device.id }),
        state: ctx.field?.state(device.id) ?? null,
      })),
    );
  }),
  create: procedure.input(deviceInput).mutation(async ({ ctx, input }) => {
    const { password, ...rest } = input;
    const device = await ctx.repo.field.createDevice({
      ...rest,
      id: input.id ?? deviceIdFor(input.site_id, input.name),
      protocol: endpointProtocol(input.endpoint),
    });
    if (password !== undefined) await fieldOf(ctx).secrets.set(`device:${device.id}`, password);
    return device;
  }),
  update: procedure
    .input(z.strictObject({ id, patch: deviceInput.omit({ id: true, site_id: true, password: true }).partial(), version: z.int().min(1).optional(), password: z.string().max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      const patch: Record<string, unknown> = { ...input.patch };
      if (input.patch.endpoint) patch.protocol = endpointProtocol(input.patch.endpoint);
      const device = await ctx.repo.field.updateDevice(input.id, patch, input.version);
      if (input.password !== undefined) await fieldOf(ctx).secrets.set(`device:${device.id}`, input.password);
      return device;
    }),
  delete: procedure.input(z.strictObject({ id, version: z.int().min(1).optional() })).mutation(async ({ ctx, input }) => {
    await ctx.field?.disconnect(input.id);
    await ctx.repo.field.deleteDevice(input.id, input.version);
    await ctx.field?.secrets.delete(`device:${input.id}`);
    return { id: input.id };
  }),
});

const pointsRouter = router({
  list: procedure.input(z.strictObject({ device_id: id.optional(), flow_id: id.optional() })).query(({ ctx, input }) => ctx.repo.field.listPoints(input)),
  /** Adds points (a variable picked in the browse tree, a register of the scan); existing ones stay. */
  add: procedure.input(z.strictObject({ device_id: id, points: z.array(pointInput).min(1).max(1000) })).mutation(async ({ ctx, input }) => {
    const device = await ctx.repo.field.getDevice(input.device_id);
    // A register of the device's Modbus profile is decoded as the profile says (type, order, scale).
    const fromProfile = device.profile && device.protocol.startsWith('modbus') ? await driver(() => profilePointsByAddress(device.profile!, fieldOf(ctx).profilesFolder)) : new Map<string, never>();
    const created = await ctx.repo.field.ensurePoints(
      input.points.map((p) => ({ ...fromProfile.get(p.address), ...p, id: pointIdFor(input.device_id, p.address), device_id: input.device_id })),
    );
    await ctx.field?.refreshPoints(input.device_id);
    return created;
  }),
  delete: procedure.input(z.strictObject({ id, version: z.int().min(1).optional() })).mutation(async ({ ctx, input }) => {
    const point = await ctx.repo.field.getPoint(input.id);
    await ctx.repo.field.deletePoint(input.id, input.version);
    await ctx.field?.refreshPoints(point.device_id);
    return { id: input.id };
  }),
  /** Links points to a flow, each with what it measures (power, flow rate, supply temperature, ...). */
  bind: procedure
    .input(z.strictObject({ flow_id: id, bindings: z.array(z.strictObject({ point_id: id, role: z.enum(POINT_ROLES) })).min(1).max(100) }))
    .mutation(({ ctx, input }) => ctx.repo.field.bindPoints(input.flow_id, input.bindings)),
  unbind: procedure.input(z.strictObject({ point_ids: z.array(id).min(1).max(100) })).mutation(({ ctx, input }) => ctx.repo.field.unbindPoints(input.point_ids)),
});

export const fieldRouter = router({
  devices: devicesRouter,
  points: pointsRouter,
  /** How passwords are kept here: in the OS keychain (desktop) or in memory for this session. */
  info: procedure.query(({ ctx }) => ({
    available: !!ctx.field,
    passwordsPersistent: ctx.field?.secrets.persistent ?? false,
    pkiFolder: ctx.field?.pkiFolder ?? null,
  })),
  /** OPC UA endpoint discovery: the server's endpoints with their security modes and policies. */
  discover: procedure.input(z.strictObject({ endpoint: z.string().trim().min(1).max(500) })).mutation(({ ctx, input }) => {
    if (endpointProtocol(input.endpoint) !== 'opcua') throw new ValidationError('discovery', [{ field: 'endpoint', message: 'only OPC UA servers describe their endpoints (opc.tcp://...)' }]);
    return driver(() => discoverEndpoints(input.endpoint, fieldOf(ctx).pkiFolder));
  }),
  connect: procedure.input(z.strictObject({ device_id: id, password: z.string().max(500).optional() })).mutation(async ({ ctx, input }) => {
    const field = fieldOf(ctx);
    try {
      return { state: await field.connect(input.device_id, input.password !== undefined ? { password: input.password } : {}), error: null };
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      // The state carries the reason (and an untrusted certificate to decide on): the UI shows it.
      return { state: field.state(input.device_id), error: (error as Error).message };
    }
  }),
  disconnect: procedure.input(z.strictObject({ device_id: id })).mutation(({ ctx, input }) => fieldOf(ctx).disconnect(input.device_id)),
  state: procedure.input(z.strictObject({ device_id: id })).query(({ ctx, input }) => fieldOf(ctx).state(input.device_id)),
  /** Every device's state whenever it changes (connecting, connected, reconnecting n, ...). */
  watchStates: procedure.subscription(async function* ({ ctx, signal }) {
    const field = fieldOf(ctx);
    for (const state of field.states()) yield state;
    for await (const state of eventStream<DeviceState>((push) => field.onState(push), signal)) yield state;
  }),
  /** One level of the OPC UA address space (lazy); Modbus / serial: the points of the profile. */
  browse: procedure
    .input(z.strictObject({ device_id: id, node_id: z.string().max(1000).optional() }))
    .query(({ ctx, input }) => driver(() => fieldOf(ctx).connector(input.device_id).browse(input.node_id))),
  /** One reading of the device's points (or the given addresses), decoded. */
  read: procedure.input(z.strictObject({ device_id: id })).mutation(async ({ ctx, input }) => {
    const points = await ctx.repo.field.listPoints({ device_id: input.device_id });
    return driver(() => fieldOf(ctx).connector(input.device_id).read(points.map((p) => ({ id: p.id, address: p.address, name: p.name }))));
  }),
  profiles: procedure.query(({ ctx }) => driver(() => listProfiles(fieldOf(ctx).profilesFolder))),
  /** Adds or replaces one of the user's profiles (a shipped name is overridden); checked as a whole, nothing saved when invalid. */
  saveProfile: procedure
    .input(z.strictObject({ profile: z.record(z.string(), z.unknown()) }))
    .mutation(({ ctx, input }) => driver(() => saveProfile(fieldOf(ctx).profilesFolder, input.profile))),
  /** Modbus register scan of a range, each register decoded in every format. */
  scan: procedure
    .input(
      z.strictObject({
        device_id: id,
        function_code: z.union([z.literal(3), z.literal(4)]),
        start: z.int().min(0).max(65535),
        count: z.int().min(1).max(1000),
        unit_id: z.int().min(0).max(255).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const device = await ctx.repo.field.getDevice(input.device_id);
      if (device.protocol !== 'modbus-tcp' && device.protocol !== 'modbus-rtu') {
        throw new ValidationError('scan', [{ field: 'device_id', message: `"${device.name}" is an ${device.protocol} device; only Modbus devices have registers to scan` }]);
      }
      return driver(() => scanRegisters(fieldOf(ctx), device, input));
    }),
  /** The latest value of each point of a device and its trend (the last minutes). */
  values: procedure.input(z.strictObject({ device_id: id })).query(async ({ ctx, input }) => {
    const field = fieldOf(ctx);
    const points = await ctx.repo.field.listPoints({ device_id: input.device_id });
    return { values: field.values(input.device_id), trend: field.trend(points.map((p) => p.id)) };
  }),
  /** Batches of new values of a device's points as they arrive. */
  watchValues: procedure.input(z.strictObject({ device_id: id })).subscription(async function* ({ ctx, input, signal }) {
    const field = fieldOf(ctx);
    for await (const event of eventStream<{ device_id: string; values: ReturnType<FieldService['values']> }>(
      (push) => field.onValues((e) => (e.device_id === input.device_id ? push(e) : undefined)),
      signal,
    )) {
      yield event.values;
    }
  }),
  recording: router({
    start: procedure.input(z.strictObject({ device_id: id })).mutation(({ ctx, input }) => driver(() => fieldOf(ctx).startRecording(input.device_id))),
    stop: procedure.input(z.strictObject({ device_id: id })).mutation(({ ctx, input }) => fieldOf(ctx).stopRecording(input.device_id)),
  }),
  /** Server certificates the client has seen: untrusted (pending a decision), trusted, rejected. */
  certificates: router({
    list: procedure.query(({ ctx }) => driver(() => certificateActions(fieldOf(ctx).pkiFolder).list())),
    trust: procedure.input(z.strictObject({ thumbprint: z.string().min(8).max(128) })).mutation(({ ctx, input }) => driver(() => certificateActions(fieldOf(ctx).pkiFolder).trust(input.thumbprint))),
    reject: procedure.input(z.strictObject({ thumbprint: z.string().min(8).max(128) })).mutation(({ ctx, input }) => driver(() => certificateActions(fieldOf(ctx).pkiFolder).reject(input.thumbprint))),
  }),
  /** The simulated demo plant, started in this process on the user's request. */
  demo: router({
    start: procedure.mutation(({ ctx }) => driver(() => fieldOf(ctx).startDemoPlant())),
    status: procedure.query(({ ctx }) => fieldOf(ctx).demoPlant()),
  }),
  /** Coverage of a flow's bound points so far against what `measured` requires. */
  measured: procedure.input(z.strictObject({ flow_id: id })).query(async ({ ctx, input }) => {
    await ctx.repo.getFlow(input.flow_id);
    return fieldOf(ctx).measured(input.flow_id);
  }),
});
