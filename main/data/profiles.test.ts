import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { allProfileNames } from '../domain/profile-names.ts';
import { decodeProfileLibrary, loadProfileLibrary, PROFILE_LIBRARY_URL } from './profiles.ts';
import { packProfilesCsv, packProfilesFile, parseProfilesCsv } from '../../scripts/pack-profiles.mjs';

// The expected numbers below were read from hotmaps-load-profiles.csv.gz (the Hotmaps excess-heat
// module's profiles) when the file was packed; the repository does not carry the CSV itself.
const ROWS = 8760;

/** [column, value at hour 1, at hour 4381, at hour 8760, sum of the column to 4 decimals] */
const SPOTS: [string, number, number, number, string][] = [
  ['industry:chemicals_and_petrochemicals:AT', 0.9725, 1.0264, 0.9871, '8760.0067'],
  ['industry:iron_and_steel:DE', 0.9816, 1.0073, 1.0106, '8759.9889'],
  ['industry:paper:SE', 0.9643, 1.0384, 1.0051, '8760.0087'],
  ['industry:food_and_tobacco:UK', 0.9668, 1.0265, 1.0045, '8759.9911'],
  ['industry:non_metalic_minerals:IT', 0.9582, 1.034, 0.9942, '8760.0019'],
  ['residential:AT11', 1.3548, 0.3322, 2.3495, '8759.9973'],
  ['residential:DEA1', 1.9645, 0.228, 2.0748, '8760.0011'],
  ['residential:UKN0', 1.6363, 0.3922, 1.233, '8759.9984'],
  ['residential:RO22', 1.6449, 0.2035, 3.4387, '8760.0098'],
  ['residential:ITC2', 1.1002, 0.4005, 1.2758, '8759.9955'],
];
/** SHA-256 of every column's integers (value x 10000) as little-endian uint16, column after column in CSV order. */
const ALL_VALUES_SHA256 = '8d2fbbc7177482dcede0abb2e8ae20df95c3fa897361266c31db346b9286f31e';
/** SHA-256 of the column names (CSV order) joined by "\n". */
const NAMES_SHA256 = '34055f8321ac013d15256e6884130c79742a5de89fb9d4d239a2ca890f7d8686';

const toInt = (v: number) => Math.round(v * 10000);

test('the shipped file: 437 profiles named as in the Hotmaps CSV, well under 3 MB', () => {
  const lib = loadProfileLibrary();
  assert.equal(lib.names.length, 437);
  assert.equal(lib.names[0], 'industry:chemicals_and_petrochemicals:AT');
  assert.equal(lib.names.at(-1), 'residential:UKN0');
  assert.equal(createHash('sha256').update(lib.names.join('\n')).digest('hex'), NAMES_SHA256);
  assert.ok(lib.has('residential:DEA1') && lib.has('industry:iron_and_steel:DE'));
  assert.equal(lib.has('hotmaps:residential:DEA1'), false, 'names are the CSV names, without the hotmaps: prefix');
  assert.equal(lib.values('residential:XX99'), undefined);
  assert.ok(statSync(PROFILE_LIBRARY_URL).size < 1_500_000, `${statSync(PROFILE_LIBRARY_URL).size} bytes`);
  assert.equal(loadProfileLibrary(), lib, 'cached');
});

test('the domain names are exactly the shipped profiles with the hotmaps: prefix', () => {
  const domain = allProfileNames().filter((n) => n !== 'flat' && n !== 'measured');
  assert.equal(domain.length, 437);
  assert.deepEqual([...domain].sort(), loadProfileLibrary().names.map((n) => `hotmaps:${n}`).sort());
});

test('decoding is exact: spot values, column sums, and a digest of every value', () => {
  const lib = loadProfileLibrary();
  for (const [name, first, middle, last, sum] of SPOTS) {
    const v = lib.values(name)!;
    assert.ok(v, name);
    assert.deepEqual([v[0], v[4380], v[ROWS - 1]], [first, middle, last], name);
    assert.equal(v.reduce((a, b) => a + b, 0).toFixed(4), sum, name);
    assert.equal(lib.values(name), v, `${name} is decoded once`);
  }
  // The extremes of the whole file.
  assert.equal(lib.values('residential:RO22')![583], 5.1144);
  assert.equal(lib.values('residential:ITC2')![4587], 0.0378);

  const hash = createHash('sha256');
  for (const name of lib.names) {
    const ints = new Uint16Array(ROWS);
    lib.values(name)!.forEach((v, i) => (ints[i] = toInt(v)));
    hash.update(Buffer.from(ints.buffer));
  }
  assert.equal(hash.digest('hex'), ALL_VALUES_SHA256);
});

test('every profile has 8,760 values of 4 decimals, averaging 1.0', () => {
  const lib = loadProfileLibrary();
  for (const name of lib.names) {
    const v = lib.values(name)!;
    assert.equal(v.length, ROWS, name);
    let sum = 0;
    for (const x of v) {
      assert.ok(x >= 0 && x === toInt(x) / 10000, `${name}: ${x}`);
      sum += x;
    }
    assert.ok(Math.abs(sum / ROWS - 1) < 1e-3, `${name} averages ${sum / ROWS}`);
  }
});

