/**
 * Line-oriented serial meters (heat meters with a text output, Arduino-based loggers, scales): one
 * reading per line, in one of three configurable shapes:
 *
 *   kv     "T1=65.2 T2=41.0 flow=3.25"   key=value pairs separated by spaces, commas or semicolons
 *                                         (key:value works too); every numeric value is a point
 *   csv    "65.2,41.0,3.25"               values in columns named by `columns` (separator `,` by default)
 *   regex  a pattern with named groups,   e.g. "^T=(?<supply>[-\d.]+)C R=(?<return>[-\d.]+)C$":
 *          each numeric group is a point named after the group
 *
 * A line that does not match is counted as a protocol error and skipped (noise on the line, a
 * banner at power-up); it never becomes a sample.
 */
export type LineFormat = { format: 'kv' } | { format: 'csv'; columns: string[]; separator?: string } | { format: 'regex'; pattern: string };

export interface LineValue {
  key: string;
  value: number;
}

export class LineParseError extends Error {
  constructor(
    readonly line: string,
    message: string,
  ) {
    super(`line "${line.length > 60 ? `${line.slice(0, 60)}...` : line}": ${message}`);
    this.name = 'LineParseError';
  }
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Compiles a line format once; the returned function parses one line (without its newline). */
export function lineParser(format: LineFormat = { format: 'kv' }): (line: string) => LineValue[] {
  switch (format.format) {
    case 'kv':
      return (line) => {
        const out: LineValue[] = [];
        for (const part of line.split(/[\s,;]+/)) {
          if (!part) continue;
          const m = /^([A-Za-z_][\w.-]*)[=:]([^=:]+)$/.exec(part);
          if (m && NUMBER.test(m[2]!)) out.push({ key: m[1]!, value: Number(m[2]) });
        }
        if (out.length === 0) throw new LineParseError(line, 'no key=value pair with a number');
        return out;
      };
    case 'csv': {
      if (format.columns.length === 0) throw new Error('line parser: csv needs at least one column name');
      const sep = format.separator ?? ',';
      return (line) => {
        const cells = line.split(sep).map((c) => c.trim());
        if (cells.length !== format.columns.length) throw new LineParseError(line, `${cells.length} column(s), expected ${format.columns.length} (${format.columns.join(sep)})`);
        return format.columns.flatMap((key, i) => (key && NUMBER.test(cells[i]!) ? [{ key, value: Number(cells[i]) }] : []));
      };
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(format.pattern);
      } catch (e) {
        throw new Error(`line parser: pattern "${format.pattern}" is not a valid regular expression: ${(e as Error).message}`);
      }
      if (!/\(\?<[A-Za-z_]\w*>/.test(format.pattern)) throw new Error(`line parser: pattern "${format.pattern}" has no named group (?<name>...) to take values from`);
      return (line) => {
        const m = re.exec(line);
        if (!m?.groups) throw new LineParseError(line, 'does not match the pattern');
        const out = Object.entries(m.groups).flatMap(([key, v]) => (v !== undefined && NUMBER.test(v.trim()) ? [{ key, value: Number(v.trim()) }] : []));
        if (out.length === 0) throw new LineParseError(line, 'matched, but no named group holds a number');
        return out;
      };
    }
  }
}
