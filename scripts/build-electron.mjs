#!/usr/bin/env node
/**
 * Bundles the Electron side with esbuild:
 *   main/app/main.ts   -> out/app/main.js        ESM, platform node (package.json "main")
 *   preload/preload.ts -> out/preload/preload.cjs CommonJS: a sandboxed preload is a classic script
 *
 * Native and dynamically loaded packages stay external and ship in node_modules (electron-builder
 * packs the production dependencies; asarUnpack keeps the native ones on disk). A createRequire
 * banner gives bundled CommonJS code a real `require` for node built-ins and externals.
 *
 *   node scripts/build-electron.mjs [--production]   (--production: minified, no source maps)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Left out of the main bundle: Electron itself, native modules (.node bindings found at run time)
 * and packages that require() files by computed paths. They are resolved from node_modules.
 */
export const MAIN_EXTERNALS = [
  'electron',
  'sqlite3',
  'serialport',
  '@serialport/*',
  'node-opcua',
  'node-opcua-*',
  'modbus-serial',
  'bufferutil',
  'utf-8-validate',
  'electron-updater',
  'fsevents',
  // pdfkit reads its font metrics (data/*.afm) from its own folder at run time.
  'pdfkit',
  // HiGHS (the plan's solver) loads highs.wasm from beside its own module.
  'highs',
];

const ESM_REQUIRE_BANNER = [
  "import { createRequire as __turashCreateRequire } from 'node:module';",
  'const require = __turashCreateRequire(import.meta.url);',
].join('\n');

/**
 * `import { app } from 'electron'` is compiled to a property read of require('electron') (through
 * the banner's require), not to an ESM named import: a bundled dependency that names renderer-only
 * exports (trpc-electron/main imports contextBridge and ipcRenderer beside ipcMain) would otherwise
 * fail to link in the main process, where 'electron' has no such export.
 */
const electronViaRequire = {
  name: 'electron-via-require',
  setup(b) {
    b.onResolve({ filter: /^electron$/ }, (args) =>
      args.namespace === 'electron-shim' ? { path: 'electron', external: true } : { path: 'electron', namespace: 'electron-shim' },
    );
    b.onLoad({ filter: /.*/, namespace: 'electron-shim' }, () => ({ contents: "module.exports = require('electron');", loader: 'js' }));
  },
};

/**
 * Files the sources read with `new URL('./file', import.meta.url)` (main/interchange/demo.ts reads
 * demo-portfolio.json that way, main/data/profiles.ts the binary hotmaps/load-profiles.bin) would be
 * looked for next to the bundle: copy each such file, byte for byte, to <outDir>/assets/ and point
 * the URL there. Directories (main/paths.ts RENDERER_DIR) are left alone: main.ts passes explicit
 * paths for those. Every bundle of out/app uses it, the workers too (they may load the same data).
 */
