// The home page is the SPA fallback (build/index.html) itself; no separate prerendered shell.
export const prerender = false;
