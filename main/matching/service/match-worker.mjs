// Worker thread entry for a full re-match. The engine is TypeScript, so the worker registers tsx
// first (the main thread may have been started without it, e.g. by bin/turash.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./match-worker-main.ts');
