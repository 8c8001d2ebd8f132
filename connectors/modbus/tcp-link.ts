/**
 * Modbus TCP link over modbus-serial, with pipelining: modbus-serial keys its TCP transactions by
 * MBAP transaction id, so several requests can be in flight on one connection and the replies are
 * matched by id (measured in bench/modbus.ts against one-at-a-time). `maxInFlight` caps them, as
 * many gateways only buffer a few requests; 1 gives classic one-at-a-time polling.
 *
 * A dead gateway (modbus-serial #209: the socket stays "open" and no error ever comes) is caught
 * two ways: TCP keepalive on the socket, and `deadAfterTimeouts` consecutive timeouts with no
 * answer in between, after which the link closes itself and reports down so the connector
 * reconnects.
 */
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU as ModbusClient } from 'modbus-serial/ModbusRTU.js';
import type { Socket } from 'node:net';
import { classifyModbusError, ModbusRequestError } from './errors.ts';
import type { ModbusLink, RegisterFc } from './link.ts';

export interface TcpLinkOptions {
  host: string;
  port: number;
  maxInFlight?: number;
  deadAfterTimeouts?: number;
  connectTimeoutMs?: number;
}

// modbus-serial is CommonJS (module.exports = the client class); its typings claim an ES default.
const ModbusRTU = ((ModbusSerial as unknown as { default?: unknown }).default ?? ModbusSerial) as unknown as typeof ModbusClient;
type Client = ModbusClient;

export class TcpLink implements ModbusLink {
  private client: Client | null = null;
  private opening: Promise<void> | null = null;
  private readonly listeners = new Set<(reason: string) => void>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private consecutiveTimeouts = 0;
  private closedByUs = false;
  /** The most requests seen in flight at once (the bench reports it). */
  maxInFlightSeen = 0;

  constructor(private readonly options: TcpLinkOptions) {}

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.opening ??= this.doOpen().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    this.closedByUs = false;
    const client = new ModbusRTU();
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        destroyClient(client);
        reject(new Error(`no connection to ${host}:${port} within ${this.options.connectTimeoutMs ?? 5000} ms`));
      }, this.options.connectTimeoutMs ?? 5000);
      client.connectTCP(host, { port }, (err: unknown) => {
        clearTimeout(timer);
        if (err) reject(new Error(`cannot connect to ${host}:${port}: ${(err as Error).message ?? String(err)}`));
        else resolve();
      });
    });
    const socket = socketOf(client);
    if (!socket) throw new Error('modbus-serial internals changed: no socket on the TCP port (update tcp-link.ts)');
    socket.setKeepAlive(true, 5000);
    socket.setNoDelay(true);
    // Listen on the socket itself: modbus-serial drops its own 'close' event when a socket 'error'
    // (ECONNRESET from a restarted peer) came first, and the link would then look open-but-idle forever.
    socket.on('close', () => this.down(`connection to ${host}:${port} closed`));
    client.on('close', () => this.down(`connection to ${host}:${port} closed`));
    client.on('error', () => undefined); // reported through 'close'
    this.consecutiveTimeouts = 0;
    this.client = client;
  }

  private down(reason: string): void {
    const client = this.client;
    if (!client) return;
    this.client = null;
    destroyClient(client);
    if (this.closedByUs) return;
    for (const l of this.listeners) l(reason);
  }

  onDown(listener: (reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async readRegisters(unit: number, fc: RegisterFc, start: number, count: number, timeoutMs: number): Promise<number[]> {
    const max = this.options.maxInFlight ?? 8;
    while (this.inFlight >= max) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight += 1;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    try {
      const client = this.client;
      if (!client || !client.isOpen) throw new ModbusRequestError('disconnected', 'disconnected', `not connected to ${this.options.host}:${this.options.port}`);
      client.setTimeout(timeoutMs);
      const data = await new Promise<number[]>((resolve, reject) => {
        const cb = (err: unknown, res?: { data: number[] }): void => (err ? reject(classifyModbusError(err)) : resolve(res!.data));
        if (fc === 3) client.writeFC3(unit, start, count, cb as never);
        else client.writeFC4(unit, start, count, cb as never);
      });
      this.consecutiveTimeouts = 0;
      if (data.length !== count) throw new ModbusRequestError('protocol', 'malformed frame', `asked ${count} registers, got ${data.length}`);
      return data;
    } catch (e) {
      const err = classifyModbusError(e);
      if (err.kind === 'timeout') {
        this.consecutiveTimeouts += 1;
        if (this.consecutiveTimeouts >= (this.options.deadAfterTimeouts ?? 3)) {
          this.down(`${this.consecutiveTimeouts} requests in a row unanswered by ${this.options.host}:${this.options.port} (gateway or link dead)`);
        }
      } else if (err.kind !== 'disconnected') {
        this.consecutiveTimeouts = 0;
      }
      throw err;
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.closedByUs = true;
    const client = this.client;
    this.client = null;
    if (client) destroyClient(client);
  }
}

function socketOf(client: Client): Socket | undefined {
  // modbus-serial keeps the net.Socket on its TcpPort (`_port._client`); no public accessor.
  return (client as unknown as { _port?: { _client?: Socket } })._port?._client;
}

function destroyClient(client: Client): void {
  try {
    socketOf(client)?.destroy();
  } catch {
    // already gone
  }
}
