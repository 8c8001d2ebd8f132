/** Types of scripts/build-electron.mjs, for the TypeScript callers (main/app/shell-bundle.test.ts, main/data/profiles.test.ts). */
import type { Plugin } from 'esbuild';
export declare const ROOT: string;
export declare const MAIN_EXTERNALS: string[];
export interface BuildElectronOptions {
  /** The project (entry points are main/app/main.ts and preload/preload.ts under it). */
  root?: string;
  /** Where app/ and preload/ are written; default <root>/out. */
  outDir?: string;
  /** Minified, without source maps. */
  production?: boolean;
  quiet?: boolean;
}
export declare function buildElectron(options?: BuildElectronOptions): Promise<{ main: string; preload: string; matchWorker: string; analyticsWorker: string; packetWorker: string }>;
export declare function electronBundlesExist(root?: string): boolean;
/** The esbuild plugin that copies files read with `new URL('./file', import.meta.url)` to <outDir>/assets/ and points the URL there. */
export declare function importMetaUrlAssets(root: string, outDir: string): Plugin;
