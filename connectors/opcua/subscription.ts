/**
 * ONE OPC UA subscription per connector holding every monitored item (field.md; node-opcua #195:
 * one subscription per item burns the CPU of a small laptop).
 *
 * - Each subscribe() call is a point group with its own listener. The subscription publishes at the
 *   fastest group's interval (the smallest PointSpec.intervalMs of the group, 1 s by default);
 *   each item samples at its own interval, with a queue long enough that a slower publishing
 *   interval loses nothing.
 * - Items are created in calls of at most MAX_ITEMS_PER_CALL (1,000), one call per sampling
 *   interval bucket and chunk: servers cap the items per call (MaxMonitoredItemsPerCall) and a
 *   5,000-item request times out on small PLCs.
 * - After a reconnect, attach() restores everything on the new session. The old server-side
 *   subscription, when the server survived, is first transferred to the new session and deleted,
 *   so the server never keeps an orphan publishing into the void (Node-RED #278: duplicates after
 *   restarts); when the server restarted, the transfer fails and the subscription is recreated
 *   (node-opcua #1059).
 * - A sample of the same point with the same source timestamp is delivered once, so the initial
 *   values sent again after a reconnect are not stored twice.
 * - A watchdog recreates a subscription that sent neither data nor keep-alive for too long
 *   (Node-RED #571: silent stop after months).
 */
import {
  AttributeIds,
  TimestampsToReturn,
  resolveNodeId,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type NodeId,
} from 'node-opcua';
import type { PointSpec, Sample } from '../types.ts';
import { dataValueToSample, statusName } from './values.ts';

export const MAX_ITEMS_PER_CALL = 1000;
const DEFAULT_INTERVAL_MS = 1000;
const MIN_INTERVAL_MS = 50;
const MAX_KEEP_ALIVE_COUNT = 10;
const LIFETIME_COUNT = 60;
/** Source timestamps remembered per point for de-duplication (resends are the last few values). */
const RECENT_PER_POINT = 8;

export interface SubscriptionHooks {
  /** Every delivered batch (for the connector's counters). */
  onDelivered(samples: Sample[]): void;
  /** The set of points the server refused (bad NodeId, ...) changed. */
  onFailingChanged(): void;
  /** The watchdog could not recreate a stopped subscription: treat the connection as lost. */
  onLost(reason: string): void;
  /** A service call was sent / answered (counters). */
  onRequest(): void;
  onResponse(): void;
  watchdogMs: number | null;
}

interface Group {
  id: number;
  points: PointSpec[];
  onSamples: (samples: Sample[]) => void;
  publishingIntervalMs: number;
  itemGroups: ClientMonitoredItemGroup[];
  recent: Map<string, number[]>;
  failing: Map<string, string>;
  pending: Sample[];
  flushScheduled: boolean;
}

function intervalOf(point: PointSpec): number {
  return Math.max(MIN_INTERVAL_MS, point.intervalMs ?? DEFAULT_INTERVAL_MS);
}

/** A point's NodeId, or the reason it is not one (a typo must not take the other points down). */
export function parseNodeId(address: string): { nodeId: NodeId } | { error: string } {
  try {
    return { nodeId: resolveNodeId(address.trim()) };
  } catch {
    return { error: 'BadNodeIdInvalid' };
  }
}

export class SubscriptionManager {
  private readonly groups = new Map<number, Group>();
  private nextGroupId = 1;
  private session: ClientSession | null = null;
  private subscription: ClientSubscription | null = null;
  /** The server-side id of the subscription of the previous session, to reclaim after a reconnect. */
  private previousSubscriptionId: number | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastActivityMs = Date.now();
  private recreating: Promise<void> | null = null;
  private operations: Promise<unknown> = Promise.resolve();
  /** attachNow() completed on the current session: new groups can be created directly. */
  private attached = false;
  /** The subscription's server id of every createSubscription, for tests and diagnostics. */
  readonly createdSubscriptionIds: number[] = [];

