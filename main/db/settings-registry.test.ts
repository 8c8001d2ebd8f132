/**
 * Settings through the registry (settings-registry.ts), on a real SQLite file: every key keeps
 * what it is given, an unknown key or a value of the wrong shape does not compile (and is refused
 * at run time for callers the compiler does not see), and a stored value that fails its schema is
 * reported by key and read as absent, so the caller's default applies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Db } from './database.ts';
import { ValidationError } from './errors.ts';
import { Repository } from './repository.ts';
import { SETTINGS, type SettingKey, type SettingValue } from './settings-registry.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-settings-'));
let repo: Repository;
/** A second connection to the same file, to store what the registry would refuse to write. */
let raw: Db;

before(async () => {
  repo = await Repository.open(join(folder, 'settings.db'));
  raw = await openDatabase(repo.path);
});
after(async () => {
  await raw.destroy();
  await repo.close();
  rmSync(folder, { recursive: true, force: true });
});

/** One valid value per key; the type makes a key added to the registry without a sample a compile error. */
const SAMPLES: { [K in SettingKey]: SettingValue<K> } = {
  'updates.channel': 'beta',
  'demo.seeded': '2026-12-07T23:00:00.000Z',
  'workflow.alert_threshold': 0.65,
  'workflow.alert_region': { min_lat: 51.1, min_lon: 6.5, max_lat: 51.6, max_lon: 7.2 },
  'ingest.measured_min_period_s': 1200,
  'ingest.measured_min_coverage': 0.5,
  'ingest.measured_eval_interval_s': 0,
  'ingest.raw_retention_days': 30,
  'ingest.minute_retention_days': 400,
};

const store = (key: string, text: string) =>
  sql`INSERT INTO settings (key, value) VALUES (${key}, ${text}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(raw);

function captureWarnings(t: TestContext): string[] {
  const warnings: string[] = [];
  t.mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args.map(String).join(' ')));
  return warnings;
}

describe('settings registry', () => {
  test('every key: unset reads as absent, and a stored value comes back as it was given', async () => {
    assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(SETTINGS).sort());
    for (const key of Object.keys(SAMPLES) as SettingKey[]) {
      assert.equal(await repo.getSetting(key), undefined, `${key}: not set yet`);
      await repo.setSetting(key, SAMPLES[key] as never);
      assert.deepEqual(await repo.getSetting(key), SAMPLES[key], key);
    }
    await repo.setSetting('workflow.alert_region', null);
    assert.equal(await repo.getSetting('workflow.alert_region'), null, 'no region is a value of its own, not "unset"');
  });

  test('an unknown key and a value of the wrong shape are type errors, and refused when the compiler is bypassed', async () => {
    // @ts-expect-error 'no.such.setting' is not a key of the registry
    await assert.rejects(repo.getSetting('no.such.setting'), /unknown setting "no\.such\.setting": add it to main\/db\/settings-registry\.ts/);
    // @ts-expect-error neither is a misspelt one
    await assert.rejects(repo.setSetting('workflow.alert_treshold', 0.5), /unknown setting "workflow\.alert_treshold"/);
    // @ts-expect-error the threshold is a number
    await assert.rejects(repo.setSetting('workflow.alert_threshold', 'high'), (e: unknown) => e instanceof ValidationError && /setting "workflow\.alert_threshold"/.test(e.message));
    // @ts-expect-error there is no "nightly" channel
    await assert.rejects(repo.setSetting('updates.channel', 'nightly'), /setting "updates\.channel"/);
    await assert.rejects(repo.setSetting('workflow.alert_threshold', 1.5), /setting "workflow\.alert_threshold": .*1/, 'in range, not only of type');
    await assert.rejects(
      repo.setSetting('workflow.alert_region', { min_lat: 60, min_lon: 6, max_lat: 50, max_lon: 7 }),
      /setting "workflow\.alert_region": latitudes must be -90\.\.90 with min <= max, got 60\.\.50/,
    );
  });

  test('a stored value that fails its schema is read as absent, with one warning naming the key', async (t) => {
    const warnings = captureWarnings(t);
    const corrupt: [SettingKey, string, RegExp][] = [
      ['workflow.alert_threshold', '7', /Too big|<=1/i],
      ['workflow.alert_region', '{"min_lat":100,"min_lon":6,"max_lat":101,"max_lon":7}', /latitudes must be -90\.\.90/],
      ['updates.channel', '"nightly"', /stable|beta/],
      ['demo.seeded', '{', /not valid JSON/],
      ['ingest.raw_retention_days', '"a month"', /must be a number/],
      ['ingest.measured_eval_interval_s', 'true', /must be a number/],
      ['ingest.measured_min_coverage', '-0.5', /0 or more/],
    ];
    for (const [key, text, why] of corrupt) {
      await store(key, text);
      assert.equal(await repo.getSetting(key), undefined, `${key} holding ${text}`);
      const warning = warnings.find((w) => w.includes(`setting "${key}"`));
      assert.ok(warning, `a warning names ${key}`);
      assert.ok(warning.includes(text), `it shows what is stored: ${warning}`);
      assert.match(warning, why);
      assert.match(warning, /the default is used until the setting is saved again/);
    }
    const count = warnings.length;
    assert.equal(await repo.getSetting('workflow.alert_threshold'), undefined);
    assert.equal(warnings.length, count, 'read again, the same stored value is not reported again');

    await repo.setSetting('workflow.alert_threshold', 0.9);
    assert.equal(await repo.getSetting('workflow.alert_threshold'), 0.9, 'saving it again repairs it');
  });

  test('ingestion numbers stored as text before the registry are still read as numbers', async () => {
    await store('ingest.raw_retention_days', '"30"');
    assert.equal(await repo.getSetting('ingest.raw_retention_days'), 30);
  });
});
