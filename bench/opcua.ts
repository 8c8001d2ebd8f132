/**
 * `turash bench opcua`: the OPC UA client's CPU against the quality.md target (5,000 monitored
 * items at 1 s sampling from a local server with under 30 % of one core).
 *
 * Method: the demo plant runs in a CHILD process with `items` extra variables that all change
 * every `samplingMs`, so process.cpuUsage() of this process measures the client alone. The
 * connector subscribes to every item (one subscription, items created 1,000 per call); after a
 * warm-up (every item delivered once, then 2 s more), the CPU time of this process and the
 * samples delivered are counted over `measureMs` of steady state.
 * Baseline of the same run: the anti-pattern of node-opcua #195, one subscription per item, with
 * a raw node-opcua client on `baselineItems` items (fewer, as it is that expensive), measured the
 * same way; both are compared as CPU per 1,000 items, and the ratio is reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AttributeIds,
  ClientMonitoredItem,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  TimestampsToReturn,
  type ClientSubscription,
} from 'node-opcua';
import { createOpcUaConnector } from '../connectors/opcua/index.ts';

export interface OpcUaBenchOptions {
  /** Monitored items of the connector run (default 5,000). */
  items?: number;
  /** Sampling interval and the server's change interval, ms (default 1,000). */
  samplingMs?: number;
  /** Steady-state measurement window, ms (default 10,000). */
  measureMs?: number;
  /** Items of the one-subscription-per-item baseline (default 500; 0 skips it). */
  baselineItems?: number;
}

