/**
 * The Hotmaps hourly load profiles shipped with the app (main/data/hotmaps/load-profiles.bin, CC BY 4.0,
 * Hotmaps project, Horizon 2020 grant 723677; see main/data/hotmaps/NOTICE.md): 437 profiles of 8,760
 * hourly values each, every profile averaging 1.0. `residential:<NUTS2>` (space heating and hot water,
 * 2010) and `industry:<process>:<country>` (process heat, 2018), named as in the Hotmaps CSV; the
 * names a flow states are these prefixed with `hotmaps:` (main/domain/profile-names.ts).
 *
 * The file is written by scripts/pack-profiles.mjs, whose header describes the format: per column the
 * values x 10000 as 16-bit integers, delta-encoded hour to hour and zigzagged, in two byte planes, the
 * whole compressed with brotli or gzip. The file is decompressed once; a column is decoded the first
 * time it is asked for, checked against its stored sum, and kept.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export interface ProfileLibrary {
  /** The profile names in file order, as in the Hotmaps CSV header (`residential:DEA1`, `industry:paper:SE`). */
  readonly names: readonly string[];
  has(name: string): boolean;
  /**
   * The hourly values of a profile (one per hour of the year, 8,760 in the shipped file), or undefined
   * for an unknown name. Decoded on first use and cached: every call returns the same array, which the
   * caller must not modify.
   */
  values(name: string): Float64Array | undefined;
}

/** The shipped file. Keep this literal URL relative to import.meta.url: scripts/build-electron.mjs copies such files next to the bundle. */
export const PROFILE_LIBRARY_URL = new URL('./hotmaps/load-profiles.bin', import.meta.url);

const MAGIC = 'TLPF';
const FORMAT_VERSION = 1;
const CODEC_BROTLI = 1;
const CODEC_GZIP = 2;

/** Reads a file written by scripts/pack-profiles.mjs. Throws on anything but a well-formed file of format version 1. */
export function decodeProfileLibrary(file: Uint8Array): ProfileLibrary {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a load-profile file (no TLPF header)');
  if (bytes[4] !== FORMAT_VERSION) throw new Error(`load-profile file of format version ${bytes[4]}; this build reads version ${FORMAT_VERSION}`);
  const codec = bytes[5];
  const compressed = bytes.subarray(8);
  if (codec !== CODEC_BROTLI && codec !== CODEC_GZIP) throw new Error(`load-profile file with unknown codec ${codec}`);
  const payload = codec === CODEC_BROTLI ? brotliDecompressSync(compressed) : gunzipSync(compressed);
  if (payload.length < 16) throw new Error('load-profile file truncated');

  const rows = payload.readUInt32LE(0);
  const count = payload.readUInt32LE(4);
  const scale = payload.readUInt32LE(8);
  const nameLength = payload.readUInt32LE(12);
  const sumsAt = 16 + nameLength;
  const lowAt = sumsAt + 4 * count;
  const highAt = lowAt + count * rows;
  if (scale === 0 || payload.length !== highAt + count * rows) throw new Error('load-profile file truncated or malformed');
  const names: readonly string[] = Object.freeze(payload.toString('utf8', 16, sumsAt).split('\n'));
  if (names.length !== count) throw new Error(`load-profile file names ${names.length} columns, declares ${count}`);
  const index = new Map(names.map((name, i) => [name, i]));
  if (index.size !== count) throw new Error('load-profile file repeats a column name');

  const decoded = new Map<number, Float64Array>();
  function decode(column: number): Float64Array {
    const out = new Float64Array(rows);
    const low = lowAt + column * rows;
    const high = highAt + column * rows;
    let value = 0;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const zigzag = payload[low + i]! | (payload[high + i]! << 8);
      value = (value + ((zigzag >>> 1) ^ -(zigzag & 1))) & 0xffff;
      sum += value;
      out[i] = value / scale;
    }
    if (sum % 0x100000000 !== payload.readUInt32LE(sumsAt + 4 * column)) throw new Error(`load-profile file damaged: profile ${names[column]} does not add up`);
    return out;
  }

  return {
    names,
    has: (name) => index.has(name),
    values(name) {
      const column = index.get(name);
      if (column === undefined) return undefined;
      let values = decoded.get(column);
      if (!values) {
        values = decode(column);
        decoded.set(column, values);
      }
      return values;
    },
  };
}

let library: ProfileLibrary | undefined;

/** The shipped profiles, read and decompressed on the first call (a few tens of milliseconds), then cached. */
export function loadProfileLibrary(): ProfileLibrary {
  library ??= decodeProfileLibrary(readFileSync(fileURLToPath(PROFILE_LIBRARY_URL)));
  return library;
}
