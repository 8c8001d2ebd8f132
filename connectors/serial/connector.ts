/**
 * The serial-meter Connector: a serial port that the meter writes to by itself (DSMR P1 telegrams
 * or text lines); we only listen. Points are addressed by OBIS code ("1-0:1.8.1") or line key.
 *
 * A pulled cable or USB adapter closes the port: the connector goes `reconnecting` and retries the
 * path with exponential backoff and jitter until it is back; subscriptions carry on by themselves.
 * Values that did not change their own timestamp (a gas reading is captured every 5 min but
 * repeated in every telegram) are delivered once, so the ingest never sees a duplicate.
 */
import { SerialPort } from 'serialport';
import type { SerialEndpoint } from '../endpoint.ts';
import type { BrowseNode, Connector, ConnectorCounters, ConnectorState, ConnectorStatus, PointSpec, Sample, Unsubscribe } from '../types.ts';
import { DsmrFramer, type DsmrError } from './dsmr.ts';
import { lineParser, type LineFormat } from './line-parser.ts';

export interface SerialConnectorOptions {
  /** parser=line: the line format (default key=value pairs). */
  line?: LineFormat;
  /** parser=dsmr: reject telegrams without a CRC (default true; DSMR 2/3 meters send none). */
  requireCrc?: boolean;
  reconnect?: { minMs?: number; maxMs?: number };
  /** read(): how long to wait for the next telegram or line (default 15 s; DSMR 4 sends every 10 s). */
  readTimeoutMs?: number;
}

/** One decoded frame: every value of a telegram or a line. */
interface Frame {
  receivedMs: number;
  values: { key: string; value: number; unit: string; sourceMs: number }[];
}

export class SerialConnector implements Connector {
  readonly protocol = 'serial' as const;
  readonly endpoint: string;
  private port: SerialPort | null = null;
  private state: ConnectorState = 'idle';
  private reason: string | undefined;
  private attempt = 0;
  private nextAttemptMs: number | undefined;
  private readonly counters: ConnectorCounters = { requests: 0, responses: 0, timeouts: 0, protocolErrors: 0, reconnects: 0, samples: 0, lastGoodMs: null };
  private readonly statusListeners = new Set<(s: ConnectorStatus) => void>();
  private readonly frameListeners = new Set<(f: Frame) => void>();
  private readonly seen = new Map<string, string>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private lineBuffer = '';
  private readonly framer: DsmrFramer | null;
  private readonly parseLine: ((line: string) => { key: string; value: number }[]) | null;
  /** The last protocol error, kept for the status line. */
  lastError: string | undefined;

  constructor(
    private readonly ep: SerialEndpoint,
    private readonly options: SerialConnectorOptions = {},
  ) {
    this.endpoint = ep.url;
    if (ep.parser === 'dsmr') {
      this.parseLine = null;
      this.framer = new DsmrFramer(
        (t) => {
          const receivedMs = Date.now();
          const base = t.timestampMs ?? receivedMs;
          this.frame({ receivedMs, values: t.values.map((v) => ({ key: v.obis, value: v.value, unit: v.unit, sourceMs: v.timestampMs ?? base })) });
        },
        (e) => this.protocolError(e),
        options.requireCrc === undefined ? {} : { requireCrc: options.requireCrc },
      );
    } else {
      this.framer = null;
      this.parseLine = lineParser(options.line ?? { format: 'kv' });
    }
  }

  status(): ConnectorStatus {
    const s: ConnectorStatus = { state: this.state, counters: { ...this.counters } };
    if (this.reason !== undefined) s.reason = this.reason;
    if (this.state === 'reconnecting') {
      s.attempt = this.attempt;
      if (this.nextAttemptMs !== undefined) s.nextAttemptMs = this.nextAttemptMs;
    }
    return s;
  }

  onStatus(listener: (status: ConnectorStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setState(state: ConnectorState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.emitStatus();
  }

  private emitStatus(): void {
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  async connect(): Promise<void> {
    if (this.closed) throw new Error(`${this.endpoint}: connector is closed`);
    this.setState('connecting');
    try {
      await this.open();
    } catch (e) {
      this.setState('disconnected', (e as Error).message);
      throw e;
    }
    this.setState('connected');
  }

  private open(): Promise<void> {
    const { path, baudRate, parity, dataBits, stopBits } = this.ep;
    const port = new SerialPort({ path, baudRate, parity, dataBits, stopBits, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) return reject(new Error(`cannot open serial port ${path}: ${err.message}`));
        this.port = port;
        this.lineBuffer = '';
        port.on('data', (d: Buffer) => this.data(d));
        port.on('error', () => undefined); // a pulled adapter also closes the port: handled there
        port.on('close', () => {
          if (this.port !== port) return;
          this.port = null;
          if (!this.closed) this.scheduleReconnect(`serial port ${path} closed (cable or adapter pulled?)`, true);
        });
        resolve();
      });
    });
  }

