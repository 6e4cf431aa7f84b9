import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { SfuNode } from '@lectern/sfu';
import type { NodeStatus } from '../cluster/ClusterTypes.ts';
import type { AnalyzerPool } from '../analysis/AnalyzerPool.ts';

/**
 * HTTP routes: `GET /health` (process and engine status as JSON) and the built web app (SPA: unknown
 * paths fall back to index.html). If the web app is not built, `/` explains how to build it.
 */
export async function registerRoutes(
  app: FastifyInstance,
  deps: {
    sfu: SfuNode;
    pool: AnalyzerPool;
    webDir: string;
    startedAtMs: number;
    /** This node's latest heartbeat and, with several nodes, every live node's (`cluster` in the answer). */
    cluster?: () => Promise<{ node: NodeStatus | null; admitting: boolean; nodes: NodeStatus[] }>;
  },
): Promise<void> {
  app.get('/health', async () => {
    const workers = await deps.sfu.workerStats();
    const analyzers = deps.pool.info();
    const degraded = workers.length === 0 || !analyzers.some((a) => a.ready);
    return {
      status: degraded ? 'degraded' : 'ok',
      uptimeSec: Math.round((Date.now() - deps.startedAtMs) / 1000),
      sfu: { workers, rooms: deps.sfu.rooms.size },
      analyzers: { processes: analyzers },
      ...(deps.cluster ? { cluster: await deps.cluster().catch((err: unknown) => ({ error: `node registry unavailable: ${(err as Error).message}` })) } : {}),
    };
  });

  await registerWebApp(app, deps.webDir);
}

/**
 * Serves the built web app from `webDir` (SvelteKit adapter-static output): files as they are, and
 * page routes (no file extension, not under /v1, /socket.io or /_app) fall back to index.html; any
 * other unknown path is a Problem+JSON 404. Without a build, `/` explains how to make one.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<void> {
  const index = path.join(webDir, 'index.html');
  if (fs.existsSync(index)) {
    await app.register(fastifyStatic, { root: webDir, wildcard: true });
    app.setNotFoundHandler((req, reply) => {
      // SPA fallback for page routes only; a missing asset (/_app/…, a file name) is a real 404.
      const pathname = req.url.split('?')[0] ?? '';
      // A file name ends in a short extension; invitation links (/join/<JWT>) contain dots but end in
      // a 43-character signature, so they are pages.
      const isPage = !/^\/(v1|socket\.io|_app)\//.test(pathname) && (/^\/(join|shared)\//.test(pathname) || !/\.[a-z0-9]{1,5}$/i.test(pathname));
      if (req.method === 'GET' && isPage) return reply.type('text/html').sendFile('index.html');
      return reply.code(404).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `${req.method} ${req.url} does not exist`,
      });
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain')
        .send(`Lectern is running, but the web app is not built (${index} is missing).\nBuild it with: npm run build:web\n`),
    );
  }
}
