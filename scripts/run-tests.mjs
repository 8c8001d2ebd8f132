#!/usr/bin/env node
// Runs every *.test.ts of the project with Node's test runner (through tsx). Node 20 does not
// expand globs itself, so the file list is built here. Arguments narrow it down: a folder or a
// file name fragment, e.g. `npm test -- main/db` or `node scripts/run-tests.mjs e2e`.
//
// A second Node: with TURASH_SECOND_NODE=<path to a node binary> (CI sets it to Node 22, the Node
// of Electron 45; see .ci/run), every suite except the browser end-to-end ones (test/e2e: they
// test the UI, not the Node version) also runs under that binary. The machine has 2 cores, so the
// work is split in two phases that never run more than two test files at once:
//   1. the non-browser suites under both Nodes side by side, one file at a time each;
//   2. the end-to-end suites under this Node, two files at a time, as without a second Node.
// The second Node's output is kept in a file and printed when it ends, so the two logs do not
// interleave.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOTS = ['main', 'preload', 'renderer', 'connectors', 'sync', 'test', 'bench', 'scripts'];
const SKIP = new Set(['node_modules', 'out', 'dist', 'test-results']);
const BROWSER_SUITES = 'test/e2e/';

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

/** Runs the files under `node`; resolves with the exit status (output to `output` or inherited). */
function run(node, list, concurrency, output) {
  return new Promise((resolve) => {
    if (list.length === 0) return resolve(0);
    const child = spawn(node, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list], {
      stdio: output ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (output) {
      child.stdout.pipe(output, { end: false });
      child.stderr.pipe(output, { end: false });
    }
    child.on('error', (error) => {
      console.error(`cannot run ${node}: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const second = process.env.TURASH_SECOND_NODE;
if (!second) {
  console.log(`running ${files.length} test files`);
  // One file at a time per core: the end-to-end suites start browsers and servers.
  process.exit(await run(process.execPath, files, 2));
}

const secondVersion = execFileSync(second, ['--version'], { encoding: 'utf8' }).trim();
const nodeSuites = files.filter((f) => !f.startsWith(BROWSER_SUITES));
const browserSuites = files.filter((f) => f.startsWith(BROWSER_SUITES));
const logPath = join(mkdtempSync(join(tmpdir(), 'turash-tests-')), `node-${secondVersion}.log`);
const log = createWriteStream(logPath);
console.log(
  `running ${files.length} test files under Node ${process.version}, and ${nodeSuites.length} of them (all but ${BROWSER_SUITES}) under Node ${secondVersion} (${second}) at the same time; its output: ${logPath}`,
);
const [first, other] = await Promise.all([run(process.execPath, nodeSuites, 1), run(second, nodeSuites, 1, log)]);
await new Promise((resolve) => log.end(resolve));
console.log(`\n----- the same suites under Node ${secondVersion} -----`);
process.stdout.write(readFileSync(logPath));
console.log(`----- Node ${secondVersion}: ${other === 0 ? 'passed' : `FAILED (exit ${other})`} -----\n`);
const browser = await run(process.execPath, browserSuites, 2);
process.exit(first || other || browser ? 1 : 0);
