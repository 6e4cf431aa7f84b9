import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { problemErrorHandler } from './v1/HttpProblem.ts';

/**
 * `'sha256-…'` sources of the inline `<script>` elements of the built web app's index.html
 * (SvelteKit's bootstrap), so the CSP can allow exactly those without `'unsafe-inline'`.
 * @returns [] when the app is not built.
 */
export function inlineScriptHashes(webDir: string): string[] {
  let html: string;
  try {
    html = fs.readFileSync(path.join(webDir, 'index.html'), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) out.push(`'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return out;
}

/**
 * HTTP hardening for the whole server, registered before any route:
 * - `@fastify/helmet` with a Content-Security-Policy the SvelteKit app runs under: scripts from
 *   'self' plus the hashes of index.html's inline bootstrap; styles 'self' + inline (Svelte's
 *   style attributes, uPlot); images/media from 'self', data:, blob: and the object store
 *   (presigned recording URLs); connections to 'self', WebSocket and the object store;
 *   `frame-ancestors 'none'`.
 * - `@fastify/cors`: closed unless origins are configured (`LECTERN_CORS_ORIGINS`).
 * - `@fastify/cookie` (the refresh cookie) and `@fastify/rate-limit` (not global: the auth routes
 *   opt in per route with `config.rateLimit`; key = client IP).
 * - `x-request-id` on every response (Fastify's request id, also in every log line).
 */
export async function registerSecurity(app: FastifyInstance, o: { webDir: string; corsOrigins: string[]; objectStoreUrl?: string }): Promise<void> {
  const s3 = o.objectStoreUrl ? [new URL(o.objectStoreUrl).origin] : [];
  // First, so every route made after it (CORS preflight, the 404 handler, plugins without their
  // own) answers errors as Problem+JSON like /v1 — e.g. a body the parser refuses before routing.
  app.setErrorHandler(problemErrorHandler);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...inlineScriptHashes(o.webDir)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...s3],
        mediaSrc: ["'self'", 'blob:', ...s3],
        connectSrc: ["'self'", 'ws:', 'wss:', ...s3],
        fontSrc: ["'self'", 'data:'],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Presigned recordings are played from the object store's origin.
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    // http://127.0.0.1 by default: HSTS only makes sense behind TLS (a proxy can add it).
    strictTransportSecurity: false,
  });
  await app.register(cors, { origin: o.corsOrigins.length > 0 ? o.corsOrigins : false, credentials: true });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
}
