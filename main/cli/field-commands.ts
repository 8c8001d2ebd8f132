/**
 * `turash read`, `turash record` and `turash simulate`: a plant's meters from the command line.
 *
 *   read      one reading of every point, decoded (OPC UA: the variables under Objects, browsed
 *             to --depth; Modbus: the profile's registers; or the --node addresses given)
 *   record    records into the database for a flow until --duration or Ctrl+C; everything the
 *             recorder acknowledged stays (it is committed before the progress line counts it)
 *   simulate  the demo plant servers (OPC UA, Modbus) on 127.0.0.1 until Ctrl+C
 *
 * An OPC UA server whose certificate is not trusted yet stops `read` / `record` with its
 * thumbprint; `--trust <thumbprint>` trusts exactly that certificate (compare it with the server's
 * first) and goes on.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createConnector, protocolOf, type ConnectorOptions } from '../../connectors/factory.ts';
import type { BrowseNode, Connector, PointSpec, Sample } from '../../connectors/types.ts';
import { openCore, type Core } from '../core.ts';
import type { POINT_ROLES } from '../domain/field-entities.ts';
import { startSimulatedPlants } from '../field/demo-plant.ts';
import { certificateActions, profileNamed } from '../field/drivers.ts';
import { pkiFolderFor } from '../field/index.ts';
import { deviceIdFor, pointIdFor } from '../field/points.ts';
import { join } from 'node:path';
import { defaultDatabasePath, userDataDir } from '../paths.ts';
import { num, pad } from './format.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}
type Usage = (message: string) => Error;

/** Where `turash simulate` listens unless told otherwise (502 would need root). */
export const DEMO_PLANT_PORTS = { opcuaPort: 4840, modbusPort: 5020 };

const COMMON = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const CONNECT = {
  profile: { type: 'string' },
  node: { type: 'string', multiple: true },
  depth: { type: 'string' },
  'security-mode': { type: 'string' },
  'security-policy': { type: 'string' },
  user: { type: 'string' },
  trust: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const FIELD_HELP = `  turash read <endpoint> [--profile <name>] [--node <id> ...] [--depth N]
                                      one reading of every point, decoded: OPC UA variables
                                      under Objects (to depth N, default 3), a Modbus profile's
                                      registers, or the --node addresses
  turash record <endpoint> --flow <id> [--profile <name>] [--node <id> ...] [--duration <s>]
                                      record into the database for a flow until --duration or
                                      Ctrl+C (everything acknowledged stays)
  turash simulate [--opcua-port P] [--modbus-port P]
                                      the demo plant's OPC UA and Modbus servers on 127.0.0.1
                                      (prints the endpoints; runs until Ctrl+C)
                                      read/record also take --security-mode None|Sign|SignAndEncrypt,
                                      --security-policy, --user <name> (password from
                                      TURASH_DEVICE_PASSWORD), --trust <thumbprint>
`;

/**
 * node-opcua's logger writes its warnings (e.g. W27 at load time) with console.log, i.e. to
 * stdout, which would break the --json contract (stdout carries one JSON document and nothing
 * else). For the rest of this command, console.log goes to stderr; the command's own output goes
 * through `io.out` with the original console.log in place.
 */
function libraryLogsToStderr(io: Io): Io {
  const original = console.log;
  const redirected = (...args: unknown[]) => console.error(...args);
  console.log = redirected;
  return {
    out: (text) => {
      console.log = original;
      try {
        io.out(text);
      } finally {
        console.log = redirected;
      }
    },
    err: io.err,
  };
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: Usage) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options } as typeof COMMON & O, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
}

type ConnectValues = { [K in keyof typeof CONNECT]?: (typeof CONNECT)[K] extends { multiple: true } ? string[] : string };

function endpointOf(positionals: string[], command: string, usage: Usage): string {
  if (positionals.length !== 1) throw usage(`${command} needs one endpoint, e.g. turash ${command} opc.tcp://127.0.0.1:4840`);
  const endpoint = positionals[0]!;
  try {
    protocolOf(endpoint);
  } catch (error) {
    throw usage((error as Error).message);
  }
  return endpoint;
}

