/**
 * The Modbus Connector (connectors/types.ts) over a ModbusLink: TCP (one connection per connector,
 * pipelined) or RTU (a shared bus queue per serial port). Reads are planned (plan.ts) into as few
 * requests as possible, decoded (codec.ts) and returned as Samples; a failing request makes its
 * points `bad` with the protocol's status, never an exception out of read().
 *
 * Reconnecting: when the link goes down the connector retries with exponential backoff and jitter
 * (min 500 ms, max 30 s by default) forever, and its subscriptions resume polling by themselves once
 * the link is back (node-red-contrib-modbus #69/#84: nodes stuck after a long outage). Polling is
 * skipped while the link is down, so an outage is a gap, and every sample has its own request time:
 * no duplicates after a reconnect.
 */
import type { BrowseNode, Connector, ConnectorCounters, ConnectorState, ConnectorStatus, PointSpec, Sample, Unsubscribe } from '../types.ts';
import type { ModbusRtuEndpoint, ModbusTcpEndpoint } from '../endpoint.ts';
import type { Profile } from '../profiles/index.ts';
import { profileToPoints } from '../profiles/index.ts';
import { applySunSpecScale, decodeWords, isSunSpecNotImplemented } from './codec.ts';
import type { ModbusRequestError} from './errors.ts';
import { classifyModbusError } from './errors.ts';
import type { ModbusLink, RegisterFc } from './link.ts';
import { planReads, type PlannedPoint, type ReadRequest } from './plan.ts';

export interface ModbusConnectorOptions {
  /** Polling interval of subscriptions when points give none (ms, default 1000). */
  pollMs?: number;
  /** Request timeout (ms); default the endpoint's `timeout` parameter. */
  timeoutMs?: number;
  /** Planner: the largest register hole read through to merge requests (default the profile's, else 16). */
  maxGap?: number;
  /** TCP: requests in flight at once on the connection (default 8; 1 = one at a time). */
  maxInFlight?: number;
  /** TCP: consecutive unanswered requests after which the gateway counts as dead (default 3). */
  deadAfterTimeouts?: number;
  /** Reconnect backoff (ms): min * 2^(attempt-1), capped at max, +-25 % jitter. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** RTU: per-unit backoff after a timeout (ms). */
  unitBackoff?: { baseMs?: number; maxMs?: number };
  /** The device profile, for browse() and its planner gap. */
  profile?: Profile;
}

export class ModbusConnector implements Connector {
  readonly protocol: 'modbus-tcp' | 'modbus-rtu';
  readonly endpoint: string;
  private state: ConnectorState = 'idle';
  private reason: string | undefined;
  private attempt = 0;
  private nextAttemptMs: number | undefined;
  private failing = new Set<string>();
  private readonly counters: ConnectorCounters = { requests: 0, responses: 0, timeouts: 0, protocolErrors: 0, reconnects: 0, samples: 0, lastGoodMs: null };
  private readonly listeners = new Set<(s: ConnectorStatus) => void>();
  private readonly subscriptions = new Set<{ stop(): void }>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly offDown: () => void;

  constructor(
    private readonly ep: ModbusTcpEndpoint | ModbusRtuEndpoint,
    readonly link: ModbusLink,
    private readonly options: ModbusConnectorOptions = {},
  ) {
    this.protocol = ep.protocol;
    this.endpoint = ep.url;
    this.offDown = link.onDown((reason) => this.linkDown(reason));
  }

  status(): ConnectorStatus {
    const s: ConnectorStatus = { state: this.state, counters: { ...this.counters } };
    if (this.reason !== undefined) s.reason = this.reason;
    if (this.state === 'reconnecting') {
      s.attempt = this.attempt;
      if (this.nextAttemptMs !== undefined) s.nextAttemptMs = this.nextAttemptMs;
    }
    if (this.failing.size > 0) s.failingPoints = [...this.failing].sort();
    return s;
  }