  constructor(private readonly hooks: SubscriptionHooks) {}

  get hasGroups(): boolean {
    return this.groups.size > 0;
  }

  /** The server's id of the live subscription, or null. */
  get subscriptionId(): number | null {
    return this.subscription ? this.subscription.subscriptionId : null;
  }

  failingPoints(): string[] {
    const ids = new Set<string>();
    for (const g of this.groups.values()) for (const id of g.failing.keys()) ids.add(id);
    return [...ids];
  }

  /** Registers a point group and, when a session is attached, creates its items now. */
  add(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<number> {
    return this.serial(() => this.addNow(points, onSamples));
  }

  remove(groupId: number): Promise<void> {
    return this.serial(() => this.removeNow(groupId));
  }

  /** Restores the subscription and all items on a (new) session. */
  attach(session: ClientSession): Promise<void> {
    this.session = session;
    this.attached = false;
    return this.serial(() => this.attachNow(session));
  }

  /**
   * add / remove / attach / recreate run one at a time: an add() landing in the middle of an
   * attach() after a reconnect would otherwise create a second subscription or the items twice.
   */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.operations.then(operation, operation);
    this.operations = run.catch(() => undefined);
    return run;
  }

  private async addNow(points: PointSpec[], onSamples: (samples: Sample[]) => void): Promise<number> {
    const group: Group = {
      id: this.nextGroupId++,
      points: [...points],
      onSamples,
      publishingIntervalMs: Math.min(...points.map(intervalOf)),
      itemGroups: [],
      recent: new Map(),
      failing: new Map(),
      pending: [],
      flushScheduled: false,
    };
    this.groups.set(group.id, group);
    // Before attachNow ran on this session, the group waits for it (attachNow creates every group).
    if (this.session && this.attached) {
      try {
        if (!this.subscription) await this.createSubscription(this.session);
        else await this.adjustPublishingInterval();
        await this.createItems(group);
      } catch (error) {
        this.groups.delete(group.id);
        throw error;
      }
    }
    return group.id;
  }

