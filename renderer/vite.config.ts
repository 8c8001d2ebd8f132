/**
 * Vite build of the renderer: renderer/ -> out/renderer/, served by the browser host and loaded by
 * the Electron shell. Relative asset URLs (base './') so the same build works from any origin or
 * custom protocol. Vite 8 transforms TSX itself (automatic JSX runtime); no plugin is needed.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The whole app runs offline from the local host: one chunk for maplibre is expected and fine.
    chunkSizeWarningLimit: 2500,
    // Keep every asset a file (no data: or inline blobs) so the strict CSP applies uniformly.
    assetsInlineLimit: 0,
    sourcemap: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Query marks its modules "use client" (a React Server Components hint; meaningless here).
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: { strictPort: false },
});
