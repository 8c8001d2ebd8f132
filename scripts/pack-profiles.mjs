#!/usr/bin/env node
/**
 * Packs the Hotmaps hourly load profiles (a CSV: `hour`, then one column per profile, one row per
 * hour, values with at most 4 decimals) into the compact, lossless binary that main/data/profiles.ts
 * reads:
 *
 *   node scripts/pack-profiles.mjs <hotmaps-load-profiles.csv.gz | .csv> [out]
 *        (out: main/data/hotmaps/load-profiles.bin by default)
 *
 * Each value v is stored as the integer round(v * 10000) (so it must lie in 0..6.5535). Per column,
 * the integers are delta-encoded hour to hour (the first against 0, modulo 2^16), zigzagged into an
 * unsigned 16-bit number, and split into two byte planes (all low bytes, then all high bytes; the
 * high bytes are nearly all zero and compress to almost nothing). The whole payload is compressed
 * with Node's brotli (quality 11) or gzip (level 9), whichever is smaller.
 *
 * File layout (little-endian):
 *   0  4 bytes  "TLPF"
 *   4  u8       format version (1)
 *   5  u8       codec of what follows: 1 brotli, 2 gzip
 *   6  2 bytes  0 (reserved)
 *   8  ...      the compressed payload:
 *        u32 rows, u32 columns, u32 scale (10000), u32 byte length of the names,
 *        the column names in UTF-8 joined by "\n" (as in the CSV header, e.g. residential:DEA1),
 *        one u32 per column: the sum of its integers modulo 2^32 (checked when a column is decoded),
 *        the low-byte plane (columns x rows bytes, column after column),
 *        the high-byte plane (the same).
 *
 * The decoder is main/data/profiles.ts (decodeProfileLibrary); keep the two in step (its tests
 * round-trip this packer).
 */
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';

export const MAGIC = 'TLPF';
export const FORMAT_VERSION = 1;
export const CODECS = { brotli: 1, gzip: 2 };
export const SCALE = 10000;
export const DEFAULT_OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'main', 'data', 'hotmaps', 'load-profiles.bin');

const VALUE = /^(\d+)(?:\.(\d{1,4}))?$/;

/**
 * Reads the profiles CSV strictly: header `hour,<name>,...` (unique, non-empty names), then one row
 * per hour numbered 1, 2, 3, ... with exactly one value per column. Throws naming the line and
 * column of the first problem.
 * @param {string} text
 * @returns {{ names: string[], rows: number, columns: Uint16Array[] }}
 */
export function parseProfilesCsv(text) {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) throw new Error('the profiles CSV has no data rows');
  const header = lines[0].replace(/^\uFEFF/, '').split(',');
  if (header[0] !== 'hour') throw new Error(`line 1: the first column must be "hour", not "${header[0]}"`);
  const names = header.slice(1);
  if (names.length === 0) throw new Error('line 1: no profile columns');
  const seen = new Set();
  for (const name of names) {
    if (name === '') throw new Error('line 1: an empty column name');
    if (seen.has(name)) throw new Error(`line 1: the column ${name} appears twice`);
    seen.add(name);
  }
  const rows = lines.length - 1;
  const columns = names.map(() => new Uint16Array(rows));
  for (let r = 0; r < rows; r++) {
    const line = r + 2;
    const fields = lines[r + 1].split(',');
    if (fields.length !== header.length) throw new Error(`line ${line}: ${fields.length} fields, expected ${header.length}`);
    if (fields[0] !== String(r + 1)) throw new Error(`line ${line}: hour "${fields[0]}", expected ${r + 1}`);
    for (let c = 0; c < names.length; c++) {
      const text = fields[c + 1];
      const m = VALUE.exec(text);
      if (!m) throw new Error(`line ${line}, column ${names[c]}: "${text}" is not a non-negative number with at most 4 decimals`);
      const int = Number(m[1]) * SCALE + Number((m[2] ?? '').padEnd(4, '0'));
      if (int > 0xffff) throw new Error(`line ${line}, column ${names[c]}: ${text} is above ${0xffff / SCALE}, the largest value the format holds`);
      columns[c][r] = int;
    }
  }
  return { names, rows, columns };
}

