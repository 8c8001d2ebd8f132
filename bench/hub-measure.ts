/**
 * What `turash bench hub` records while laptops run: the wall time of every HTTP request to the
 * hub by procedure (timed at fetch, so the lightweight laptops and the real sync client are
 * measured the same way), failed requests by status, acknowledged messages, and the live-update
 * delay: from a push's acknowledgement (its HTTP response on the pushing laptop) to the live
 * signal covering it on each other laptop of the workspace.
 */
import { performance } from 'node:perf_hooks';

export class Recorder {
  /** Samples are kept only while active (the measured window, not the set-up or the drain). */
  active = false;
  readonly latency = new Map<string, number[]>();
  readonly failures = new Map<string, number>();
  readonly requests = new Map<string, number>();
  readonly live: number[] = [];
  /** Live signals that arrived before the acknowledgement reached the pusher (counted as 0 ms). */
  signalBeforeAck = 0;
  acknowledged = 0;
  pushes = 0;
  /** Messages the laptops typed (the offered load; above `acknowledged` when the hub falls behind). */
  typed = 0;

  type(messages: number): void {
    if (this.active) this.typed += messages;
  }

  request(procedure: string, ms: number, status: number): void {
    if (!this.active) return;
    for (const name of procedure.split(',')) {
      this.requests.set(name, (this.requests.get(name) ?? 0) + 1);
      if (status >= 200 && status < 300) {
        if (!this.latency.has(name)) this.latency.set(name, []);
        this.latency.get(name)!.push(ms);
      } else {
        const key = `${name} ${status || 'network error'}`;
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      }
    }
  }

  acked(messages: number): void {
    if (!this.active) return;
    this.acknowledged += messages;
    this.pushes += 1;
  }

  liveDelay(ms: number): void {
    if (!this.active) return;
    if (ms <= 0) this.signalBeforeAck += 1;
    this.live.push(Math.max(0, ms));
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

export function percentiles(samples: readonly number[]): { n: number; p50: number; p95: number; max: number } | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { n: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1)!) };
}

let current: Recorder | undefined;
let installed: typeof globalThis.fetch | undefined;

/** `/trpc/sync.push?batch=1` -> `sync.push`; a batch of several -> `sync.pull,sync.merkle`. */
function procedureOf(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.indexOf('/trpc/') + 6));
}

/**
 * Times every fetch of this process into the current recorder (tRPC's HTTP links look up the
 * global fetch on each request, so the real sync client is timed without touching its code).
 * Returns the function that puts the original back.
 */
export function timeFetches(recorder: Recorder): () => void {
  current = recorder;
  if (!installed) {
    const original = globalThis.fetch;
    installed = original;
    globalThis.fetch = async (input, init) => {
      const started = performance.now();
      try {
        const response = await original(input, init);
        // Timed to the full body (what the caller waits for), then handed back readable.
        const body = await response.arrayBuffer();
        current?.request(procedureOf(input), performance.now() - started, response.status);
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      } catch (error) {
        current?.request(procedureOf(input), performance.now() - started, 0);
        throw error;
      }
    };
  }
  return () => {
    if (installed) globalThis.fetch = installed;
    installed = undefined;
    current = undefined;
  };
}

interface Listener {
  /** Highest head this laptop has been signalled. */
  signalled: number;
  /** Acknowledged pushes of others it has not been signalled yet: head and time. */
  waiting: { head: number; at: number }[];
}

/**
 * Matches pushes to live signals per workspace. A signal carries the workspace's head, and
 * covers every push whose head is at most that (the hub coalesces bursts); a signal that came
 * before the acknowledgement (the hub signals at commit, before its HTTP answer is written)
 * counts as 0 ms.
 */
export class LiveBoard {
  readonly #recorder: Recorder;
  readonly #teams = new Map<string, Map<string, Listener>>();

  constructor(recorder: Recorder) {
    this.#recorder = recorder;
  }

  join(workspace: string, laptop: string): void {
    if (!this.#teams.has(workspace)) this.#teams.set(workspace, new Map());
    this.#teams.get(workspace)!.set(laptop, { signalled: 0, waiting: [] });
  }

  /** A push of `laptop` stored something and was acknowledged at `at` with `head`. */
  acknowledged(workspace: string, laptop: string, head: number, at = performance.now()): void {
    const team = this.#teams.get(workspace);
    if (!team) return;
    // Alone in the workspace (the baseline), a laptop's own signal is the one measured.
    const alone = team.size === 1;
    for (const [name, listener] of team) {
      if (name === laptop && !alone) continue;
      if (listener.signalled >= head) this.#recorder.liveDelay(0);
      else listener.waiting.push({ head, at });
    }
  }

  signal(workspace: string, laptop: string, head: number, at = performance.now()): void {
    const listener = this.#teams.get(workspace)?.get(laptop);
    if (!listener) return;
    listener.signalled = Math.max(listener.signalled, head);
    if (listener.waiting.length === 0) return;
    const still: { head: number; at: number }[] = [];
    for (const entry of listener.waiting) {
      if (entry.head <= head) this.#recorder.liveDelay(at - entry.at);
      else still.push(entry);
    }
    listener.waiting = still;
  }

  /** Pushes some laptop was never signalled about (after quiescence this must be 0). */
  missed(): number {
    let total = 0;
    for (const team of this.#teams.values()) for (const listener of team.values()) total += listener.waiting.length;
    return total;
  }
}
