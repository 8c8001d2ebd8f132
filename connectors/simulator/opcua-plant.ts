/**
 * The demo plant's OPC UA server: a small heat-recovery installation a field engineer can browse,
 * read and record from exactly as from a real plant (used by `turash simulate`, the E2E tests,
 * `npm start`'s demo and the OPC UA bench).
 *
 * Address space (namespace 1, string NodeIds so they are readable in the UI and in docs):
 *   Objects/HeatRecovery/{FlowRate m3/h, SupplyTemperature degC, ReturnTemperature degC,
 *                         HeatPower kW, EnergyCounter kWh}
 *   Objects/ElectricityMeter/{ActivePower kW, Voltage V, Current A, Frequency Hz, ActiveEnergy kWh}
 *   Objects/Bench/Value0..N-1 (only with `benchVariables`, for the OPC UA bench)
 * Every value changes every `tickMs` (1 s by default) with plausible noise; HeatPower follows
 * P = flow * density * cp * dT and EnergyCounter integrates it, so a user sees a consistent plant.
 *
 * Security: endpoints None, and Basic256Sha256 Sign and SignAndEncrypt. Anonymous is allowed, and
 * one user with the DEMO credentials `demo` / `demo-plant` (documented, never for a real plant).
 * The plant accepts any client certificate (automaticallyAcceptUnknownCertificate): it is a demo,
 * and the interesting trust decision is the client's (docs/field-opcua.md).
 */
import { createHash } from 'node:crypto';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  standardUnits,
  type UAVariable,
} from 'node-opcua';

export const DEMO_PLANT_USER = { username: 'demo', password: 'demo-plant' } as const;
export const DEMO_PLANT_APPLICATION_URI = 'urn:turash:demo-plant:opcua';

export interface OpcUaPlantOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  /** The server's own PKI folder (its certificate and key live in `own/`; kept across restarts). */
  pkiFolder: string;
  host?: '127.0.0.1';
  /** How often every value changes (ms); 1,000 by default. */
  tickMs?: number;
  /** Extra Double variables Objects/Bench/Value<i>, all changing every tick (the OPC UA bench). */
  benchVariables?: number;
}

export interface OpcUaPlant {
  /** opc.tcp://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  close(): Promise<void>;
  /** Logical name -> NodeId string, e.g. `FlowRate` -> `ns=1;s=HeatRecovery.FlowRate`. */
  nodeIds: Record<string, string>;
  /** SHA-1 of the server certificate (DER), lower-case hex, as UaExpert shows it. */
  certificateThumbprint: string;
  /** Subscriptions alive on the server, all sessions together (tests: "exactly one"). */
  subscriptionCount(): number;
  /** Sessions alive on the server. */
  sessionCount(): number;
  /**
   * Test hook: deletes every subscription on the server side without telling the clients, the
   * way a PLC firmware bug or a server-side purge does (Node-RED #571). Returns how many.
   */
  dropSubscriptionsSilently(): number;
}

const WATER_DENSITY_KG_M3 = 983; // at ~60 degC
const WATER_CP_KJ_KGK = 4.18;

interface PlantState {
  flow: number;
  supply: number;
  ret: number;
  energyKWh: number;
  elecKW: number;
  elecKWh: number;
  voltage: number;
  frequency: number;
}

function noise(amplitude: number): number {
  return (Math.random() * 2 - 1) * amplitude;
}

function heatPowerKW(s: PlantState): number {
  // m3/h -> kg/s: * density / 3600; P[kW] = m_dot[kg/s] * cp[kJ/kgK] * dT[K]
  return ((s.flow * WATER_DENSITY_KG_M3) / 3600) * WATER_CP_KJ_KGK * (s.supply - s.ret);
}

async function freePortIfZero(port: number | undefined): Promise<number> {
  if (port) return port;
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const chosen = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(chosen));
    });
  });
}

