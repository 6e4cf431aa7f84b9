import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** Gateway (Fastify + Socket.IO) that `vite dev` / `vite preview` proxy to. */
const gateway = process.env.LECTERN_GATEWAY_URL ?? 'http://127.0.0.1:8080';

const proxy = {
  '/socket.io': { target: gateway, ws: true, changeOrigin: true },
  '/v1': { target: gateway, changeOrigin: true },
  '/health': { target: gateway, changeOrigin: true },
};

export default defineConfig({
  plugins: [sveltekit()],
  // Kit's server runtime (used at build time to prerender the SPA shells) needs cookie@0.6, but the
  // workspace hoists cookie@2 (from fastify) to the root node_modules. Bundle kit's own copy.
  ssr: { noExternal: ['cookie'] },
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
});
