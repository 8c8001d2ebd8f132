// bench ui-click on a small portfolio: "Run matching" clicked in headless Chromium reaches the
// match list on the demo and on the synthetic portfolio (never a timed assertion). Needs the built
// renderer (npx vite build --config renderer/vite.config.ts) and Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runUiClickBench } from './ui-click.ts';

interface Click {
  click_to_first_results_ms: number;
  first_results: 'preview' | 'list';
  click_to_summary_ms: number;
  click_to_first_row_ms: number;
  matches_found: string | null;
  page_errors: string[];
  baseline_engine: { matches: number };
}

test('bench ui-click: click -> first results -> summary -> first row, on the demo and a synthetic portfolio', { timeout: 600_000 }, async () => {
  const r = (await runUiClickBench({ flows: 600, seed: 3, timeoutMs: 180_000 })) as { demo: Click; large: Click };
  for (const name of ['demo', 'large'] as const) {
    const c = r[name];
    assert.deepEqual(c.page_errors, [], `${name}: the page ran clean`);
    assert.ok(c.click_to_summary_ms > 0 && c.click_to_summary_ms <= c.click_to_first_row_ms, `${name}: ${c.click_to_summary_ms} <= ${c.click_to_first_row_ms}`);
    // the first results come before the whole list (or are its first row)
    assert.ok(c.click_to_first_results_ms > 0 && c.click_to_first_results_ms <= c.click_to_first_row_ms, `${name}: ${c.click_to_first_results_ms} <= ${c.click_to_first_row_ms}`);
    assert.ok(['preview', 'list'].includes(c.first_results), name);
    // the UI lists what the engine finds on the same database
    assert.equal(Number(c.matches_found), c.baseline_engine.matches, name);
  }
});
