import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp, hashTimestamp } from './hlc.ts';
import { build, diff, emptyTrie, fromNodes, insert, insertAll, isMerkleTrie, keyOfMillis, millisOfKey, nodeDeltas, prune, type MerkleTrie } from './merkle.ts';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');
const ts = (offsetMs: number, counter = 0, node = '0123456789abcdef') => formatTimestamp({ millis: T0 + offsetMs, counter, node });
const MIN = 60_000;

describe('merkle trie', () => {
  it('keys a minute in 16 base-3 digits and back', () => {
    const key = keyOfMillis(T0 + 59_999);
    assert.equal(key.length, 16);
    assert.match(key, /^[012]+$/);
    assert.equal(millisOfKey(key), T0);
  });

  it('equal sets of timestamps give equal tries, whatever the insertion order', () => {
    const stamps = [ts(0), ts(1), ts(5 * MIN), ts(90 * MIN, 3), ts(3 * 24 * 60 * MIN)];
    const a = build(stamps);
    const b = build([...stamps].reverse());
    assert.deepEqual(a, b);
    assert.equal(diff(a, b), null);
  });

  it('a batch gives the trie of inserting its timestamps one path at a time (the definition)', () => {
    // The definition: every timestamp XORs its hash into the root and every node on its path.
    const naive = (stamps: string[], trie: MerkleTrie = emptyTrie()) => {
      const result = JSON.parse(JSON.stringify(trie)) as MerkleTrie;
      for (const stamp of stamps) {
        const hash = hashTimestamp(stamp);
        const key = keyOfMillis(Date.parse(stamp.slice(0, 24)));
        result.hash = (result.hash ^ hash) | 0;
        let node = result;
        for (const digit of key as Iterable<'0' | '1' | '2'>) {
          node = node[digit] ?? (node[digit] = emptyTrie());
          node.hash = (node.hash ^ hash) | 0;
        }
      }
      return result;
    };
    // Many timestamps per minute, over a few minutes and days.
    const stamps = Array.from({ length: 3000 }, (_, i) => ts(Math.floor(i / 7) * 997 + (i % 3) * 3 * 24 * 60 * MIN, i % 5000));
    const half = build(stamps.slice(0, 1000));
    assert.deepEqual(build(stamps), naive(stamps));
    assert.deepEqual(insertAll(half, stamps.slice(1000)), naive(stamps.slice(1000), half));
    assert.deepEqual(fromNodes([...nodeDeltas(stamps)].map(([prefix, hash]) => ({ prefix, hash }))), naive(stamps));
    // Every prefix of every key has a delta, even one whose hashes cancel out.
    assert.equal(nodeDeltas(stamps).size, new Set(stamps.flatMap((s) => Array.from({ length: 17 }, (_, n) => keyOfMillis(Date.parse(s.slice(0, 24))).slice(0, n)))).size);
  });

  it('insert does not modify its input', () => {
    const a = build([ts(0)]);
    const copy = JSON.parse(JSON.stringify(a));
    insert(a, ts(MIN));
    assert.deepEqual(a, copy);
  });

  it('diff finds the earliest minute where two replicas differ', () => {
    const shared = [ts(0), ts(2 * MIN), ts(7 * MIN)];
    const hub = build([...shared, ts(50 * MIN), ts(400 * MIN)]);
    // The laptop missed one message at minute 50 and has one of its own at minute 31.
    const laptop = build([...shared, ts(31 * MIN + 5_000), ts(400 * MIN)]);
    assert.equal(diff(hub, laptop), T0 + 31 * MIN);
    assert.equal(diff(laptop, hub), T0 + 31 * MIN, 'symmetric');
  });

  it('diff finds a difference within the same minute (two messages, one missing)', () => {
    const a = build([ts(0), ts(10 * MIN), ts(10 * MIN + 1, 1)]);
    const b = build([ts(0), ts(10 * MIN)]);
    assert.equal(diff(a, b), T0 + 10 * MIN);
  });

  it('an empty replica differs from the earliest message on', () => {
    const hub = build([ts(3 * MIN), ts(900 * MIN)]);
    assert.equal(diff(emptyTrie(), hub), T0 + 3 * MIN);
  });

  it('tries survive JSON (wire and database column) and are validated', () => {
    const trie = build([ts(0), ts(MIN)]);
    const back = JSON.parse(JSON.stringify(trie));
    assert.ok(isMerkleTrie(back));
    assert.equal(diff(trie, back), null);
    assert.equal(isMerkleTrie({ hash: 1, 3: { hash: 2 } }), false);
    assert.equal(isMerkleTrie({ hash: 'x' }), false);
    assert.equal(isMerkleTrie(null), false);
  });

  it('node deltas XOR-applied in batches rebuild the same trie as inserting one by one', () => {
    const stamps = Array.from({ length: 300 }, (_, i) => ts(i * 13 * MIN + (i % 5), i % 3));
    const rows = new Map<string, number>();
    for (const batch of [stamps.slice(0, 100), stamps.slice(100, 250), stamps.slice(250)]) {
      for (const [prefix, delta] of nodeDeltas(batch)) rows.set(prefix, ((rows.get(prefix) ?? 0) ^ delta) | 0);
    }
    const rebuilt = fromNodes([...rows].map(([prefix, hash]) => ({ prefix, hash })));
    assert.deepEqual(rebuilt, build(stamps));
    assert.throws(() => fromNodes([{ prefix: '0193', hash: 1 }]), /not a base-3 key/);
  });

  it('prune keeps the newest branches and still finds a recent difference', () => {
    const old = Array.from({ length: 200 }, (_, i) => ts(i * 37 * MIN));
    const a = build([...old, ts(20_000 * MIN)]);
    const b = build([...old, ts(20_000 * MIN), ts(20_001 * MIN)]);
    const pa = prune(a);
    const pb = prune(b);
    assert.ok(JSON.stringify(pa).length < JSON.stringify(a).length);
    const at = diff(pa, pb);
    assert.ok(at !== null && at <= T0 + 20_001 * MIN, 'at or before the real difference');
  });
});

describe('merkle trie input', () => {
  it('validates every timestamp, also one in a minute it has just seen (no cache skips it)', () => {
    const valid = '2026-11-25T15:30:00.000Z-0000-0123456789abcdef';
    const bogus = '2026-11-25T15:30:99.999Z-0000-0123456789abcdef';
    for (const run of [() => nodeDeltas([valid, bogus]), () => build([valid, bogus]), () => insertAll(build([valid]), [bogus]), () => insert(build([valid]), bogus)]) {
      assert.throws(run, /not an HLC timestamp/);
    }
    assert.throws(() => nodeDeltas([valid, `${valid.slice(0, 16)}:00.000Z-00G0-0123456789abcdef`]), /not an HLC timestamp/);
    assert.throws(() => nodeDeltas([valid, '9999-12-31T23:59:59.999Z-0000-0123456789abcdef']), /not an HLC timestamp/);
  });
});
