/**
 * The field service against A's real OPC UA demo plant (node-opcua server on 127.0.0.1, free port)
 * and a real SQLite file: trust the server certificate, connect, add points from the browse tree,
 * see live values, bind them to a flow, record, and see the flow become measured once the
 * (shortened) minimum period is covered.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpcUaPlant, type OpcUaPlant } from '../../connectors/simulator/opcua-plant.ts';
import { openCore, type Core } from '../core.ts';
import { certificateActions, scanRegisters } from './drivers.ts';
import { startSimulatedPlants, ensureDemoSite, DEMO_MODBUS_DEVICE_ID, type SimulatedPlants } from './demo-plant.ts';

let dir: string;
let core: Core;
let plant: OpcUaPlant;

const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('field service with the OPC UA demo plant', { timeout: 120_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turash-field-svc-'));
    plant = await startOpcUaPlant({ port: 0, pkiFolder: join(dir, 'plant-pki'), tickMs: 200 });
    core = await openCore(join(dir, 'turash.db'));
    await core.repo.createOrganization({ id: 'org-1', name: 'Plant Org' });
    await core.repo.createSite({ id: 'site-1', organization_id: 'org-1', name: 'Plant', lat: 51.4, lon: 7.0, country: 'DE' });
    await core.repo.createFlow({ id: 'flow-1', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Waste heat', quantity: { amount: 500, unit: 'kW' } });
    await core.repo.field.createDevice({ id: 'dev-1', site_id: 'site-1', name: 'Heat recovery', protocol: 'opcua', endpoint: plant.endpoint, config: { securityMode: 'None', securityPolicy: 'None' } });
  });
  after(async () => {
    await core?.close();
    await plant?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects (after trusting the server certificate when asked), browses and streams live values', async () => {
    const field = core.field;
    try {
      await field.connect('dev-1');
    } catch (error) {
      const state = field.state('dev-1');
      assert.ok(state.certificate, `connect failed without a certificate to trust: ${(error as Error).message}`);
      assert.equal(state.certificate.thumbprint, plant.certificateThumbprint);
      await certificateActions(field.pkiFolder).trust(state.certificate.thumbprint);
      await field.connect('dev-1');
    }
    assert.equal(field.state('dev-1').connected, true);
    const top = await field.connector('dev-1').browse();
    const heat = top.find((n) => n.browseName.includes('HeatRecovery'));
    assert.ok(heat, `HeatRecovery under Objects: ${top.map((n) => n.browseName).join(', ')}`);
    const vars = await field.connector('dev-1').browse(heat.nodeId);
    const power = vars.find((n) => n.browseName.includes('HeatPower'));
    assert.ok(power);
    await core.repo.field.ensurePoints([{ id: 'dev-1.power', device_id: 'dev-1', name: 'Heat power', address: power.nodeId, unit: 'kW' }]);
    await field.refreshPoints('dev-1');
    const seen: number[] = [];
    const stop = field.onValues((e) => e.values.forEach((v) => v.value !== null && seen.push(v.value)));
    await until('two live values', () => seen.length >= 2);
    stop();
    assert.equal(field.values('dev-1')[0]?.quality, 'good');
    assert.ok(field.trend(['dev-1.power'])[0]!.t.length >= 2);
  });

  it('records bound points and the flow becomes measured after the shortened period', async () => {
    const field = core.field;
    await core.repo.setSetting('ingest.measured_min_period_s', 2);
    await core.repo.setSetting('ingest.measured_min_coverage', 0.5);
    await core.repo.field.bindPoints('flow-1', [{ point_id: 'dev-1.power', role: 'power' }]);
    await field.startRecording('dev-1');
    assert.equal(field.isRecording(), true);
    let evaluation: { met: boolean; reason: string } | undefined;
    await until('the flow to be measured', async () => {
      evaluation = (await field.measured('flow-1')) as { met: boolean; reason: string };
      return evaluation.met;
    }, 60_000).catch((error: Error) => assert.fail(`${error.message}: last evaluation ${JSON.stringify(evaluation)}`));
    await field.stopRecording('dev-1');
    assert.equal(field.isRecording(), false);
    const flow = await core.repo.getFlow('flow-1');
    assert.equal(flow.precision, 'measured');
    const state = field.state('dev-1');
    assert.equal(state.recording, null);
    await field.disconnect('dev-1');
    assert.equal(field.state('dev-1').connected, false);
  });

  it('the Modbus demo meter: the sdm630 profile as its points and a register scan decoded in every format', async () => {
    let plants: SimulatedPlants | undefined;
    try {
      plants = await startSimulatedPlants({ pkiFolder: join(dir, 'demo'), opcua: false });
      assert.ok(plants.modbus, plants.problems.join('; '));
      await ensureDemoSite(core.repo, plants, core.field.secrets);
      const state = await core.field.connect(DEMO_MODBUS_DEVICE_ID);
      assert.equal(state.connected, true);
      const registers = await core.field.connector(DEMO_MODBUS_DEVICE_ID).browse();
      assert.ok(registers.some((r) => /voltage/i.test(r.displayName)), registers.map((r) => r.displayName).join(', '));
      const device = await core.repo.field.getDevice(DEMO_MODBUS_DEVICE_ID);
      const scan = await scanRegisters(core.field, device, { function_code: 4, start: 0, count: 10 });
      assert.equal(scan.registers.length, 10);
      assert.ok('float32_ABCD' in scan.registers[0]!.preview);
      await core.field.disconnect(DEMO_MODBUS_DEVICE_ID);
    } finally {
      await plants?.close();
    }
  });
});
