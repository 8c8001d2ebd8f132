/** Types of scripts/pack-profiles.mjs, for the TypeScript callers (main/data/profiles.test.ts). */
export declare const MAGIC: string;
export declare const FORMAT_VERSION: number;
export declare const CODECS: { brotli: number; gzip: number };
export declare const SCALE: number;
export declare const DEFAULT_OUT: string;
export type Codec = 'brotli' | 'gzip';
export interface PackOptions {
  /** auto (default): the smaller of brotli (quality 11) and gzip (level 9). */
  codec?: 'auto' | Codec;
}
export interface ProfilesTable {
  names: string[];
  rows: number;
  columns: Uint16Array[];
}
export interface Packed {
  bytes: Buffer;
  codec: Codec;
  names: string[];
  rows: number;
  payloadBytes: number;
}
export declare function parseProfilesCsv(text: string): ProfilesTable;
export declare function encodePayload(table: ProfilesTable): Buffer;
export declare function packProfilesCsv(text: string, options?: PackOptions): Packed;
export declare function packProfilesFile(input: string, output?: string, options?: PackOptions): Packed & { output: string };
