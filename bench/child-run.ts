/**
 * One `turash` command as a user runs it: a child process (`node bin/turash.mjs ...`), measured from
 * the outside: wall time, CPU (user + system), peak resident memory and the bytes it wrote to stdout.
 * GNU time (`/usr/bin/time`) gives CPU and peak memory from the kernel's accounting of the child.
 * Without it, /proc/<pid>/status VmHWM (the peak so far) is sampled for memory and CPU is null:
 * Node reports no resource usage of its children.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TURASH_BIN = fileURLToPath(new URL('../bin/turash.mjs', import.meta.url));
const GNU_TIME = '/usr/bin/time';

export interface ChildFigures {
  command: string;
  exit_code: number | null;
  wall_ms: number;
  cpu_ms: number | null;
  user_ms: number | null;
  system_ms: number | null;
  peak_rss_mb: number | null;
  stdout_bytes: number;
  /** The last lines of stderr when the command failed (what went wrong, in its words). */
  stderr_tail?: string;
}

/** Runs `turash <args>`; stdout is counted and dropped (kept only when `keepStdout`). */
export async function runTurash(args: string[], options: { env?: NodeJS.ProcessEnv; keepStdout?: boolean } = {}): Promise<ChildFigures & { stdout?: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'turash-bench-child-'));
  const timeFile = join(scratch, 'time');
  const gnu = existsSync(GNU_TIME);
  const argv = [process.execPath, TURASH_BIN, ...args];
  const [file, ...rest] = gnu ? [GNU_TIME, '-f', '%e %U %S %M', '-o', timeFile, ...argv] : argv;
  const t0 = performance.now();
  const child = spawn(file!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TURASH_HOME: scratch, ...options.env } });
  let bytes = 0;
  const kept: Buffer[] = [];
  let stderr = '';
  let peakKb = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (options.keepStdout) kept.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  // without GNU time: the peak so far of the node process (the child itself when spawned directly)
  const sampler = gnu
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) peakKb = Math.max(peakKb, Number(m[1]));
        } catch {
          // the process just ended
        }
      }, 100);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const wall = performance.now() - t0;
  if (sampler) clearInterval(sampler);
  let cpu: { user: number; system: number } | null = null;
  if (gnu && existsSync(timeFile)) {
    // GNU time may print "Command exited with non-zero status N" first: the figures are the last line
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
    const [, user, system, maxKb] = last.split(' ').map(Number);
    cpu = { user: user! * 1000, system: system! * 1000 };
    peakKb = maxKb!;
  }
  rmSync(scratch, { recursive: true, force: true });
  const figures: ChildFigures & { stdout?: string } = {
    command: `turash ${args.map((a) => (a.includes('/') ? a.replace(/^.*\//, '<tmp>/') : a)).join(' ')}`,
    exit_code: exitCode,
    wall_ms: Math.round(wall),
    cpu_ms: cpu ? Math.round(cpu.user + cpu.system) : null,
    user_ms: cpu ? Math.round(cpu.user) : null,
    system_ms: cpu ? Math.round(cpu.system) : null,
    peak_rss_mb: peakKb > 0 ? Math.round(peakKb / 1024) : null,
    stdout_bytes: bytes,
  };
  if (exitCode !== 0) figures.stderr_tail = stderr.trim().split('\n').slice(-5).join('\n');
  if (options.keepStdout) figures.stdout = Buffer.concat(kept).toString();
  return figures;
}
