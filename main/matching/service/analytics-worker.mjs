// Worker thread entry for the graph analytics (suggestions). The graph modules are TypeScript, so
// the worker registers tsx first (the main thread may have been started without it, e.g. by
// bin/turash.mjs). The Electron bundle builds analytics-worker-main.ts on its own, without tsx.
import { register } from 'tsx/esm/api';

register();
await import('./analytics-worker-main.ts');
