/**
 * The field service of the Core: one live connector per device, its status and counters, the live
 * values and a short trend per point, and recording sessions that hand samples to the ingestion
 * (main/ingest) until stopped. A device's points (stored in the graph) are what is monitored: the
 * connector keeps ONE subscription over all of them and restores it after a reconnect, so a
 * recording survives a cable pulled for a minute without the user doing anything.
 */
import type { Connector, ConnectorStatus, PointSpec, Sample, Unsubscribe } from '../../connectors/types.ts';
import type { ConnectorOptions } from '../../connectors/factory.ts';
import type { DeviceRecord, PointRecord } from '../db/field-store.ts';
import type { Repository } from '../db/repository.ts';
import { profileNamed } from './drivers.ts';
import { ensureDemoSite, startSimulatedPlants, type SimulatedPlants } from './demo-plant.ts';
import { Listeners } from './events.ts';
import { LiveCache, type LiveValue, type TrendSeries } from './live.ts';
import { devicePasswordKey, SessionSecrets, type SecretPort } from './secrets.ts';

/** Where recorded samples go: main/ingest's Recorder (write resolves once committed). */
export interface SampleSink {
  write(samples: Sample[]): Promise<unknown>;
  /** Commits what is queued and refuses further writes. */
  close?(): Promise<void>;
}

export interface FieldPorts {
  repo: Repository;
  /** Builds a connector for an endpoint (connectors/factory.ts; tests may pass another). */
  createConnector(endpoint: string, options: ConnectorOptions): Promise<Connector>;
  /** The recorder of main/ingest. */
  recorder: SampleSink;
  /** main/ingest's measured evaluation of a flow: coverage so far against what is required. */
  evaluateMeasured(flowId: string): Promise<unknown>;
  /** The PKI folder of the OPC UA client (own certificate, trusted and rejected servers). */
  pkiFolder: string;
  /** The user's Modbus profiles (beside the shipped ones). */
  profilesFolder?: string;
  /** The desktop app's encrypted store; memory for the session otherwise. */
  secrets?: SecretPort;
}

export interface RecordingState {
  started_ms: number;
  /** Samples acknowledged by the recorder (committed to the database). */
  samples: number;
  /** The last write that failed, in words (the session keeps trying with the next batch). */
  error?: string;
}

export interface DeviceState {
  device_id: string;
  connected: boolean;
  status: ConnectorStatus | null;
  recording: RecordingState | null;
  /** An untrusted OPC UA server certificate that stopped the last connect. */
  certificate?: { thumbprint: string; subject?: string; message: string };
}

export interface ValuesEvent {
  device_id: string;
  values: LiveValue[];
}

interface Session {
  device: DeviceRecord;
  connector: Connector;
  unsubscribe: Unsubscribe | null;
  stopStatus: () => void;
  points: PointRecord[];
  recording: RecordingState | null;
  /** Writes in flight, so stop() resolves only when everything handed over is acknowledged. */
  pending: Set<Promise<unknown>>;
}

const IDLE_COUNTERS = { requests: 0, responses: 0, timeouts: 0, protocolErrors: 0, reconnects: 0, samples: 0, lastGoodMs: null };

export function pointSpec(p: PointRecord, intervalMs?: number): PointSpec {
  return {
    id: p.id,
    address: p.address,
    name: p.name,
    ...(p.data_type && p.data_type !== 'opcua' && p.data_type !== 'boolean' && p.data_type !== 'string' ? { dataType: p.data_type } : {}),
    ...(p.scale !== undefined ? { scale: p.scale } : {}),
    ...(p.unit ? { unit: p.unit } : {}),
    ...(p.order ? { order: p.order } : {}),
    ...(p.unit_id !== undefined ? { unitId: p.unit_id } : {}),
    ...(intervalMs ? { intervalMs } : {}),
  };
}

export class FieldService {
  readonly #ports: FieldPorts;
  readonly secrets: SecretPort;
  readonly #sessions = new Map<string, Session>();
  readonly #failed = new Map<string, DeviceState>();
  readonly #live = new LiveCache();
  readonly #states = new Listeners<DeviceState>();
  readonly #values = new Listeners<ValuesEvent>();
  #demo: Promise<SimulatedPlants> | null = null;

  constructor(ports: FieldPorts) {
    this.#ports = ports;
    this.secrets = ports.secrets ?? new SessionSecrets();
  }

  get pkiFolder(): string {
    return this.#ports.pkiFolder;
  }

  get profilesFolder(): string | undefined {
    return this.#ports.profilesFolder;
  }

