/**
 * DSMR P1 telegrams (Dutch/Belgian smart meters, DSMR 4/5, e-MUCS): the meter pushes a telegram
 * every 1-10 s on its P1 port (115200 8N1 on DSMR 5):
 *
 *   /ISK5\2M550T-1012            header: '/', 3-letter manufacturer, baud digit, identification
 *                                (blank line)
 *   1-3:0.2.8(50)                version
 *   0-0:1.0.0(241125013000W)     telegram time: YYMMDDhhmmss + W (winter, UTC+1) / S (summer, UTC+2)
 *   0-0:96.1.1(4530303434...)    equipment id (text: not a sample)
 *   1-0:1.8.1(001234.567*kWh)    OBIS code (value*unit)
 *   0-1:24.2.1(241125013000W)(01234.567*m3)   gas: its own capture time, then the value
 *   !A1B2                        '!' and CRC-16/ARC (hex) over everything from '/' to '!' inclusive
 *
 * A telegram with a bad or missing CRC, or cut off (a new '/' before its '!', or longer than any
 * real telegram), is rejected whole with a DsmrError: a reading from a corrupted telegram could be
 * off by an order of magnitude and nobody would notice.
 */
import { crc16Arc } from './crc16.ts';

export interface DsmrValue {
  obis: string;
  value: number;
  unit: string;
  /** The value's own capture time (gas, water, thermal meters on the M-Bus), ms since the epoch. */
  timestampMs?: number;
}

export interface DsmrTelegram {
  header: string;
  /** The telegram's own time (0-0:1.0.0), ms since the epoch; null when the meter sends none. */
  timestampMs: number | null;
  values: DsmrValue[];
  /** Text objects (equipment ids, messages), hex-decoded when they are hex. */
  texts: Record<string, string>;
}

export class DsmrError extends Error {
  constructor(
    readonly kind: 'crc' | 'missing-crc' | 'truncated' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'DsmrError';
  }
}

/** The longest telegram accepted (real ones are 1-3 KB; with many M-Bus devices under 4 KB). */
export const MAX_TELEGRAM_BYTES = 16_384;

/** "241125013000W" -> ms since the epoch (W = CET = UTC+1, S = CEST = UTC+2). */
export function parseDsmrTime(text: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([SW])$/.exec(text);
  if (!m) return null;
  const [, yy, mo, dd, hh, mi, ss, dst] = m;
  return Date.UTC(2000 + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss)) - (dst === 'S' ? 2 : 1) * 3_600_000;
}

