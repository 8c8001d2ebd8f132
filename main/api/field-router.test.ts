/**
 * The `field` router through a tRPC caller on a real SQLite file: inputs checked with errors that
 * name the field, a driver failure reported in the state (not thrown), the demo plant started on
 * request (A's real OPC UA server in this process) and its device read through the API.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TRPCError } from '@trpc/server';
import { contextFor, openCore, type Core } from '../core.ts';
import { DEMO_OPCUA_DEVICE_ID, DEMO_SITE_ID } from '../field/demo-plant.ts';
import { appRouter } from './router.ts';
import { createCallerFactory } from './trpc.ts';

let dir: string;
let core: Core;
const callerOf = createCallerFactory(appRouter);
let api: ReturnType<typeof callerOf>;

const code = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    return { code: (error as TRPCError).code, message: (error as Error).message };
  }
  return { code: 'NONE', message: '' };
};

describe('field router', { timeout: 120_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turash-field-api-'));
    core = await openCore(join(dir, 'turash.db'));
    api = callerOf(contextFor(core));
    await core.repo.createOrganization({ id: 'org-1', name: 'Plant Org' });
    await core.repo.createSite({ id: 'site-1', organization_id: 'org-1', name: 'Plant', lat: 51.4, lon: 7.0, country: 'DE' });
  });
  after(async () => {
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a bad endpoint naming it, and changes nothing', async () => {
    const bad = await code(api.field.devices.create({ site_id: 'site-1', name: 'Meter', endpoint: 'http://10.0.0.5' }));
    assert.equal(bad.code, 'BAD_REQUEST');
    assert.match(bad.message, /endpoint/);
    assert.deepEqual(await api.field.devices.list({ site_id: 'site-1' }), []);
    const scan = await code(api.field.scan({ device_id: 'nope', function_code: 4, start: 0, count: 1 }));
    assert.equal(scan.code, 'NOT_FOUND');
  });

  it("keeps the user's own Modbus profiles beside the database; a bad one is refused naming the problem, nothing saved", async () => {
    const before = await api.field.profiles();
    assert.ok(before.profiles.some((p) => p.name === 'sdm630') && !before.profiles.some((p) => p.name === 'boiler-meter'));
    const bad = await code(api.field.saveProfile({ profile: { name: 'boiler-meter', registers: [{ id: 'p', name: 'Power', fc: 4, address: 0, dataType: 'float33' }] } }));
    assert.equal(bad.code, 'BAD_REQUEST');
    assert.match(bad.message, /dataType/);
    assert.ok(!(await api.field.profiles()).profiles.some((p) => p.name === 'boiler-meter'), 'nothing saved');

    const good = { name: 'boiler-meter', description: 'Heat meter of boiler 2', registers: [{ id: 'power', name: 'Heat power', fc: 4, address: 0, dataType: 'float32', order: 'CDAB', unit: 'kW' }] };
    assert.deepEqual(await api.field.saveProfile({ profile: good }), { name: 'boiler-meter', registers: 1 });
    const listed = (await api.field.profiles()).profiles.find((p) => p.name === 'boiler-meter');
    assert.equal(listed?.description, 'Heat meter of boiler 2');
    assert.equal(listed?.registers[0]?.order, 'CDAB');
    assert.equal(core.field.profilesFolder, join(dir, 'profiles'), 'kept beside the database, not in the working folder');
  });

  it('reports a refused connection in the state, keeps the password out of the database', async () => {
    const device = await api.field.devices.create({ site_id: 'site-1', name: 'Gone', endpoint: 'opc.tcp://127.0.0.1:1', config: { userName: 'eng' }, password: 's3cret' });
    assert.equal(device.protocol, 'opcua');
    const row = JSON.stringify(await core.repo.field.getDevice(device.id));
    assert.ok(!row.includes('s3cret'), 'no password in the stored device');
    assert.equal(await core.field.secrets.get(`device:${device.id}`), 's3cret');
    const result = await api.field.connect({ device_id: device.id });
    assert.ok(result.error, 'the failure is reported');
    assert.equal(result.state.connected, false);
    assert.equal(result.state.status?.state, 'disconnected');
    const info = await api.field.info();
    assert.equal(info.passwordsPersistent, false);
  });

  it('starts the demo plant on request, connects, adds points, reads them', async () => {
    const demo = await api.field.demo.start();
    assert.equal(demo.site_id, DEMO_SITE_ID);
    assert.ok(demo.device_ids.includes(DEMO_OPCUA_DEVICE_ID));
    let connected = await api.field.connect({ device_id: DEMO_OPCUA_DEVICE_ID });
    if (connected.state.certificate) {
      await api.field.certificates.trust({ thumbprint: connected.state.certificate.thumbprint });
      connected = await api.field.connect({ device_id: DEMO_OPCUA_DEVICE_ID });
    }
    assert.equal(connected.error, null);
    const top = await api.field.browse({ device_id: DEMO_OPCUA_DEVICE_ID });
    const heat = top.find((n) => n.displayName === 'HeatRecovery')!;
    const vars = await api.field.browse({ device_id: DEMO_OPCUA_DEVICE_ID, node_id: heat.nodeId });
    await api.field.points.add({ device_id: DEMO_OPCUA_DEVICE_ID, points: vars.map((v) => ({ address: v.nodeId, name: v.displayName })) });
    const again = await api.field.points.add({ device_id: DEMO_OPCUA_DEVICE_ID, points: [{ address: vars[0]!.nodeId, name: 'dup' }] });
    assert.equal(again[0]!.name, vars[0]!.displayName, 'adding an existing address is the same point');
    const samples = await api.field.read({ device_id: DEMO_OPCUA_DEVICE_ID });
    assert.equal(samples.length, vars.length);
    assert.ok(samples.every((s) => s.quality === 'good'));
    const bad = await code(api.field.points.bind({ flow_id: 'no-such-flow', bindings: [{ point_id: again[0]!.id, role: 'power' }] }));
    assert.equal(bad.code, 'BAD_REQUEST');
    assert.match(bad.message, /flow "no-such-flow" does not exist/);
    await api.field.disconnect({ device_id: DEMO_OPCUA_DEVICE_ID });
  });
});
