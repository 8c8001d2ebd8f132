/**
 * The processes of `turash bench hub`: hub instances started as children (bench/hub-server.ts),
 * and what /proc says about them: CPU time (user + system) and resident memory, the PostgreSQL
 * server's CPU (postmaster and its backends) and the whole machine's, so a figure can be split
 * into hub, laptops (this process), PostgreSQL and everything else (other work on a shared box).
 * Linux only (/proc); elsewhere the CPU split is reported as unavailable, never guessed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** USER_HZ: /proc reports CPU times in clock ticks, 100 per second on every Linux we run on. */
const TICKS_PER_S = 100;

export interface HubChild {
  url: string;
  wsUrl: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts one hub on `database` in a child process; resolves once it listens. */
export async function startHubChild(database: string, limits: object = {}, transport: object = {}): Promise<HubChild> {
  const entry = join(import.meta.dirname, 'hub-server.ts');
  // TURASH_BENCH_HUB_NODE_ARGS: node arguments for the hubs only, e.g. "--cpu-prof" to profile them.
  const nodeArgs = (process.env.TURASH_BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry, database, JSON.stringify(limits), JSON.stringify(transport)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const started = await new Promise<{ url: string; wsUrl: string; pid: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the bench hub on ${database.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} did not start within 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; wsUrl: string; pid: number });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench hub exited (${code}) before listening: ${stderr.trim()}`));
    });
  });
  return {
    ...started,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface ProcStat {
  ppid: number;
  /** Own user + system CPU, ms. */
  cpuMs: number;
  /** CPU of children that exited and were waited for, ms. */
  childrenCpuMs: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const tick = (i: number) => (Number(rest[i]) * 1000) / TICKS_PER_S;
    return { ppid: Number(rest[1]), cpuMs: tick(11) + tick(12), childrenCpuMs: tick(13) + tick(14) };
  } catch {
    return undefined; // the process has gone
  }
}

export const procAvailable = (): boolean => procStat(process.pid) !== undefined;

/** CPU ms (user + system) a process has used so far. */
export function cpuMsOf(pid: number): number {
  return procStat(pid)?.cpuMs ?? 0;
}

/** Resident memory of a process in MiB (VmRSS). */
export function rssMiBOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The postmaster of a local PostgreSQL listening on `port` (started with `-p <port>`), if any. */
export function postmasterOnPort(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('/postgres') && args.some((a, i) => a === '-p' && args[i + 1] === String(port))) return Number(name);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

/**
 * CPU ms of a PostgreSQL server: the postmaster, its live backends, and the backends that have
 * exited (the postmaster waited for them, so they are in its children's time).
 */
export function postgresCpuMs(postmaster: number): number {
  const root = procStat(postmaster);
  if (!root) return 0;
  let total = root.cpuMs + root.childrenCpuMs;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat?.ppid === postmaster) total += stat.cpuMs;
  }
  return total;
}

/** The whole machine's busy CPU ms so far (all cores; idle and iowait excluded). */
export function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Seconds spent and requests answered per procedure, from a hub's Prometheus metrics. */
export type HubDurations = Map<string, { sum: number; count: number }>;

/**
 * The hub's own account of its request durations (GET /metrics, served to loopback): beside the
 * laptops' figures it splits a latency into time inside the hub and time queued before it. Null
 * when the hub has no such metrics.
 */
export async function hubDurations(url: string): Promise<HubDurations | null> {
  try {
    const response = await fetch(new URL('/metrics', url));
    if (!response.ok) return null;
    const durations: HubDurations = new Map();
    for (const line of (await response.text()).split('\n')) {
      const match = /^turash_hub_request_duration_seconds_(sum|count)\{(.*)\} ([0-9.e+-]+)$/.exec(line);
      const procedure = match ? /procedure="([^"]*)"/.exec(match[2]!)?.[1] : undefined;
      if (!match || !procedure) continue;
      const entry = durations.get(procedure) ?? { sum: 0, count: 0 };
      entry[match[1] as 'sum' | 'count'] += Number(match[3]);
      durations.set(procedure, entry);
    }
    return durations.size > 0 ? durations : null;
  } catch {
    return null;
  }
}
