import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** Gateway (Fastify + Socket.IO) that `vite dev` / `vite preview` proxy to. */
const gateway = process.env.LECTERN_GATEWAY_URL ?? 'http://127.0.0.1:8080';

const proxy = {
  '/socket.io': { target: gateway, ws: true, changeOrigin: true },
  '/v1': { target: gateway, changeOrigin: true },
  '/health': { target: gateway, changeOrigin: true },
};

/**
 * Lectern web app: a static SPA (SvelteKit 3 takes its configuration here, in the `sveltekit()`
 * plugin; there is no svelte.config.js). `npm run build -w web` writes `web/build/`, which the
 * gateway serves on the same origin as Socket.IO (`/socket.io`) and the HTTP API (`/v1`).
 * Every page is client-rendered (`ssr = false` in src/routes/+layout.ts); unknown paths fall back
 * to `index.html`, so the server must answer any non-file GET outside /v1, /socket.io and /health
 * with `build/index.html`.
 */
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', precompress: false, strict: true }),
    }),
  ],
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
});