export const TARGETS = { cpu_percent_of_one_core: 30 } as const;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ChildPlant {
  endpoint: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The demo plant in a child process; resolves once it listens. */
async function startChildPlant(pkiFolder: string, items: number, tickMs: number): Promise<ChildPlant> {
  const plantUrl = pathToFileURL(join(import.meta.dirname, '..', 'connectors', 'simulator', 'opcua-plant.ts')).href;
  const script = [
    `import { startOpcUaPlant } from ${JSON.stringify(plantUrl)};`,
    `const plant = await startOpcUaPlant({ pkiFolder: ${JSON.stringify(pkiFolder)}, benchVariables: ${items}, tickMs: ${tickMs} });`,
    `process.stdout.write(JSON.stringify({ endpoint: plant.endpoint }) + '\\n');`,
    // Ends with its parent: stdin closes when the bench process exits, even on a crash.
    `process.stdin.on('end', () => plant.close().finally(() => process.exit(0)));`,
    `process.stdin.resume();`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the bench OPC UA server did not start within 120 s: ${stderr}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench OPC UA server exited (${code}): ${stderr}`));
    });
  });
  return {
    endpoint,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Measured {
  items: number;
  cpu_percent_of_one_core: number;
  samples_per_s: number;
  expected_samples_per_s: number;
  setup_ms: number;
}

/** Waits until `ready()` (all items delivered once), 2 s more, then measures this process. */
async function measure(items: number, samplingMs: number, measureMs: number, count: () => number, ready: () => boolean, setupStarted: number): Promise<Measured> {
  const deadline = Date.now() + 120_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('not every monitored item delivered a value within 120 s');
    await sleep(100);
  }
  const setupMs = Date.now() - setupStarted;
  await sleep(2000);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const s0 = count();
  await sleep(measureMs);
  const cpu = process.cpuUsage(cpu0);
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const samples = count() - s0;
  return {
    items,
    cpu_percent_of_one_core: round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100, 2),
    samples_per_s: round((samples / elapsedMs) * 1000),
    expected_samples_per_s: round((items * 1000) / samplingMs),
    setup_ms: setupMs,
  };
}

async function runConnector(endpoint: string, pki: string, items: number, samplingMs: number, measureMs: number): Promise<Measured> {
  const started = Date.now();
  const connector = createOpcUaConnector(endpoint, { pkiFolder: pki, requestTimeoutMs: 60_000 });
  try {
    await connector.connect();
    const seen = new Set<string>();
    let samples = 0;
    await connector.subscribe(
      Array.from({ length: items }, (_, i) => ({ id: `v${i}`, address: `ns=1;s=Bench.Value${i}`, intervalMs: samplingMs })),
      (batch) => {
        samples += batch.length;
        if (seen.size < items) for (const s of batch) seen.add(s.pointId);
      },
    );
    return await measure(items, samplingMs, measureMs, () => samples, () => seen.size >= items, started);
  } finally {
    await connector.close();
  }
}

/** The #195 anti-pattern: one subscription per monitored item, with a plain node-opcua client. */
async function runSubscriptionPerItem(endpoint: string, pki: string, items: number, samplingMs: number, measureMs: number): Promise<Measured> {
  const started = Date.now();
  const certificateManager = new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true });
  await certificateManager.initialize();
  const client = OPCUAClient.create({
    applicationName: 'Turash bench baseline',
    clientCertificateManager: certificateManager,
    securityMode: MessageSecurityMode.None,
    securityPolicy: 'http://opcfoundation.org/UA/SecurityPolicy#None',
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
  });
  const subscriptions: ClientSubscription[] = [];
  try {
    await client.connect(endpoint);
    const session = await client.createSession();
    const seen = new Set<number>();
    let samples = 0;
    for (let i = 0; i < items; i++) {
      const subscription = await session.createSubscription2({ requestedPublishingInterval: samplingMs, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60, publishingEnabled: true });
      subscriptions.push(subscription);
      const item = ClientMonitoredItem.create(subscription, { nodeId: `ns=1;s=Bench.Value${i}`, attributeId: AttributeIds.Value }, { samplingInterval: samplingMs, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
      item.on('changed', () => {
        samples += 1;
        seen.add(i);
      });
    }
    const result = await measure(items, samplingMs, measureMs, () => samples, () => seen.size >= items, started);
    await session.close(true);
    return result;
  } finally {
    await client.disconnect().catch(() => undefined);
    await certificateManager.dispose();
  }
}

export async function runOpcUaBench(options: OpcUaBenchOptions = {}): Promise<object> {
  const items = options.items ?? 5000;
  const samplingMs = options.samplingMs ?? 1000;
  const measureMs = options.measureMs ?? 10_000;
  const baselineItems = Math.min(options.baselineItems ?? 500, items);
  const root = mkdtempSync(join(tmpdir(), 'turash-bench-opcua-'));
  const plant = await startChildPlant(join(root, 'server-pki'), items, samplingMs);
  try {
    const connector = await runConnector(plant.endpoint, join(root, 'client-pki'), items, samplingMs, measureMs);
    const baseline = baselineItems > 0 ? await runSubscriptionPerItem(plant.endpoint, join(root, 'baseline-pki'), baselineItems, samplingMs, measureMs) : null;
    const perThousand = (m: Measured): number => round((m.cpu_percent_of_one_core / m.items) * 1000, 3);
    return {
      workload: {
        description: `${items} monitored items (Double, all changing every ${samplingMs} ms) on the demo plant in a child process over loopback, security None; CPU of the client process alone over ${measureMs} ms of steady state`,
        items,
        sampling_ms: samplingMs,
        measure_ms: measureMs,
      },
      one_subscription: connector,
      baseline_subscription_per_item: baseline,
      cpu_percent_per_1000_items: { one_subscription: perThousand(connector), subscription_per_item: baseline ? perThousand(baseline) : null },
      ratio_subscription_per_item_over_one_subscription: baseline && perThousand(connector) > 0 ? round(perThousand(baseline) / perThousand(connector), 2) : null,
      targets: {
        cpu_percent_of_one_core: {
          target: `< ${TARGETS.cpu_percent_of_one_core} % at 5,000 items / 1 s`,
          value: connector.cpu_percent_of_one_core,
          pass: items >= 5000 && samplingMs <= 1000 ? connector.cpu_percent_of_one_core < TARGETS.cpu_percent_of_one_core : null,
        },
      },
    };
  } finally {
    await plant.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