  private scheduleReconnect(reason: string, first: boolean): void {
    if (this.closed) return;
    this.attempt = first ? 1 : this.attempt + 1;
    const min = this.options.reconnect?.minMs ?? 500;
    const max = this.options.reconnect?.maxMs ?? 30_000;
    const delay = Math.round(Math.min(max, min * 2 ** (this.attempt - 1)) * (0.75 + Math.random() * 0.5));
    this.nextAttemptMs = Date.now() + delay;
    this.setState('reconnecting', reason);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.open().then(
        () => {
          if (this.closed) {
            this.port?.close();
            return;
          }
          this.counters.reconnects += 1;
          this.attempt = 0;
          this.nextAttemptMs = undefined;
          this.setState('connected');
        },
        () => this.scheduleReconnect(reason, false),
      );
    }, delay);
  }

  private data(chunk: Buffer): void {
    if (this.framer) {
      this.framer.push(chunk);
      return;
    }
    this.lineBuffer += chunk.toString('latin1');
    if (this.lineBuffer.length > 65_536) {
      this.protocolError(new Error('more than 64 KB without a line end: wrong baud rate or not a line meter?'));
      this.lineBuffer = '';
      return;
    }
    let nl: number;
    while ((nl = this.lineBuffer.indexOf('\n')) !== -1) {
      const line = this.lineBuffer.slice(0, nl).replace(/\r$/, '').trim();
      this.lineBuffer = this.lineBuffer.slice(nl + 1);
      if (!line) continue;
      try {
        const receivedMs = Date.now();
        const values = this.parseLine!(line).map((v) => ({ ...v, unit: '', sourceMs: receivedMs }));
        this.frame({ receivedMs, values });
      } catch (e) {
        this.protocolError(e as Error);
      }
    }
  }

  private protocolError(e: DsmrError | Error): void {
    this.counters.protocolErrors += 1;
    this.lastError = e.message;
    // Degraded until the next good telegram or line: the meter is there but what came was unusable.
    if (this.state === 'connected' || this.state === 'degraded') this.setState('degraded', e.message);
    else this.emitStatus();
  }

  private frame(f: Frame): void {
    this.counters.responses += 1;
    this.counters.lastGoodMs = f.receivedMs;
    for (const v of f.values) this.seen.set(v.key, v.unit);
    for (const l of this.frameListeners) l(f);
    if (this.state === 'degraded') this.setState('connected');
    else this.emitStatus();
  }

  /** The OBIS codes / keys seen so far, with their units (serial meters announce nothing else). */
  async browse(): Promise<BrowseNode[]> {
    return [...this.seen].sort(([a], [b]) => a.localeCompare(b)).map(([key, unit]) => ({ nodeId: key, browseName: key, displayName: key, nodeClass: 'Variable' as const, hasChildren: false, dataType: 'Double', ...(unit ? { unit } : {}) }));
  }

  private toSamples(points: PointSpec[], f: Frame): Sample[] {
    const byKey = new Map(f.values.map((v) => [v.key, v]));
    return points.map((p) => {
      const v = byKey.get(p.address);
      if (!v) return { pointId: p.id, sourceMs: f.receivedMs, receivedMs: f.receivedMs, value: null, quality: 'bad' as const, status: 'not in telegram' };
      return { pointId: p.id, sourceMs: v.sourceMs, receivedMs: f.receivedMs, value: v.value * (p.scale ?? 1), quality: 'good' as const };
    });
  }

  /** Waits for the next telegram or line and returns these points from it. */
  async read(points: PointSpec[]): Promise<Sample[]> {
    const timeoutMs = this.options.readTimeoutMs ?? 15_000;
    const frame = await new Promise<Frame | null>((resolve) => {
      const timer = setTimeout(() => {
        this.frameListeners.delete(listener);
        resolve(null);
      }, timeoutMs);
      const listener = (f: Frame): void => {
        clearTimeout(timer);
        this.frameListeners.delete(listener);
        resolve(f);
      };
      this.frameListeners.add(listener);
    });
    if (!frame) {
      this.counters.timeouts += 1;
      const now = Date.now();
      return points.map((p) => ({ pointId: p.id, sourceMs: now, receivedMs: now, value: null, quality: 'bad' as const, status: 'timeout' }));
    }
    const samples = this.toSamples(points, frame);
    this.counters.samples += samples.length;
    return samples;
  }

  async subscribe(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<Unsubscribe> {
    const last = new Map<string, number>();
    const listener = (f: Frame): void => {
      // Only points present in this frame, and only values newer than the last delivered one.
      const samples = this.toSamples(points, f).filter((s) => {
        if (s.quality !== 'good') return false;
        if ((last.get(s.pointId) ?? -Infinity) >= s.sourceMs) return false;
        last.set(s.pointId, s.sourceMs);
        return true;
      });
      if (samples.length === 0) return;
      samples.sort((a, b) => a.sourceMs - b.sourceMs);
      this.counters.samples += samples.length;
      onSamples(samples);
    };
    this.frameListeners.add(listener);
    return async () => {
      this.frameListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.frameListeners.clear();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    this.setState('disconnected', 'closed');
  }
}
