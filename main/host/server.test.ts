import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { openCore, type Core } from '../core.ts';
import { startHost, type RunningHost } from './server.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-host-'));
const rendererDir = join(folder, 'renderer');
let core: Core;
let host: RunningHost;

before(async () => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Turash Field</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, 'assets', 'map.pmtiles'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  writeFileSync(join(folder, 'secret.txt'), 'not for the browser');
  core = await openCore(join(folder, 'host.db'));
  await core.repo.createOrganization({ id: 'org-1', name: 'Acme Paper' });
  host = await startHost({ core, port: 0, rendererDir });
});
after(async () => {
  await host.close();
  await core.close();
  rmSync(folder, { recursive: true, force: true });
});

/** A raw request, so tests can set headers a browser would (Origin, Host). */
function request(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const auth = () => ({ authorization: `Bearer ${host.token}` });

describe('browser host', () => {
  test('listens on the loopback address only and puts the token in the URL fragment', () => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(host.openUrl, `${host.url}#token=${host.token}`);
    assert.ok(host.token.length >= 32, 'a long random token');
  });

  test('answers the API with the token', async () => {
    const res = await request('/trpc/organizations.list', auth());
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).result.data.items[0].name, 'Acme Paper');
  });

  test('refuses the API without the token or with a wrong one (401)', async () => {
    assert.equal((await request('/trpc/organizations.list')).status, 401);
    assert.equal((await request('/trpc/organizations.list', { authorization: 'Bearer guess' })).status, 401);
  });

  test('refuses other origins and foreign Host headers (403), even with the token', async () => {
    const foreign = await request('/trpc/organizations.list', { ...auth(), origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(JSON.parse(foreign.body).error.message, 'origin "https://evil.example" refused');
    const rebinding = await request('/trpc/organizations.list', { ...auth(), host: `evil.example:${host.port}` });
    assert.equal(rebinding.status, 403);
    const own = await request('/trpc/organizations.list', { ...auth(), origin: `http://127.0.0.1:${host.port}` });
    assert.equal(own.status, 200);
  });

  test('serves the renderer with a strict CSP, and nothing outside it', async () => {
    const page = await request('/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Turash Field/);
    const csp = page.headers['content-security-policy'] as string;
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
    assert.match(csp, /object-src 'none'/);
    assert.equal((await request('/assets/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    const traversal = await request('/../secret.txt');
    assert.doesNotMatch(traversal.body, /not for the browser/);
    const encoded = await request('/%2e%2e/secret.txt');
    assert.doesNotMatch(encoded.body, /not for the browser/);
  });

  test('returns validation errors that name the field', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: host.port, path: '/trpc/organizations.create', method: 'POST', headers: { ...auth(), 'content-type': 'application/json' } },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ id: 'org-2', name: 'X', trust: 7 }));
    });
    assert.equal(res.status, 400);
    const error = JSON.parse(res.body).error;
    assert.ok(error.data.fields.some((f: { field: string }) => f.field === 'trust'), res.body);
  });

  test('accepts the WebSocket only with the token', async () => {
    const open = (url: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => (ws.close(), resolve('open')));
        ws.on('error', () => resolve('refused'));
      });
    const base = `ws://127.0.0.1:${host.port}/trpc`;
    assert.equal(await open(base), 'refused');
    assert.equal(await open(`${base}?token=wrong`), 'refused');
    assert.equal(await open(`${base}?token=${host.token}`, { origin: 'https://evil.example' }), 'refused');
    assert.equal(await open(`${base}?token=${host.token}`), 'open');
  });

  test('a path that does not decode (/%E0%A4%A) is a 400, and the host keeps serving', async () => {
    for (const path of ['/%E0%A4%A', '/assets/%E0%A4%A.js', '/trpc/%E0%A4%A']) {
      const res = await request(path, auth());
      assert.equal(res.status, 400, path);
      assert.match(JSON.parse(res.body).error.message, /malformed percent-encoding/, path);
    }
    const upgrade = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/trpc%E0%A4%A?token=${host.token}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    assert.equal(upgrade, 400);
    assert.equal((await request('/')).status, 200);
  });

  test('serves byte ranges of a file (206, 416) and says it does (Accept-Ranges)', async () => {
    const whole = await request('/assets/map.pmtiles');
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.equal(whole.headers['content-length'], '256');
    const part = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: host.port, path: '/assets/map.pmtiles', headers: { range: 'bytes=16-19' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 16-19/256');
    assert.deepEqual([...part.bytes], [16, 17, 18, 19]);
    assert.equal((await request('/assets/map.pmtiles', { range: 'bytes=-2' })).headers['content-range'], 'bytes 254-255/256');
    const past = await request('/assets/map.pmtiles', { range: 'bytes=256-' });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], 'bytes */256');
  });

  test('a request body nesting JSON deeply is refused (400) before it is parsed', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: host.port, path: '/trpc/organizations.create', method: 'POST', headers: { ...auth(), 'content-type': 'application/json' } },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(`{"id":"org-3","name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    });
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.body).error.message, /the request body: name\[0\].* nests JSON more than 64 levels deep/);
  });
});
