/**
 * The hub's transport under attack, over real sockets (issue #14): what a stranger or a hostile
 * member sends before the router ever sees it. Each test reproduces an attack that worked before
 * the transport guards: anonymous WebSockets (accepted by the hundred, their frames JSON-parsed
 * before any authentication), deeply nested JSON (one request held the event loop for seconds),
 * unbounded connections and subscriptions, undecodable paths, rate limits keyed on a reverse
 * proxy's address; and what an operator watches: /health, /ready, /metrics and the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { clientAddressResolver } from '../transport/client-address.ts';
import { startHub, type HubOptions, type RunningHub } from './server.ts';
import { httpClient, seedMember, wsClient } from './testing/clients.ts';
import { messageFactory } from './testing/messages.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-hub-transport-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let databases = 0;
const hubs: RunningHub[] = [];
after(async () => {
  for (const hub of hubs) await hub.close().catch(() => undefined);
});

async function hubWith(options: Partial<HubOptions> = {}): Promise<RunningHub> {
  const hub = await startHub({ database: join(folder, `hub-${databases++}.db`), ...options });
  hubs.push(hub);
  return hub;
}

/** A raw HTTP request (paths and headers exactly as given). */
function request(hub: RunningHub, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: hub.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

type Opened = { status: 'open'; socket: WebSocket } | { status: number; body: string };

/** Opens a WebSocket to /trpc; the upgrade's answer: open, or its HTTP status and body. */
function openSocket(hub: RunningHub, headers: Record<string, string> = {}, path = '/trpc'): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${hub.port}${path}`, { headers });
    socket.once('open', () => resolve({ status: 'open', socket }));
    socket.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    socket.once('error', reject);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const closed = (socket: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

/** tRPC replies on a raw socket, by id. */
function replies(socket: WebSocket) {
  const received: { id: unknown; result?: { type: string }; error?: { message: string; data: { code: string } } }[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    const text = data.toString();
    if (text === 'PING' || text === 'PONG') return;
    received.push(JSON.parse(text) as (typeof received)[number]);
    wake?.();
  });
  return {
    received,
    async until(test: () => boolean): Promise<void> {
      while (!test()) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

async function metricsOf(hub: RunningHub, headers: Record<string, string> = {}): Promise<string> {
  const answer = await request(hub, '/metrics', { headers });
  assert.equal(answer.status, 200, answer.body);
  return answer.body;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

async function awaitMetric(hub: RunningHub, name: string, expected: number): Promise<void> {
  while (metric(await metricsOf(hub), name) !== expected) await new Promise((resolve) => setImmediate(resolve));
}

describe('hub transport: WebSocket authentication at the upgrade', () => {
  let hub: RunningHub;
  let token: string;
  let workspace: string;
  before(async () => {
    hub = await hubWith();
    ({ token, workspaceId: workspace } = await seedMember(hub.store, 'ws@example.org', 'ws', 'engineer'));
  });

  it('refuses upgrades without a token or with a wrong one (401), before reading a frame', async () => {
    for (let i = 0; i < 30; i++) {
      const anonymous = await openSocket(hub);
      assert.equal(anonymous.status, 401);
      assert.match((anonymous as { body: string }).body, /no token: send Authorization: Bearer <token> with the WebSocket upgrade/);
    }
    const wrong = await openSocket(hub, bearer('made-up-token-0123456789'));
    assert.equal(wrong.status, 401);
    assert.match((wrong as { body: string }).body, /the token is not valid/);
    // A token only in tRPC's connectionParams (the first frame) is not enough any more.
    assert.equal((await openSocket(hub, {}, '/trpc?connectionParams=1')).status, 401);
    assert.equal(metric(await metricsOf(hub), 'turash_hub_websocket_connections'), 0);
    const health = await request(hub, '/health');
    assert.equal(health.status, 200);
  });

  it('upgrades with made-up tokens are limited per address (429); valid upgrades are not counted', async () => {
    const strict = await hubWith({ limits: { rate: { perSecond: 0.001, burst: 2 } } });
    const member = await seedMember(strict.store, 'guard@example.org', 'guard', 'viewer');
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 3; i++) sockets.push(((await openSocket(strict, bearer(member.token))) as { socket: WebSocket }).socket);
    assert.equal((await openSocket(strict, bearer('made-up-token-1'))).status, 401);
    assert.equal((await openSocket(strict, bearer('made-up-token-2'))).status, 401);
    const limited = await openSocket(strict, bearer('made-up-token-3'));
    assert.equal(limited.status, 429);
    assert.match((limited as { body: string }).body, /too many WebSocket upgrades with invalid tokens from 127\.0\.0\.1/);
    // The three valid upgrades above took nothing from the allowance of two failures. While the
    // address is blocked, every upgrade from it waits (no token lookup for anyone there).
    assert.equal((await openSocket(strict, bearer(member.token))).status, 429);
    for (const socket of sockets) socket.close();
  });

  it('accepts the upgrade with a valid token, and the tRPC client subscribes over it', async () => {
    const live = wsClient(hub, token);
    try {
      const head = await new Promise<number>((resolve, reject) => {
        const subscription = live.client.sync.live.subscribe({ workspace }, { onData: (event) => (subscription.unsubscribe(), resolve(event.head)), onError: reject });
      });
      assert.equal(head, 0);
    } finally {
      await live.close();
    }
  });

  it('a 15 MiB frame of nested [ from an anonymous peer is never read; from a member it closes the socket (1009)', async () => {
    const huge = Buffer.alloc(15 * 1024 * 1024, '[');
    assert.equal((await openSocket(hub)).status, 401, 'no socket to send it on');
    const opened = await openSocket(hub, bearer(token));
    assert.equal(opened.status, 'open');
    const socket = (opened as { socket: WebSocket }).socket;
    const end = closed(socket);
    socket.send(huge);
    assert.equal((await end).code, 1009);
    assert.equal((await request(hub, '/health')).status, 200);
  });

  it('a small frame nesting JSON deeply closes the socket (1008) with a message saying so, before JSON.parse', async () => {
    const opened = await openSocket(hub, bearer(token));
    const socket = (opened as { socket: WebSocket }).socket;
    const end = closed(socket);
    socket.send(`{"id":1,"method":"query","params":{"path":"sync.merkle","input":${'['.repeat(5000)}1${']'.repeat(5000)}}}`);
    const { code, reason } = await end;
    assert.equal(code, 1008);
    assert.match(reason, /the WebSocket message: params\.input\[0\]\[0\].* nests JSON more than 32 levels deep/);
    const metrics = await metricsOf(hub);
    assert.match(metrics, /turash_hub_rejected_total\{reason="too_deep"\} 1/);
    assert.match(metrics, /turash_hub_rejected_total\{reason="frame_too_large"\} 1/);
  });

  it('binary frames close the socket (1003)', async () => {
    const socket = ((await openSocket(hub, bearer(token))) as { socket: WebSocket }).socket;
    const end = closed(socket);
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await end).code, 1003);
  });
});

describe('hub transport: HTTP bodies and paths', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await hubWith({ limits: { maxBodyBytes: 256 * 1024, signInRate: { perSecond: 1000, burst: 1000 } } });
  });

  it('a sign-in with a deeply nested password is refused (400) by the nesting check, naming where', async () => {
    const body = `{"email":"a@example.org","password":${'['.repeat(100_000)}"x"${']'.repeat(100_000)}}`;
    const answer = await request(hub, '/trpc/auth.signIn', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(answer.status, 400);
    const error = (JSON.parse(answer.body) as { error: { message: string; data: { code: string } } }).error;
    assert.equal(error.data.code, 'BAD_REQUEST');
    assert.match(error.message, /^the request body: password\[0\]\[0\].* nests JSON more than 32 levels deep: refused before parsing$/);
  });

  it('a GET whose input nests deeply is refused (400) the same way', async () => {
    const input = encodeURIComponent(`{"workspace":${'['.repeat(2000)}${']'.repeat(2000)}}`);
    const answer = await request(hub, `/trpc/sync.merkle?input=${input}`);
    assert.equal(answer.status, 400);
    assert.match(answer.body, /the input: workspace\[0\].* nests JSON more than 32 levels deep/);
  });

  it('a chunked body growing past the limit is refused (413) without being read whole', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: hub.port, path: '/trpc/auth.signIn', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // 1 MiB in 16 KiB chunks, no Content-Length: the hub answers once the limit is passed.
      const chunk = Buffer.alloc(16 * 1024, ' ');
      let sent = 0;
      const write = () => {
        while (sent < 64 && !req.destroyed) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    assert.equal(answer.status, 413);
    assert.match(answer.body, /the request body is larger than 262144 bytes/);
  });

  it('undecodable percent-escapes in a path are a 400, and the hub keeps serving', async () => {
    for (const path of ['/%E0%A4%A', '/trpc/%E0%A4%A', '/trpc/sync.pull%ZZ', '/ready%']) {
      const answer = await request(hub, path);
      assert.equal(answer.status, 400, path);
      assert.match(answer.body, /malformed percent-encoding in the path/, path);
    }
    const upgrade = await openSocket(hub, {}, '/trpc%E0%A4%A');
    assert.equal(upgrade.status, 400);
    assert.equal((await request(hub, '/health')).status, 200);
  });
});

describe('hub transport: connection and subscription caps', () => {
  let hub: RunningHub;
  let workspace: string;
  const tokens: string[] = [];
  before(async () => {
    hub = await hubWith({ transport: { maxConnectionsPerToken: 2, maxConnectionsPerAddress: 3, maxSubscriptionsPerConnection: 3 } });
    for (const name of ['a', 'b', 'c']) {
      const member = await seedMember(hub.store, `${name}@example.org`, 'caps', 'viewer');
      tokens.push(member.token);
      workspace = member.workspaceId;
    }
  });

  it('per token and per address: the connection over the cap is refused (429); a freed place can be used again', async () => {
    const first = (await openSocket(hub, bearer(tokens[0]!))) as { socket: WebSocket };
    const second = (await openSocket(hub, bearer(tokens[0]!))) as { socket: WebSocket };
    assert.ok(first.socket && second.socket);
    const third = await openSocket(hub, bearer(tokens[0]!));
    assert.equal(third.status, 429);
    assert.match((third as { body: string }).body, /too many WebSocket connections with this token \(the limit is 2\)/);
    const other = (await openSocket(hub, bearer(tokens[1]!))) as { socket: WebSocket };
    assert.ok(other.socket, 'another token from the same address still gets its place');
    const overAddress = await openSocket(hub, bearer(tokens[2]!));
    assert.equal(overAddress.status, 429);
    assert.match((overAddress as { body: string }).body, /too many WebSocket connections from 127\.0\.0\.1 \(the limit is 3\)/);
    assert.equal(metric(await metricsOf(hub), 'turash_hub_websocket_connections'), 3);
    first.socket.close();
    await awaitMetric(hub, 'turash_hub_websocket_connections', 2);
    const again = await openSocket(hub, bearer(tokens[2]!));
    assert.equal(again.status, 'open');
    for (const socket of [second.socket, other.socket, (again as { socket: WebSocket }).socket]) socket.close();
    await awaitMetric(hub, 'turash_hub_websocket_connections', 0);
  });

  it('subscriptions per connection: the one over the cap gets TOO_MANY_REQUESTS on its id; stopping one frees a place', async () => {
    const socket = ((await openSocket(hub, bearer(tokens[0]!))) as { socket: WebSocket }).socket;
    const answers = replies(socket);
    const subscribe = (id: number) => socket.send(JSON.stringify({ id, method: 'subscription', params: { path: 'sync.live', input: { workspace } } }));
    for (let id = 1; id <= 5; id++) subscribe(id);
    const started = (id: number) => answers.received.some((r) => r.id === id && r.result?.type === 'started');
    const refused = (id: number) => answers.received.find((r) => r.id === id && r.error);
    await answers.until(() => [1, 2, 3].every(started) && [4, 5].every((id) => refused(id)));
    assert.equal(refused(4)!.error!.data.code, 'TOO_MANY_REQUESTS');
    assert.match(refused(4)!.error!.message, /too many subscriptions on one connection \(the limit is 3\): stop one first/);
    assert.equal(metric(await metricsOf(hub), 'turash_hub_subscriptions'), 3);
    // A push signals the three live subscriptions only.
    const engineer = await seedMember(hub.store, 'pusher@example.org', 'caps', 'engineer');
    await httpClient(hub, engineer.token).sync.push.mutate({ workspace, client: 'laptop', messages: messageFactory().make(1) });
    socket.send(JSON.stringify({ id: 2, method: 'subscription.stop' }));
    await answers.until(() => answers.received.some((r) => r.id === 2 && r.result?.type === 'stopped'));
    subscribe(6);
    await answers.until(() => started(6));
    assert.match(await metricsOf(hub), /turash_hub_rejected_total\{reason="too_many_subscriptions"\} 2/);
    socket.close();
    await awaitMetric(hub, 'turash_hub_subscriptions', 0);
  });
});

describe('hub transport: the client address behind a trusted proxy', () => {
  const fakeRequest = (peer: string, forwarded?: string) => ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as http.IncomingMessage;

  it('takes the rightmost untrusted X-Forwarded-For entry, only from a trusted peer', () => {
    const resolve = clientAddressResolver(['10.0.0.5', '192.168.0.0/16']);
    assert.equal(resolve(fakeRequest('203.0.113.7', '198.51.100.1')), '203.0.113.7', 'an untrusted peer cannot name another address');
    assert.equal(resolve(fakeRequest('10.0.0.5', '198.51.100.1')), '198.51.100.1');
    assert.equal(resolve(fakeRequest('::ffff:10.0.0.5', '6.6.6.6, 198.51.100.1')), '198.51.100.1', 'what the client wrote left of it is ignored');
    assert.equal(resolve(fakeRequest('10.0.0.5', '198.51.100.1, 192.168.3.4')), '198.51.100.1', 'a chain of trusted proxies');
    assert.equal(resolve(fakeRequest('10.0.0.5')), '10.0.0.5', 'no header: the proxy itself');
    assert.equal(resolve(fakeRequest('10.0.0.5', 'not-an-address')), '10.0.0.5');
    assert.equal(clientAddressResolver()(fakeRequest('10.0.0.5', '198.51.100.1')), '10.0.0.5', 'no trusted proxy: the header is ignored');
    assert.throws(() => clientAddressResolver(['10.0.0.0/33']), /trusted proxy "10\.0\.0\.0\/33" is not an IP address or CIDR range/);
    assert.throws(() => clientAddressResolver(['proxy.example']), /is not an IP address or CIDR range/);
  });

  it('sign-in attempts are limited per client behind the proxy, not for everyone on the proxy address', async () => {
    const signInRate = { perSecond: 0.001, burst: 1 };
    const behindProxy = await hubWith({ trustedProxies: ['127.0.0.1'], limits: { signInRate } });
    const attempt = (hub: RunningHub, forwardedFor: string, n: number) =>
      request(hub, '/trpc/auth.signIn', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ email: `guess${n}@example.org`, password: 'wrong password' }) });
    assert.equal((await attempt(behindProxy, '198.51.100.1', 1)).status, 401);
    const limited = await attempt(behindProxy, '198.51.100.1', 2);
    assert.equal(limited.status, 429);
    assert.match(limited.body, /too many sign-in attempts from 198\.51\.100\.1/);
    assert.equal((await attempt(behindProxy, '198.51.100.2', 3)).status, 401, 'another client behind the proxy has its own allowance');
    assert.equal((await attempt(behindProxy, '198.51.100.2, 198.51.100.1', 4)).status, 429, 'a forged left entry does not help');
    // Without a trusted proxy, the header is ignored: everyone here is 127.0.0.1.
    const direct = await hubWith({ limits: { signInRate } });
    assert.equal((await attempt(direct, '198.51.100.1', 5)).status, 401);
    assert.equal((await attempt(direct, '198.51.100.2', 6)).status, 429);
  });
});

describe('hub operations: health, readiness, metrics, logs', () => {
  it('/health answers while the process runs; /ready is 503 once the database does not answer', async () => {
    const hub = await hubWith({ log: { write: () => undefined } });
    assert.deepEqual(JSON.parse((await request(hub, '/health')).body), { service: 'turash-hub', ok: true });
    const ready = await request(hub, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { ready: true });
    await hub.store.db.destroy();
    const down = await request(hub, '/ready');
    assert.equal(down.status, 503);
    assert.match(down.body, /the database does not answer/);
    assert.equal((await request(hub, '/health')).status, 200);
  });

  it('/metrics counts requests, pushes, pulls, stored messages, connections and refusals', async () => {
    const hub = await hubWith();
    const member = await seedMember(hub.store, 'm@example.org', 'metrics', 'engineer');
    const client = httpClient(hub, member.token);
    const before = await metricsOf(hub);
    assert.match(before, /# TYPE turash_hub_requests_total counter/);
    assert.equal(metric(before, 'turash_hub_pushes_total'), 0);
    const factory = messageFactory();
    await client.sync.push.mutate({ workspace: member.workspaceId, client: 'laptop', messages: factory.make(5) });
    await client.sync.push.mutate({ workspace: member.workspaceId, client: 'laptop', messages: factory.make(3) });
    await client.sync.pull.query({ workspace: member.workspaceId, since: 0 });
    await assert.rejects(httpClient(hub, 'made-up-token-0123456789').sync.pull.query({ workspace: member.workspaceId, since: 0 }));
    // A malformed message (refused by the router) and a deeply nested body (by the transport).
    await assert.rejects(client.sync.push.mutate({ workspace: member.workspaceId, client: 'laptop', messages: [{ ...factory.make(1)[0]!, timestamp: 'not a timestamp' }] }));
    const deep = await request(hub, '/trpc/sync.push', { method: 'POST', headers: { ...bearer(member.token), 'content-type': 'application/json' }, body: `${'['.repeat(100)}${']'.repeat(100)}` });
    assert.equal(deep.status, 400);
    const live = wsClient(hub, member.token);
    await new Promise<void>((resolve, reject) => {
      live.client.sync.live.subscribe({ workspace: member.workspaceId }, { onData: () => resolve(), onError: reject });
    });
    const after = await metricsOf(hub);
    await live.close();
    assert.equal(metric(after, 'turash_hub_pushes_total'), 2);
    assert.equal(metric(after, 'turash_hub_messages_stored_total'), 8);
    assert.equal(metric(after, 'turash_hub_pulls_total'), 1);
    assert.equal(metric(after, 'turash_hub_messages_pulled_total'), 8);
    assert.equal(metric(after, 'turash_hub_requests_total{procedure="sync.push",transport="http",status="200"}'), 2);
    assert.equal(metric(after, 'turash_hub_requests_total{procedure="sync.pull",transport="http",status="401"}'), 1);
    assert.equal(metric(after, 'turash_hub_requests_total{procedure="sync.live",transport="ws",status="200"}'), 1);
    assert.equal(metric(after, 'turash_hub_request_duration_seconds_count{procedure="sync.push"}'), 4, 'every push answered, refused ones too');
    assert.equal(metric(after, 'turash_hub_request_duration_seconds_bucket{procedure="sync.push",le="+Inf"}'), 4);
    assert.equal(metric(after, 'turash_hub_websocket_connections'), 1);
    assert.equal(metric(after, 'turash_hub_subscriptions'), 1);
    assert.equal(metric(after, 'turash_hub_rejected_total{reason="unauthenticated"}'), 1);
    assert.equal(metric(after, 'turash_hub_rejected_total{reason="invalid_input"}'), 1, 'the nested body is not counted twice');
    assert.equal(metric(after, 'turash_hub_rejected_total{reason="too_deep"}'), 1);
    assert.equal(metric(after, 'turash_hub_requests_total{procedure="sync.push",transport="http",status="400"}'), 2);
    // Made-up paths share one label: a stranger cannot grow the metrics.
    await request(hub, '/trpc/made.up.procedure');
    assert.equal(metric(await metricsOf(hub), 'turash_hub_requests_total{procedure="unknown",transport="http",status="404"}'), 1);
  });

  it('/metrics is for the hub\'s own machine by default, and needs the metrics token when one is set', async () => {
    const local = await hubWith();
    const proxied = await request(local, '/metrics', { headers: { 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(proxied.status, 403);
    assert.match(proxied.body, /served to the hub's own machine only/);
    const guarded = await hubWith({ metricsToken: 'scrape-secret-0123456789' });
    assert.equal((await request(guarded, '/metrics')).status, 401);
    assert.equal((await request(guarded, '/metrics', { headers: bearer('wrong') })).status, 401);
    assert.match(await metricsOf(guarded, bearer('scrape-secret-0123456789')), /turash_hub_websocket_connections 0/);
  });

  it('logs one JSON object per line with who, what and how long, and never a token, password or value', async () => {
    const lines: string[] = [];
    const hub = await hubWith({ log: { level: 'info', write: (line) => lines.push(line) } });
    const password = 'a very secret password 42';
    await hub.store.ensureUser('log@example.org', password);
    const signedIn = await httpClient(hub).auth.signIn.mutate({ email: 'log@example.org', password });
    const { workspaceId } = await seedMember(hub.store, 'log@example.org', 'logs', 'engineer', password);
    const secretValue = JSON.stringify('confidential-flow-value-7731');
    const messages = messageFactory().make(2).map((m) => ({ ...m, value: secretValue }));
    await httpClient(hub, signedIn.token).sync.push.mutate({ workspace: workspaceId, client: 'laptop', messages });
    const live = wsClient(hub, signedIn.token);
    await new Promise<void>((resolve, reject) => {
      live.client.sync.live.subscribe({ workspace: workspaceId }, { onData: () => resolve(), onError: reject });
    });
    await live.close();
    await request(hub, '/trpc/sync.pull', { headers: bearer('made-up-token-0123456789') });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      assert.equal(typeof record.time, 'string');
      assert.ok(['debug', 'info', 'warn', 'error'].includes(record.level as string));
      assert.equal(typeof record.event, 'string');
    }
    const push = records.find((r) => r.event === 'request' && r.procedure === 'sync.push');
    assert.ok(push, lines.join('\n'));
    assert.equal(push.status, 200);
    assert.equal(push.user, signedIn.user.id);
    assert.equal(push.address, '127.0.0.1');
    assert.equal(typeof push.duration_ms, 'number');
    assert.ok(records.some((r) => r.event === 'request' && r.procedure === 'auth.signIn' && r.status === 200));
    assert.ok(records.some((r) => r.event === 'websocket_open' && r.user === signedIn.user.id));
    const all = lines.join('\n');
    for (const secret of [signedIn.token, password, 'confidential-flow-value-7731', 'made-up-token-0123456789', 'Bearer']) {
      assert.ok(!all.includes(secret), `the log contains "${secret}"`);
    }
  });
});
