/**
 * `turash bench hub`: the hub under many laptops. N simulated laptops (default 200; each its own
 * user, token, HLC node id, outbox, cursor and live subscription: bench/hub-laptop.ts) in
 * workspaces of `team` laptops (default 10: a team edits its shared portfolio; 200 laptops in
 * ONE workspace would make every push a pull on 199 laptops, which no team of people does) type
 * realistic edit streams (bench/hub-edits.ts) with think time, at a PACE:
 * - `person` (the default): a burst of 1-15 field edits every 20-90 s per laptop, one burst in
 *   twenty an import of an organization (50-300 messages); about 15 messages per burst, 0.27
 *   messages/s per laptop, ~55/s for 200 laptops. The assumption: a laptop is one person
 *   working, and a person saves a form of 5-15 fields every minute or two while working (the
 *   20-90 s spread also covers quicker single-field fixes), and now and then imports an
 *   organization; everyone of the 200 working at once, all day, is already a busy hub.
 * - `stress` (`--pace stress`): the first version of this bench, 1-50 edits every 2-8 s, one
 *   burst in ten an import: ~8 messages/s per laptop, thirty times a person, continuously.
 * The hubs:
 * - one SQLite hub,
 * - one hub on PostgreSQL, and two hub instances on the same PostgreSQL (laptops alternate
 *   between them, so a team's live signals cross instances through LISTEN/NOTIFY).
 * Every hub instance runs in its own child process (bench/hub-server.ts), so its CPU and memory
 * are its own and two instances really run in parallel.
 *
 * Figures per scenario: acknowledged messages/s, p50/p95 of push and pull requests (wall time of
 * the HTTP request seen by the laptop), the live-update delay (from a push's acknowledgement on
 * the pusher to the live signal on each other laptop of the workspace), the hub's resident memory
 * (start and peak), and CPU split between hub processes, this process (the laptops), PostgreSQL
 * and the rest of the machine. Baseline of the same run: ONE laptop alone on a fresh hub of the
 * same store, so load figures are ratios to it. After the window the laptops stop typing and
 * drain; then "nothing lost" is checked: every acknowledged message is on the hub (count per
 * workspace), and every laptop holds exactly the hub's messages (count and merkle trie).
 *
 * Load scaling (PostgreSQL): the saturated throughput with one instance and with two. Saturated
 * is a closed loop without think time: each laptop types its next burst as soon as its previous
 * round (push, pulls, merkle check) is done, so the hub(s) are never waiting for work; the figure
 * is acknowledged messages/s. On a 2-core machine the laptops, PostgreSQL and the hubs share the
 * cores, so the ratio is reported with the CPU split that explains it.
 *
 * Capacity (`--capacity on`, the default): the person pace stepped up (think time divided by 1,
 * 2, 4, ... 64) with the same N laptops on one SQLite hub and on one PostgreSQL hub, until push
 * p95 reaches 250 ms, something is lost, or the hub falls behind (acknowledges under 95 % of what
 * was typed); the capacity is the acknowledged messages/s of the last step that held. On a shared
 * 2-core machine that figure includes the laptops' own CPU (the `cpu` split says how much).
 *
 * Two instances over one (the issue asks 1.6x): on this 2-core machine the two hubs, PostgreSQL
 * and 200 laptops share two cores, so the saturated ratio measures the machine, not the hubs;
 * it needs each hub on its own cores, PostgreSQL and the laptops on others (three machines or
 * pinned cores). The report gives what that setting would show from measured CPU per message
 * (`scaling_explained`), and says that it is an estimate, not a measurement.
 *
 * Representativeness: at a small N the same stream is typed by lightweight laptops and by the real
 * sync client on real SQLite replicas (bench/hub-real.ts); the hub's CPU per 1000 messages and the
 * push/pull latency of both are reported side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openHubDatabase } from '../sync/hub/database.ts';
import { HubStore } from '../sync/hub/store.ts';
import { diff } from '../sync/protocol/merkle.ts';
import { makeNodeId } from '../sync/protocol/hlc.ts';
import { EditStream, STRESS_BURSTS, type BurstShape } from './hub-edits.ts';
import { Laptop } from './hub-laptop.ts';
import { LiveBoard, percentiles, Recorder, timeFetches } from './hub-measure.ts';
import { cpuMsOf, hubDurations, machineBusyMs, type HubDurations, postgresCpuMs, postmasterOnPort, procAvailable, rssMiBOf, startHubChild, type HubChild } from './hub-process.ts';
import { RealLaptop } from './hub-real.ts';

export const TARGETS = { push_p95_ms: 250, two_instances_over_one: 1.6 } as const;

/** Limits the bench sets on its hubs: none, the defaults hold (the rate is per user, and every laptop is its own user). */
export const BENCH_HUB_LIMITS: Record<string, unknown> = {};

/**
 * The transport's per-address connection cap counts every laptop of the bench as one address
 * (all on 127.0.0.1, which real laptops never share): raised to twice the laptops, so each laptop
 * may also reconnect; the per-token cap and every other guard stay as they are.
 */