export async function startOpcUaPlant(options: OpcUaPlantOptions): Promise<OpcUaPlant> {
  if (!options.pkiFolder) throw new Error('startOpcUaPlant: pkiFolder is required (the server keeps its certificate there)');
  const host = options.host ?? '127.0.0.1';
  const port = await freePortIfZero(options.port);
  const tickMs = options.tickMs ?? 1000;

  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: options.pkiFolder,
    automaticallyAcceptUnknownCertificate: true,
  });
  await serverCertificateManager.initialize();

  const server = new OPCUAServer({
    port,
    host,
    hostname: host,
    serverCertificateManager,
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: true,
    userManager: {
      isValidUser: (username: string, password: string) =>
        username === DEMO_PLANT_USER.username && password === DEMO_PLANT_USER.password,
    },
    serverInfo: {
      applicationUri: DEMO_PLANT_APPLICATION_URI,
      productUri: 'urn:turash:demo-plant',
      applicationName: { text: 'Turash demo plant', locale: 'en' },
    },
    buildInfo: { productName: 'Turash demo plant', manufacturerName: 'Turash Field (simulated)' },
    // Many monitored items per call are fine for the bench (the client batches at 1,000 anyway).
    serverCapabilities: {
      operationLimits: { maxMonitoredItemsPerCall: 10000 },
      // Room for the bench's baseline (one subscription per item, the #195 anti-pattern).
      maxSubscriptions: Math.max(100, (options.benchVariables ?? 0) + 50),
      maxSubscriptionsPerSession: Math.max(50, (options.benchVariables ?? 0) + 50),
      maxMonitoredItems: Math.max(100_000, (options.benchVariables ?? 0) * 4),
    },
    maxConnectionsPerEndpoint: 50,
  });
  await server.initialize();

  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('startOpcUaPlant: the server has no address space after initialize()');
  const ns = addressSpace.getOwnNamespace();
  const nsIndex = ns.index;
  const nodeIds: Record<string, string> = {};
  const variables = new Map<string, UAVariable>();

  const objects = addressSpace.rootFolder.objects;
  const heat = ns.addFolder(objects, { browseName: 'HeatRecovery', nodeId: 's=HeatRecovery' });
  const elec = ns.addFolder(objects, { browseName: 'ElectricityMeter', nodeId: 's=ElectricityMeter' });
  nodeIds.HeatRecovery = `ns=${nsIndex};s=HeatRecovery`;
  nodeIds.ElectricityMeter = `ns=${nsIndex};s=ElectricityMeter`;

  const analog = (
    folder: typeof heat,
    prefix: string,
    name: string,
    units: (typeof standardUnits)[keyof typeof standardUnits],
    range: { low: number; high: number },
  ): void => {
    const id = `${prefix}.${name}`;
    const v = ns.addAnalogDataItem({
      organizedBy: folder,
      browseName: name,
      nodeId: `s=${id}`,
      dataType: 'Double',
      engineeringUnits: units,
      engineeringUnitsRange: range,
      minimumSamplingInterval: 50,
    });
    nodeIds[name] = `ns=${nsIndex};s=${id}`;
    variables.set(name, v as unknown as UAVariable);
  };
  // kWh has no entry in node-opcua's standardUnits: build it from the UNECE code (KWH = 0x4b5748).
  const kilowattHour = { namespaceUri: 'http://www.opcfoundation.org/UA/units/un/cefact', unitId: 4937544, displayName: { text: 'kWh' }, description: { text: 'kilowatt hour' } };
  const kWh = kilowattHour as unknown as (typeof standardUnits)['kilowatt'];

  analog(heat, 'HeatRecovery', 'FlowRate', standardUnits.cubic_metre_per_hour, { low: 0, high: 100 });
  analog(heat, 'HeatRecovery', 'SupplyTemperature', standardUnits.degree_celsius, { low: 0, high: 120 });
  analog(heat, 'HeatRecovery', 'ReturnTemperature', standardUnits.degree_celsius, { low: 0, high: 120 });
  analog(heat, 'HeatRecovery', 'HeatPower', standardUnits.kilowatt, { low: 0, high: 5000 });
  analog(heat, 'HeatRecovery', 'EnergyCounter', kWh, { low: 0, high: 1e9 });
  analog(elec, 'ElectricityMeter', 'ActivePower', standardUnits.kilowatt, { low: 0, high: 500 });
  analog(elec, 'ElectricityMeter', 'Voltage', standardUnits.volt, { low: 0, high: 500 });
  analog(elec, 'ElectricityMeter', 'Current', standardUnits.ampere, { low: 0, high: 1000 });
  analog(elec, 'ElectricityMeter', 'Frequency', standardUnits.hertz, { low: 45, high: 55 });
  analog(elec, 'ElectricityMeter', 'ActiveEnergy', kWh, { low: 0, high: 1e9 });

  const bench: UAVariable[] = [];
  if (options.benchVariables && options.benchVariables > 0) {
    const benchFolder = ns.addFolder(objects, { browseName: 'Bench', nodeId: 's=Bench' });
    nodeIds.Bench = `ns=${nsIndex};s=Bench`;
    for (let i = 0; i < options.benchVariables; i++) {
      bench.push(
        ns.addVariable({
          componentOf: benchFolder,
          browseName: `Value${i}`,
          nodeId: `s=Bench.Value${i}`,
          dataType: 'Double',
          minimumSamplingInterval: 50,
        }) as unknown as UAVariable,
      );
    }
  }

  const state: PlantState = { flow: 42, supply: 85, ret: 55, energyKWh: 125_000, elecKW: 180, elecKWh: 2_400_000, voltage: 230, frequency: 50 };
  let lastTick = Date.now();
  let benchCounter = 0;
  const publish = (): void => {
    const now = Date.now();
    const hours = (now - lastTick) / 3_600_000;
    lastTick = now;
    state.flow = Math.min(60, Math.max(25, state.flow + noise(0.8)));
    state.supply = Math.min(95, Math.max(75, state.supply + noise(0.3)));
    state.ret = Math.min(state.supply - 15, Math.max(45, state.ret + noise(0.3)));
    const power = heatPowerKW(state);
    state.energyKWh += power * hours;
    state.elecKW = Math.min(260, Math.max(120, state.elecKW + noise(4)));
    state.elecKWh += state.elecKW * hours;
    state.voltage = 230 + noise(2);
    state.frequency = 50 + noise(0.03);
    const current = (state.elecKW * 1000) / (Math.sqrt(3) * 400 * 0.95);
    const values: Record<string, number> = {
      FlowRate: state.flow,
      SupplyTemperature: state.supply,
      ReturnTemperature: state.ret,
      HeatPower: power,
      EnergyCounter: state.energyKWh,
      ActivePower: state.elecKW,
      Voltage: state.voltage,
      Current: current,
      Frequency: state.frequency,
      ActiveEnergy: state.elecKWh,
    };
    const sourceTimestamp = new Date(now);
    for (const [name, value] of Object.entries(values)) {
      variables.get(name)?.setValueFromSource(new Variant({ dataType: DataType.Double, value }), StatusCodes.Good, sourceTimestamp);
    }
    benchCounter += 1;
    for (let i = 0; i < bench.length; i++) {
      bench[i]!.setValueFromSource(new Variant({ dataType: DataType.Double, value: benchCounter + i / 1000 }), StatusCodes.Good, sourceTimestamp);
    }
  };
  publish();
  const timer = setInterval(publish, tickMs);
  timer.unref();

  await server.start();
  const certificateThumbprint = createHash('sha1').update(server.getCertificate()).digest('hex');
  let closed = false;
  return {
    endpoint: `opc.tcp://${host}:${port}`,
    port,
    nodeIds,
    certificateThumbprint,
    subscriptionCount: () => server.currentSubscriptionCount,
    sessionCount: () => server.currentSessionCount,
    dropSubscriptionsSilently: () => {
      let dropped = 0;
      for (const session of server.engine.getSessions()) {
        for (const subscription of [...session.publishEngine.subscriptions]) {
          session.deleteSubscription(subscription.id);
          dropped += 1;
        }
      }
      return dropped;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // 0 ms: no grace period; a restart in the tests must look like a crash to the clients.
      await server.shutdown(0);
      await serverCertificateManager.dispose();
    },
  };
}
