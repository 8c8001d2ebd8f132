import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../host/csp.ts';
import { APP_SCHEME_PRIVILEGES, appResponseHeaders, handleAppRequest, resolveAppPath } from './app-protocol.ts';

let base: string;
let renderer: string;

before(() => {
  base = mkdtempSync(join(tmpdir(), 'turash-protocol-'));
  renderer = join(base, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Turash Field</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(renderer, 'assets', 'style.css'), 'body{}');
  // A secret next to the renderer that no URL may reach.
  writeFileSync(join(base, 'secret.txt'), 'secret');
  mkdirSync(join(base, 'renderer-evil'));
  writeFileSync(join(base, 'renderer-evil', 'x.js'), 'evil');
});

after(() => rmSync(base, { recursive: true, force: true }));

test('the scheme is standard and secure, and does not bypass the CSP', () => {
  assert.equal(APP_SCHEME_PRIVILEGES.scheme, 'app');
  assert.equal(APP_SCHEME_PRIVILEGES.privileges?.standard, true);
  assert.equal(APP_SCHEME_PRIVILEGES.privileges?.secure, true);
  assert.notEqual(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP, true);
});

test('URLs map to files under the renderer directory', () => {
  assert.deepEqual(resolveAppPath('app://turash/', renderer), { ok: true, file: join(renderer, 'index.html') });
  assert.deepEqual(resolveAppPath('app://turash/assets/app.js?x=1#y', renderer), { ok: true, file: join(renderer, 'assets', 'app.js') });
  assert.deepEqual(resolveAppPath('app://turash/assets/a%20b.js', renderer), { ok: true, file: join(renderer, 'assets', 'a b.js') });
});

test('path traversal is refused, however it is spelled', () => {
  const attempts = [
    'app://turash/..%2fsecret.txt',
    'app://turash/..%2F..%2Fetc%2Fpasswd',
    'app://turash/assets/..%2f..%2fsecret.txt',
    'app://turash/%2e%2e%2fsecret.txt',
    'app://turash/..%2frenderer-evil/x.js', // a sibling whose name starts like the renderer's
    'app://turash/..%5csecret.txt', // backslash (a separator on Windows)
    'app://turash/index.html%00.js',
    'app://turash/%E0%A4%A', // undecodable
  ];
  for (const url of attempts) {
    const result = resolveAppPath(url, renderer);
    assert.equal(result.ok, false, url);
  }
  // The URL parser already collapses plain ../ segments: they stay inside the renderer.
  const collapsed = resolveAppPath('app://turash/../../secret.txt', renderer);
  assert.deepEqual(collapsed, { ok: true, file: join(renderer, 'secret.txt') });
});

test('other hosts and schemes are not served', () => {
  assert.equal(resolveAppPath('app://other/index.html', renderer).ok, false);
  assert.equal(resolveAppPath('file:///etc/passwd', renderer).ok, false);
  assert.equal(resolveAppPath('::', renderer).ok, false);
});

test('responses carry the renderer CSP and the right content type', async () => {
  const response = await handleAppRequest({ url: 'app://turash/index.html', method: 'GET' }, renderer);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-security-policy'), contentSecurityPolicy());
  assert.match(response.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.match(response.headers.get('content-security-policy')!, /object-src 'none'/);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.match(await response.text(), /Turash Field/);

  const script = await handleAppRequest({ url: 'app://turash/assets/app.js', method: 'GET' }, renderer);
  assert.equal(script.status, 200);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.ok(script.headers.get('content-security-policy'));
  assert.equal(appResponseHeaders('x.css')['content-type'], 'text/css; charset=utf-8');
});

test('refusals: traversal 403, missing asset 404, other methods 405; client routes get index.html', async () => {
  const traversal = await handleAppRequest({ url: 'app://turash/..%2fsecret.txt', method: 'GET' }, renderer);
  assert.equal(traversal.status, 403);
  assert.doesNotMatch(await traversal.text(), /secret$/);
  assert.ok(traversal.headers.get('content-security-policy'));
  assert.equal((await handleAppRequest({ url: 'app://turash/assets/missing.js', method: 'GET' }, renderer)).status, 404);
  assert.equal((await handleAppRequest({ url: 'app://turash/index.html', method: 'POST' }, renderer)).status, 405);
  const route = await handleAppRequest({ url: 'app://turash/sites/abc', method: 'GET' }, renderer);
  assert.equal(route.status, 200);
  assert.match(await route.text(), /Turash Field/);
  const head = await handleAppRequest({ url: 'app://turash/assets/style.css', method: 'HEAD' }, renderer);
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  // A directory is not listed.
  const dir = await handleAppRequest({ url: 'app://turash/assets/', method: 'GET' }, renderer);
  assert.match(await dir.text(), /Turash Field/);
});

test('a path that does not decode is a 400 through the handler, not an exception', async () => {
  const response = await handleAppRequest(new Request('app://turash/%E0%A4%A'), renderer);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /malformed percent-encoding/);
  assert.ok(response.headers.get('content-security-policy'));
});

test('byte ranges: 206 with Content-Range, 416 past the end, Accept-Ranges on every file', async () => {
  writeFileSync(join(renderer, 'assets', 'map.pmtiles'), Buffer.from(Array.from({ length: 100 }, (_, i) => i)));
  const whole = await handleAppRequest(new Request('app://turash/assets/map.pmtiles'), renderer);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.equal((await whole.arrayBuffer()).byteLength, 100);
  const part = await handleAppRequest(new Request('app://turash/assets/map.pmtiles', { headers: { range: 'bytes=10-13' } }), renderer);
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 10-13/100');
  assert.equal(part.headers.get('content-length'), '4');
  assert.deepEqual([...new Uint8Array(await part.arrayBuffer())], [10, 11, 12, 13]);
  const open = await handleAppRequest(new Request('app://turash/assets/map.pmtiles', { headers: { range: 'bytes=98-' } }), renderer);
  assert.deepEqual([...new Uint8Array(await open.arrayBuffer())], [98, 99]);
  const past = await handleAppRequest(new Request('app://turash/assets/map.pmtiles', { headers: { range: 'bytes=100-200' } }), renderer);
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), 'bytes */100');
  // Several ranges, or another unit, are ignored (RFC 9110 allows it): the whole file.
  const several = await handleAppRequest(new Request('app://turash/assets/map.pmtiles', { headers: { range: 'bytes=0-1,5-6' } }), renderer);
  assert.equal(several.status, 200);
  assert.equal((await several.arrayBuffer()).byteLength, 100);
});
