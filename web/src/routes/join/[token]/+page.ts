// Invitation tokens are not known at build time: served by the SPA fallback (index.html).
export const prerender = false;
