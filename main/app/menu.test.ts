import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { APP_VERSION } from '../version.ts';
import { HOTMAPS_ATTRIBUTION } from '../interchange/hotmaps.ts';
import { aboutDetail, applicationMenuTemplate, DATA_ATTRIBUTIONS, importReportMessage, importSelectionProblem, MAX_IMPORT_BYTES, menuEntries } from './menu.ts';

const noop = { importFiles: () => {}, about: () => {} };

test('DevTools are in the View menu only in development', () => {
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    const dev = menuEntries(applicationMenuTemplate({ platform, development: true, actions: noop }));
    const prod = menuEntries(applicationMenuTemplate({ platform, development: false, actions: noop }));
    assert.ok(dev.includes('role:toggleDevTools'), platform);
    assert.ok(!prod.includes('role:toggleDevTools'), platform);
    assert.ok(!prod.includes('role:forceReload'), platform);
    for (const entries of [dev, prod]) {
      assert.ok(entries.includes('import'), `${platform}: File > Import…`);
      assert.ok(entries.includes('role:reload'), `${platform}: View > Reload`);
      assert.ok(entries.includes('about'), `${platform}: About`);
      assert.ok(entries.includes('role:quit'), `${platform}: Quit`);
      assert.ok(entries.includes('role:copy') && entries.includes('role:paste'), `${platform}: Edit`);
    }
  }
});

test('menu items call the actions', () => {
  const calls: string[] = [];
  const template = applicationMenuTemplate({ platform: 'linux', development: false, actions: { importFiles: () => calls.push('import'), about: () => calls.push('about') } });
  const find = (items: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions | undefined => {
    for (const item of items) {
      if (item.id === id) return item;
      const inner = Array.isArray(item.submenu) ? find(item.submenu, id) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  const click = (id: string) => (find(template, id)!.click as unknown as () => void)();
  click('import');
  click('about');
  assert.deepEqual(calls, ['import', 'about']);
  assert.deepEqual(template.map((m) => m.label), ['&File', '&Edit', '&View', '&Help']);
});

test('About names the app version and the runtime versions', () => {
  const detail = aboutDetail({ electron: '45.4.1', chrome: '142.0.0.0', node: '22.20.0', v8: '14.2' }, 'linux x64');
  assert.match(detail, new RegExp(`Version ${APP_VERSION.replaceAll('.', '\\.')}`));
  assert.match(detail, /Electron 45\.4\.1/);
  assert.match(detail, /Chromium 142/);
  assert.match(detail, /Node\.js 22\.20\.0/);
  assert.match(aboutDetail({}), /Electron unknown/);
});

test('About names the licence and the data attributions (Hotmaps CC BY 4.0, Natural Earth public domain)', () => {
  const detail = aboutDetail({ electron: '45.4.1', chrome: '142.0.0.0', node: '22.20.0', v8: '14.2' }, 'linux x64');
  assert.match(detail, /Apache License 2\.0 \(Apache-2\.0\)/);
  assert.ok(detail.includes(HOTMAPS_ATTRIBUTION), 'the full Hotmaps attribution');
  assert.match(detail, /Hotmaps Industrial Database \(CC BY 4\.0\)/);
  assert.match(detail, /Natural Earth \(public domain\)/);
  assert.equal(DATA_ATTRIBUTIONS.length, 2);
});

test('the import selection is checked like the API checks it', () => {
  assert.equal(importSelectionProblem([{ path: 'a.json', size: 10 }]), undefined);
  assert.match(importSelectionProblem([])!, /no file/);
  assert.match(importSelectionProblem(Array.from({ length: 4 }, (_, i) => ({ path: `${i}.csv`, size: 1 })))!, /at most 3/);
  assert.match(importSelectionProblem([{ path: 'big.csv', size: MAX_IMPORT_BYTES + 1 }])!, /big\.csv is larger/);
});

test('the import report message lists the result or every problem, capped', () => {
  const ok = importReportMessage({
    ok: true,
    format: 'exchange-json',
    files: ['p.json'],
    summary: { created: 3, updated: 1, unchanged: 0, organizations: 1, sites: 1, flows: 2 },
    skipped: [],
  });
  assert.equal(ok.type, 'info');
  assert.match(ok.detail, /3 created, 1 updated/);
  const problems = Array.from({ length: 15 }, (_, i) => ({ file: 'p.csv', line: i + 2, field: 'amount', reason: 'not a number' }));
  const bad = importReportMessage({ ok: false, format: 'exchange-csv', files: ['p.csv'], problems }, 12);
  assert.equal(bad.type, 'warning');
  assert.match(bad.message, /Nothing was imported/);
  assert.match(bad.detail, /p\.csv, line 2, amount: not a number/);
  assert.match(bad.detail, /and 3 more/);
});
