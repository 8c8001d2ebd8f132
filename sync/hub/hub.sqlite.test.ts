import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { hubContract } from './hub-contract.ts';

const folder = mkdtempSync(join(tmpdir(), 'turash-hub-sqlite-'));
after(() => rmSync(folder, { recursive: true, force: true }));

hubContract('SQLite (a real file)', async (name) => join(folder, `${name}.db`));