async function connectorFor(endpoint: string, values: ConnectValues, pkiFolder: string, usage: Usage): Promise<Connector> {
  const protocol = protocolOf(endpoint);
  const options: ConnectorOptions = { pkiFolder };
  if (values['security-mode']) options.securityMode = values['security-mode'];
  if (values['security-policy']) options.securityPolicy = values['security-policy'];
  if (values.user) {
    const password = process.env.TURASH_DEVICE_PASSWORD;
    // Never a --password option: it would sit in the shell history and the process list.
    if (password === undefined) throw usage('--user needs the password in the TURASH_DEVICE_PASSWORD environment variable');
    options.user = { userName: values.user, password };
  }
  if (values.profile) {
    if (!protocol.startsWith('modbus')) throw usage(`--profile is for Modbus endpoints; ${endpoint} is ${protocol}`);
    options.profile = await profileNamed(values.profile);
  }
  if (values.trust) await certificateActions(pkiFolder).trust(values.trust).catch(() => undefined);
  const connector = await createConnector(endpoint, options);
  try {
    await connector.connect();
  } catch (error) {
    await connector.close().catch(() => undefined);
    const thumbprint = (error as { thumbprint?: string }).thumbprint;
    if (thumbprint) {
      // The connector put it under rejected/ for a decision; trusting it is the user's call.
      throw new Error(`${(error as Error).message}\n  to trust it: add --trust ${thumbprint}`);
    }
    throw error;
  }
  return connector;
}

/** The variables under Objects (OPC UA) down to `depth`, skipping the server's own diagnostics (ns=0). */
async function browseVariables(connector: Connector, depth: number): Promise<BrowseNode[]> {
  const out: BrowseNode[] = [];
  const walk = async (nodeId: string | undefined, level: number) => {
    for (const node of await connector.browse(nodeId)) {
      if (/^(ns=0;)?i=\d+$/.test(node.nodeId)) continue;
      if (node.nodeClass === 'Variable') out.push(node);
      if (node.hasChildren && level < depth && node.nodeClass === 'Object') await walk(node.nodeId, level + 1);
    }
  };
  await walk(undefined, 1);
  return out;
}

/** What to read: --node addresses, else the browsed variables (OPC UA) or the profile (Modbus). */
async function pointsToRead(connector: Connector, values: ConnectValues, usage: Usage): Promise<(PointSpec & { unit?: string })[]> {
  if (values.node?.length) return values.node.map((address) => ({ id: address, address, name: address }));
  if (connector.protocol === 'opcua') {
    const depth = values.depth === undefined ? 3 : Number(values.depth);
    if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw usage(`--depth must be 1..10, got "${values.depth}"`);
    return (await browseVariables(connector, depth)).map((n) => ({ id: n.nodeId, address: n.nodeId, name: n.displayName, ...(n.unit ? { unit: n.unit } : {}) }));
  }
  if (!values.profile) throw usage(`${connector.protocol} is not browsable: give --profile <name> (sdm630, sunspec-201 ... sunspec-204, or your own) or --node <fc:register>`);
  return (await connector.browse()).map((n) => ({ id: n.nodeId, address: n.nodeId, name: n.displayName, ...(n.dataType ? { dataType: n.dataType } : {}), ...(n.unit ? { unit: n.unit } : {}) }));
}

function formatValue(s: Sample): string {
  return s.value === null ? '—' : num(s.value, 3);
}

export async function readCommand(args: string[], callerIo: Io, usage: Usage): Promise<number> {
  const io = libraryLogsToStderr(callerIo);
  const { values, positionals } = parse(args, CONNECT, usage);
  if (values.help) return (io.out(FIELD_HELP), 0);
  const endpoint = endpointOf(positionals, 'read', usage);
  const connector = await connectorFor(endpoint, values, pkiFolderFor(values.db ?? defaultDatabasePath()), usage);
  try {
    const points = await pointsToRead(connector, values, usage);
    if (points.length === 0) throw new Error(`${endpoint} offers no variables to read (try --node <id>)`);
    const samples = await connector.read(points);
    const byId = new Map(samples.map((s) => [s.pointId, s]));
    const rows = points.map((p) => ({ address: p.address, name: p.name ?? p.address, unit: p.unit ?? null, ...sampleJson(byId.get(p.id)) }));
    if (values.json) {
      io.out(JSON.stringify({ endpoint, protocol: connector.protocol, points: rows }, null, 2));
    } else {
      io.out(`${pad('name', 28)} ${pad('value', 14)} ${pad('unit', 8)} ${pad('quality', 10)} address`);
      for (const p of points) {
        const s = byId.get(p.id);
        io.out(`${pad(p.name ?? p.address, 28)} ${pad(s ? formatValue(s) : '—', 14)} ${pad(p.unit ?? '', 8)} ${pad(s ? s.quality + (s.status && s.quality !== 'good' ? ` ${s.status}` : '') : 'no reply', 10)} ${p.address}`);
      }
    }
    return rows.every((r) => r.quality === 'good') ? 0 : 1;
  } finally {
    await connector.close().catch(() => undefined);
  }
}

