/**
 * The main process's log file: `<userData>/logs/main.log`, rotated by size (main.log → main.1.log →
 * … → main.<keep-1>.log, the oldest dropped). Writes are synchronous appends, so the last lines
 * before a crash are on disk. `teeConsole` copies console.* into it (the terminal output stays).
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RotatingLogOptions {
  directory: string;
  /** File name of the current log; default main.log. */
  name?: string;
  /** Rotate when the file would exceed this; default 1 MiB. */
  maxBytes?: number;
  /** Files kept, the current one included; default 5. */
  keep?: number;
  now?: () => Date;
}

export class RotatingLog {
  readonly directory: string;
  readonly path: string;
  readonly #base: string;
  readonly #ext: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #now: () => Date;
  #size: number;

  constructor(options: RotatingLogOptions) {
    const name = options.name ?? 'main.log';
    this.directory = options.directory;
    this.path = join(this.directory, name);
    const dot = name.lastIndexOf('.');
    this.#base = dot > 0 ? name.slice(0, dot) : name;
    this.#ext = dot > 0 ? name.slice(dot) : '';
    this.#maxBytes = options.maxBytes ?? 1024 * 1024;
    this.#keep = Math.max(1, options.keep ?? 5);
    this.#now = options.now ?? (() => new Date());
    mkdirSync(this.directory, { recursive: true });
    this.#size = existsSync(this.path) ? statSync(this.path).size : 0;
  }

  /** The path of rotated file n (0 = the current file). */
  file(n: number): string {
    return n === 0 ? this.path : join(this.directory, `${this.#base}.${n}${this.#ext}`);
  }

  write(level: LogLevel, message: string): void {
    const line = `${this.#now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message.replace(/\r?\n/g, '\n    ')}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.rotate();
    try {
      appendFileSync(this.path, line, { mode: 0o600 });
      this.#size += bytes;
    } catch {
      // A full or read-only disk must not take the app down with it.
    }
  }

  info(...args: unknown[]): void {
    this.write('info', format(...args));
  }
  warn(...args: unknown[]): void {
    this.write('warn', format(...args));
  }
  error(...args: unknown[]): void {
    this.write('error', format(...args));
  }
  debug(...args: unknown[]): void {
    this.write('debug', format(...args));
  }

  rotate(): void {
    try {
      rmSync(this.file(this.#keep - 1), { force: true });
      for (let n = this.#keep - 2; n >= 0; n--) if (existsSync(this.file(n))) renameSync(this.file(n), this.file(n + 1));
    } catch {
      // best effort: keep appending to the current file
    }
    this.#size = existsSync(this.path) ? statSync(this.path).size : 0;
  }
}

/** Copies console.log/info/warn/error into the log; returns a function restoring the console. */
export function teeConsole(log: RotatingLog, target: Pick<Console, 'log' | 'info' | 'warn' | 'error'> = console): () => void {
  const original = { log: target.log, info: target.info, warn: target.warn, error: target.error };
  const levels: Record<keyof typeof original, LogLevel> = { log: 'info', info: 'info', warn: 'warn', error: 'error' };
  for (const key of Object.keys(original) as (keyof typeof original)[]) {
    target[key] = (...args: unknown[]) => {
      log.write(levels[key], format(...args));
      original[key].apply(target, args);
    };
  }
  return () => Object.assign(target, original);
}
