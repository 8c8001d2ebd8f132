/** Number formats of the command line's human output (en-GB, like the UI). */
const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export const eur = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${integer.format(value)} EUR`);
export const pct = (fraction: number | null | undefined) => (fraction === null || fraction === undefined ? 'none' : `${oneDecimal.format(fraction * 100)} %`);
export const num = (value: number, digits = 2) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits }).format(value);
export const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/**
 * Where a command's output goes, one piece at a time. `write` resolves once the piece may be
 * followed by the next: on a stream, when stdout has room again (backpressure), so a large result
 * is never held as one string in memory.
 */
export interface OutputSink {
  write(text: string): Promise<void>;
}

/** A sink on a writable stream (process.stdout): waits for 'drain' when the pipe is full. */
export function streamSink(stream: NodeJS.WritableStream): OutputSink {
  return {
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stream.write(text)) return resolve();
        const done = (error?: Error) => {
          stream.off('drain', onDrain);
          stream.off('error', onError);
          stream.off('close', onClose);
          if (error) reject(error);
          else resolve();
        };
        const onDrain = () => done();
        const onError = (error: Error) => done(error);
        const onClose = () => done(new Error('the output closed before everything was written'));
        stream.once('drain', onDrain);
        stream.once('error', onError);
        stream.once('close', onClose);
      }),
  };
}

/** A sink on a line printer (a test's `io.out`): each piece is one call, ending on a line break. */
export function lineSink(out: (text: string) => void): OutputSink {
  return { write: async (text) => out(text.endsWith('\n') ? text.slice(0, -1) : text) };
}

/** Pieces of about this many characters are handed to the sink (few writes, bounded memory). */
const CHUNK = 64 * 1024;

/** Collects small pieces into chunks of ~64 KB before handing them to the sink. */
export class ChunkedWriter {
  readonly #sink: OutputSink;
  #buffer: string[] = [];
  #length = 0;

  constructor(sink: OutputSink) {
    this.#sink = sink;
  }

  async write(text: string): Promise<void> {
    this.#buffer.push(text);
    this.#length += text.length;
    if (this.#length >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const text = this.#buffer.join('');
    this.#buffer = [];
    this.#length = 0;
    await this.#sink.write(text);
  }
}

/**
 * One JSON object written as it goes: `head` (a plain object, small) first, then each array of
 * `arrays` element by element, then `tail`; keys keep this order. The document equals
 * JSON.stringify of the same object, with a line break after each array element (whitespace, so a
 * line-printing sink may end its pieces there). Resolves when the sink took the last piece.
 */
export async function writeJsonObject(
  sink: OutputSink,
  parts: { key: string; value?: unknown; items?: Iterable<unknown> }[],
): Promise<void> {
  const w = new ChunkedWriter(sink);
  await w.write('{');
  let firstKey = true;
  for (const part of parts) {
    if (part.items === undefined && part.value === undefined) continue; // JSON.stringify leaves undefined out
    await w.write(`${firstKey ? '' : ','}${JSON.stringify(part.key)}:`);
    firstKey = false;
    if (part.items === undefined) {
      await w.write(JSON.stringify(part.value));
      continue;
    }
    await w.write('[');
    let first = true;
    for (const item of part.items) {
      await w.write(`${first ? '' : ','}${JSON.stringify(item) ?? 'null'}\n`);
      first = false;
    }
    await w.write(']');
  }
  await w.write('}\n');
  await w.flush();
}

/**
 * The `limit` best of `items` by `key` (descending; ties keep their order), without sorting them
 * all; `limit` 0 or beyond the count: every item, sorted.
 */
export function topBy<T>(items: readonly T[], key: (item: T) => number, limit: number): T[] {
  if (limit <= 0 || limit >= items.length) return [...items].sort((a, b) => key(b) - key(a));
  // a small sorted window: each item is compared with the window's worst first
  const top: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (top.length === limit && k <= key(top[top.length - 1]!)) continue;
    let i = top.length;
    while (i > 0 && key(top[i - 1]!) < k) i--;
    top.splice(i, 0, item);
    if (top.length > limit) top.pop();
  }
  return top;
}
