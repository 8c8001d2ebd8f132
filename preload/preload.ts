/**
 * The preload of the sandboxed renderer: exposes trpc-electron's IPC transport
 * (`window.electronTRPC`, used by ipcLink() in renderer/src/api.ts) and nothing else.
 *
 * trpc-electron 0.1.2 has no "trpc-electron/preload" entry: exposeElectronTRPC lives in
 * "trpc-electron/main". scripts/build-electron.mjs bundles this file to a CommonJS script
 * (out/preload/preload.cjs) and checks that the bundle requires nothing but 'electron', which is
 * all a sandboxed preload can require.
 */
import { exposeElectronTRPC } from 'trpc-electron/main';

exposeElectronTRPC();