function sampleJson(s: Sample | undefined) {
  if (!s) return { value: null, quality: 'bad' as const, status: 'no reply', source_ms: null };
  return { value: s.value, quality: s.quality, status: s.status ?? null, source_ms: s.sourceMs };
}

/** A role for a new binding: the profile's, else guessed from the unit and name, else `other`. */
export function guessRole(point: { name?: string; unit?: string | undefined; address: string }): (typeof POINT_ROLES)[number] {
  const unit = (point.unit ?? '').toLowerCase().replace(/\s/g, '');
  const name = `${point.name ?? ''} ${point.address}`.toLowerCase();
  if (/supply.*temp|temp.*supply|flow.*temp/.test(name)) return 'supply_temperature';
  if (/return.*temp|temp.*return/.test(name)) return 'return_temperature';
  if (/^(kwh|mwh|wh)$/.test(unit) || /energy|counter/.test(name)) return 'energy_counter';
  if (/^(kw|mw|w)$/.test(unit) || /power/.test(name)) return 'power';
  if (/^(m3\/h|m³\/h|l\/s|l\/min)$/.test(unit) || /flow.?rate/.test(name)) return 'flow_rate';
  return 'other';
}

export async function recordCommand(args: string[], callerIo: Io, usage: Usage): Promise<number> {
  const io = libraryLogsToStderr(callerIo);
  const { values, positionals } = parse(args, { ...CONNECT, flow: { type: 'string' }, duration: { type: 'string' } } as const, usage);
  if (values.help) return (io.out(FIELD_HELP), 0);
  const endpoint = endpointOf(positionals, 'record', usage);
  if (!values.flow) throw usage('record needs --flow <id>: the flow the meter data belong to');
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0)) throw usage(`--duration must be a positive number of seconds, got "${values.duration}"`);
  const core = await openCore(values.db ?? defaultDatabasePath());
  try {
    const flow = await core.repo.getFlow(values.flow);
    const connector = await connectorFor(endpoint, values, core.field.pkiFolder, usage);
    await connector.close(); // only to learn the points; the field service connects its own
    return await recordWith(core, { endpoint, flowId: flow.id, siteId: flow.site_id, values, duration, io, usage });
  } finally {
    await core.close();
  }
}

