// Builds the admin UI into dist/apps/admin-ui, which the controller serves on CONTROLLER_HTTP_PORT.
// `npx vite --config apps/admin-ui/vite.config.mts` serves it with hot reload, proxying the API
// to a controller on :8080.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/admin-ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080' },
  },
});
