import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingLog, teeConsole } from './log-file.ts';

const fixed = () => new Date('2025-06-01T10:00:00.000Z');

test('lines are appended with time and level; multi-line messages stay one entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-log-'));
  try {
    const log = new RotatingLog({ directory: join(dir, 'logs'), now: fixed });
    log.info('started %s', 'v1');
    log.error('boom\nat line 2');
    assert.equal(readFileSync(log.path, 'utf8'), '2025-06-01T10:00:00.000Z INFO  started v1\n2025-06-01T10:00:00.000Z ERROR boom\n    at line 2\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotates by size and keeps N files, the oldest dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-log-'));
  try {
    const log = new RotatingLog({ directory: dir, maxBytes: 200, keep: 3, now: fixed });
    for (let i = 0; i < 40; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(20)}`);
    assert.deepEqual(readdirSync(dir).sort(), ['main.1.log', 'main.2.log', 'main.log']);
    for (const n of [0, 1, 2]) assert.ok(statSync(log.file(n)).size <= 200, `file ${n} within the limit`);
    assert.match(readFileSync(log.path, 'utf8'), /line 039/);
    const all = [2, 1, 0].map((n) => readFileSync(log.file(n), 'utf8')).join('');
    assert.ok(!all.includes('line 000'), 'the oldest lines are gone');
    const numbers = [...all.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'older files hold older lines');
    // A new logger on the same folder continues the size count.
    const again = new RotatingLog({ directory: dir, maxBytes: 200, keep: 3, now: fixed });
    again.info('y'.repeat(150));
    assert.ok(statSync(again.path).size <= 200);
    assert.ok(!existsSync(join(dir, 'main.3.log')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('teeConsole copies console output into the log and can be undone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turash-log-'));
  try {
    const log = new RotatingLog({ directory: dir, now: fixed });
    const printed: unknown[][] = [];
    const fakeConsole = { log: (...a: unknown[]) => printed.push(a), info: (...a: unknown[]) => printed.push(a), warn: (...a: unknown[]) => printed.push(a), error: (...a: unknown[]) => printed.push(a) };
    const restore = teeConsole(log, fakeConsole);
    fakeConsole.warn('[turash] IPC refused:', 'bad sender');
    fakeConsole.error(new Error('kaput'));
    restore();
    fakeConsole.log('not logged');
    const text = readFileSync(log.path, 'utf8');
    assert.match(text, /WARN {2}\[turash\] IPC refused: bad sender/);
    assert.match(text, /ERROR Error: kaput/);
    assert.ok(!text.includes('not logged'));
    assert.equal(printed.length, 3, 'the terminal still gets everything');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
