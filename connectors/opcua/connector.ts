/**
 * The OPC UA connector: one client, one session, one subscription (connectors/types.ts contract).
 *
 * Reconnects are ours, not node-opcua's (its connectionStrategy runs with maxRetry 0): on a lost
 * connection the connector records the gap, tears the client down and builds a new client, session
 * and subscription with exponential backoff and jitter, reporting `reconnecting` with the attempt
 * number and the time of the next try. Owning this loop is what lets it guarantee one subscription
 * on the server and one delivery per (point, source timestamp) whatever the server did meanwhile
 * (restarted, kept the old session, or transferred nothing): see subscription.ts.
 */
import { MessageSecurityMode, OPCUAClient, UserTokenType, type ClientSession, type UserIdentityInfo } from 'node-opcua';
import type { BrowseNode, Connector, ConnectorCounters, ConnectorState, ConnectorStatus, PointSpec, Sample, Unsubscribe } from '../types.ts';
import { backoffDelay } from './backoff.ts';
import { browseChildren } from './browse.ts';
import { discoverEndpoints, endpointInfo, policyName, securityModeName, type EndpointInfo } from './discovery.ts';
import { EndpointNotFoundError, UntrustedCertificateError } from './errors.ts';
import { resolveOptions, type OpcUaConnectorOptions, type ResolvedOptions } from './options.ts';
import { checkServerCertificate, ensureClientPki, type ClientPki } from './pki.ts';
import { readPoints } from './read.ts';
import { SubscriptionManager } from './subscription.ts';

export interface OpcUaConnector extends Connector {
  readonly protocol: 'opcua';
  /** Endpoint discovery: what the server offers (modes, policies, login types, certificate). */
  getEndpoints(): Promise<EndpointInfo[]>;
  /** Diagnostics: the server-side id of the live subscription (null when none). */
  subscriptionId(): number | null;
}

const POLICY_URI_PREFIX = 'http://opcfoundation.org/UA/SecurityPolicy#';
const MODES: Record<ResolvedOptions['securityMode'], MessageSecurityMode> = {
  None: MessageSecurityMode.None,
  Sign: MessageSecurityMode.Sign,
  SignAndEncrypt: MessageSecurityMode.SignAndEncrypt,
};

interface Connection {
  generation: number;
  client: OPCUAClient;
  session: ClientSession;
}

function isTimeout(error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  return /timeout|timed out|BadTimeout/i.test(message);
}

class OpcUaConnectorImpl implements OpcUaConnector {
  readonly protocol = 'opcua' as const;
  private readonly options: ResolvedOptions;
  private pki: Promise<ClientPki> | null = null;
  private connection: Connection | null = null;
  private generation = 0;
  private state: ConnectorState = 'idle';
  private reason: string | undefined;
  private attempt = 0;
  private nextAttemptMs: number | undefined;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private connecting: Promise<void> | null = null;
  private readonly listeners = new Set<(status: ConnectorStatus) => void>();
  private readonly counters: ConnectorCounters = { requests: 0, responses: 0, timeouts: 0, protocolErrors: 0, reconnects: 0, samples: 0, lastGoodMs: null };
  private readonly subscriptions: SubscriptionManager;

  constructor(
    readonly endpoint: string,
    options: OpcUaConnectorOptions,
  ) {
    this.options = resolveOptions(endpoint, options);
    this.subscriptions = new SubscriptionManager({
      watchdogMs: this.options.watchdogMs,
      onDelivered: (samples) => {
        this.counters.samples += samples.length;
        for (const s of samples) if (s.quality === 'good' && (this.counters.lastGoodMs ?? 0) < s.receivedMs) this.counters.lastGoodMs = s.receivedMs;
      },
      onFailingChanged: () => this.refreshState(),
      onLost: (reason) => this.connectionLost(this.generation, reason),
      onRequest: () => {
        this.counters.requests += 1;
      },
      onResponse: () => {
        this.counters.responses += 1;
      },
    });
  }

