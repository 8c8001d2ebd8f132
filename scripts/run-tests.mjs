#!/usr/bin/env node
// Runs every *.test.ts of the project with Node's test runner (through tsx). Node 20 does not
// expand globs itself, so the file list is built here. Arguments narrow it down: a folder or a
// file name fragment, e.g. `npm test -- main/db` or `node scripts/run-tests.mjs e2e`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOTS = ['main', 'preload', 'renderer', 'connectors', 'sync', 'test', 'bench', 'scripts'];
const SKIP = new Set(['node_modules', 'out', 'dist', 'test-results']);

function* testFiles(folder) {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && !SKIP.has(entry.name)) yield* testFiles(path);
    else if (entry.isFile() && /\.test\.tsx?$/.test(entry.name)) yield relative('.', path);
  }
}

const filters = process.argv.slice(2);
const files = ROOTS.flatMap((root) => [...testFiles(root)])
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
console.log(`running ${files.length} test files`);
// One file at a time per core: the end-to-end suites start browsers and servers.
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