  /** The desktop updater's activity probe: never restart while this is true. */
  isRecording(): boolean {
    return [...this.#sessions.values()].some((s) => s.recording !== null);
  }

  state(deviceId: string): DeviceState {
    const s = this.#sessions.get(deviceId);
    if (!s) return this.#failed.get(deviceId) ?? { device_id: deviceId, connected: false, status: null, recording: null };
    return { device_id: deviceId, connected: true, status: s.connector.status(), recording: s.recording ? { ...s.recording } : null };
  }

  states(): DeviceState[] {
    return [...new Set([...this.#sessions.keys(), ...this.#failed.keys()])].map((id) => this.state(id));
  }

  onState(listener: (state: DeviceState) => void): () => void {
    return this.#states.add(listener);
  }

  onValues(listener: (event: ValuesEvent) => void): () => void {
    return this.#values.add(listener);
  }

  #emit(deviceId: string): void {
    this.#states.emit(this.state(deviceId));
  }

  readonly #soon = new Map<string, NodeJS.Timeout>();
  /** Counters and recorded counts change with every batch: their state goes out at most twice a second. */
  #emitSoon(deviceId: string): void {
    if (this.#soon.has(deviceId)) return;
    const timer = setTimeout(() => {
      this.#soon.delete(deviceId);
      this.#emit(deviceId);
    }, 500);
    timer.unref();
    this.#soon.set(deviceId, timer);
  }

  /** The options a device's stored configuration gives, plus its password from the secret store. */
  async connectorOptions(device: DeviceRecord): Promise<ConnectorOptions> {
    const config = (device.config ?? {}) as Record<string, unknown>;
    const { userName, ...rest } = config as { userName?: string };
    const options: ConnectorOptions = { ...rest, pkiFolder: this.#ports.pkiFolder };
    // Modbus connectors take the loaded register map; a bad name fails here, naming it.
    if (device.profile) options.profile = device.protocol.startsWith('modbus') ? await profileNamed(device.profile, this.#ports.profilesFolder) : device.profile;
    if (userName) {
      const password = await this.secrets.get(devicePasswordKey(device.id));
      if (password === undefined) {
        throw new Error(
          `device "${device.name}" logs in as "${userName}" but no password is known${this.secrets.persistent ? '' : ' in this session (passwords are kept in memory only here)'}: enter it in the connect dialog`,
        );
      }
      options.user = { userName, password };
    }
    return options;
  }

  /** Connects a device (idempotent) and subscribes to its points for the live view. */
  async connect(deviceId: string, options: { password?: string } = {}): Promise<DeviceState> {
    const existing = this.#sessions.get(deviceId);
    if (existing) return this.state(deviceId);
    const device = await this.#ports.repo.field.getDevice(deviceId);
    if (options.password !== undefined) await this.secrets.set(devicePasswordKey(deviceId), options.password);
    const connector = await this.#ports.createConnector(device.endpoint, await this.connectorOptions(device));
    const session: Session = { device, connector, unsubscribe: null, stopStatus: () => undefined, points: [], recording: null, pending: new Set() };
    try {
      await connector.connect();
    } catch (error) {
      await connector.close().catch(() => undefined);
      const e = error as Error & { thumbprint?: string; subject?: string; certificate?: { thumbprint?: string; subject?: string } };
      const thumbprint = e.thumbprint ?? e.certificate?.thumbprint;
      const subject = e.subject ?? e.certificate?.subject;
      this.#failed.set(deviceId, {
        device_id: deviceId,
        connected: false,
        status: { state: 'disconnected', reason: e.message, counters: { ...IDLE_COUNTERS } },
        recording: null,
        ...(thumbprint ? { certificate: { thumbprint, ...(subject ? { subject } : {}), message: e.message } } : {}),
      });
      this.#emit(deviceId);
      throw error;
    }
    this.#failed.delete(deviceId);
    this.#sessions.set(deviceId, session);
    session.stopStatus = connector.onStatus(() => this.#emit(deviceId));
    await this.refreshPoints(deviceId);
    this.#emit(deviceId);
    return this.state(deviceId);
  }

  /** Stops any recording (waiting for what was handed over to be committed) and closes the connection. */
  async disconnect(deviceId: string): Promise<DeviceState> {
    const session = this.#sessions.get(deviceId);
    if (!session) return this.state(deviceId);
    await this.stopRecording(deviceId);
    this.#sessions.delete(deviceId);
    session.stopStatus();
    await session.unsubscribe?.().catch(() => undefined);
    await session.connector.close().catch(() => undefined);
    this.#emit(deviceId);
    return this.state(deviceId);
  }

  #session(deviceId: string): Session {
    const s = this.#sessions.get(deviceId);
    if (!s) throw new Error(`device "${deviceId}" is not connected: connect it first`);
    return s;
  }

  connector(deviceId: string): Connector {
    return this.#session(deviceId).connector;
  }

  /** Re-subscribes after the device's points changed (a point added from the browse tree, ...). */
  async refreshPoints(deviceId: string): Promise<void> {
    const session = this.#sessions.get(deviceId);
    if (!session) return;
    const points = await this.#ports.repo.field.listPoints({ device_id: deviceId });
    const before = session.points.map((p) => `${p.id}@${p.address}`).join('|');
    const after = points.map((p) => `${p.id}@${p.address}`).join('|');
    session.points = points;
    if (before === after && session.unsubscribe) return;
    const old = session.unsubscribe;
    session.unsubscribe = null;
    await old?.().catch(() => undefined);
    if (points.length === 0) return;
    const interval = Number((session.device.config as { intervalMs?: unknown } | undefined)?.intervalMs) || 1000;
    session.unsubscribe = await session.connector.subscribe(
      points.map((p) => pointSpec(p, interval)),
      (samples) => this.#onSamples(session, samples),
    );
  }

  #onSamples(session: Session, samples: Sample[]): void {
    const values = this.#live.add(samples);
    this.#values.emit({ device_id: session.device.id, values });
    this.#emitSoon(session.device.id);
    const recording = session.recording;
    if (!recording) return;
    const write = this.#ports.recorder.write(samples).then(
      (result) => {
        const r = result as { stored?: number; rejected?: { pointId: string; reason: string }[] } | undefined;
        recording.samples += r?.stored ?? samples.length;
        const rejected = r?.rejected ?? [];
        if (rejected.length) recording.error = `recording: ${rejected.length} samples refused, e.g. ${rejected[0]!.pointId}: ${rejected[0]!.reason}`;
        else delete recording.error;
        this.#emitSoon(session.device.id);
      },
      (error: Error) => {
        recording.error = `recording: ${error.message}`;
        this.#emit(session.device.id);
      },
    );
    session.pending.add(write);
    void write.finally(() => session.pending.delete(write));
  }

  values(deviceId: string): LiveValue[] {
    const session = this.#sessions.get(deviceId);
    return session ? this.#live.values(session.points.map((p) => p.id)) : [];
  }

  trend(pointIds: string[]): TrendSeries[] {
    return this.#live.trend(pointIds);
  }

  /** Starts recording every point of a connected device; idempotent. */
  async startRecording(deviceId: string): Promise<DeviceState> {
    const session = this.#session(deviceId);
    if (session.points.length === 0) throw new Error(`device "${session.device.name}" has no points to record: add points first`);
    if (!session.recording) session.recording = { started_ms: Date.now(), samples: 0 };
    this.#emit(deviceId);
    return this.state(deviceId);
  }

  /** Stops recording; resolves when every sample handed to the recorder is committed. */
  async stopRecording(deviceId: string): Promise<DeviceState & { finished: RecordingState | null }> {
    const session = this.#sessions.get(deviceId);
    const recording = session?.recording ?? null;
    if (!session || !recording) return { ...this.state(deviceId), finished: null };
    session.recording = null;
    // The last writes still count into `recording` when they commit.
    await Promise.allSettled([...session.pending]);
    this.#emit(deviceId);
    return { ...this.state(deviceId), finished: { ...recording } };
  }

  /** Coverage of a flow's bound points so far against the minimum period (and `measured` once met). */
  async measured(flowId: string): Promise<unknown> {
    // Whatever is still being written belongs to "so far": wait for it first.
    await Promise.allSettled([...this.#sessions.values()].flatMap((s) => [...s.pending]));
    return this.#ports.evaluateMeasured(flowId);
  }

  /**
   * Starts the simulated demo plant in this process (once) and adds its devices to the demo site;
   * only ever on the user's request.
   */
  async startDemoPlant(): Promise<{ site_id: string; flow_id: string; device_ids: string[]; endpoints: string[]; problems: string[] }> {
    this.#demo ??= startSimulatedPlants({ pkiFolder: this.#ports.pkiFolder });
    const plants = await this.#demo;
    if (!plants.opcua && !plants.modbus) {
      this.#demo = null;
      throw new Error(`the demo plant could not start: ${plants.problems.join('; ')}`);
    }
    const site = await ensureDemoSite(this.#ports.repo, plants, this.secrets);
    return { ...site, endpoints: [plants.opcua?.endpoint, plants.modbus?.endpoint].filter((e): e is string => !!e), problems: plants.problems };
  }

  /** The running demo plant's endpoints, or null. */
  async demoPlant(): Promise<{ endpoints: string[] } | null> {
    if (!this.#demo) return null;
    const plants = await this.#demo.catch(() => null);
    return plants ? { endpoints: [plants.opcua?.endpoint, plants.modbus?.endpoint].filter((e): e is string => !!e) } : null;
  }

  /** Disconnects everything (application quit): recordings end with their data committed. */
  async close(): Promise<void> {
    for (const timer of this.#soon.values()) clearTimeout(timer);
    this.#soon.clear();
    await Promise.all([...this.#sessions.keys()].map((id) => this.disconnect(id)));
    await this.#ports.recorder.close?.();
    const demo = this.#demo;
    this.#demo = null;
    if (demo) await (await demo.catch(() => null))?.close();
  }
}
