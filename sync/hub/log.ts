/**
 * The hub's structured log: one JSON object per line on stderr (or `text` for a terminal), with
 * `time`, `level` and `event`, then the event's fields (procedure, status, duration_ms, user,
 * address, ...).
 *
 * Secrets never reach it: callers pass no tokens, passwords, headers or message values, and as a
 * second line of defence any field whose name says it could hold one is dropped here.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface HubLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export interface LogOptions {
  format?: LogFormat;
  /** The least severe level written ('info' shows every request; 'error' by default). */
  level?: LogLevel;
  /** Where lines go; stderr (console.error) by default. */
  write?: (line: string) => void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];
export const LOG_FORMATS: LogFormat[] = ['json', 'text'];

/** Field names that could carry a secret or a user's data. */
const FORBIDDEN = /token|password|secret|authori[sz]ation|cookie|^value$|^values$|^messages$|^input$|^body$/i;

export function createLogger(options: LogOptions = {}): HubLogger {
  const minimum = RANK[options.level ?? 'error'];
  const format = options.format ?? 'json';
  const write = options.write ?? ((line: string) => console.error(line));
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < minimum) return;
      const record: Record<string, unknown> = { time: new Date().toISOString(), level, event };
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined || FORBIDDEN.test(name) || name in record) continue;
        record[name] = value;
      }
      if (format === 'json') return write(JSON.stringify(record));
      const { time, level: shown, event: name, ...rest } = record;
      write(`${String(time)} ${String(shown).toUpperCase().padEnd(5)} ${String(name)}${Object.entries(rest).map(([k, v]) => ` ${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`).join('')}`);
    },
  };
}

/** The message of an error, for the log (no stack for expected failures). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
