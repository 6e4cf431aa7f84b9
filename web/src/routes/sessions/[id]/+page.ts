// Session ids are not known at build time: this page is served by the SPA fallback (index.html).
export const prerender = false;
