/**
 * `turash serve` as a user starts it, in a child process (its own event loop, like the real host),
 * for the UI and API benchmarks: the URL and token come from its `--json` line; stopped by SIGTERM
 * to its own pid (it closes the host and the database cleanly).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TURASH_BIN } from './child-run.ts';

export interface ServeChild {
  url: string;
  /** The URL to open in the browser (the token in the fragment). */
  openUrl: string;
  token: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServe(db: string, options: { demo?: boolean } = {}): Promise<ServeChild> {
  const home = mkdtempSync(join(tmpdir(), 'turash-bench-serve-'));
  const child = spawn(process.execPath, [TURASH_BIN, 'serve', '--db', db, '--json', ...(options.demo ? ['--demo'] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TURASH_HOME: home } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line));
    void exited.then((code) => reject(new Error(`turash serve stopped (exit ${code}) before printing its URL: ${stderr.trim()}`)));
  });
  const { url, open, token } = JSON.parse(first) as { url: string; open: string; token: string };
  return {
    url,
    openUrl: open,
    token,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}
