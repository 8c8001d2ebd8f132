/**
 * Devices and points on a real SQLite file: validated, versioned, change-logged; binding to a flow;
 * a device deleted with its points (each delete logged, so the sync removes them too).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Repository } from './repository.ts';

let dir: string;
let repo: Repository;

describe('field store (devices and points)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turash-field-store-'));
    repo = await Repository.open(join(dir, 'turash.db'));
    await repo.createOrganization({ id: 'org-1', name: 'Plant Org' });
    await repo.createSite({ id: 'site-1', organization_id: 'org-1', name: 'Plant', lat: 51.4, lon: 7.0, country: 'DE' });
    await repo.createFlow({ id: 'flow-1', site_id: 'site-1', direction: 'supply', type: 'heat', name: 'Waste heat', quantity: { amount: 500, unit: 'kW' } });
  });
  after(async () => {
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a device and refuses an endpoint of another protocol, naming the field', async () => {
    const device = await repo.field.createDevice({ id: 'dev-1', site_id: 'site-1', name: 'Heat meter', protocol: 'opcua', endpoint: 'opc.tcp://127.0.0.1:4840', config: { securityMode: 'None' } });
    assert.equal(device.version, 1);
    assert.deepEqual(device.config, { securityMode: 'None' });
    await assert.rejects(
      repo.field.createDevice({ id: 'dev-2', site_id: 'site-1', name: 'Bad', protocol: 'opcua', endpoint: 'modbus-tcp://10.0.0.1:502' }),
      /endpoint: a opcua endpoint starts with opc\.tcp:\/\//,
    );
    await assert.rejects(repo.field.createDevice({ id: 'dev-3', site_id: 'nowhere', name: 'Lost', protocol: 'opcua', endpoint: 'opc.tcp://h:1' }), /site "nowhere" does not exist/);
    assert.equal((await repo.field.listDevices({ site_id: 'site-1' })).length, 1);
  });

  it('adds points once, keeps Modbus order and unit id, binds them to a flow with a role', async () => {
    const spec = { id: 'dev-1.flow', device_id: 'dev-1', name: 'Flow rate', address: 'ns=1;s=HeatRecovery.FlowRate', unit: 'm3/h' };
    const [p1] = await repo.field.ensurePoints([spec, { ...spec, id: 'dev-1.reg', name: 'Register', address: '4:30001', data_type: 'float32', order: 'CDAB', unit_id: 3 }]);
    const again = await repo.field.ensurePoints([spec]);
    assert.equal(again[0]!.version, p1!.version);
    const reg = await repo.field.getPoint('dev-1.reg');
    assert.equal(reg.order, 'CDAB');
    assert.equal(reg.unit_id, 3);
    const [bound] = await repo.field.bindPoints('flow-1', [{ point_id: 'dev-1.flow', role: 'flow_rate' }]);
    assert.equal(bound!.flow_id, 'flow-1');
    assert.equal(bound!.role, 'flow_rate');
    assert.deepEqual((await repo.field.listPoints({ flow_id: 'flow-1' })).map((p) => p.id), ['dev-1.flow']);
    await assert.rejects(repo.field.bindPoints('no-flow', [{ point_id: 'dev-1.flow', role: 'power' }]), /flow "no-flow" does not exist/);
    const [unbound] = await repo.field.unbindPoints(['dev-1.flow']);
    assert.equal(unbound!.flow_id, undefined);
  });

  it('deletes a device with its points and logs every delete', async () => {
    await repo.field.deleteDevice('dev-1');
    assert.deepEqual(await repo.field.listPoints({ device_id: 'dev-1' }), []);
    const log = await repo.changeLog(0, 1000);
    const deletes = log.filter((c) => c.op === 'delete').map((c) => `${c.entity}:${c.entity_id}`);
    assert.deepEqual(deletes.sort(), ['device:dev-1', 'point:dev-1.flow', 'point:dev-1.reg']);
  });
});
