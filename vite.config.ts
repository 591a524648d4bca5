import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The renderer: renderer/index.html -> dist/renderer. One build serves the desktop app
 * (file:// or app://), web mode (`fp4lab serve`) and the static demo, so asset URLs are
 * relative (base './'). JSX uses React's automatic runtime through Vite's own transform (Oxc),
 * so no React plugin is needed. plotly.js is its own chunk, loaded when the first plot mounts.
 */
const root = fileURLToPath(new URL('./renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // plotly.js-dist-min is 4.8 MB minified by itself; it is split out and loaded lazily.
    chunkSizeWarningLimit: 5000,
    sourcemap: false,
  },
  server: { port: 5173, strictPort: false },
});
