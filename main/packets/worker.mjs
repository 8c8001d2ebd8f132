// Worker thread entry for packet rendering in development and the command line: the renderer is
// TypeScript, so register tsx first (the main thread may run without it, e.g. bin/turash.mjs).
// The Electron bundle builds worker-main.ts to out/app/packet-worker.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