  onStatus(listener: (status: ConnectorStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(state: ConnectorState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.emit();
  }

  private emit(): void {
    const s = this.status();
    for (const l of this.listeners) l(s);
  }

  async connect(): Promise<void> {
    if (this.closed) throw new Error(`${this.endpoint}: connector is closed`);
    this.setState('connecting');
    try {
      await this.link.open();
    } catch (e) {
      this.setState('disconnected', (e as Error).message);
      throw e;
    }
    this.attempt = 0;
    this.setState('connected');
  }

  private linkDown(reason: string): void {
    if (this.closed || this.state === 'reconnecting') return;
    this.attempt = 0;
    this.scheduleReconnect(reason);
  }

  /** `reason` is why the link went down; `lastFailure` why the latest attempt failed (not accumulated). */
  private scheduleReconnect(reason: string, lastFailure?: string): void {
    if (this.closed) return;
    this.attempt += 1;
    const min = this.options.reconnect?.minMs ?? 500;
    const max = this.options.reconnect?.maxMs ?? 30_000;
    const base = Math.min(max, min * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.nextAttemptMs = Date.now() + delay;
    this.setState('reconnecting', lastFailure ? `${reason}; last attempt: ${lastFailure}` : reason);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.link.open().then(
        () => {
          if (this.closed) return;
          this.counters.reconnects += 1;
          this.attempt = 0;
          this.nextAttemptMs = undefined;
          this.setState('connected');
        },
        (e: unknown) => this.scheduleReconnect(reason, (e as Error).message),
      );
    }, delay);
  }

  async browse(): Promise<BrowseNode[]> {
    // Modbus is not browsable: the "address space" is the profile's points (field.md).
    if (!this.options.profile) return [];
    return profileToPoints(this.options.profile).map((p) => ({
      nodeId: p.address,
      browseName: p.id,
      displayName: p.name ?? p.id,
      nodeClass: 'Variable' as const,
      hasChildren: false,
      ...(p.dataType ? { dataType: p.dataType } : {}),
      ...(p.unit ? { unit: p.unit } : {}),
    }));
  }

  /** One raw register read through this connector's link (the register scan uses it); counted. */
  async readRegisters(unit: number, fc: RegisterFc, start: number, count: number): Promise<number[]> {
    this.counters.requests += 1;
    try {
      const words = await this.link.readRegisters(unit, fc, start, count, this.timeoutMs());
      this.counters.responses += 1;
      return words;
    } catch (e) {
      this.count(classifyModbusError(e));
      throw e;
    }
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? this.ep.timeoutMs;
  }

  private count(err: ModbusRequestError): void {
    if (err.kind === 'timeout') this.counters.timeouts += 1;
    else if (err.kind === 'exception') {
      this.counters.responses += 1;
      this.counters.protocolErrors += 1;
    } else if (err.kind === 'protocol') this.counters.protocolErrors += 1;
  }

  /**
   * A point addressed like one of the profile's registers but without its decoding (a caller that
   * kept only browse()'s address and data type) gets the profile's order and scale: otherwise a
   * CDAB register or a 0.01 scale from a user profile would silently read wrong.
   */
  private withProfile(points: PointSpec[]): PointSpec[] {
    if (!this.options.profile) return points;
    this.profilePoints ??= new Map(profileToPoints(this.options.profile).map((p) => [p.address.replace(/\s+/g, ''), p]));
    return points.map((p) => {
      const def = this.profilePoints!.get(p.address.replace(/\s+/g, ''));
      if (!def) return p;
      const filled: PointSpec = { ...p };
      if (filled.dataType === undefined && def.dataType !== undefined) filled.dataType = def.dataType;
      if (filled.order === undefined && def.order !== undefined) filled.order = def.order;
      if (filled.scale === undefined && def.scale !== undefined) filled.scale = def.scale;
      return filled;
    });
  }

  private profilePoints: Map<string, PointSpec> | undefined;

  async read(requested: PointSpec[]): Promise<Sample[]> {
    const points = this.withProfile(requested);
    const plan = planReads(points, { defaultUnit: this.ep.unit, maxGap: this.options.maxGap ?? this.options.profile?.maxGap });
    const sentMs = Date.now();
    const results = await Promise.allSettled(plan.map((r) => this.execute(r)));
    const receivedMs = Date.now();
    const samples: Sample[] = [];
    results.forEach((res, i) => {
      const req = plan[i]!;
      for (const p of req.points) {
        samples.push(res.status === 'fulfilled' ? decodePoint(p, req, res.value, sentMs, receivedMs) : badSample(p, sentMs, receivedMs, classifyModbusError(res.reason).status));
      }
    });
    // Keep the caller's order: the ingest and the CLI print points as configured.
    const order = new Map(points.map((p, i) => [p.id, i]));
    samples.sort((a, b) => (order.get(a.pointId) ?? 0) - (order.get(b.pointId) ?? 0));
    this.account(samples);
    return samples;
  }

  private async execute(req: ReadRequest): Promise<number[]> {
    this.counters.requests += 1;
    try {
      const words = await this.link.readRegisters(req.unit, req.fc, req.start, req.count, this.timeoutMs());
      this.counters.responses += 1;
      return words;
    } catch (e) {
      const err = classifyModbusError(e);
      this.count(err);
      throw err;
    }
  }

  private account(samples: Sample[]): void {
    let good = false;
    for (const s of samples) {
      if (s.quality === 'good') {
        good = true;
        this.failing.delete(s.pointId);
        this.counters.lastGoodMs = s.receivedMs;
      } else this.failing.add(s.pointId);
    }
    this.counters.samples += samples.length;
    if (this.state === 'connected' || this.state === 'degraded') {
      const next: ConnectorState = this.failing.size > 0 ? 'degraded' : 'connected';
      const reason = next === 'degraded' ? `${this.failing.size} point(s) failing: ${samples.find((s) => s.quality !== 'good')?.status ?? 'bad value'}` : undefined;
      if (next !== this.state || reason !== this.reason) this.setState(next, reason);
      else if (good) this.emit();
    }
  }

  async subscribe(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<Unsubscribe> {
    // Validate once up front so a typo is an error now, not a silent poll failure later.
    planReads(points, { defaultUnit: this.ep.unit });
    const interval = Math.max(10, Math.min(...points.map((p) => p.intervalMs ?? this.options.pollMs ?? 1000)));
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    let lastSourceMs = 0;
    const tick = async (): Promise<void> => {
      const started = Date.now();
      if (this.link.isOpen && !stopped) {
        try {
          const samples = await this.read(points);
          if (stopped) return;
          // One request time per poll; forced strictly increasing so a poll never repeats a timestamp.
          const t = Math.max(samples[0]?.sourceMs ?? started, lastSourceMs + 1);
          lastSourceMs = t;
          for (const s of samples) s.sourceMs = t;
          if (samples.length > 0) onSamples(samples);
        } catch (e) {
          // A throwing consumer or an unexpected error must not end the polling for good (#69/#84).
          this.reason = `poll failed: ${(e as Error).message}`;
          this.emit();
        }
      }
      if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, interval - (Date.now() - started)));
    };
    const sub = {
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
    this.subscriptions.add(sub);
    void tick();
    return async () => {
      sub.stop();
      this.subscriptions.delete(sub);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions) s.stop();
    this.subscriptions.clear();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.offDown();
    await this.link.close();
    this.setState('disconnected', 'closed');
  }
}

function badSample(p: PlannedPoint, sentMs: number, receivedMs: number, status: string): Sample {
  return { pointId: p.point.id, sourceMs: sentMs, receivedMs, value: null, quality: 'bad', status };
}

/** Decodes one point from the words of its request; SunSpec "not implemented" and NaN are bad. */
export function decodePoint(p: PlannedPoint, req: ReadRequest, words: number[], sentMs: number, receivedMs: number): Sample {
  const offset = p.address - req.start;
  const raw = words.slice(offset, offset + p.words);
  if (p.sfAddress !== undefined) {
    const sfWord = words[p.sfAddress - req.start]!;
    if (sfWord === 0x8000) return badSample(p, sentMs, receivedMs, 'scale factor not implemented');
    if (isSunSpecNotImplemented(raw, p.type)) return badSample(p, sentMs, receivedMs, 'not implemented');
    const sf = decodeWords([sfWord], 'int16');
    const value = applySunSpecScale(decodeWords(raw, p.type, p.order), sf) * (p.point.scale ?? 1);
    return { pointId: p.point.id, sourceMs: sentMs, receivedMs, value, quality: 'good' };
  }
  const value = decodeWords(raw, p.type, p.order) * (p.point.scale ?? 1);
  if (!Number.isFinite(value)) return badSample(p, sentMs, receivedMs, 'not a number');
  return { pointId: p.point.id, sourceMs: sentMs, receivedMs, value, quality: 'good' };
}
