/**
 * The OPC UA connector against the real demo plant (node-opcua's own server in this process):
 * discovery, an anonymous None session, lazy browse, reads, a bad NodeId, and one subscription
 * whose monitored items are created in calls of at most 1,000.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClientSession } from 'node-opcua';
import { startOpcUaPlant, type OpcUaPlant } from '../simulator/opcua-plant.ts';
import type { Sample } from '../types.ts';
import { createOpcUaConnector, type OpcUaConnector } from './index.ts';

let root: string;
let plant: OpcUaPlant;
let connector: OpcUaConnector;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'turash-opcua-'));
  plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki'), tickMs: 100, benchVariables: 2500 });
  connector = createOpcUaConnector(plant.endpoint, { pkiFolder: join(root, 'client-pki'), requestTimeoutMs: 5000 });
});

after(async () => {
  await connector?.close();
  await plant?.close();
  rmSync(root, { recursive: true, force: true });
});

test('discovery lists None and Basic256Sha256 endpoints, login types and the server certificate thumbprint', async () => {
  const endpoints = await connector.getEndpoints();
  const offered = endpoints.map((e) => `${e.securityMode}/${e.securityPolicy}`).sort();
  assert.deepEqual(offered, ['None/None', 'Sign/Basic256Sha256', 'SignAndEncrypt/Basic256Sha256']);
  const secure = endpoints.find((e) => e.securityMode === 'SignAndEncrypt')!;
  assert.equal(secure.serverCertificateThumbprint, plant.certificateThumbprint);
  assert.equal(secure.serverCertificate?.applicationUri, 'urn:turash:demo-plant:opcua');
  assert.ok(secure.userIdentityTokens.some((t) => t.tokenType === 'Anonymous'));
  assert.ok(secure.userIdentityTokens.some((t) => t.tokenType === 'UserName'));
  assert.ok(endpoints.every((e) => e.url.startsWith('opc.tcp://127.0.0.1:')));
});

test('connects without security, anonymously', async () => {
  const states: string[] = [];
  connector.onStatus((s) => states.push(s.state));
  await connector.connect();
  assert.equal(connector.status().state, 'connected');
  assert.deepEqual(states.slice(0, 2), ['connecting', 'connected']);
});

test('browses lazily: the plant folders under Objects, then the variables with data type and unit', async () => {
  const top = await connector.browse();
  const heat = top.find((n) => n.browseName.endsWith('HeatRecovery'));
  assert.ok(heat, `HeatRecovery under Objects, got ${top.map((n) => n.browseName).join(', ')}`);
  assert.equal(heat.nodeClass, 'Object');
  assert.equal(heat.hasChildren, true);
  const children = await connector.browse(heat.nodeId);
  const names = children.map((c) => c.displayName).sort();
  assert.deepEqual(names, ['EnergyCounter', 'FlowRate', 'HeatPower', 'ReturnTemperature', 'SupplyTemperature']);
  const flow = children.find((c) => c.displayName === 'FlowRate')!;
  assert.equal(flow.nodeId, plant.nodeIds.FlowRate);
  assert.equal(flow.nodeClass, 'Variable');
  assert.equal(flow.dataType, 'Double');
  assert.equal(flow.unit, 'm³/h');
  assert.equal(flow.hasChildren, false, 'properties (EURange, EngineeringUnits) are folded into the variable');
  assert.equal(children.find((c) => c.displayName === 'SupplyTemperature')!.unit, '°C');
});

test('reads decode numbers with the source timestamp; a bad NodeId comes back bad with the status name', async () => {
  const before = Date.now();
  const samples = await connector.read([
    { id: 'flow', address: plant.nodeIds.FlowRate! },
    { id: 'missing', address: 'ns=1;s=HeatRecovery.DoesNotExist' },
    { id: 'typo', address: 'ns=1;x=oops' },
    { id: 'power', address: plant.nodeIds.HeatPower! },
  ]);
  assert.deepEqual(samples.map((s) => s.pointId), ['flow', 'missing', 'typo', 'power']);
  const [flow, missing, typo, power] = samples as [Sample, Sample, Sample, Sample];
  assert.equal(flow.quality, 'good');
  assert.ok(flow.value! >= 25 && flow.value! <= 60, `flow ${flow.value} m3/h within the plant's range`);
  assert.ok(flow.sourceMs <= flow.receivedMs && flow.sourceMs > before - 5000, 'source timestamp from the server');
  assert.deepEqual([missing.quality, missing.value, missing.status], ['bad', null, 'BadNodeIdUnknown']);
  assert.deepEqual([typo.quality, typo.value, typo.status], ['bad', null, 'BadNodeIdInvalid']);
  assert.ok(power.value! > 100, `heat power ${power.value} kW`);
  assert.equal(connector.status().state, 'connected', 'a bad point in a read does not crash or degrade the connection');
});

test('one subscription for 2,505 points, items created in calls of at most 1,000, a refused point marked degraded', async () => {
  const session = (connector as unknown as { connection: { session: ClientSession } }).connection.session;
  const batchSizes: number[] = [];
  const spied = session as unknown as { createMonitoredItems: (...a: unknown[]) => unknown };
  const original = spied.createMonitoredItems.bind(session);
  // Spy on the real session's service call (the request still goes to the real server).
  spied.createMonitoredItems = (request: unknown, ...rest: unknown[]) => {
    batchSizes.push((request as { itemsToCreate: unknown[] }).itemsToCreate.length);
    return original(request, ...rest);
  };
  const points = [
    ...Array.from({ length: 2500 }, (_, i) => ({ id: `b${i}`, address: `ns=1;s=Bench.Value${i}`, intervalMs: 100 })),
    { id: 'flow', address: plant.nodeIds.FlowRate!, intervalMs: 100 },
    { id: 'supply', address: plant.nodeIds.SupplyTemperature!, intervalMs: 500 },
    { id: 'missing', address: 'ns=1;s=Nope', intervalMs: 100 },
  ];
  const received = new Map<string, Sample[]>();
  const seen = new Set<string>();
  let duplicates = 0;
  const unsubscribe = await connector.subscribe(points, (batch) => {
    for (const s of batch) {
      const key = `${s.pointId}@${s.sourceMs}`;
      if (seen.has(key)) duplicates += 1;
      seen.add(key);
      received.set(s.pointId, [...(received.get(s.pointId) ?? []), s]);
    }
  });
  assert.deepEqual(batchSizes, [1000, 1000, 502, 1], 'interval 100 ms: 2,502 items in 1,000 + 1,000 + 502; interval 500 ms: 1 item');
  assert.equal(connector.subscriptionId() !== null, true);
  // Wait until every bench point delivered at least two values.
  const deadline = Date.now() + 15000;
  const count = (id: string): number => received.get(id)?.length ?? 0;
  const allFlowing = (): boolean => count('flow') >= 2 && count('supply') >= 1 && Array.from({ length: 2500 }, (_, i) => count(`b${i}`)).every((n) => n >= 2);
  while (Date.now() < deadline && !allFlowing()) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok((received.get('b2499')?.length ?? 0) >= 2, 'the last point of the last batch delivers values');
  assert.ok(count('flow') >= 2, `flow delivered ${count('flow')} values`);
  assert.ok(count('supply') >= 1, `supply delivered ${count('supply')} values`);
  const missing = received.get('missing') ?? [];
  assert.deepEqual(missing.map((s) => [s.quality, s.status]), [['bad', 'BadNodeIdUnknown']]);
  assert.equal(connector.status().state, 'degraded');
  assert.deepEqual(connector.status().failingPoints, ['missing']);
  assert.equal(duplicates, 0);
  assert.equal(plant.subscriptionCount(), 1, 'exactly one subscription on the server');
  await unsubscribe();
  assert.equal(connector.status().state, 'connected');
  assert.equal(plant.subscriptionCount(), 0);
});