/** Parses one complete telegram (from '/' to the CRC line); throws DsmrError. */
export function parseTelegram(text: string, options: { requireCrc?: boolean } = {}): DsmrTelegram {
  const start = text.indexOf('/');
  const bang = text.indexOf('!', start);
  if (start === -1) throw new DsmrError('malformed', 'no telegram header (a line starting with "/")');
  if (bang === -1) throw new DsmrError('truncated', 'telegram ends before its "!" trailer');
  const body = text.slice(start, bang + 1);
  const crcText = text.slice(bang + 1).split(/\r?\n/)[0]!.trim();
  if (crcText === '') {
    if (options.requireCrc !== false) throw new DsmrError('missing-crc', 'telegram has no CRC after "!" (DSMR 4/5 meters always send one; DSMR 2/3 need requireCrc: false)');
  } else {
    if (!/^[0-9A-Fa-f]{4}$/.test(crcText)) throw new DsmrError('crc', `CRC "${crcText}" is not 4 hex digits`);
    const computed = crc16Arc(Buffer.from(body, 'latin1'));
    if (computed !== parseInt(crcText, 16)) {
      throw new DsmrError('crc', `CRC mismatch: telegram says ${crcText.toUpperCase()}, content gives ${computed.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  const lines = body.slice(0, -1).split(/\r?\n/);
  const header = lines[0]!.slice(1).trim();
  if (!/^[A-Za-z]{3}\d/.test(header)) throw new DsmrError('malformed', `header "/${header}" is not "/XXXn..." (manufacturer and baud digit)`);
  const values: DsmrValue[] = [];
  const texts: Record<string, string> = {};
  let timestampMs: number | null = null;
  // Objects may continue on the next line (long messages): join lines that start with '('.
  const objects: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    if (line.startsWith('(') && objects.length > 0) objects[objects.length - 1] += line;
    else objects.push(line.trim());
  }
  for (const obj of objects) {
    const m = /^(\d+-\d+:\d+\.\d+\.\d+)((?:\([^)]*\))+)$/.exec(obj);
    if (!m) throw new DsmrError('malformed', `line "${obj.slice(0, 60)}" is not an OBIS object "a-b:c.d.e(value)"`);
    const obis = m[1]!;
    const groups = [...m[2]!.matchAll(/\(([^)]*)\)/g)].map((g) => g[1]!);
    if (obis === '0-0:1.0.0') {
      timestampMs = parseDsmrTime(groups[0] ?? '');
      continue;
    }
    if (obis === '1-0:99.97.0') continue; // power-failure event log: events, not measurements
    const last = groups[groups.length - 1]!;
    const vm = /^([-+]?\d+(?:\.\d+)?)(?:\*(.+))?$/.exec(last);
    // Equipment ids (x.96.1.n) and messages (x.96.13.n) are text even when all digits.
    const isText = /:96\.(1|13)\.\d+$/.test(obis);
    if (vm && !isText) {
      const v: DsmrValue = { obis, value: Number(vm[1]), unit: vm[2] ?? '' };
      // M-Bus values (gas, water, heat): (capture time)(value*unit).
      if (groups.length >= 2) {
        const t = parseDsmrTime(groups[groups.length - 2]!);
        if (t !== null) v.timestampMs = t;
      }
      values.push(v);
    } else {
      texts[obis] = /^(?:[0-9A-Fa-f]{2})+$/.test(last) && last.length >= 8 ? Buffer.from(last, 'hex').toString('latin1') : last;
    }
  }
  return { header, timestampMs, values, texts };
}

/**
 * Cuts a byte stream into telegrams. Feed it chunks; it calls `onTelegram` for each complete and
 * valid one and `onError` for each rejected one, and never throws.
 */
export class DsmrFramer {
  private buffer = '';
  constructor(
    private readonly onTelegram: (t: DsmrTelegram, raw: string) => void,
    private readonly onError: (e: DsmrError) => void,
    private readonly options: { requireCrc?: boolean } = {},
  ) {}

  push(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    for (;;) {
      const start = this.buffer.indexOf('/');
      if (start === -1) {
        this.buffer = '';
        return;
      }
      if (start > 0) this.buffer = this.buffer.slice(start);
      const bang = this.buffer.indexOf('!');
      const nextStart = this.buffer.indexOf('/', 1);
      if (nextStart !== -1 && (bang === -1 || nextStart < bang)) {
        // A new header before this telegram's end: the meter (or the cable) cut it off.
        this.onError(new DsmrError('truncated', `telegram cut off after ${nextStart} bytes (a new "/" header came before its "!" trailer)`));
        this.buffer = this.buffer.slice(nextStart);
        continue;
      }
      if (bang === -1) {
        if (this.buffer.length > MAX_TELEGRAM_BYTES) {
          this.onError(new DsmrError('truncated', `no "!" trailer within ${MAX_TELEGRAM_BYTES} bytes`));
          this.buffer = '';
        }
        return;
      }
      const eol = this.buffer.indexOf('\n', bang);
      if (eol === -1) {
        // Wait for the CRC line's end, unless what follows '!' is already more than a CRC line.
        if (this.buffer.length - bang > 8) {
          this.emit(this.buffer.slice(0, bang + 7));
          this.buffer = this.buffer.slice(bang + 7);
          continue;
        }
        return;
      }
      const raw = this.buffer.slice(0, eol + 1);
      this.buffer = this.buffer.slice(eol + 1);
      this.emit(raw);
    }
  }

  private emit(raw: string): void {
    try {
      this.onTelegram(parseTelegram(raw, this.options), raw);
    } catch (e) {
      this.onError(e instanceof DsmrError ? e : new DsmrError('malformed', (e as Error).message));
    }
  }
}

/** Builds a telegram with its CRC (the tests and the simulator write these). */
export function buildTelegram(header: string, lines: string[], options: { crc?: 'good' | 'bad' | 'none' } = {}): string {
  const body = `/${header}\r\n\r\n${lines.map((l) => `${l}\r\n`).join('')}!`;
  const crc = crc16Arc(Buffer.from(body, 'latin1'));
  const crcText = options.crc === 'none' ? '' : ((options.crc === 'bad' ? crc ^ 0x0101 : crc).toString(16).toUpperCase().padStart(4, '0'));
  return `${body}${crcText}\r\n`;
}
