import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * Lectern web app: a static SPA. `npm run build -w web` writes `web/build/`, which the gateway
 * serves on the same origin as Socket.IO (`/socket.io`) and the HTTP API (`/v1`).
 * Every page is client-rendered (`ssr = false` in src/routes/+layout.ts); unknown paths fall back
 * to `index.html`, so the server must answer any non-file GET outside /v1, /socket.io and /health
 * with `build/index.html`.
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({
      pages: 'build',
      assets: 'build',
      fallback: 'index.html',
      precompress: false,
      strict: true,
    }),
    typescript: {
      config(tsconfig) {
        // The contract package exports TypeScript source with `.ts` import specifiers.
        tsconfig.compilerOptions.allowImportingTsExtensions = true;
        return tsconfig;
      },
    },
  },
};

export default config;
