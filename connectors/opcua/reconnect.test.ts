/**
 * Reconnects against the real demo plant (field.md "Known failure modes"):
 * - the server is restarted (closed, started again on the same port with the same PKI) in the
 *   middle of a subscription: the connector reports reconnecting (attempt, next try), comes back,
 *   samples flow again, the server has exactly one subscription (Node-RED #278, node-opcua
 *   #1059), the outage is recorded as one 'gap' sample per point, and no (point, source time) is
 *   delivered twice;
 * - the connection drops while the server survives (a TCP proxy in between cuts the sockets): the
 *   old subscription is reclaimed, so the server still has exactly one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startOpcUaPlant, type OpcUaPlant } from '../simulator/opcua-plant.ts';
import type { ConnectorStatus, Sample } from '../types.ts';
import { createOpcUaConnector, type OpcUaConnector } from './index.ts';

let root: string;
const cleanups: (() => Promise<void>)[] = [];

before(() => {
  root = mkdtempSync(join(tmpdir(), 'turash-opcua-rc-'));
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function recorder() {
  const samples: Sample[] = [];
  const keys = new Set<string>();
  let duplicates = 0;
  return {
    samples,
    get duplicates() {
      return duplicates;
    },
    onSamples(batch: Sample[]) {
      for (const s of batch) {
        const key = `${s.pointId}@${s.sourceMs}@${s.status ?? ''}`;
        if (keys.has(key)) duplicates += 1;
        keys.add(key);
        samples.push(s);
      }
    },
  };
}

const POINTS = (plant: OpcUaPlant) => [
  { id: 'flow', address: plant.nodeIds.FlowRate!, intervalMs: 100 },
  { id: 'supply', address: plant.nodeIds.SupplyTemperature!, intervalMs: 100 },
  { id: 'energy', address: plant.nodeIds.EnergyCounter!, intervalMs: 100 },
];

test('server restarted mid-subscription: reconnects with backoff, one subscription, a gap per point, no duplicates', async () => {
  const serverPki = join(root, 'server-pki');
  let plant = await startOpcUaPlant({ pkiFolder: serverPki, tickMs: 100 });
  const port = plant.port;
  cleanups.push(() => plant.close());
  const connector: OpcUaConnector = createOpcUaConnector(plant.endpoint, {
    pkiFolder: join(root, 'client-pki'),
    reconnect: { initialMs: 200, maxMs: 800 },
    requestTimeoutMs: 3000,
  });
  cleanups.push(() => connector.close());
  const statuses: ConnectorStatus[] = [];
  connector.onStatus((s) => statuses.push(s));
  await connector.connect();
  const rec = recorder();
  await connector.subscribe(POINTS(plant), (b) => rec.onSamples(b));
  await waitFor('values before the restart', () => rec.samples.filter((s) => s.pointId === 'flow').length >= 3);
  assert.equal(plant.subscriptionCount(), 1);

  const lastBefore = Math.max(...rec.samples.map((s) => s.sourceMs));
  await plant.close();
  const closedAt = Date.now();
  await waitFor('reconnecting', () => connector.status().state === 'reconnecting');
  const gaps = rec.samples.filter((s) => s.status === 'gap');
  assert.deepEqual(gaps.map((s) => s.pointId).sort(), ['energy', 'flow', 'supply'], 'one gap sample per subscribed point');
  for (const g of gaps) {
    assert.equal(g.quality, 'bad');
    assert.equal(g.value, null);
    assert.ok(g.sourceMs >= lastBefore && g.sourceMs <= Date.now(), 'the gap is stamped when the connection was lost');
  }
  // Let at least two attempts fail against the closed port.
  await waitFor('a second attempt', () => (connector.status().attempt ?? 0) >= 2);
  const reconnecting = statuses.filter((s) => s.state === 'reconnecting');
  assert.ok(reconnecting.every((s) => typeof s.attempt === 'number' && typeof s.nextAttemptMs === 'number' && s.nextAttemptMs >= closedAt));
  assert.ok(reconnecting.some((s) => s.attempt === 2));

  // Points subscribed during the outage are kept and created on the next session.
  const late = recorder();
  await connector.subscribe([{ id: 'power', address: plant.nodeIds.HeatPower!, intervalMs: 100 }], (b) => late.onSamples(b));

  plant = await startOpcUaPlant({ pkiFolder: serverPki, port, tickMs: 100 });
  const restartedAt = Date.now();
  await waitFor('connected again', () => connector.status().state === 'connected');
  await waitFor('values after the restart', () => rec.samples.filter((s) => s.pointId === 'energy' && s.sourceMs >= restartedAt).length >= 3);
  await waitFor('the group subscribed during the outage', () => late.samples.some((s) => s.pointId === 'power' && s.quality === 'good'));
  assert.equal(plant.subscriptionCount(), 1, 'exactly one subscription on the restarted server');
  assert.equal(plant.sessionCount(), 1);
  assert.equal(rec.duplicates, 0, 'no (point, source time) delivered twice');
  assert.equal(rec.samples.filter((s) => s.status === 'gap').length, 3, 'the gap is recorded once');
  assert.equal(connector.status().counters.reconnects, 1);
  for (const id of ['flow', 'supply', 'energy']) {
    const times = rec.samples.filter((s) => s.pointId === id).map((s) => s.sourceMs);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), `${id} arrives in source-time order`);
  }
});

/** A TCP proxy whose live connections can be cut, to drop the link while the server keeps running. */
async function startProxy(targetPort: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('link dropped while the server survives: the old subscription is reclaimed, the server keeps exactly one', async () => {
  const plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki-2'), tickMs: 100 });
  cleanups.push(() => plant.close());
  const proxy = await startProxy(plant.port);
  cleanups.push(() => proxy.close());
  const connector = createOpcUaConnector(`opc.tcp://127.0.0.1:${proxy.port}`, {
    pkiFolder: join(root, 'client-pki'),
    reconnect: { initialMs: 100, maxMs: 400 },
    requestTimeoutMs: 3000,
  });
  cleanups.push(() => connector.close());
  await connector.connect();
  const rec = recorder();
  await connector.subscribe(POINTS(plant), (b) => rec.onSamples(b));
  await waitFor('values', () => rec.samples.length >= 6);
  assert.equal(plant.subscriptionCount(), 1);

  proxy.cut();
  await waitFor('reconnecting', () => connector.status().state === 'reconnecting');
  const cutAt = Date.now();
  await waitFor('connected again', () => connector.status().state === 'connected');
  await waitFor('values after the cut', () => rec.samples.filter((s) => s.pointId === 'flow' && s.receivedMs > cutAt + 300).length >= 2);
  assert.equal(plant.subscriptionCount(), 1, 'the orphaned subscription of the dropped session was reclaimed');
  assert.equal(rec.duplicates, 0);
  assert.equal(rec.samples.filter((s) => s.status === 'gap').length, 3);
});

test('a subscription the server silently dropped is detected by the watchdog and recreated', async () => {
  const plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki-3'), tickMs: 100 });
  cleanups.push(() => plant.close());
  const connector = createOpcUaConnector(plant.endpoint, { pkiFolder: join(root, 'client-pki'), watchdogMs: 1500, requestTimeoutMs: 3000 });
  cleanups.push(() => connector.close());
  await connector.connect();
  const rec = recorder();
  await connector.subscribe(POINTS(plant), (b) => rec.onSamples(b));
  await waitFor('values', () => rec.samples.length >= 6);
  const firstId = connector.subscriptionId();
  assert.equal(plant.dropSubscriptionsSilently(), 1);
  const droppedAt = Date.now();
  await waitFor('a new subscription', () => connector.subscriptionId() !== null && connector.subscriptionId() !== firstId);
  await waitFor('values again', () => rec.samples.filter((s) => s.pointId === 'flow' && s.receivedMs > droppedAt + 1500).length >= 2);
  assert.equal(plant.subscriptionCount(), 1);
  assert.equal(rec.duplicates, 0);
  assert.equal(connector.status().state, 'connected', 'recreated on the same session, no reconnect');
  assert.equal(connector.status().counters.reconnects, 0);
});

test('SignAndEncrypt: reconnects to the same server; a server back with a new certificate stops the loop with its thumbprint', async () => {
  const { trustServerCertificate } = await import('./index.ts');
  const { DEMO_PLANT_USER } = await import('../simulator/opcua-plant.ts');
  let plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki-4'), tickMs: 100 });
  const port = plant.port;
  cleanups.push(() => plant.close());
  const pki = join(root, 'client-pki-secure');
  const connector = createOpcUaConnector(plant.endpoint, {
    pkiFolder: pki,
    securityMode: 'SignAndEncrypt',
    securityPolicy: 'Basic256Sha256',
    user: { ...DEMO_PLANT_USER },
    reconnect: { initialMs: 200, maxMs: 800 },
    requestTimeoutMs: 3000,
  });
  cleanups.push(() => connector.close());
  await connector.connect().catch(() => undefined);
  trustServerCertificate(pki, plant.certificateThumbprint);
  await connector.connect();
  const rec = recorder();
  await connector.subscribe(POINTS(plant), (b) => rec.onSamples(b));
  await waitFor('values', () => rec.samples.length >= 6);

  // Same server (same PKI) restarted: reconnects with security, values flow again.
  await plant.close();
  await waitFor('reconnecting', () => connector.status().state === 'reconnecting');
  plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki-4'), port, tickMs: 100 });
  const back = Date.now();
  await waitFor('connected again', () => connector.status().state === 'connected');
  await waitFor('values again', () => rec.samples.some((s) => s.pointId === 'flow' && s.sourceMs > back));
  assert.equal(plant.subscriptionCount(), 1);

  // The server reinstalled (a new certificate): the loop stops and says why.
  await plant.close();
  await waitFor('reconnecting', () => connector.status().state === 'reconnecting');
  plant = await startOpcUaPlant({ pkiFolder: join(root, 'server-pki-5'), port, tickMs: 100 });
  await waitFor('disconnected', () => connector.status().state === 'disconnected');
  assert.match(connector.status().reason ?? '', new RegExp(`thumbprint ${plant.certificateThumbprint}.*not trusted`));
  assert.equal(rec.duplicates, 0);
});
