import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UndirectedGraph } from 'graphology';
import { seededRng } from './geo.ts';
import { communities } from './louvain.ts';

/** Two 5-cliques joined by one weak edge, plus an isolated node. */
function barbell() {
  const g = new UndirectedGraph<Record<string, never>, { weight: number }>();
  for (const side of ['a', 'b']) for (let i = 0; i < 5; i++) g.addNode(`${side}${i}`);
  for (const side of ['a', 'b']) for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) g.addEdge(`${side}${i}`, `${side}${j}`, { weight: 1 });
  g.addEdge('a0', 'b0', { weight: 0.05 });
  g.addNode('z');
  return g;
}

test('the Louvain shim runs under ESM/tsx and finds the two cliques', () => {
  const c = communities(barbell(), { rng: seededRng(1) });
  assert.equal(new Set(['a0', 'a1', 'a2', 'a3', 'a4'].map((n) => c[n])).size, 1);
  assert.equal(new Set(['b0', 'b1', 'b2', 'b3', 'b4'].map((n) => c[n])).size, 1);
  assert.notEqual(c.a0, c.b0);
  assert.notEqual(c.z, c.a0);
});

test('same seed, same communities; an edgeless graph gives singletons', () => {
  assert.deepEqual(communities(barbell(), { rng: seededRng(42) }), communities(barbell(), { rng: seededRng(42) }));
  const g = new UndirectedGraph();
  g.addNode('x');
  g.addNode('y');
  assert.deepEqual(communities(g, { rng: seededRng(1) }), { x: 0, y: 1 });
});
