import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReads, MAX_REGISTERS_PER_REQUEST } from './plan.ts';
import { getProfile, profileToPoints } from '../profiles/index.ts';

test('a full SDM630 profile read takes at most 3 requests of at most 125 registers', () => {
  const profile = getProfile('sdm630');
  const points = profileToPoints(profile);
  assert.ok(points.length >= 30);
  const plan = planReads(points, { maxGap: profile.maxGap });
  assert.ok(plan.length <= 3, `${plan.length} requests`);
  for (const r of plan) {
    assert.ok(r.count <= MAX_REGISTERS_PER_REQUEST);
    assert.equal(r.fc, 4);
  }
  assert.equal(plan.reduce((n, r) => n + r.points.length, 0), points.length, 'every point planned once');
});

test('coalesces contiguous and near registers per unit and function code, never over 125', () => {
  const p = (id: string, address: string, unitId?: number, dataType = 'uint16') => ({ id, address, dataType, ...(unitId ? { unitId } : {}) });
  const plan = planReads([p('a', '3:10'), p('b', '3:11'), p('c', '3:20', undefined, 'float32'), p('d', '4:10'), p('e', '3:10', 2), p('f', '3:200'), p('g', '3:320', undefined, 'float64')], { maxGap: 16 });
  assert.deepEqual(
    plan.map((r) => [r.unit, r.fc, r.start, r.count, r.points.map((x) => x.point.id).join('')]),
    [
      [1, 3, 10, 12, 'abc'],
      [1, 3, 200, 1, 'f'],
      [1, 3, 320, 4, 'g'],
      [1, 4, 10, 1, 'd'],
      [2, 3, 10, 1, 'e'],
    ],
  );
  const wide = planReads(Array.from({ length: 300 }, (_, i) => p(`r${i}`, `3:${i}`)));
  assert.deepEqual(wide.map((r) => r.count), [125, 125, 50]);
  assert.deepEqual(planReads([p('a', '3:0'), p('b', '3:2')], { maxGap: 0 }).length, 2);
});

test('a SunSpec point reads its scale-factor register in the same request', () => {
  const plan = planReads([{ id: 'w', address: '3:40087;sf=40091', dataType: 'int16' }]);
  assert.deepEqual([plan[0]!.start, plan[0]!.count], [40087, 5]);
});

test('bad point addresses are errors naming the point', () => {
  assert.throws(() => planReads([{ id: 'x', address: '40001' }]), /point "x": address "40001" is not "<fc>:<register>"/);
  assert.throws(() => planReads([{ id: 'x', address: '1:5' }]), /point "x": function code 1 in "1:5"/);
  assert.throws(() => planReads([{ id: 'x', address: '3:5', dataType: 'float16' }]), /point "x": data type "float16"/);
  assert.throws(() => planReads([{ id: 'x', address: '3:65535', dataType: 'float32' }]), /runs past 65535/);
});
