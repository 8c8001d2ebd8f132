/**
 * The hub's Prometheus metrics (text exposition format 0.0.4, written by hand: a handful of
 * counters, gauges and one histogram need no library). Labels only ever hold bounded values
 * (known procedure names, status codes, fixed reasons), never user input, tokens or ids.
 */

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

/** The router's refusals by status, as rejection reasons (invalid messages are `invalid_input`). */
const ROUTER_REFUSALS: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  409: 'conflict',
  413: 'too_large',
  429: 'rate_limited',
};

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines;
  }
}

class Histogram {
  readonly series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    const entry = this.series.get(key) ?? { labels, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) entry.buckets[i]!++;
    });
    entry.sum += seconds;
    entry.count++;
    this.series.set(key, entry);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      DURATION_BUCKETS.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${buckets[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

function gauge(name: string, help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`];
}

export class HubMetrics {
  readonly requests = new Counter('turash_hub_requests_total', 'Requests by procedure, transport (http, ws) and HTTP status.');
  readonly duration = new Histogram('turash_hub_request_duration_seconds', 'Time from request to reply, by procedure.');
  readonly pushes = new Counter('turash_hub_pushes_total', 'Pushes the hub accepted.');
  readonly pulls = new Counter('turash_hub_pulls_total', 'Pull pages the hub served.');
  readonly stored = new Counter('turash_hub_messages_stored_total', 'Change messages new to the hub (stored by a push).');
  readonly pulled = new Counter('turash_hub_messages_pulled_total', 'Change messages sent in pull pages.');
  readonly rejected = new Counter('turash_hub_rejected_total', 'Requests, connections and frames refused, by reason.');
  readonly #started = Date.now() / 1000;

  constructor(private readonly live: () => { connections: number; subscriptions: number }) {}

  /** A request answered; `refusedByTransport` ones were counted in `rejected` already. */
  request(procedure: string, transport: string, status: number, seconds: number, refusedByTransport = false): void {
    this.requests.inc({ procedure, transport, status: String(status) });
    this.duration.observe({ procedure }, seconds);
    if (refusedByTransport) return;
    // The router's own refusals count as rejections too, by what they mean.
    const reason = ROUTER_REFUSALS[status];
    if (reason) this.rejected.inc({ reason });
  }

  render(): string {
    const { connections, subscriptions } = this.live();
    const memory = process.memoryUsage();
    return [
      ...this.requests.render(),
      ...this.duration.render(),
      ...this.pushes.render(),
      ...this.pulls.render(),
      ...this.stored.render(),
      ...this.pulled.render(),
      ...this.rejected.render(),
      ...gauge('turash_hub_websocket_connections', 'Open WebSocket connections.', connections),
      ...gauge('turash_hub_subscriptions', 'Active live subscriptions over all connections.', subscriptions),
      ...gauge('process_resident_memory_bytes', 'Resident memory of the hub process.', memory.rss),
      ...gauge('nodejs_heap_used_bytes', 'V8 heap in use.', memory.heapUsed),
      ...gauge('process_start_time_seconds', 'When the hub started (Unix time).', this.#started),
    ].join('\n').concat('\n');
  }
}
