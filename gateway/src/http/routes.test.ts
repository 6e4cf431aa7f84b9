import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { registerWebApp } from './routes.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-webapp-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('serves page routes (also invitation links with dots) from index.html and answers missing files with 404', async () => {
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Lectern</title>');
  const app = Fastify();
  await registerWebApp(app, dir);
  // A JWT whose signature happens to be only letters and digits looked like a file extension.
  const jwtLike = `/join/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.${'a1B2c3D4e5'.repeat(4)}xyz`;
  for (const url of ['/rehearse', '/sessions/3172e9e8-ea3d-49cb-9a99-66b756fdce90', jwtLike, '/shared/Ae1u~Mrl8P7.RN7CZ']) {
    const res = await app.inject(url);
    expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 200, expect.stringMatching(/text\/html/)]);
  }
  for (const url of ['/_app/immutable/missing.js', '/favicon.png', '/v1/nothing', '/robots.txt'])
    expect([url, (await app.inject(url)).statusCode]).toEqual([url, 404]);
  await app.close();
});
