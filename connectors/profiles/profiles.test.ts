import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getProfile, loadProfiles, ProfileError, profileToPoints, saveUserProfile } from './index.ts';

test('ships sdm630 and sunspec-201..204, all valid', () => {
  const { profiles, errors } = loadProfiles();
  assert.deepEqual(errors, []);
  assert.deepEqual(profiles.map((p) => p.name), ['sdm630', 'sunspec-201', 'sunspec-202', 'sunspec-203', 'sunspec-204']);
  const sdm = getProfile('sdm630');
  const power = sdm.registers.find((r) => r.id === 'power_total')!;
  assert.deepEqual([power.fc, power.address, power.dataType, power.order, power.unit], [4, 52, 'float32', 'ABCD', 'W']);
  const s203 = getProfile('sunspec-203');
  const w = s203.registers.find((r) => r.id === 'power')!;
  assert.equal(w.scaleRegister, 'power_sf');
  const pts = profileToPoints(s203, { unitId: 3 });
  assert.equal(pts.find((p) => p.id === 'power')!.address, '3:40087;sf=40091');
  assert.ok(!pts.some((p) => p.id.endsWith('_sf')), 'scale factors are not points');
  assert.equal(pts[0]!.unitId, 3);
});

test('user profiles are saved validated, loaded beside the shipped ones and override by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-profiles-'));
  try {
    saveUserProfile(dir, { name: 'heat-meter-x', description: 'Kamstrup-like', registers: [{ id: 'flow', name: 'Flow', fc: 3, address: 10, dataType: 'uint32', order: 'CDAB', scale: 0.01, unit: 'm3/h' }] });
    const { name, description, maxGap, registers } = getProfile('sdm630');
    saveUserProfile(dir, { name, description, maxGap, registers: registers.slice(0, 2) });
    const { profiles, errors } = loadProfiles(dir);
    assert.deepEqual(errors, []);
    assert.equal(profiles.find((p) => p.name === 'heat-meter-x')!.registers[0]!.scale, 0.01);
    assert.equal(profiles.find((p) => p.name === 'sdm630')!.source, 'user');
    assert.equal(profiles.find((p) => p.name === 'sdm630')!.registers.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad profile is refused with every bad field named, and nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-profiles-'));
  try {
    assert.throws(
      () =>
        saveUserProfile(dir, {
          name: 'Bad Name',
          registers: [
            { id: 'a', name: 'A', fc: 5, address: 1, dataType: 'int16' },
            { id: 'a', name: 'B', fc: 3, address: 2, dataType: 'float16', scaleRegister: 'zz' },
          ],
        }),
      (e: unknown) => e instanceof ProfileError && /name: lower-case/.test(e.message) && /registers\[0\]\.fc/.test(e.message) && /registers\[1\]\.dataType/.test(e.message),
    );
    assert.throws(
      () => saveUserProfile(dir, { name: 'x', registers: [{ id: 'a', name: 'A', fc: 3, address: 1, dataType: 'int16', scaleRegister: 'nope' }, { id: 'a', name: 'A', fc: 3, address: 2, dataType: 'int16' }] }),
      (e: unknown) => e instanceof ProfileError && /registers\[0\]\.scaleRegister: no register with id "nope"/.test(e.message) && /registers\[1\]\.id: duplicate register id "a"/.test(e.message),
    );
    assert.deepEqual(readdirSync(dir), []);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ name: 'mismatch', registers: [{ id: 'a', name: 'A', fc: 3, address: 1, dataType: 'int16' }] }));
    const { profiles, errors } = loadProfiles(dir);
    assert.equal(profiles.length, 5, 'shipped profiles still load');
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /broken\.json: not valid JSON/);
    assert.match(errors[1]!.message, /other\.json: name "mismatch" does not match the file name/);
    assert.throws(() => getProfile('nope', dir), /profile "nope": unknown; known profiles: sdm630, sunspec-201/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