  status(): ConnectorStatus {
    const failing = this.subscriptions.failingPoints();
    return {
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.state === 'reconnecting' ? { attempt: this.attempt, ...(this.nextAttemptMs ? { nextAttemptMs: this.nextAttemptMs } : {}) } : {}),
      ...(failing.length ? { failingPoints: failing } : {}),
      counters: { ...this.counters },
    };
  }

  onStatus(listener: (status: ConnectorStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscriptionId(): number | null {
    return this.subscriptions.subscriptionId;
  }

  async getEndpoints(): Promise<EndpointInfo[]> {
    const pki = await this.ensurePki();
    this.counters.requests += 1;
    const endpoints = await discoverEndpoints(this.endpoint, pki, this.options.applicationName, this.options.applicationUri, this.options.requestTimeoutMs);
    this.counters.responses += 1;
    return endpoints.map(endpointInfo);
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`OPC UA connector for ${this.endpoint} is closed; create a new one`));
    // Connected, or the reconnect loop owns the connection: nothing to do.
    if (this.connection || this.state === 'reconnecting') return Promise.resolve();
    this.connecting ??= (async () => {
      this.setState('connecting', undefined);
      try {
        await this.establish();
        if (this.closed) {
          await this.teardown();
          throw new Error(`OPC UA connector for ${this.endpoint} was closed while connecting`);
        }
        this.refreshState();
      } catch (error) {
        if (!this.closed) this.setState('disconnected', (error as Error).message);
        throw error;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  async browse(nodeId?: string): Promise<BrowseNode[]> {
    const session = this.requireSession('browse');
    this.counters.requests += 1;
    try {
      const nodes = await browseChildren(session, nodeId);
      this.counters.responses += 1;
      return nodes;
    } catch (error) {
      if (isTimeout(error)) this.counters.timeouts += 1;
      throw new Error(`Browse of ${nodeId ?? 'Objects'} on ${this.endpoint} failed: ${(error as Error).message}`);
    }
  }

  async read(points: PointSpec[]): Promise<Sample[]> {
    const session = this.requireSession('read');
    try {
      const samples = await readPoints(session, points, {
        request: () => {
          this.counters.requests += 1;
        },
        response: () => {
          this.counters.responses += 1;
        },
      });
      this.counters.samples += samples.length;
      for (const s of samples) if (s.quality === 'good') this.counters.lastGoodMs = Math.max(this.counters.lastGoodMs ?? 0, s.receivedMs);
      return samples;
    } catch (error) {
      if (isTimeout(error)) this.counters.timeouts += 1;
      const now = Date.now();
      const status = isTimeout(error) ? 'timeout' : (error as Error).message;
      return points.map((p) => ({ pointId: p.id, sourceMs: now, receivedMs: now, value: null, quality: 'bad' as const, status }));
    }
  }

  async subscribe(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<Unsubscribe> {
    if (this.closed) throw new Error(`OPC UA connector for ${this.endpoint} is closed`);
    if (points.length === 0) throw new Error('subscribe: no points given');
    // Registered even while reconnecting: attach() creates the items on the next session.
    const groupId = await this.subscriptions.add(points, onSamples);
    this.refreshState();
    return async () => {
      await this.subscriptions.remove(groupId);
      this.refreshState();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await this.subscriptions.close().catch(() => undefined);
    await this.teardown();
    if (this.pki) {
      const pki = await this.pki.catch(() => null);
      await pki?.certificateManager.dispose().catch(() => undefined);
    }
    this.setState('disconnected', 'closed');
  }

  // --- internals -----------------------------------------------------------------------------

  private ensurePki(): Promise<ClientPki> {
    this.pki ??= ensureClientPki(this.options.pkiFolder, this.options.applicationName, this.options.applicationUri);
    this.pki.catch(() => {
      this.pki = null;
    });
    return this.pki;
  }

  private requireSession(what: string): ClientSession {
    if (!this.connection) throw new Error(`Cannot ${what}: the connector for ${this.endpoint} is ${this.state}${this.reason ? ` (${this.reason})` : ''}`);
    return this.connection.session;
  }

  /** The server certificate for a secured endpoint, checked against the trust list first. */
  private async trustedServerCertificate(pki: ClientPki): Promise<Buffer | undefined> {
    if (this.options.securityMode === 'None') return undefined;
    this.counters.requests += 1;
    const endpoints = await discoverEndpoints(this.endpoint, pki, this.options.applicationName, this.options.applicationUri, this.options.requestTimeoutMs);
    this.counters.responses += 1;
    const match = endpoints.find((e) => securityModeName(e.securityMode) === this.options.securityMode && policyName(e.securityPolicyUri) === this.options.securityPolicy);
    if (!match) {
      throw new EndpointNotFoundError(
        this.endpoint,
        this.options.securityMode,
        this.options.securityPolicy,
        endpoints.map((e) => ({ securityMode: securityModeName(e.securityMode), securityPolicy: policyName(e.securityPolicyUri) })),
      );
    }
    const { verdict, certificate } = checkServerCertificate(this.options.pkiFolder, match.serverCertificate);
    if (verdict !== 'trusted') throw new UntrustedCertificateError(this.endpoint, certificate, verdict);
    // node-opcua checks the certificate again with its own manager: let it see the user's decision.
    await pki.certificateManager.reloadCertificates();
    return match.serverCertificate;
  }

  private async establish(): Promise<void> {
    const pki = await this.ensurePki();
    const serverCertificate = await this.trustedServerCertificate(pki);
    const client = OPCUAClient.create({
      applicationName: this.options.applicationName,
      applicationUri: this.options.applicationUri,
      clientCertificateManager: pki.certificateManager,
      certificateFile: pki.certificateFile,
      privateKeyFile: pki.privateKeyFile,
      securityMode: MODES[this.options.securityMode],
      securityPolicy: POLICY_URI_PREFIX + this.options.securityPolicy,
      ...(serverCertificate ? { serverCertificate } : {}),
      endpointMustExist: false,
      // The reconnect loop is ours (see the top of this file).
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      keepSessionAlive: true,
      keepAliveInterval: Math.max(1000, Math.min(5000, this.options.requestTimeoutMs)),
      requestedSessionTimeout: 60_000,
      transportTimeout: this.options.requestTimeoutMs,
      defaultTransactionTimeout: this.options.requestTimeoutMs,
    });
    const generation = ++this.generation;
    let session: ClientSession | null = null;
    try {
      this.counters.requests += 1;
      await client.connect(this.endpoint);
      const identity: UserIdentityInfo = this.options.user
        ? { type: UserTokenType.UserName, userName: this.options.user.username, password: this.options.user.password }
        : { type: UserTokenType.Anonymous };
      session = await client.createSession(identity);
      this.counters.responses += 1;
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      if (isTimeout(error)) this.counters.timeouts += 1;
      throw new Error(`Cannot connect to ${this.endpoint}: ${(error as Error).message}`);
    }
    const lost = (why: string) => () => this.connectionLost(generation, why);
    client.on('connection_lost', lost('the connection was lost'));
    client.on('close', lost('the connection was closed'));
    session.on('keepalive_failure', lost('the server stopped answering keep-alives'));
    session.on('session_closed', lost('the server closed the session'));
    this.connection = { generation, client, session };
    try {
      await this.subscriptions.attach(session);
    } catch (error) {
      this.connection = null;
      this.subscriptions.detach();
      await client.disconnect().catch(() => undefined);
      throw new Error(`Connected to ${this.endpoint} but could not restore the subscription: ${(error as Error).message}`);
    }
  }

  private connectionLost(generation: number, why: string): void {
    if (this.closed || !this.connection || this.connection.generation !== generation) return;
    const lostAtMs = Date.now();
    const { client } = this.connection;
    this.connection = null;
    this.subscriptions.detach();
    this.subscriptions.emitGap(lostAtMs);
    void client.disconnect().catch(() => undefined);
    this.attempt = 0;
    this.scheduleReconnect(why);
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed) return;
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.options.reconnect);
    this.nextAttemptMs = Date.now() + delay;
    this.setState('reconnecting', reason);
    this.reconnectTimer = setTimeout(() => void this.tryReconnect(), delay);
  }

  private async tryReconnect(): Promise<void> {
    this.reconnectTimer = null;
    if (this.closed) return;
    try {
      await this.establish();
      if (this.closed) {
        await this.teardown();
        return;
      }
      this.counters.reconnects += 1;
      this.attempt = 0;
      this.nextAttemptMs = undefined;
      this.reason = undefined;
      this.refreshState();
    } catch (error) {
      if (error instanceof UntrustedCertificateError || error instanceof EndpointNotFoundError) {
        // Only the user can fix these (a new server certificate after a reinstall, a changed
        // configuration): retrying would hammer the server and hide the question.
        this.setState('disconnected', error.message);
        return;
      }
      this.scheduleReconnect((error as Error).message);
    }
  }

  private async teardown(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    this.generation += 1; // events of the old client are now stale
    await Promise.race([connection.session.close(true).catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await connection.client.disconnect().catch(() => undefined);
  }

  private refreshState(): void {
    if (!this.connection) return;
    const failing = this.subscriptions.failingPoints();
    if (failing.length) this.setState('degraded', `${failing.length} point(s) refused by the server`);
    else this.setState('connected', undefined);
  }

  private setState(state: ConnectorState, reason: string | undefined): void {
    this.state = state;
    this.reason = reason;
    if (state !== 'reconnecting') this.nextAttemptMs = undefined;
    const status = this.status();
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch {
        // A listener's bug must not break the connection handling.
      }
    }
  }
}

export function createOpcUaConnector(endpoint: string, options: OpcUaConnectorOptions): OpcUaConnector {
  return new OpcUaConnectorImpl(endpoint, options);
}
