/**
 * `turash bench api-latency`: p50/p95 of every API procedure the UI calls (renderer/src, `client.*`),
 * on the matched benchmark portfolio (50,000 flows by default), through the browser host's HTTP API
 * (`turash serve` in a child process, `Authorization: Bearer <token>`), as the UI reaches it. One
 * call at a time, each procedure `samples` times (default 20) after one warm-up call, with the
 * inputs the UI sends (its default match list page and map lines, the best match, a heat match,
 * a site and a flow of the list). Mutations the UI makes on every-day clicks are measured too: a
 * lifecycle step (suggested -> negotiating, a different match each time), a flow save (its
 * description, re-matching the flow) and a note. Procedures that need a device or a hub
 * (field.*, sync.*, updates.*, packets.*) are left out: the portfolio's size does not reach them.
 * Baseline of the same run: `meta.vocabulary`, a constant answer (the HTTP and tRPC floor).
 * Target (issue 13): p95 < 100 ms for every procedure.
 */
import { join } from 'node:path';
import { openCore } from '../main/core.ts';
import { machineLoad } from './match-process.ts';
import { copyDatabase, portfolioDb } from './portfolio-db.ts';
import { startServe, type ServeChild } from './serve-child.ts';

export interface ApiLatencyOptions {
  flows?: number;
  seed?: number;
  hotmaps?: string;
  samples?: number;
}

export const API_TARGET_P95_MS = 100;
/** The UI's match list: its default filter (listFilter(NO_MATCH_FILTERS)), grouped by supply, first page (MatchList.tsx). */
const UI_PAGE = { order: 'score', group: 'supply', page: 0 } as const;
/** The map's lines of that list (App.tsx, MATCH_FETCH_LIMIT). */
const UI_LINES = { order: 'score', limit: 5000 } as const;
/** What the samples are picked from (not measured): the first 5,000 full records. */
const PICK = { order: 'score', limit: 5000 } as const;
const DEFAULT_CLUSTER_RADIUS_KM = 10;

interface Call {
  name: string;
  kind: 'query' | 'mutation';
  /** The input of the i-th sample (i = -1: the warm-up). */
  input: (i: number) => unknown;
  /** Called with each answer (a mutation's next version, ...). */
  after?: (data: unknown) => void;
  /** Awaited after each sample, untimed: what the call set going in the background must end before the next sample (a flow's re-match). */
  settle?: () => Promise<unknown>;
}

class Api {
  constructor(private readonly serve: ServeChild) {}

