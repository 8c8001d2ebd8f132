import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mainWindowOptions } from './window-options.ts';

test('the main window is isolated, sandboxed, without Node, with web security', () => {
  for (const development of [true, false]) {
    const options = mainWindowOptions({ preloadPath: '/app/out/preload/preload.cjs', development });
    const web = options.webPreferences!;
    assert.equal(web.contextIsolation, true);
    assert.equal(web.sandbox, true);
    assert.equal(web.nodeIntegration, false);
    assert.equal(web.nodeIntegrationInWorker, false);
    assert.equal(web.nodeIntegrationInSubFrames, false);
    assert.equal(web.webSecurity, true);
    assert.equal(web.allowRunningInsecureContent, false);
    assert.equal(web.webviewTag, false);
    assert.equal(web.experimentalFeatures, false);
    assert.equal(web.navigateOnDragDrop, false);
    // Chromium's spellchecker downloads dictionaries from a Google CDN: no remote traffic.
    assert.equal(web.spellcheck, false);
    assert.equal(web.preload, '/app/out/preload/preload.cjs');
    assert.equal(options.show, false, 'shown on ready-to-show');
  }
});

test('DevTools exist only in development', () => {
  assert.equal(mainWindowOptions({ preloadPath: '/p.cjs', development: true }).webPreferences!.devTools, true);
  assert.equal(mainWindowOptions({ preloadPath: '/p.cjs', development: false }).webPreferences!.devTools, false);
});

test('the preload must be the CommonJS bundle (sandboxed preloads cannot be ESM)', () => {
  assert.throws(() => mainWindowOptions({ preloadPath: '/app/out/preload/preload.mjs', development: false }), /CommonJS/);
  assert.throws(() => mainWindowOptions({ preloadPath: '/app/preload/preload.ts', development: false }), /CommonJS/);
});