const SYNTHETIC = [
  'hour,residential:AA11,industry:paper:ZZ,odd name: x',
  '1,0.0000,6.5535,1',
  '2,6.5535,0.0000,2.5',
  '3,0.0001,3.2768,0.25',
  '4,3.2767,3.2767,0.125',
  '5,1.0000,0.0001,5.1144',
  '6,1.2345,6.5534,0',
].join('\r\n') + '\r\n';
const SYNTHETIC_VALUES: Record<string, number[]> = {
  'residential:AA11': [0, 6.5535, 0.0001, 3.2767, 1, 1.2345],
  'industry:paper:ZZ': [6.5535, 0, 3.2768, 3.2767, 0.0001, 6.5534],
  'odd name: x': [1, 2.5, 0.25, 0.125, 5.1144, 0],
};

test('the packer round-trips a synthetic CSV (plain and gzipped, brotli and gzip), extremes and large jumps included', () => {
  const folder = mkdtempSync(join(tmpdir(), 'turash-profiles-'));
  try {
    const csv = join(folder, 'profiles.csv');
    writeFileSync(csv, SYNTHETIC);
    writeFileSync(`${csv}.gz`, gzipSync(SYNTHETIC));
    for (const input of [csv, `${csv}.gz`]) {
      for (const codec of ['brotli', 'gzip', 'auto'] as const) {
        const out = join(folder, `out-${codec}.bin`);
        const packed = packProfilesFile(input, out, { codec });
        if (codec !== 'auto') assert.equal(packed.codec, codec);
        const lib = decodeProfileLibrary(readFileSync(out));
        assert.deepEqual(lib.names, Object.keys(SYNTHETIC_VALUES));
        for (const [name, values] of Object.entries(SYNTHETIC_VALUES)) assert.deepEqual([...lib.values(name)!], values, `${name} (${codec}, ${input})`);
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the packer refuses what it cannot store exactly, naming the line and column', () => {
  const base = 'hour,a,b\n1,1.0000,1.0000\n';
  assert.throws(() => parseProfilesCsv(`${base}2,1.00001,1\n`), /line 3, column a: "1.00001"/);
  assert.throws(() => parseProfilesCsv(`${base}2,1,6.5536\n`), /line 3, column b: 6.5536 is above 6.5535/);
  assert.throws(() => parseProfilesCsv(`${base}2,-0.5,1\n`), /line 3, column a/);
  assert.throws(() => parseProfilesCsv(`${base}2,1e-3,1\n`), /line 3, column a/);
  assert.throws(() => parseProfilesCsv(`${base}2,1\n`), /line 3: 2 fields, expected 3/);
  assert.throws(() => parseProfilesCsv(`${base}3,1,1\n`), /line 3: hour "3", expected 2/);
  assert.throws(() => parseProfilesCsv('hour,a,a\n1,1,1\n'), /the column a appears twice/);
  assert.throws(() => parseProfilesCsv('time,a\n1,1\n'), /first column must be "hour"/);
  assert.throws(() => parseProfilesCsv('hour,a\n'), /no data rows/);
});

test('a damaged or foreign file is refused, not decoded into wrong numbers', () => {
  const packed = packProfilesCsv(SYNTHETIC, { codec: 'gzip' }).bytes;
  // Change one stored delta and compress again: the column no longer adds up to its stored sum.
  const payload = gunzipSync(packed.subarray(8));
  const at = payload.length - 2 * 3 * 6 + 2; // the low-byte plane, first column, third hour
  payload[at] = payload[at]! ^ 1;
  const damaged = decodeProfileLibrary(Buffer.concat([packed.subarray(0, 8), gzipSync(payload)]));
  assert.throws(() => damaged.values('residential:AA11'), /damaged: profile residential:AA11 does not add up/);
  assert.deepEqual([...damaged.values('industry:paper:ZZ')!], SYNTHETIC_VALUES['industry:paper:ZZ']);

  assert.throws(() => decodeProfileLibrary(Buffer.from('not a profile file')), /no TLPF header/);
  const future = Buffer.from(packed);
  future[4] = 2;
  assert.throws(() => decodeProfileLibrary(future), /format version 2/);
  assert.throws(() => decodeProfileLibrary(packed.subarray(0, packed.length - 10)), /unexpected end|truncated|incorrect header/i);
});

test('bundled as the Electron build bundles it, the file is copied byte for byte next to the bundle and loads', async () => {
  const { build } = await import('esbuild');
  const { importMetaUrlAssets, ROOT } = await import('../../scripts/build-electron.mjs');
  const out = mkdtempSync(join(tmpdir(), 'turash-profiles-bundle-'));
  try {
    const profiles = fileURLToPath(new URL('./profiles.ts', import.meta.url));
    await build({
      absWorkingDir: ROOT,
      stdin: {
        contents: `import { loadProfileLibrary } from ${JSON.stringify(profiles)};\nconst lib = loadProfileLibrary();\nconsole.log(JSON.stringify({ names: lib.names.length, first: lib.values('residential:DEA1')[0] }));`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(out, 'bundle.mjs'),
      plugins: [importMetaUrlAssets(ROOT, out)],
      logLevel: 'error',
    });
    const assets = readdirSync(join(out, 'assets'));
    assert.equal(assets.length, 1);
    assert.match(assets[0]!, /^[0-9a-f]{8}-load-profiles\.bin$/);
    assert.ok(readFileSync(join(out, 'assets', assets[0]!)).equals(readFileSync(PROFILE_LIBRARY_URL)));
    const run = spawnSync(process.execPath, [join(out, 'bundle.mjs')], { cwd: out, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { names: 437, first: 1.9645 });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
