// Single-page app: everything renders in the browser (media, WebRTC and Socket.IO need it).
// Pages are prerendered as empty shells; any other path is served the `index.html` fallback.
export const ssr = false;
export const prerender = true;