/**
 * The uncompressed payload of the format (see the top of this file).
 * @param {{ names: string[], rows: number, columns: Uint16Array[] }} table
 * @returns {Buffer}
 */
export function encodePayload({ names, rows, columns }) {
  const nameBytes = Buffer.from(names.join('\n'), 'utf8');
  const count = names.length;
  const head = 16 + nameBytes.length + 4 * count;
  const out = Buffer.alloc(head + 2 * count * rows);
  out.writeUInt32LE(rows, 0);
  out.writeUInt32LE(count, 4);
  out.writeUInt32LE(SCALE, 8);
  out.writeUInt32LE(nameBytes.length, 12);
  nameBytes.copy(out, 16);
  const high = head + count * rows;
  for (let c = 0; c < count; c++) {
    const column = columns[c];
    let previous = 0;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const value = column[i];
      sum += value;
      const delta = ((value - previous) << 16) >> 16; // modulo 2^16, as a signed 16-bit number
      const zigzag = ((delta << 1) ^ (delta >> 15)) & 0xffff;
      out[head + c * rows + i] = zigzag & 0xff;
      out[high + c * rows + i] = zigzag >>> 8;
      previous = value;
    }
    out.writeUInt32LE(sum % 0x100000000, 16 + nameBytes.length + 4 * c);
  }
  return out;
}

/**
 * The packed file for a profiles CSV.
 * @param {string} text the CSV
 * @param {{ codec?: 'auto' | 'brotli' | 'gzip' }} [options] auto (default): the smaller of the two
 * @returns {{ bytes: Buffer, codec: 'brotli' | 'gzip', names: string[], rows: number, payloadBytes: number }}
 */
export function packProfilesCsv(text, { codec = 'auto' } = {}) {
  const table = parseProfilesCsv(text);
  const payload = encodePayload(table);
  const candidates = [];
  if (codec === 'auto' || codec === 'brotli') {
    const bytes = brotliCompressSync(payload, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: payload.length,
      },
    });
    candidates.push({ codec: 'brotli', bytes });
  }
  if (codec === 'auto' || codec === 'gzip') candidates.push({ codec: 'gzip', bytes: gzipSync(payload, { level: 9 }) });
  if (candidates.length === 0) throw new Error(`unknown codec ${codec}`);
  const best = candidates.reduce((a, b) => (b.bytes.length < a.bytes.length ? b : a));
  const header = Buffer.alloc(8);
  header.write(MAGIC, 0, 'latin1');
  header[4] = FORMAT_VERSION;
  header[5] = CODECS[best.codec];
  return { bytes: Buffer.concat([header, best.bytes]), codec: best.codec, names: table.names, rows: table.rows, payloadBytes: payload.length };
}

/**
 * Reads a profiles CSV (gzipped or not) and writes the packed file.
 * @param {string} input
 * @param {string} [output]
 * @param {{ codec?: 'auto' | 'brotli' | 'gzip' }} [options]
 */
export function packProfilesFile(input, output = DEFAULT_OUT, options = {}) {
  const raw = readFileSync(input);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  const packed = packProfilesCsv(text, options);
  writeFileSync(output, packed.bytes);
  return { ...packed, output };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output] = process.argv.slice(2);
  if (!input) {
    console.error('usage: node scripts/pack-profiles.mjs <hotmaps-load-profiles.csv.gz | .csv> [out]');
    process.exit(2);
  }
  try {
    const started = Date.now();
    const packed = packProfilesFile(input, output);
    console.log(
      `${packed.output}: ${packed.names.length} profiles x ${packed.rows} hours, ${packed.bytes.length} bytes (${packed.codec}; payload ${packed.payloadBytes} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`pack-profiles: ${error.message}`);
    process.exit(1);
  }
}
