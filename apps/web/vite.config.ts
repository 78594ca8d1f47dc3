// The SPA is served by the API (single-process mode) or nginx under a CSP of
// `script-src 'self'`, so the build must not put any script or style inline in index.html.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const API_ORIGIN = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names let the API cache /assets/* as immutable.
    assetsDir: 'assets',
    // The module-preload polyfill would be injected as an inline script; modern browsers don't need it.
    modulePreload: { polyfill: false },
    // Never turn small assets into data: URLs inside JS/CSS; every asset is a same-origin file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      // /api/ws is a WebSocket; the API checks its Origin against CORS_ORIGINS, so during
      // development run the API with CORS_ORIGINS including http://localhost:5173.
      '/api': { target: API_ORIGIN, ws: true },
      '/healthz': { target: API_ORIGIN },
    },
  },
  preview: { port: 4173, strictPort: true },
});