export function importMetaUrlAssets(root, outDir) {
  const pattern = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'import-meta-url-assets',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const contents = source.replace(pattern, (match, quote, target) => {
          const file = resolve(dirname(args.path), target);
          if (target.endsWith('/') || !existsSync(file) || !statSync(file).isFile()) return match;
          const name = `${createHash('sha256').update(relative(root, file).split('\\').join('/')).digest('hex').slice(0, 8)}-${basename(file)}`;
          mkdirSync(join(outDir, 'assets'), { recursive: true });
          copyFileSync(file, join(outDir, 'assets', name));
          return `new URL(${quote}./assets/${name}${quote}, import.meta.url)`;
        });
        return { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** What a sandboxed preload may require (Electron's sandbox polyfill); we allow only electron. */
const PRELOAD_ALLOWED_REQUIRES = new Set(['electron']);

function preloadRequires(code) {
  return [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

/**
 * Builds both bundles. Returns the output paths. Throws (with esbuild's messages) on failure.
 * @param {{ root?: string, outDir?: string, production?: boolean, quiet?: boolean }} [options]
 *   outDir: where app/ and preload/ go (default <root>/out; tests build elsewhere inside the project
 *   so that node_modules still resolves from the bundle).
 */
export async function buildElectron({ root = ROOT, outDir = join(root, 'out'), production = false, quiet = false } = {}) {
  const outApp = join(outDir, 'app');
  const outPreload = join(outDir, 'preload');
  rmSync(outApp, { recursive: true, force: true });
  rmSync(outPreload, { recursive: true, force: true });
  mkdirSync(outApp, { recursive: true });
  mkdirSync(outPreload, { recursive: true });

  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    sourcemap: production ? false : 'linked',
    minify: production,
    keepNames: true,
    legalComments: 'linked',
    logLevel: quiet ? 'error' : 'warning',
    metafile: true,
  };

  const main = await build({
    ...common,
    entryPoints: [join(root, 'main', 'app', 'main.ts')],
    outfile: join(outApp, 'main.js'),
    format: 'esm',
    // Electron 45 runs a newer Node; node20 is the floor every supported runtime meets.
    target: ['node20'],
    external: MAIN_EXTERNALS,
    // Prefer a package's ES module build where it has one (jsonc-parser's "main" is a UMD build whose
    // require('./impl/...') calls esbuild cannot follow).
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    plugins: [electronViaRequire, importMetaUrlAssets(root, outApp)],
    // JSON imports (main/version.ts reads package.json) are inlined by esbuild.
    loader: { '.json': 'json' },
  });

  // Worker threads, each its own ESM file beside main.js. In the bundle they are plain JS, so they
  // do not need the tsx loader their .mjs entries register in development; main.ts passes each
  // one's URL to openCore.
  const buildWorker = (entry, outfile) =>
    build({
      ...common,
      entryPoints: [join(root, ...entry)],
      outfile: join(outApp, outfile),
      format: 'esm',
      target: ['node20'],
      external: MAIN_EXTERNALS,
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      plugins: [importMetaUrlAssets(root, outApp)],
      loader: { '.json': 'json' },
    });
  // the matching engine (main/matching/service/match-worker-main.ts): matchWorkerUrl
  await buildWorker(['main', 'matching', 'service', 'match-worker-main.ts'], 'match-worker.mjs');
  // the graph analytics of analytics.suggestions (analytics-worker-main.ts): analyticsWorkerUrl
  await buildWorker(['main', 'matching', 'service', 'analytics-worker-main.ts'], 'analytics-worker.mjs');
  // partner packet PDFs (main/packets/renderer.ts): packetWorkerUrl
  await buildWorker(['main', 'packets', 'worker-main.ts'], 'packet-worker.mjs');

  const preload = await build({
    ...common,
    entryPoints: [join(root, 'preload', 'preload.ts')],
    outfile: join(outPreload, 'preload.cjs'),
    format: 'cjs',
    target: ['chrome130'],
    external: ['electron'],
    // The preload runs in the renderer's sandbox: no Node, no source maps to a file system path.
    sourcemap: false,
  });

  const preloadCode = readFileSync(join(outPreload, 'preload.cjs'), 'utf8');
  const forbidden = preloadRequires(preloadCode).filter((name) => !PRELOAD_ALLOWED_REQUIRES.has(name));
  if (forbidden.length) {
    throw new Error(`the preload bundle requires ${forbidden.join(', ')}: a sandboxed preload can only require electron`);
  }

  const outputs = { main: join(outApp, 'main.js'), preload: join(outPreload, 'preload.cjs'), matchWorker: join(outApp, 'match-worker.mjs'), analyticsWorker: join(outApp, 'analytics-worker.mjs'), packetWorker: join(outApp, 'packet-worker.mjs') };
  if (!quiet) {
    const size = (meta) => Object.values(meta.outputs).reduce((n, o) => n + o.bytes, 0);
    console.log(`built ${relative(root, outputs.main)} (${Math.round(size(main.metafile) / 1024)} KiB) and ${relative(root, outputs.preload)} (${Math.round(size(preload.metafile) / 1024)} KiB)`);
  }
  return outputs;
}

/** True when every bundle exists (start.mjs rebuilds anyway: esbuild takes well under a second). */
export function electronBundlesExist(root = ROOT) {
  return existsSync(join(root, 'out', 'app', 'main.js')) && existsSync(join(root, 'out', 'preload', 'preload.cjs'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildElectron({ production: process.argv.includes('--production') }).catch((error) => {
    console.error(`build-electron: ${error.message}`);
    process.exit(1);
  });
}
