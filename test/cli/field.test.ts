/**
 * `turash read`, `record` and `simulate` as a user runs them (bin/turash.mjs in a child process)
 * against the demo plants: A's node-opcua server and B's Modbus server, started here on 127.0.0.1
 * with free ports. With --json, stdout must be exactly one JSON document (node-opcua's own warnings
 * go to stderr).
 *
 *   node --import tsx --test test/cli/field.test.ts
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startModbusPlant, type ModbusPlant } from '../../connectors/simulator/modbus-plant.ts';
import { startOpcUaPlant, type OpcUaPlant } from '../../connectors/simulator/opcua-plant.ts';
import { Repository } from '../../main/db/repository.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'turash-cli-field-'));
const db = join(folder, 'turash.db');
let opcua: OpcUaPlant;
let modbus: ModbusPlant;

/** Runs the command without blocking this process's event loop (the plants answer from here). */
function turash(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, TURASH_HOME: folder }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('turash read / record / simulate against the demo plants', { timeout: 400_000 }, () => {
  before(async () => {
    opcua = await startOpcUaPlant({ port: 0, pkiFolder: join(folder, 'plant-pki'), tickMs: 250 });
    modbus = await startModbusPlant({ port: 0 });
    const imported = await turash('import', join(ROOT, 'main', 'interchange', 'demo-portfolio.json'), '--db', db, '--json');
    assert.equal(imported.status, 0, imported.stderr);
  });
  after(async () => {
    await opcua?.close();
    await modbus?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('read of an OPC UA server: every variable under Objects, decoded, as one JSON document', async () => {
    const run = await turash('read', opcua.endpoint, '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { protocol: string; points: { address: string; name: string; value: number | null; unit: string | null; quality: string }[] };
    assert.equal(result.protocol, 'opcua');
    const power = result.points.find((p) => p.address === opcua.nodeIds.HeatPower);
    assert.ok(power, `HeatPower among ${result.points.map((p) => p.name).join(', ')}`);
    assert.equal(power.quality, 'good');
    assert.ok(typeof power.value === 'number' && power.value > 0);
    assert.equal(power.unit, 'kW');
    assert.ok(!result.points.some((p) => /^(ns=0;)?i=/.test(p.address)), 'the server diagnostics (ns=0) are not listed');
  });

  test('read of a Modbus meter with the sdm630 profile, and without one a clear usage error', async () => {
    const run = await turash('read', modbus.endpoint, '--profile', 'sdm630', '--db', db, '--json');
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { points: { name: string; value: number | null; quality: string; unit: string | null }[] };
    const voltage = result.points.find((p) => /voltage/i.test(p.name));
    assert.ok(voltage && voltage.value !== null && voltage.value > 100 && voltage.value < 300, JSON.stringify(voltage));
    const bare = await turash('read', modbus.endpoint, '--db', db);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /not browsable: give --profile/);
    const bad = await turash('read', 'modbus-tcp://127.0.0.1:1?baud=x', '--db', db);
    assert.notEqual(bad.status, 0);
  });

  test('record stops cleanly on Ctrl+C and everything it reported is in the database', async () => {
    const flowId = 'hm-flow-143-100-200';
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), 'record', opcua.endpoint, '--flow', flowId, '--node', opcua.nodeIds.HeatPower!, '--db', db], {
      env: { ...process.env, TURASH_HOME: folder },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the first progress line (5 s after the start), then interrupt.
    for (let i = 0; i < 1200 && !/samples committed/.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stdout, /samples committed/, stderr);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const reported = Number(/stopped: (\d+) samples committed/.exec(stdout)?.[1]);
    assert.ok(reported > 0, stdout);
    const repo = await Repository.open(db);
    try {
      const points = await repo.field.listPoints({ flow_id: flowId });
      assert.equal(points.length, 1);
      assert.equal(points[0]!.role, 'power');
      const stored = await repo.measurements.raw(points[0]!.id, 0, Date.now() + 60_000, 100_000);
      assert.equal(stored.length, reported, 'every acknowledged sample is stored, and only those');
    } finally {
      await repo.close();
    }
  });

  test('simulate prints its endpoints as JSON and stops on Ctrl+C', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'turash.mjs'), 'simulate', '--opcua-port', '0', '--modbus-port', '0', '--json'], { env: { ...process.env, TURASH_HOME: folder } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 1200 && !stdout.includes('\n'); i++) await new Promise((r) => setTimeout(r, 100));
    const started = JSON.parse(stdout) as { opcua: string | null; modbus: string | null };
    assert.match(started.opcua ?? '', /^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(started.modbus ?? '', /^modbus-tcp:\/\/127\.0\.0\.1:\d+/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
