import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is served by Tessera at /console (src/modules/console): its files land in dist/,
 * every script and stylesheet under assets/ with a content hash in its name, none inline (the
 * page's CSP allows scripts and styles from Tessera's origin only). The SDK is compiled from its
 * sources (no build order between the workspaces).
 */
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: {
      '@tessera/sdk/browser': fileURLToPath(
        new URL('../packages/sdk/src/browser.ts', import.meta.url),
      ),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything in files: a data: URL icon would need img-src data: for nothing.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
});
