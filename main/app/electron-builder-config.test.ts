/**
 * electron-builder.yml is checked against electron-builder's own JSON schema (app-builder-lib's
 * scheme.json) with ajv, and through electron-builder's validateConfiguration, so an invalid key
 * fails here and not on a packaging machine. js-yaml, ajv and app-builder-lib come with
 * electron-builder (devDependency).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(join(ROOT, 'package.json'));

type Config = Record<string, unknown> & {
  directories: { output: string; buildResources: string };
  files: string[];
  asarUnpack: string[];
  mac: { hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string; target: string[]; icon: string };
  linux: { target: string[]; icon: string };
  win: { target: string[] };
  publish: { provider: string; url: string };
  artifactName: string;
};

const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Config;
const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;

function ajvValidator() {
  const Ajv = (require('ajv') as { default: new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null } } }).default;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

test('electron-builder.yml validates against app-builder-lib scheme.json (ajv)', () => {
  const validate = ajvValidator();
  const ok = validate(config);
  assert.ok(ok, `schema errors: ${JSON.stringify(validate.errors, null, 2)}`);
});

test('the schema check is real: a misspelt key or a wrong type is rejected', () => {
  const validate = ajvValidator();
  assert.equal(validate({ ...config, asarUnpak: ['x'] }), false);
  assert.equal(validate({ ...config, mac: { ...config.mac, hardenedRuntime: 'yes please' } }), false);
  assert.equal(validate({ ...config, publish: { provider: 'generic' } }), false, 'a generic provider needs a url');
});

test("electron-builder's own validateConfiguration accepts it", async () => {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(config: object, debug: { isEnabled: boolean; add(): void }): Promise<void>;
  };
  await validateConfiguration(config, { isEnabled: false, add: () => {} });
  await assert.rejects(validateConfiguration({ ...config, notAnOption: true }, { isEnabled: false, add: () => {} }), /Invalid configuration object/);
});

test('targets, hardened runtime, asar, publish and artifact name are as documented', () => {
  assert.deepEqual(config.directories, { output: 'dist', buildResources: 'build' });
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.equal(config.mac.hardenedRuntime, true);
  assert.equal(config.asar, true);
  assert.ok(config.asarUnpack.some((p) => p.includes('sqlite3')));
  assert.ok(config.asarUnpack.some((p) => p.includes('serialport')));
  assert.match(config.artifactName, /\$\{version\}/);
  assert.equal(config.publish.provider, 'generic');
  assert.ok(config.files.includes('package.json'));
  assert.ok(config.files.some((f) => f.startsWith('out/')));
  // package.json "main" is inside what ships.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
  assert.ok(pkg.main.startsWith('out/app/'), pkg.main);
  // Referenced build resources exist.
  for (const file of [config.mac.entitlements, config.mac.entitlementsInherit, config.linux.icon, config.mac.icon]) {
    assert.ok(existsSync(join(ROOT, file)), `${file} exists`);
  }
  const plist = readFileSync(join(ROOT, config.mac.entitlements), 'utf8');
  assert.match(plist, /com\.apple\.security\.cs\.allow-jit/);
  assert.doesNotMatch(plist, /com\.apple\.security\.device\.(camera|audio-input)/);
});
