#!/usr/bin/env node
// Tiny static server for web/build with the SPA fallback (any unknown path → index.html).
// For tests without the gateway: `node web/scripts/serve-static.mjs [port]` (default 4174).
// Socket.IO requests get 404 here, so /rehearse shows its "server unreachable" state.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../build/', import.meta.url));
const port = Number(process.argv[2] ?? process.env.PORT ?? 4174);
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

async function resolve(pathname) {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  for (const candidate of [rel, `${rel}.html`, join(rel, 'index.html')]) {
    const file = join(root, candidate);
    if (!file.startsWith(root)) return null;
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {}
  }
  return null;
}

createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  if (/^\/(socket\.io|v1|health)(\/|$)/.test(pathname)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no gateway here\n');
    return;
  }
  const file = (await resolve(pathname)) ?? join(root, 'index.html');
  try {
    const body = await readFile(file);
    const immutable = file.includes('/_app/immutable/');
    res.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(body);
  } catch {
    res.writeHead(500).end('build missing: run `npm run build -w web`\n');
  }
}).listen(port, '127.0.0.1', () => console.log(`web/build on http://127.0.0.1:${port}`));
