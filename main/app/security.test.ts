import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALLOWED_PERMISSIONS,
  APP_ENTRY_URL,
  checkIpcSender,
  devicePermissionAllowed,
  downloadAllowed,
  isAllowedExternalUrl,
  isAppUrl,
  navigationDecision,
  permissionCheckAllowed,
  permissionRequestAllowed,
  windowOpenDecision,
} from './security.ts';

test('only app://turash/ URLs are the application', () => {
  assert.equal(APP_ENTRY_URL, 'app://turash/index.html');
  for (const url of ['app://turash/', 'app://turash/index.html', 'app://turash/assets/x.js?v=1#a']) assert.ok(isAppUrl(url), url);
  for (const url of [
    'app://other/index.html',
    'app://turash.evil.example/',
    'app://user:pw@turash/',
    'file:///etc/passwd',
    'https://turash/',
    'http://127.0.0.1:5173/',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'not a url',
    '',
  ]) {
    assert.equal(isAppUrl(url), false, url);
  }
});

test('navigation stays on the app; allow-listed pages go to the browser, the rest nowhere', () => {
  assert.deepEqual(navigationDecision('app://turash/sites/42'), { allow: true, openExternally: false });
  assert.deepEqual(navigationDecision('https://creativecommons.org/licenses/by/4.0/'), { allow: false, openExternally: true });
  assert.deepEqual(navigationDecision('https://gitlab.com/hotmaps/industrial_sites/industrial_sites_Industrial_Database'), { allow: false, openExternally: true });
  for (const url of ['https://evil.example/', 'http://creativecommons.org/licenses/by/4.0/', 'file:///C:/Windows/system32/calc.exe', 'javascript:alert(1)', 'app://other/']) {
    assert.deepEqual(navigationDecision(url), { allow: false, openExternally: false }, url);
  }
});

test('new windows are always denied; only allow-listed https pages open externally', () => {
  assert.deepEqual(windowOpenDecision('https://www.hotmaps.eu/'), { action: 'deny', openExternally: true });
  assert.deepEqual(windowOpenDecision('https://creativecommons.org/licenses/by-sa/4.0/legalcode'), { action: 'deny', openExternally: true });
  // Even our own pages do not get a second window.
  assert.deepEqual(windowOpenDecision('app://turash/index.html'), { action: 'deny', openExternally: false });
  assert.deepEqual(windowOpenDecision('https://evil.example/'), { action: 'deny', openExternally: false });
});

test('the external-link allow-list matches origin and path prefix exactly', () => {
  const refused = [
    'http://www.hotmaps.eu/', // not https
    'https://www.hotmaps.eu.evil.example/', // look-alike host
    'https://evil.example/?u=https://www.hotmaps.eu/',
    'https://user@www.hotmaps.eu/', // credentials
    'https://www.hotmaps.eu:8443/', // other port
    'https://gitlab.com/other/project', // other path on an allowed host
    'https://gitlab.com/hotmaps', // prefix needs the slash: not a sub-path of /hotmaps/
    'https://creativecommons.org/about/', // only licences and public-domain tools
    'smb://creativecommons.org/licenses/',
    'file:///etc/passwd',
    `https://creativecommons.org/licenses/${'a'.repeat(3000)}`,
    'garbage',
  ];
  for (const url of refused) assert.equal(isAllowedExternalUrl(url), false, url);
  for (const url of ['https://creativecommons.org/publicdomain/zero/1.0/', 'https://www.openstreetmap.org/copyright']) {
    assert.equal(isAllowedExternalUrl(url), true, url);
  }
});

test('every permission request and check is denied, even from our own origin', () => {
  assert.equal(ALLOWED_PERMISSIONS.size, 0);
  const permissions = ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'serial', 'hid', 'usb', 'openExternal', 'unknown'];
  for (const permission of permissions) {
    assert.equal(permissionRequestAllowed(permission, 'app://turash/index.html'), false, permission);
    assert.equal(permissionRequestAllowed(permission, 'https://evil.example/'), false, permission);
    assert.equal(permissionCheckAllowed(permission, 'app://turash'), false, permission);
  }
  assert.equal(devicePermissionAllowed(), false);
});

test('downloads: only what our page produced itself', () => {
  assert.equal(downloadAllowed('blob:app://turash/6c1f0d3e-1111-2222-3333-444455556666'), true);
  assert.equal(downloadAllowed('data:application/pdf;base64,JVBERi0='), true);
  assert.equal(downloadAllowed('app://turash/assets/report.pdf'), true);
  assert.equal(downloadAllowed('https://evil.example/payload.exe'), false);
  assert.equal(downloadAllowed('blob:https://evil.example/1234'), false);
});

test('IPC: served only for our window, its main frame, on app://turash/', () => {
  const ours = new Set([7]);
  const page = { url: 'app://turash/index.html', isMainFrame: true };
  assert.deepEqual(checkIpcSender({ webContentsId: 7, frame: page }, ours), { ok: true });

  const refusals: [string, Parameters<typeof checkIpcSender>[0]][] = [
    ['another webContents', { webContentsId: 8, frame: page }],
    ['a subframe', { webContentsId: 7, frame: { url: 'app://turash/frame.html', isMainFrame: false } }],
    ['a page from elsewhere', { webContentsId: 7, frame: { url: 'https://evil.example/', isMainFrame: true } }],
    ['a file:// page', { webContentsId: 7, frame: { url: 'file:///tmp/x.html', isMainFrame: true } }],
    ['another app:// host', { webContentsId: 7, frame: { url: 'app://turash.evil/index.html', isMainFrame: true } }],
    ['a destroyed frame', { webContentsId: 7, frame: null }],
  ];
  for (const [what, sender] of refusals) {
    const verdict = checkIpcSender(sender, ours);
    assert.equal(verdict.ok, false, what);
    assert.ok(!verdict.ok && verdict.reason.length > 0, what);
  }
  assert.equal(checkIpcSender({ webContentsId: 7, frame: page }, new Set()).ok, false, 'no trusted window yet');
});