  async call(kind: 'query' | 'mutation', path: string, input: unknown): Promise<{ ms: number; data: unknown; bytes: number }> {
    const base = `${this.serve.url}trpc/${path}`;
    const headers = { authorization: `Bearer ${this.serve.token}`, origin: this.serve.url.replace(/\/$/, ''), 'content-type': 'application/json' };
    const t0 = performance.now();
    let res: Response;
    try {
      res =
        kind === 'query'
          ? await fetch(input === undefined ? base : `${base}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
          : await fetch(base, { method: 'POST', headers, body: JSON.stringify(input ?? null) });
    } catch (error) {
      // fetch gives up on an answer whose headers take over 300 s (UND_ERR_HEADERS_TIMEOUT): say so, with the wait
      const code = ((error as Error).cause as { code?: string } | undefined)?.code ?? (error as Error).message;
      throw new Error(`${path}: no answer after ${Math.round(performance.now() - t0)} ms (${code})`);
    }
    const text = await res.text();
    const ms = performance.now() - t0;
    const body = JSON.parse(text) as { result?: { data: unknown }; error?: { message: string } };
    if (!res.ok || body.error) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
    return { ms, data: body.result?.data, bytes: text.length };
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function runApiLatencyBench(options: ApiLatencyOptions = {}): Promise<object> {
  const flows = options.flows ?? 50_000;
  const samples = options.samples ?? 20;
  const loadAtStart = machineLoad();
  const portfolio = await portfolioDb({ flows, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.hotmaps ? { hotmaps: options.hotmaps } : {}) });
  const db = copyDatabase(portfolio.path, join(portfolio.folder, 'api.db'));
  // matched as `turash match` would (the same service), so the lists have the stored result
  const core = await openCore(db);
  const m0 = performance.now();
  let matches: number;
  try {
    matches = (await core.matching.runAll({})).rows.count;
  } finally {
    await core.close();
  }
  const matchMs = Math.round(performance.now() - m0);

  const serve = await startServe(db);
  try {
    const api = new Api(serve);
    // what the UI would have on screen: the list, its best match, a heat match, a site and a flow
    const list = (await api.call('query', 'matches.list', PICK)).data as { items: { id: string; type: string; status: string; version: number; supply: { flow_id: string; site_id: string }; demand: { flow_id: string } }[] };
    const items = list.items;
    if (items.length === 0) throw new Error('the matched portfolio lists no matches: nothing to measure');
    const best = items[0]!;
    const heat = items.find((m) => m.type === 'heat') ?? best;
    const suggested = items.filter((m) => m.status === 'suggested');
    const flow = (await api.call('query', 'flows.get', { id: best.supply.flow_id })).data as { id: string; version: number };
    let flowVersion = flow.version;
    const period = {};

    const calls: Call[] = [
      { name: 'meta.vocabulary', kind: 'query', input: () => undefined },
      { name: 'meta.info', kind: 'query', input: () => undefined },
      { name: 'matching.defaults', kind: 'query', input: () => undefined },
      { name: 'matching.plan', kind: 'query', input: () => undefined },
      { name: 'matches.summary', kind: 'query', input: () => undefined },
      { name: 'matches.page (first page, grouped by supply)', kind: 'query', input: () => UI_PAGE },
      { name: 'matches.page (flat, a page further on)', kind: 'query', input: (i) => ({ order: 'score', group: 'none', page: 1 + Math.max(0, i) }) },
      { name: 'matches.lines', kind: 'query', input: () => UI_LINES },
      { name: 'matches.list (a flow\'s plan members)', kind: 'query', input: () => ({ flow_id: best.supply.flow_id, in_plan: true, limit: 50 }) },
      { name: 'matches.get', kind: 'query', input: (i) => ({ id: items[Math.max(0, i) % items.length]!.id }) },
      { name: 'matches.hourly', kind: 'query', input: () => ({ id: heat.id }) },
      { name: 'sites.map', kind: 'query', input: () => undefined },
      { name: 'sites.list', kind: 'query', input: () => ({ limit: 30 }) },
      { name: 'sites.get', kind: 'query', input: (i) => ({ id: items[Math.max(0, i) % items.length]!.supply.site_id }) },
      { name: 'flows.get', kind: 'query', input: (i) => ({ id: items[Math.max(0, i) % items.length]!.demand.flow_id }) },
      { name: 'analytics.suggestions', kind: 'query', input: () => ({ radius_km: DEFAULT_CLUSTER_RADIUS_KM }) },
      { name: 'workflow.alerts.list', kind: 'query', input: () => ({ limit: 50 }) },
      { name: 'workflow.reservations.reminders', kind: 'query', input: () => ({ within_days: 7 }) },
      { name: 'workflow.impact.report', kind: 'query', input: () => period },
      { name: 'workflow.notes.list', kind: 'query', input: () => ({ matchId: best.id }) },
      { name: 'workflow.packets.list', kind: 'query', input: () => ({ matchId: best.id }) },
      { name: 'workflow.meters.list', kind: 'query', input: () => ({ matchId: best.id }) },
      { name: 'workflow.meters.candidates', kind: 'query', input: () => ({ matchId: best.id }) },
      { name: 'workflow.meters.verify', kind: 'query', input: () => ({ matchId: best.id }) },
      // every-day clicks
      {
        name: 'matches.transition (suggested -> negotiating)',
        kind: 'mutation',
        input: (i) => {
          const m = suggested[i + 1];
          if (!m) throw new Error('not enough suggested matches for the samples');
          return { id: m.id, to: 'negotiating', version: m.version };
        },
      },
      {
        // the save answers once stored; its re-match runs in the background (rematch-queue.ts) and is
        // waited for between samples (flows.rematched, as the UI does), so samples do not queue behind it
        name: 'flows.update (a flow save; its re-match follows in the background)',
        kind: 'mutation',
        input: (i) => ({ id: flow.id, version: flowVersion, patch: { description: `benchmark edit ${i + 1}` } }),
        after: (data) => (flowVersion = (data as { version: number }).version),
        settle: () => api.call('query', 'flows.rematched', { id: flow.id }),
      },
      { name: 'workflow.notes.add', kind: 'mutation', input: (i) => ({ matchId: best.id, text: `benchmark note ${i + 1}` }) },
    ];

    const procedures: Record<string, { p50_ms: number; p95_ms: number; max_ms: number; samples: number; response_kb: number } | { error: string }> = {};
    for (const c of calls) {
      const path = c.name.split(' ')[0]!;
      try {
        const warm = await api.call(c.kind, path, c.input(-1));
        c.after?.(warm.data);
        await c.settle?.();
        const times: number[] = [];
        let bytes = warm.bytes;
        for (let i = 0; i < samples; i++) {
          const r = await api.call(c.kind, path, c.input(i));
          c.after?.(r.data);
          times.push(r.ms);
          bytes = r.bytes;
          await c.settle?.();
        }
        times.sort((a, b) => a - b);
        procedures[c.name] = { p50_ms: r1(percentile(times, 50)), p95_ms: r1(percentile(times, 95)), max_ms: r1(times[times.length - 1]!), samples, response_kb: r1(bytes / 1024) };
      } catch (error) {
        procedures[c.name] = { error: (error as Error).message };
      }
    }
    const measured = Object.entries(procedures).filter((e): e is [string, { p50_ms: number; p95_ms: number; max_ms: number; samples: number; response_kb: number }] => 'p95_ms' in e[1]);
    const floor = procedures['meta.vocabulary'];
    const over = measured.filter(([, v]) => v.p95_ms >= API_TARGET_P95_MS).map(([k, v]) => `${k} ${v.p95_ms} ms`);
    return {
      workload: { description: portfolio.description, flows, matches, match_ms: matchMs, samples_per_procedure: samples, transport: 'HTTP to turash serve (child process), one call at a time, Bearer token' },
      machine: { at_start: loadAtStart, at_end: machineLoad() },
      baseline_floor: floor,
      procedures,
      slowest_p95: measured.sort((a, b) => b[1].p95_ms - a[1].p95_ms).slice(0, 5).map(([k, v]) => ({ procedure: k, p95_ms: v.p95_ms, vs_floor: floor && 'p95_ms' in floor && floor.p95_ms > 0 ? r1(v.p95_ms / floor.p95_ms) : null })),
      targets: {
        p95_ms: { target: `< ${API_TARGET_P95_MS} for every procedure`, over, failed: Object.entries(procedures).filter(([, v]) => 'error' in v).map(([k]) => k), pass: over.length === 0 && measured.length === calls.length },
      },
    };
  } finally {
    await serve.stop();
  }
}