export function benchTransportLimits(laptops: number): Record<string, unknown> {
  return { maxConnectionsPerAddress: Math.max(256, 2 * laptops) };
}

export type HubBenchStore = 'sqlite' | 'postgres' | 'both';

export type HubBenchPace = 'person' | 'stress';

/** What one laptop's user types and how often (see the header for why). */
export const PACES: Record<HubBenchPace, { thinkMs: [number, number]; bursts: BurstShape }> = {
  person: { thinkMs: [20_000, 90_000], bursts: { maxEdits: 15, importShare: 0.05 } },
  stress: { thinkMs: [2000, 8000], bursts: STRESS_BURSTS },
};

/** Capacity steps: the person pace's think time divided by these. */
export const CAPACITY_STEPS = [1, 2, 4, 8, 16, 32, 64] as const;

export interface HubBenchOptions {
  laptops?: number;
  /** Length of each measured window. */
  seconds?: number;
  store?: HubBenchStore;
  /** An existing PostgreSQL (postgres://...); otherwise a throwaway server is started. */
  postgres?: string;
  /** Laptops per workspace. */
  team?: number;
  /** `person` (default) or `stress`: bursts and think time (PACES). */
  pace?: HubBenchPace;
  /** Think time between a laptop's bursts, ms (uniform between the two); default the pace's. */
  thinkMs?: [number, number];
  /** Step the person pace up to find the capacity of one instance (default true). */
  capacity?: boolean;
  /** The capacity steps (default CAPACITY_STEPS). */
  capacitySteps?: number[];
  /** Laptops of the lightweight-vs-real comparison (0 skips it). */
  realLaptops?: number;
  seed?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** Half the window, at least the longest think time (every laptop has typed once), at most 10 s. */
export function warmUpMs(options: { seconds: number; thinkMs: [number, number] }): number {
  return Math.min(10_000, Math.max(options.thinkMs[1], (options.seconds * 1000) / 2));
}

type Kind = 'light' | 'real';
type Mode = 'paced' | 'saturated';

interface Scenario {
  label: string;
  store: 'sqlite' | 'postgres';
  instances: 1 | 2;
  laptops: number;
  mode: Mode;
  kind: Kind;
  /** Think time between bursts, ms, and the bursts. */
  thinkMs: [number, number];
  bursts: BurstShape;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Environment {
  folder: string;
  run: string;
  options: Required<Omit<HubBenchOptions, 'postgres' | 'progress'>> & { postgres?: string };
  progress: (line: string) => void;
  /** A database for a scenario: a SQLite file, or a PostgreSQL database. */
  database(scenario: Scenario, index: number): Promise<string>;
  postmaster: number | undefined;
}

interface Seeded {
  laptops: { name: string; token: string; workspace: string }[];
  workspaces: string[];
}

async function seed(store: HubStore, env: Environment, scenario: Scenario, index: number): Promise<Seeded> {
  const workspaces: string[] = [];
  const laptops: Seeded['laptops'] = [];
  const teams = Math.ceil(scenario.laptops / env.options.team);
  for (let t = 0; t < teams; t++) workspaces.push((await store.ensureWorkspace(`bench ${env.run} ${index} team ${t}`)).workspace.id);
  // No passwords: scrypt for 200 users would be the slowest part of the set-up; tokens are made
  // directly, as `turash hub grant` does.
  for (let start = 0; start < scenario.laptops; start += 20) {
    const part = Array.from({ length: Math.min(20, scenario.laptops - start) }, (_, k) => start + k);
    laptops.push(
      ...(await Promise.all(
        part.map(async (i) => {
          const name = `l${index}x${i}`;
          const { user } = await store.ensureUser(`${name}.${env.run}@bench.example.org`);
          const workspace = workspaces[Math.floor(i / env.options.team)]!;
          await store.grant(workspace, user.id, 'engineer');
          return { name, token: await store.createSession(user.id, 'grant'), workspace };
        }),
      )),
    );
  }
  return { laptops, workspaces };
}

async function countMessages(store: HubStore, workspaces: string[]): Promise<number> {
  let total = 0;
  for (const workspace of workspaces) {
    const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM messages WHERE workspace_id = ${workspace}`.execute(store.db);
    total += Number(rows[0]!.n);
  }
  return total;
}

interface CpuSnapshot {
  at: number;
  bench: NodeJS.CpuUsage;
  hubs: number[];
  postgres: number;
  machine: number;
}

function snapshot(hubs: HubChild[], postmaster: number | undefined): CpuSnapshot {
  return {
    at: performance.now(),
    bench: process.cpuUsage(),
    hubs: hubs.map((h) => cpuMsOf(h.pid)),
    postgres: postmaster ? postgresCpuMs(postmaster) : 0,
    machine: machineBusyMs(),
  };
}

/** CPU of the window as % of one core (this machine has `os.availableParallelism()` of them). */
function cpuSplit(from: CpuSnapshot, to: CpuSnapshot, postgres: boolean) {
  const wall = to.at - from.at;
  const pct = (ms: number) => round1((ms / wall) * 100);
  const bench = process.cpuUsage(from.bench);
  const benchMs = (bench.user + bench.system) / 1000;
  const hubsMs = to.hubs.map((ms, i) => ms - from.hubs[i]!);
  const hubMs = hubsMs.reduce((a, b) => a + b, 0);
  // Measured at slightly different instants: the bench's own figure is read last.
  const bench2 = process.cpuUsage(from.bench);
  const benchEnd = (bench2.user + bench2.system) / 1000;
  const postgresMs = postgres ? to.postgres - from.postgres : 0;
  const machineMs = to.machine - from.machine;
  return {
    hub_instances: hubsMs.map(pct),
    hubs: pct(hubMs),
    laptops_bench_process: pct(benchMs),
    postgres: postgres ? pct(postgresMs) : null,
    other_processes: procAvailable() ? pct(Math.max(0, machineMs - hubMs - benchEnd - postgresMs)) : null,
    machine: procAvailable() ? pct(machineMs) : null,
    hub_ms: hubMs,
    postgres_ms: postgres ? postgresMs : null,
    bench_ms: benchMs,
  };
}

async function runScenario(env: Environment, scenario: Scenario, index: number) {
  const { options } = env;
  const database = await env.database(scenario, index);
  const { db, dialect } = await openHubDatabase(database);
  const store = new HubStore(db, dialect);
  const hubs: HubChild[] = [];
  const light: Laptop[] = [];
  const real: RealLaptop[] = [];
  const recorder = new Recorder();
  const board = new LiveBoard(recorder);
  const restoreFetch = timeFetches(recorder);
  const folder = mkdtempSync(join(env.folder, `s${index}-`));
  try {
    const seeded = await seed(store, env, scenario, index);
    for (let i = 0; i < scenario.instances; i++) hubs.push(await startHubChild(database, BENCH_HUB_LIMITS, benchTransportLimits(scenario.laptops)));
    const hubOf = (i: number) => hubs[i % hubs.length]!;
    if (scenario.kind === 'light') {
      seeded.laptops.forEach((l, i) =>
        light.push(new Laptop({ ...l, node: makeNodeId(), url: hubOf(i).url, wsUrl: hubOf(i).wsUrl, seed: options.seed * 1000 + i, bursts: scenario.bursts }, board, recorder)),
      );
      await Promise.all(light.map((l) => l.connect()));
    } else {
      for (const [i, l] of seeded.laptops.entries()) real.push(await RealLaptop.open(folder, l.name, { url: hubOf(i).url, token: l.token, workspace: l.workspace }));
      for (const r of real) r.client.start();
      const deadline = Date.now() + 30_000;
      while (!real.every((r) => r.client.status.live)) {
        if (Date.now() > deadline) throw new Error('the real sync clients did not all go live within 30 s');
        await sleep(50);
      }
    }
    const rssStart = hubs.map((h) => rssMiBOf(h.pid));
    const rssPeak = [...rssStart];
    const sampler = setInterval(() => hubs.forEach((h, i) => (rssPeak[i] = Math.max(rssPeak[i]!, rssMiBOf(h.pid)))), 500);

    // The measured window: every laptop types until it closes.
    let stopped = false;
    let stop!: () => void;
    const closed = new Promise<void>((resolve) => (stop = resolve));
    const nap = (ms: number) => Promise.race([sleep(ms), closed]);
    const random = Math.random;
    const think = () => scenario.thinkMs[0] + random() * (scenario.thinkMs[1] - scenario.thinkMs[0]);
    const drivers: Promise<void>[] = [];
    const count = scenario.kind === 'light' ? light.length : real.length;
    // The laptops' own process falling behind would inflate every latency it measures: its
    // event-loop delay is reported beside them.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    for (let i = 0; i < count; i++) {
      drivers.push(
        (async () => {
          if (scenario.kind === 'real') {
            const laptop = real[i]!;
            const stream = new EditStream(makeNodeId(), seeded.laptops[i]!.name, options.seed * 1000 + i, scenario.bursts);
            await nap(random() * think());
            if (!stopped) await laptop.type(stream.first());
            while (!stopped) {
              await nap(think());
              if (!stopped) await laptop.type(stream.next());
            }
            return;
          }
          const laptop = light[i]!;
          if (scenario.mode === 'saturated') {
            laptop.queue(laptop.stream.first().messages);
            while (!stopped) {
              await laptop.syncOnce().catch(() => nap(200));
              if (!stopped) laptop.queue(laptop.stream.next().messages);
            }
            return;
          }
          // Laptops start at random moments of their first think time, not all at once.
          await nap(random() * think());
          if (!stopped) laptop.edit(laptop.stream.first().messages);
          while (!stopped) {
            await nap(think());
            if (!stopped) laptop.edit(laptop.stream.next().messages);
          }
        })(),
      );
    }
    // Warm-up before the window: every laptop past its first burst (and, saturated, the herd of
    // 200 first pushes at once spread out), so the window measures the steady state.
    await sleep(warmUpMs({ seconds: options.seconds, thinkMs: scenario.thinkMs }));
    loop.enable();
    const durationsFrom = await Promise.all(hubs.map((h) => hubDurations(h.url)));
    recorder.active = true;
    // The real clients' acknowledgements are inside SyncClient: their window's messages are the
    // hub's count at its end minus at its start.
    const storedAtStart = scenario.kind === 'real' ? await countMessages(store, seeded.workspaces) : 0;
    const from = snapshot(hubs, scenario.store === 'postgres' ? env.postmaster : undefined);
    await sleep(options.seconds * 1000);
    stopped = true;
    stop();
    const to = snapshot(hubs, scenario.store === 'postgres' ? env.postmaster : undefined);
    const storedInWindow = scenario.kind === 'real' ? (await countMessages(store, seeded.workspaces)) - storedAtStart : 0;
    recorder.active = false;
    loop.disable();
    const durationsTo = await Promise.all(hubs.map((h) => hubDurations(h.url)));
    clearInterval(sampler);
    await Promise.all(drivers);

    // Drain: every laptop has pushed what it typed; then one last round each, and the check.
    const drainStarted = Date.now();
    if (scenario.kind === 'light') {
      while (!light.every((l) => l.idle)) {
        if (Date.now() - drainStarted > 180_000) throw new Error(`the laptops did not drain within 180 s (${light.filter((l) => !l.idle).length} busy)`);
        await sleep(100);
      }
      for (let start = 0; start < light.length; start += 20) await Promise.all(light.slice(start, start + 20).map((l) => l.syncOnce()));
    } else {
      for (const r of real) {
        while (r.client.status.pending > 0 || (await r.replica.pending()) > 0) {
          if (Date.now() - drainStarted > 180_000) throw new Error('the real laptops did not drain within 180 s');
          await r.client.syncOnce().catch(() => sleep(200));
        }
      }
      for (const r of real) await r.client.syncOnce();
    }
    const drainMs = Date.now() - drainStarted;

    // Nothing lost.
    let hubMissing = 0;
    let hubExtra = 0;
    let laptopsBehind = 0;
    let merkleDiffers = 0;
    let hubMessages = 0;
    for (const workspace of seeded.workspaces) {
      const onHub = await countMessages(store, [workspace]);
      hubMessages += onHub;
      const { merkle } = await store.merkle(workspace);
      if (scenario.kind === 'light') {
        const team = light.filter((l) => l.setup.workspace === workspace);
        const acknowledged = team.reduce((sum, l) => sum + l.acknowledged, 0);
        hubMissing += Math.max(0, acknowledged - onHub);
        hubExtra += Math.max(0, onHub - acknowledged);
        for (const l of team) {
          if (l.acknowledged + l.received !== onHub) laptopsBehind += 1;
          if (diff(merkle, l.trie) !== null) merkleDiffers += 1;
        }
      } else {
        for (const [i, r] of real.entries()) {
          if (seeded.laptops[i]!.workspace !== workspace) continue;
          if (diff(merkle, await r.replica.merkle()) !== null) merkleDiffers += 1;
        }
      }
    }
    const liveMissed = scenario.kind === 'light' ? board.missed() : 0;
    const merkleRaces = light.reduce((sum, l) => sum + l.merkleRaces, 0);
    const roundErrors: Record<string, number> = {};
    for (const l of light) for (const [code, n] of l.errors) roundErrors[code] = (roundErrors[code] ?? 0) + n;
    const refused = real.reduce((sum, r) => sum + r.refused, 0);

    const windowMs = to.at - from.at;
    const acknowledged = scenario.kind === 'light' ? recorder.acknowledged : storedInWindow;
    const cpu = cpuSplit(from, to, scenario.store === 'postgres' && env.postmaster !== undefined);
    const result = {
      scenario: scenario.label,
      store: scenario.store,
      hub_instances: scenario.instances,
      laptops: count,
      laptop: scenario.kind === 'light' ? 'lightweight (wire protocol, in-memory replica)' : 'real sync client on a SQLite replica',
      workspaces: seeded.workspaces.length,
      mode: scenario.mode,
      think_ms: scenario.mode === 'saturated' ? null : scenario.thinkMs,
      bursts: scenario.bursts,
      window_s: round1(windowMs / 1000),
      acknowledged_messages: acknowledged,
      pushes: scenario.kind === 'light' ? recorder.pushes : recorder.requests.get('sync.push') ?? 0,
      messages_per_s: Math.round(acknowledged / (windowMs / 1000)),
      push_ms: percentiles(recorder.latency.get('sync.push') ?? []),
      pull_ms: percentiles(recorder.latency.get('sync.pull') ?? []),
      merkle_ms: percentiles(recorder.latency.get('sync.merkle') ?? []),
      live_update_ms: scenario.kind === 'light' ? percentiles(recorder.live) : null,
      live_signal_before_ack: recorder.signalBeforeAck,
      requests_per_1000_messages: acknowledged ? round1(([...recorder.requests.values()].reduce((a, b) => a + b, 0) * 1000) / acknowledged) : null,
      offered_messages_per_s: scenario.kind === 'light' ? Math.round(recorder.typed / (windowMs / 1000)) : null,
      cpu_ms_per_1000_messages: acknowledged
        ? {
            hubs: round1((cpu.hub_ms * 1000) / acknowledged),
            postgres: cpu.postgres_ms === null ? null : round1((cpu.postgres_ms * 1000) / acknowledged),
            laptops: round1((cpu.bench_ms * 1000) / acknowledged),
          }
        : null,
      hub_cpu_ms_per_1000_messages: acknowledged ? round1((cpu.hub_ms * 1000) / acknowledged) : null,
      mean_ms_inside_hub: meanInsideHub(durationsFrom, durationsTo),
      laptops_event_loop_delay_ms: { p50: round1(loop.percentile(50) / 1e6), p99: round1(loop.percentile(99) / 1e6), max: round1(loop.max / 1e6) },
      hub_rss_mib: { start: hubs.map((_, i) => round1(rssStart[i]!)), peak: hubs.map((_, i) => round1(rssPeak[i]!)) },
      cpu_percent_of_one_core: { ...cpu, hub_ms: undefined, postgres_ms: undefined, bench_ms: undefined },
      failed_requests: Object.fromEntries(recorder.failures),
      failed_rounds: roundErrors,
      drain_ms: drainMs,
      check: {
        hub_messages: hubMessages,
        acknowledged_missing_on_hub: hubMissing,
        on_hub_not_acknowledged: hubExtra,
        laptops_not_holding_everything: laptopsBehind,
        laptops_merkle_differs: merkleDiffers,
        merkle_checks_ahead_of_head: merkleRaces,
        live_signals_missed: liveMissed,
        live_connections_dropped: light.reduce((sum, l) => sum + l.liveDrops, 0),
        writes_refused_by_real_replicas: refused,
        ...(refused ? { last_refused_write: real.find((r) => r.lastRefusal)?.lastRefusal } : {}),
      },
      nothing_lost: hubMissing === 0 && laptopsBehind === 0 && merkleDiffers === 0 && liveMissed === 0,
    };
    env.progress(
      `  ${scenario.label}: ${result.messages_per_s} msg/s, push p95 ${result.push_ms?.p95 ?? '-'} ms, pull p95 ${result.pull_ms?.p95 ?? '-'} ms, live p95 ${result.live_update_ms?.p95 ?? '-'} ms, hub CPU ${cpu.hubs}%, laptops ${cpu.laptops_bench_process}%, nothing lost: ${result.nothing_lost}`,
    );
    return result;
  } finally {
    restoreFetch();
    await Promise.all(light.map((l) => l.stop()));
    for (const r of real) await r.close().catch(() => undefined);
    await Promise.all(hubs.map((h) => h.stop()));
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Mean time the hubs spent per request in the window, by procedure (their /metrics). */
function meanInsideHub(from: (HubDurations | null)[], to: (HubDurations | null)[]): Record<string, number> | null {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const [i, end] of to.entries()) {
    if (!end) return null;
    for (const [procedure, { sum, count }] of end) {
      const start = from[i]?.get(procedure) ?? { sum: 0, count: 0 };
      const total = totals.get(procedure) ?? { sum: 0, count: 0 };
      total.sum += sum - start.sum;
      total.count += count - start.count;
      totals.set(procedure, total);
    }
  }
  const out: Record<string, number> = {};
  for (const procedure of ['sync.push', 'sync.pull', 'sync.merkle']) {
    const total = totals.get(procedure);
    if (total && total.count > 0) out[procedure] = round1((total.sum / total.count) * 1000);
  }
  return out;
}

type ScenarioResult = Awaited<ReturnType<typeof runScenario>>;

interface Capacity {
  store: 'sqlite' | 'postgres';
  laptops: number;
  /** Acknowledged messages/s of the last step that held; null when none did. */
  messages_per_s: number | null;
  steps: { factor: number; messages_per_s: number | null; offered_messages_per_s: number | null; push_p95_ms: number | null; nothing_lost: boolean | null; holds: boolean }[];
}

/** A step holds: push p95 under the target, nothing lost, and the hub keeps up with the typing. */
function holdsTarget(r: ScenarioResult): boolean {
  const keepsUp = r.offered_messages_per_s === null || r.messages_per_s >= 0.95 * r.offered_messages_per_s;
  return r.nothing_lost && (r.push_ms?.p95 ?? Infinity) < TARGETS.push_p95_ms && keepsUp;
}

const cell = (text: unknown, width: number) => String(text ?? '-').padEnd(width);

/** The figures as a table of text lines (in the JSON report; the CLI prints it). */
export function figuresTable(results: ScenarioResult[]): string[] {
  const header = ['scenario', 'laptops', 'msg/s acked/typed', 'push p50/p95', 'pull p50/p95', 'live p50/p95', 'hub RSS peak', 'CPU% hub/laptops/pg/other', 'lost'];
  const widths = [36, 7, 17, 14, 14, 14, 13, 25, 5];
  const lines = [header.map((h, i) => cell(h, widths[i]!)).join(' ')];
  for (const r of results) {
    const p = (x: { p50: number; p95: number } | null) => (x ? `${Math.round(x.p50)}/${Math.round(x.p95)} ms` : '-');
    const c = r.cpu_percent_of_one_core;
    lines.push(
      [
        r.scenario,
        r.laptops,
        r.offered_messages_per_s === null ? r.messages_per_s : `${r.messages_per_s}/${r.offered_messages_per_s}`,
        p(r.push_ms),
        p(r.pull_ms),
        p(r.live_update_ms),
        `${r.hub_rss_mib.peak.map(Math.round).join('+')} MiB`,
        `${Math.round(c.hubs)}/${Math.round(c.laptops_bench_process)}/${c.postgres === null ? '-' : Math.round(c.postgres)}/${c.other_processes === null ? '-' : Math.round(c.other_processes)}`,
        r.nothing_lost ? 'none' : 'LOST',
      ]
        .map((v, i) => cell(v, widths[i]!))
        .join(' '),
    );
  }
  return lines;
}

function parseOptions(options: HubBenchOptions): Environment['options'] {
  const laptops = options.laptops ?? 200;
  const seconds = options.seconds ?? 20;
  const team = Math.min(options.team ?? 10, laptops);
  const store = options.store ?? 'both';
  if (!Number.isInteger(laptops) || laptops < 1) throw new Error(`--laptops ${laptops}: a whole number of laptops, at least 1`);
  if (!(seconds > 0)) throw new Error(`--seconds ${seconds}: a positive number of seconds`);
  if (!Number.isInteger(team) || team < 1) throw new Error(`team ${team}: a whole number of laptops per workspace, at least 1`);
  if (!['sqlite', 'postgres', 'both'].includes(store)) throw new Error(`--store ${store}: sqlite, postgres or both`);
  const pace = options.pace ?? 'person';
  if (!(pace in PACES)) throw new Error(`--pace ${pace}: person or stress`);
  const capacitySteps = options.capacitySteps ?? [...CAPACITY_STEPS];
  if (capacitySteps.some((k) => !(k > 0))) throw new Error(`capacity steps ${capacitySteps.join(', ')}: positive factors`);
  return {
    laptops,
    seconds,
    team,
    store,
    pace,
    capacity: options.capacity ?? true,
    capacitySteps,
    thinkMs: options.thinkMs ?? PACES[pace].thinkMs,
    realLaptops: options.realLaptops ?? 5,
    seed: options.seed ?? 1,
    ...(options.postgres ? { postgres: options.postgres } : {}),
  };
}

export async function runHubBench(input: HubBenchOptions = {}): Promise<object> {
  const options = parseOptions(input);
  const progress = input.progress ?? (() => {});
  const folder = mkdtempSync(join(tmpdir(), 'turash-bench-hub-'));
  const run = Math.random().toString(16).slice(2, 8);
  let postgres: { url: string; createDatabase(name: string): Promise<string>; stop(): Promise<void>; port: number } | undefined;
  try {
    const scenarios: Scenario[] = [];
    const n = options.laptops;
    const bursts = PACES[options.pace].bursts;
    // The lone baseline laptop types ten times faster than the stress pace, so its window holds
    // enough pushes for a p95; alone, it still leaves the hub idle between its rounds.
    const baselineThink: [number, number] = [options.thinkMs[0] / 10, options.thinkMs[1] / 10].map((ms) => Math.min(ms, PACES.stress.thinkMs[1] / 10)) as [number, number];
    const add = (label: string, store: Scenario['store'], instances: 1 | 2, laptops: number, mode: Mode = 'paced', kind: Kind = 'light') =>
      scenarios.push({
        label,
        store,
        instances,
        laptops,
        mode,
        kind,
        thinkMs: laptops === 1 ? baselineThink : options.thinkMs,
        // Saturated: the stress stream's bigger bursts, as in the first version (comparable figures).
        bursts: mode === 'saturated' ? STRESS_BURSTS : bursts,
      });
    if (options.store !== 'postgres') {
      add('sqlite, 1 laptop (baseline)', 'sqlite', 1, 1);
      add(`sqlite, ${n} laptops`, 'sqlite', 1, n);
    }
    if (options.store !== 'sqlite') {
      add('postgres 1 hub, 1 laptop (baseline)', 'postgres', 1, 1);
      add(`postgres 1 hub, ${n} laptops`, 'postgres', 1, n);
      add(`postgres 2 hubs, ${n} laptops`, 'postgres', 2, n);
      add(`postgres 1 hub, saturated`, 'postgres', 1, n, 'saturated');
      add(`postgres 2 hubs, saturated`, 'postgres', 2, n, 'saturated');
    }
    if (options.realLaptops > 0) {
      const k = options.realLaptops;
      add(`sqlite, ${k} lightweight laptop${k === 1 ? '' : 's'}`, 'sqlite', 1, k);
      add(`sqlite, ${k} real sync client${k === 1 ? '' : 's'}`, 'sqlite', 1, k, 'paced', 'real');
    }
    let postmaster: number | undefined;
    if (options.store !== 'sqlite' && !options.postgres) {
      const { startPostgres } = await import('../sync/hub/testing/postgres.ts');
      postgres = await startPostgres({ database: `bench_hub_${run}` });
      if (procAvailable()) postmaster = postmasterOnPort(postgres.port);
    }
    const env: Environment = {
      folder,
      run,
      options,
      progress,
      postmaster,
      database: async (scenario, index) => {
        if (scenario.store === 'sqlite') return join(folder, `hub-${index}.db`);
        if (options.postgres) return options.postgres;
        return postgres!.createDatabase(`bench_hub_${run}_${index}`);
      },
    };
    progress(`turash bench hub: ${scenarios.length} scenarios of ${options.seconds} s (${n} laptops, ${options.team} per workspace, ${options.pace} pace)${options.capacity ? ', then the capacity steps' : ''}`);
    const results: ScenarioResult[] = [];
    const failed: { scenario: string; error: string }[] = [];
    let index = 0;
    const runOne = async (scenario: Scenario): Promise<ScenarioResult | undefined> => {
      progress(`- ${scenario.label} ...`);
      try {
        const result = await runScenario(env, scenario, index++);
        results.push(result);
        return result;
      } catch (error) {
        // One scenario failing (a hub refusing the laptops, a drain that never ends) is reported
        // with its reason; the others' figures still stand.
        failed.push({ scenario: scenario.label, error: (error as Error).message });
        progress(`  ${scenario.label} FAILED: ${(error as Error).message}`);
        return undefined;
      }
    };
    for (const scenario of scenarios) await runOne(scenario);
    const capacity: Capacity[] = [];
    if (options.capacity) {
      for (const store of ['sqlite', 'postgres'] as const) {
        if (options.store !== 'both' && options.store !== store) continue;
        const steps: Capacity['steps'] = [];
        let held: number | null = null;
        for (const factor of options.capacitySteps) {
          const base = PACES.person.thinkMs;
          const result = await runOne({
            label: `capacity ${store} 1 hub, person x${factor}`,
            store,
            instances: 1,
            laptops: n,
            mode: 'paced',
            kind: 'light',
            thinkMs: [base[0] / factor, base[1] / factor],
            bursts: PACES.person.bursts,
          });
          const holds = !!result && holdsTarget(result);
          steps.push({ factor, messages_per_s: result?.messages_per_s ?? null, offered_messages_per_s: result?.offered_messages_per_s ?? null, push_p95_ms: result?.push_ms?.p95 ?? null, nothing_lost: result?.nothing_lost ?? null, holds });
          if (!holds) break;
          held = result!.messages_per_s;
        }
        capacity.push({ store, laptops: n, messages_per_s: held, steps });
        progress(`  capacity of one ${store} hub: ${held === null ? 'not even the first step held' : `${held} msg/s`} (push p95 < ${TARGETS.push_p95_ms} ms, nothing lost, keeping up)`);
      }
    }
    return report(options, results, failed, capacity);
  } finally {
    await postgres?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * What the measured throughput says about capacity, independent of how busy the machine was: the
 * CPU each part spent per acknowledged message (the hub's includes serving the pulls of every
 * teammate), so the cores a load needs follow, and whether a second instance costs more per
 * message than the first (if not, two instances with a core each carry twice the load).
 */
function scalingExplained(one: ScenarioResult | undefined, two: ScenarioResult | undefined, paced: ScenarioResult | undefined) {
  if (!one || !two) return null;
  const per = (r: ScenarioResult) => r.cpu_ms_per_1000_messages;
  const total = (r: ScenarioResult) => (per(r) ? per(r)!.hubs + (per(r)!.postgres ?? 0) + per(r)!.laptops : null);
  const offered = paced?.offered_messages_per_s ?? null;
  const cores = (r: ScenarioResult | undefined, part: 'hubs' | 'postgres' | 'laptops') =>
    r && offered !== null && per(r) && per(r)![part] !== null ? round1((offered * per(r)![part]!) / 1e6) : null;
  // Messages per second of CPU spent by all the parts (hubs, PostgreSQL, laptops): the
  // throughput each configuration would have if the machine's cores were all its own.
  const perCpuSecond = (r: ScenarioResult) => (total(r) ? Math.round(1e6 / total(r)!) : null);
  const hubRatio = per(one) && per(two) ? per(two)!.hubs / per(one)!.hubs : null;
  return {
    cpu_ms_per_1000_messages: { one_instance: per(one), two_instances: per(two) },
    messages_per_cpu_second: { one_instance: perCpuSecond(one), two_instances: perCpuSecond(two) },
    hub_cpu_per_message_two_over_one: hubRatio === null ? null : round1(hubRatio),
    // Each hub instance on a core of its own, PostgreSQL and the laptops elsewhere: the hubs
    // bound the throughput, and two carry 2 / (their CPU per message over one's) times one's load.
    two_over_one_with_a_core_per_hub: hubRatio === null ? null : round1(2 / hubRatio),
    machine_cpu_percent_free_for_the_bench: {
      one_instance: one.cpu_percent_of_one_core.other_processes === null ? null : round1(availableParallelism() * 100 - one.cpu_percent_of_one_core.other_processes),
      two_instances: two.cpu_percent_of_one_core.other_processes === null ? null : round1(availableParallelism() * 100 - two.cpu_percent_of_one_core.other_processes),
    },
    offered_messages_per_s_of_the_paced_load: offered,
    cores_the_paced_load_needs: paced
      ? { hubs: cores(paced, 'hubs'), postgres: cores(paced, 'postgres'), laptops: cores(paced, 'laptops'), all: offered !== null && total(paced) !== null ? round1((offered * total(paced)!) / 1e6) : null }
      : null,
  };
}

function report(options: Environment['options'], results: ScenarioResult[], failed: { scenario: string; error: string }[], capacity: Capacity[]) {
  const find = (label: string) => results.find((r) => r.scenario === label);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round1(a / b) : null);
  const n = options.laptops;
  const sqliteLoad = find(`sqlite, ${n} laptops`);
  const sqliteBase = find('sqlite, 1 laptop (baseline)');
  const pgBase = find('postgres 1 hub, 1 laptop (baseline)');
  const pgLoad = find(`postgres 1 hub, ${n} laptops`);
  const one = find('postgres 1 hub, saturated');
  const two = find('postgres 2 hubs, saturated');
  const light = results.find((r) => r.scenario.includes(' lightweight laptop'));
  const real = results.find((r) => r.scenario.includes(' real sync client'));
  const scaling = one && two ? round1(two.messages_per_s / one.messages_per_s) : null;
  const bursts = PACES[options.pace].bursts;
  const capacityLines = capacity.map(
    (c) =>
      `capacity of one ${c.store} hub (${c.laptops} laptops, person pace stepped up): ${c.messages_per_s === null ? 'no step held' : `${c.messages_per_s} msg/s`}; steps ` +
      c.steps.map((s) => `x${s.factor} ${s.messages_per_s ?? '-'}/${s.offered_messages_per_s ?? '-'} msg/s p95 ${s.push_p95_ms ?? '-'} ms${s.holds ? '' : ' (over)'}`).join(', '),
  );
  return {
    workload: {
      pace: options.pace,
      description:
        `${n} laptops in workspaces of ${options.team}, each its own user, token, HLC node, outbox, cursor and live subscription; ` +
        `bursts of 1-${bursts.maxEdits} field edits (organization, site, flow fields; some new and deleted flows) every ${options.thinkMs[0] / 1000}-${options.thinkMs[1] / 1000} s, ` +
        `${Math.round(bursts.importShare * 100)} % of the bursts an import of an organization with sites and flows (50-300 messages); ${options.seconds} s per scenario; hubs in child processes`,
      baseline: 'one laptop alone on a fresh hub of the same store, typing the same bursts with a tenth of the stress think time (enough pushes in the window for a p95; the hub stays idle between its rounds)',
      saturated: 'closed loop without think time: a laptop types its next burst when its previous round (push, pulls, merkle check) is done',
      machine_cores: availableParallelism(),
      laptops: n,
      team: options.team,
      seconds: options.seconds,
    },
    table: [...figuresTable(results), ...failed.map((f) => `${cell(f.scenario, 36)} FAILED: ${f.error}`), ...capacityLines],
    capacity,
    scenarios: results,
    failed_scenarios: failed,
    ratios_to_baseline: {
      sqlite_push_p95: ratio(sqliteLoad?.push_ms?.p95, sqliteBase?.push_ms?.p95),
      sqlite_live_p95: ratio(sqliteLoad?.live_update_ms?.p95, sqliteBase?.live_update_ms?.p95),
      postgres_push_p95: ratio(pgLoad?.push_ms?.p95, pgBase?.push_ms?.p95),
      postgres_live_p95: ratio(pgLoad?.live_update_ms?.p95, pgBase?.live_update_ms?.p95),
    },
    two_instances_over_one: scaling,
    scaling_explained: scalingExplained(one, two, pgLoad),
    lightweight_vs_real:
      light && real
        ? {
            hub_cpu_ms_per_1000_messages: { lightweight: light.hub_cpu_ms_per_1000_messages, real: real.hub_cpu_ms_per_1000_messages },
            requests_per_1000_messages: { lightweight: light.requests_per_1000_messages, real: real.requests_per_1000_messages },
            push_p95_ms: { lightweight: light.push_ms?.p95 ?? null, real: real.push_ms?.p95 ?? null },
            pull_p95_ms: { lightweight: light.pull_ms?.p95 ?? null, real: real.pull_ms?.p95 ?? null },
            laptops_cpu_percent: { lightweight: light.cpu_percent_of_one_core.laptops_bench_process, real: real.cpu_percent_of_one_core.laptops_bench_process },
          }
        : null,
    targets: TARGETS,
    pass: {
      sqlite_push_p95: sqliteLoad ? (sqliteLoad.push_ms?.p95 ?? Infinity) < TARGETS.push_p95_ms : null,
      postgres_push_p95: pgLoad ? (pgLoad.push_ms?.p95 ?? Infinity) < TARGETS.push_p95_ms : null,
      nothing_lost: results.every((r) => r.nothing_lost),
      every_scenario_ran: failed.length === 0,
      two_instances_over_one: scaling === null ? null : scaling >= TARGETS.two_instances_over_one,
    },
  };
}