async function recordWith(
  core: Core,
  o: { endpoint: string; flowId: string; siteId: string; values: ConnectValues & { json?: boolean }; duration: number | undefined; io: Io; usage: Usage },
): Promise<number> {
  const { io, values } = o;
  const field = core.repo.field;
  // One device per endpoint and site: recording the same meter again extends the same series.
  const existing = (await field.listDevices({ site_id: o.siteId })).find((d) => d.endpoint === o.endpoint);
  const device =
    existing ??
    (await field.createDevice({
      id: deviceIdFor(o.siteId, o.endpoint),
      site_id: o.siteId,
      name: `Meter at ${o.endpoint}`,
      protocol: protocolOf(o.endpoint),
      endpoint: o.endpoint,
      ...(values.profile ? { profile: values.profile } : {}),
      config: { ...(values['security-mode'] ? { securityMode: values['security-mode'] } : {}), ...(values['security-policy'] ? { securityPolicy: values['security-policy'] } : {}), ...(values.user ? { userName: values.user } : {}) },
    }));
  if (values.user && process.env.TURASH_DEVICE_PASSWORD !== undefined) await core.field.secrets.set(`device:${device.id}`, process.env.TURASH_DEVICE_PASSWORD);
  await core.field.connect(device.id);
  const specs = await pointsToRead(core.field.connector(device.id), values, o.usage);
  const created = await field.ensurePoints(specs.map((p) => ({ id: pointIdFor(device.id, p.address), device_id: device.id, name: p.name ?? p.address, address: p.address, ...(p.unit ? { unit: p.unit.slice(0, 20) } : {}) })));
  const free = created.filter((p) => !p.flow_id);
  const bound = free.length ? await field.bindPoints(o.flowId, free.map((p) => ({ point_id: p.id, role: guessRole(p) }))) : [];
  const points = created.map((p) => bound.find((b) => b.id === p.id) ?? p);
  const elsewhere = points.filter((p) => p.flow_id && p.flow_id !== o.flowId);
  if (elsewhere.length && !values.json) io.err(`note: ${elsewhere.length} points stay bound to other flows (${elsewhere.map((p) => `${p.name} -> ${p.flow_id}`).join(', ')}); they are recorded too`);
  await core.field.refreshPoints(device.id);
  await core.field.startRecording(device.id);
  const started = Date.now();
  if (!values.json) io.out(`recording ${points.length} points of ${o.endpoint} for flow ${o.flowId} into ${core.repo.path}${o.duration ? ` for ${o.duration} s` : ''}; Ctrl+C stops`);
  const progress = setInterval(() => {
    if (values.json) return;
    const state = core.field.state(device.id);
    io.out(`  ${Math.round((Date.now() - started) / 1000)} s: ${state.recording?.samples ?? 0} samples committed, ${state.status?.state ?? 'unknown'}${state.recording?.error ? `; ${state.recording.error}` : ''}`);
  }, 5000);
  await new Promise<void>((resolve) => {
    const timer = o.duration ? setTimeout(resolve, o.duration * 1000) : undefined;
    const stop = () => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(progress);
  // Waits until everything handed over is committed; counts only what the recorder acknowledged.
  const { finished } = await core.field.stopRecording(device.id);
  const committed = finished?.samples ?? 0;
  await core.field.disconnect(device.id);
  const evaluation = (await core.ingest.evaluateMeasured(o.flowId)) as { met: boolean; reason: string; coverage: number };
  const summary = { device_id: device.id, flow_id: o.flowId, points: points.map((p) => ({ id: p.id, name: p.name, address: p.address, role: p.role ?? null, flow_id: p.flow_id ?? null })), samples: committed, seconds: Math.round((Date.now() - started) / 1000), measured: evaluation };
  if (values.json) io.out(JSON.stringify(summary, null, 2));
  else io.out(`stopped: ${committed} samples committed for ${points.length} points; flow ${o.flowId}: ${evaluation.met ? 'measured' : 'not measured yet'} (${evaluation.reason})`);
  return 0;
}

export async function simulateCommand(args: string[], callerIo: Io, usage: Usage): Promise<number> {
  const io = libraryLogsToStderr(callerIo);
  const { values } = parse(args, { 'opcua-port': { type: 'string' }, 'modbus-port': { type: 'string' } } as const, usage);
  if (values.help) return (io.out(FIELD_HELP), 0);
  const port = (value: string | undefined, option: string, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw usage(`${option} must be 0..65535, got "${value}"`);
    return n;
  };
  const plants = await startSimulatedPlants({
    pkiFolder: join(userDataDir(), 'demo-plant'),
    opcuaPort: port(values['opcua-port'], '--opcua-port', DEMO_PLANT_PORTS.opcuaPort),
    modbusPort: port(values['modbus-port'], '--modbus-port', DEMO_PLANT_PORTS.modbusPort),
  });
  try {
    if (!plants.opcua && !plants.modbus) throw new Error(`the demo plant could not start: ${plants.problems.join('; ')}`);
    if (values.json) {
      io.out(JSON.stringify({ opcua: plants.opcua?.endpoint ?? null, modbus: plants.modbus?.endpoint ?? null, problems: plants.problems }));
    } else {
      io.out('Demo plant (simulated values, not a real plant):');
      if (plants.opcua) io.out(`  OPC UA  ${plants.opcua.endpoint}   (anonymous, or user demo / demo-plant)`);
      if (plants.modbus) io.out(`  Modbus  ${plants.modbus.endpoint}   (profile sdm630)`);
      for (const problem of plants.problems) io.err(`  not started: ${problem}`);
      io.out(`Try: turash read ${plants.opcua?.endpoint ?? `${plants.modbus?.endpoint} --profile sdm630`}\nCtrl+C stops it.`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    await plants.close();
  }
}