  private async removeNow(groupId: number): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group) return;
    this.groups.delete(groupId);
    if (this.groups.size === 0) {
      await this.terminateSubscription();
      return;
    }
    for (const items of group.itemGroups) await items.terminate().catch(() => undefined);
  }

  private async attachNow(session: ClientSession): Promise<void> {
    if (this.session !== session) return; // lost again while queued
    if (this.previousSubscriptionId !== null) await this.reclaimOrphan(session, this.previousSubscriptionId);
    this.previousSubscriptionId = null;
    if (this.groups.size > 0) {
      await this.createSubscription(session);
      for (const group of this.groups.values()) await this.createItems(group);
    }
    if (this.session === session) this.attached = true;
  }

  /** The connection is gone: forget the session-bound objects, keep the configuration. */
  detach(): void {
    if (this.subscription) this.previousSubscriptionId = this.subscription.subscriptionId;
    this.subscription = null;
    this.session = null;
    this.attached = false;
    for (const g of this.groups.values()) g.itemGroups = [];
    this.stopWatchdog();
  }

  /** One bad 'gap' sample per subscribed point at `atMs`, so ingestion stores the outage. */
  emitGap(atMs: number): void {
    const receivedMs = Date.now();
    for (const group of this.groups.values()) {
      const seen = new Set<string>();
      const gap: Sample[] = [];
      for (const p of group.points) {
        if (seen.has(p.id) || group.failing.has(p.id)) continue;
        seen.add(p.id);
        gap.push({ pointId: p.id, sourceMs: atMs, receivedMs, value: null, quality: 'bad', status: 'gap' });
      }
      if (gap.length) this.deliver(group, gap);
    }
  }

  async close(): Promise<void> {
    this.stopWatchdog();
    this.groups.clear();
    await this.terminateSubscription();
    this.session = null;
  }

  private async reclaimOrphan(clientSession: ClientSession, subscriptionId: number): Promise<void> {
    // Both services exist on node-opcua's session implementation but not on its public type.
    const session = clientSession as ClientSession & {
      transferSubscriptions(request: { subscriptionIds: number[]; sendInitialValues: boolean }): Promise<{ results?: { statusCode: { isGood(): boolean } }[] | null }>;
      deleteSubscriptions(request: { subscriptionIds: number[] }): Promise<unknown>;
    };
    try {
      this.hooks.onRequest();
      const response = await session.transferSubscriptions({ subscriptionIds: [subscriptionId], sendInitialValues: false });
      this.hooks.onResponse();
      if (response.results?.[0]?.statusCode.isGood()) {
        this.hooks.onRequest();
        await session.deleteSubscriptions({ subscriptionIds: [subscriptionId] });
        this.hooks.onResponse();
      }
    } catch {
      // The server restarted or does not support transfers: nothing to reclaim.
    }
  }

  private async createSubscription(session: ClientSession): Promise<void> {
    const publishingInterval = this.publishingIntervalMs();
    this.hooks.onRequest();
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingInterval,
      requestedMaxKeepAliveCount: MAX_KEEP_ALIVE_COUNT,
      requestedLifetimeCount: LIFETIME_COUNT,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    this.hooks.onResponse();
    this.subscription = subscription;
    this.createdSubscriptionIds.push(subscription.subscriptionId);
    const touch = (): void => {
      this.lastActivityMs = Date.now();
    };
    subscription.on('keepalive', touch);
    subscription.on('received_notifications', touch);
    subscription.on('terminated', () => {
      // Terminated by us (close/remove/recreate) or by the server (BadTimeout): only the latter
      // needs action, and the watchdog takes it.
    });
    this.startWatchdog();
  }

  private publishingIntervalMs(): number {
    let min = Infinity;
    for (const g of this.groups.values()) min = Math.min(min, g.publishingIntervalMs);
    return Number.isFinite(min) ? min : DEFAULT_INTERVAL_MS;
  }

  private async adjustPublishingInterval(): Promise<void> {
    const wanted = this.publishingIntervalMs();
    if (this.subscription && wanted < this.subscription.publishingInterval) {
      this.hooks.onRequest();
      await this.subscription.modify({ requestedPublishingInterval: wanted, requestedMaxKeepAliveCount: MAX_KEEP_ALIVE_COUNT, requestedLifetimeCount: LIFETIME_COUNT });
      this.hooks.onResponse();
      this.startWatchdog();
    }
  }

  private async createItems(group: Group): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) return;
    group.failing.clear();
    const publishing = subscription.publishingInterval || this.publishingIntervalMs();
    // Bucket by sampling interval: one MonitoringParameters per createMonitoredItems call.
    const buckets = new Map<number, { point: PointSpec; nodeId: NodeId }[]>();
    const refused: Sample[] = [];
    const now = Date.now();
    for (const point of group.points) {
      const parsed = parseNodeId(point.address);
      if ('error' in parsed) {
        group.failing.set(point.id, parsed.error);
        refused.push({ pointId: point.id, sourceMs: now, receivedMs: now, value: null, quality: 'bad', status: parsed.error });
        continue;
      }
      const interval = intervalOf(point);
      const list = buckets.get(interval) ?? [];
      list.push({ point, nodeId: parsed.nodeId });
      buckets.set(interval, list);
    }
    for (const [samplingInterval, entries] of buckets) {
      for (let start = 0; start < entries.length; start += MAX_ITEMS_PER_CALL) {
        const chunk = entries.slice(start, start + MAX_ITEMS_PER_CALL);
        this.hooks.onRequest();
        const items = await subscription.monitorItems(
          chunk.map((e) => ({ nodeId: e.nodeId, attributeId: AttributeIds.Value })),
          { samplingInterval, discardOldest: true, queueSize: Math.max(1, Math.ceil(publishing / samplingInterval) + 1) },
          TimestampsToReturn.Both,
        );
        this.hooks.onResponse();
        if (this.subscription !== subscription || !this.groups.has(group.id)) {
          // Lost or removed while the call was in flight: these items belong to a dead subscription.
          await items.terminate().catch(() => undefined);
          return;
        }
        group.itemGroups.push(items);
        items.monitoredItems.forEach((item, index) => {
          const status = item.statusCode;
          if (status && status.isBad()) {
            const pointId = chunk[index]!.point.id;
            group.failing.set(pointId, statusName(status));
            refused.push({ pointId, sourceMs: now, receivedMs: now, value: null, quality: 'bad', status: statusName(status) });
          }
        });
        items.on('changed', (_item: unknown, dataValue: DataValue, index: number) => {
          const entry = chunk[index];
          if (!entry) return;
          this.queue(group, dataValueToSample(entry.point.id, dataValue, Date.now()));
        });
      }
    }
    if (refused.length) this.deliver(group, refused);
    this.hooks.onFailingChanged();
  }

  private queue(group: Group, sample: Sample): void {
    group.pending.push(sample);
    if (group.flushScheduled) return;
    group.flushScheduled = true;
    // One batch per publish response instead of one callback per item: 5,000 items at 1 s would
    // otherwise mean 5,000 listener calls per second downstream.
    setImmediate(() => {
      group.flushScheduled = false;
      const batch = group.pending;
      group.pending = [];
      if (this.groups.get(group.id) === group) this.deliver(group, batch);
    });
  }

  private deliver(group: Group, samples: Sample[]): void {
    const fresh: Sample[] = [];
    for (const s of samples) {
      if (s.status !== 'gap') {
        const recent = group.recent.get(s.pointId) ?? [];
        if (recent.includes(s.sourceMs)) continue;
        recent.push(s.sourceMs);
        if (recent.length > RECENT_PER_POINT) recent.shift();
        group.recent.set(s.pointId, recent);
      }
      fresh.push(s);
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a.sourceMs - b.sourceMs);
    this.hooks.onDelivered(fresh);
    try {
      group.onSamples(fresh);
    } catch {
      // A failing consumer must not stop the subscription of the others.
    }
  }

  private watchdogLimitMs(): number {
    if (this.hooks.watchdogMs !== null) return this.hooks.watchdogMs;
    const keepAlivePeriod = (this.subscription?.publishingInterval ?? DEFAULT_INTERVAL_MS) * MAX_KEEP_ALIVE_COUNT;
    return Math.max(5000, 3 * keepAlivePeriod);
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    this.lastActivityMs = Date.now();
    const limit = this.watchdogLimitMs();
    this.watchdog = setInterval(() => void this.checkWatchdog(limit), Math.max(100, Math.round(limit / 4)));
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private async checkWatchdog(limit: number): Promise<void> {
    if (!this.subscription || !this.session || this.recreating) return;
    if (Date.now() - this.lastActivityMs < limit) return;
    this.recreating = this.serial(() => this.recreate()).finally(() => {
      this.recreating = null;
    });
    await this.recreating;
  }

  /** The subscription went silent: drop it (best effort) and rebuild everything on the same session. */
  private async recreate(): Promise<void> {
    const session = this.session;
    if (!session || Date.now() - this.lastActivityMs < this.watchdogLimitMs()) return;
    await this.terminateSubscription();
    try {
      this.session = session;
      for (const g of this.groups.values()) g.itemGroups = [];
      await this.createSubscription(session);
      for (const group of this.groups.values()) await this.createItems(group);
    } catch (error) {
      this.hooks.onLost(`the subscription stopped and could not be recreated: ${(error as Error).message}`);
    }
  }

  private async terminateSubscription(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    this.stopWatchdog();
    for (const g of this.groups.values()) g.itemGroups = [];
    if (!subscription) return;
    // Bounded: a subscription of a dead session never answers.
    await Promise.race([subscription.terminate().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}
