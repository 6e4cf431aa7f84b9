import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeStatus } from './ClusterTypes.ts';
import { RedisPlacement } from './RedisPlacement.ts';

const url = process.env.TEST_REDIS_URL!;
const admin = new Redis(url);
const open: RedisPlacement[] = [];
const servers: http.Server[] = [];

/** A stand-in node URL that answers /health (a live node). */
async function liveUrl(): Promise<string> {
  const s = http.createServer((_req, res) => res.end('{"status":"ok"}'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function status(nodeId: string, url: string, load: number, threshold = 0.7): NodeStatus {
  return { nodeId, url, load, threshold, rooms: 0, streams: 0, backlogSec: 0, heartbeatAtMs: Date.now() };
}

function placement(nodeId: string): RedisPlacement {
  const p = new RedisPlacement({ redisUrl: url, nodeId, nodeTtlMs: 6000, probeTimeoutMs: 300 });
  open.push(p);
  return p;
}

beforeEach(async () => {
  await admin.flushdb();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  admin.disconnect();
  for (const s of servers) s.close();
});

describe('RedisPlacement', () => {
  it('places a new room on the least-loaded node and keeps it there', async () => {
    const a = placement('a');
    const b = placement('b');
    const urlA = await liveUrl();
    const urlB = await liveUrl();
    await a.beat(status('a', urlA, 0.4));
    await b.beat(status('b', urlB, 0.1));
    expect(await a.place('org:r1')).toEqual({ kind: 'elsewhere', nodeId: 'b', url: urlB });
    expect(await b.place('org:r1')).toEqual({ kind: 'here' });
    // B is charged for the room at once, but stays least loaded (0.15 < 0.4) for the next one.
    expect(await a.place('org:r2')).toMatchObject({ kind: 'elsewhere', nodeId: 'b' });
    expect(Number(await admin.hget('lectern:node:b', 'load'))).toBeCloseTo(0.2, 5);
    // A room already placed stays on its node even when that node is now the busier one.
    await b.beat(status('b', urlB, 0.6));
    expect(await a.place('org:r1')).toMatchObject({ kind: 'elsewhere', nodeId: 'b' });
  });

  it('skips nodes above their threshold, and answers capacity when every node is', async () => {
    const a = placement('a');
    const b = placement('b');
    await a.beat(status('a', await liveUrl(), 0.9));
    await b.beat(status('b', await liveUrl(), 0.2, 0.1));
    const r = await a.place('org:r1');
    expect(r.kind).toBe('capacity');
    if (r.kind !== 'capacity') return;
    expect(r.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(r.message).toMatch(/all 2 Lectern servers are at capacity/);
    expect(await admin.exists('lectern:room:org:r1')).toBe(0);
  });

  it('never chooses a drained node (threshold 0), however idle', async () => {
    const a = placement('a');
    const b = placement('b');
    await a.beat(status('a', await liveUrl(), 0, 0));
    await b.beat(status('b', await liveUrl(), 0.6));
    expect(await a.place('org:r1')).toMatchObject({ kind: 'elsewhere', nodeId: 'b' });
  });

  it('evicts a node that stopped answering and places the room again', async () => {
    const a = placement('a');
    const b = placement('b');
    await a.beat(status('a', 'http://127.0.0.1:9', 0.0)); // port 9 (discard): nothing listens
    await b.beat(status('b', await liveUrl(), 0.5));
    await admin.set('lectern:room:org:r1', 'a');
    expect(await b.place('org:r1')).toEqual({ kind: 'here' });
    expect(await admin.get('lectern:room:org:r1')).toBe('b');
    expect(await admin.sismember('lectern:nodes', 'a')).toBe(0);
  });

  it('reassigns the rooms of a node whose heartbeat expired', async () => {
    const a = placement('a');
    const b = placement('b');
    await a.beat(status('a', await liveUrl(), 0.0));
    await b.beat(status('b', await liveUrl(), 0.5));
    await admin.set('lectern:room:org:r1', 'a');
    await admin.del('lectern:node:a'); // what the TTL does 6 s after the last heartbeat
    expect(await b.place('org:r1')).toEqual({ kind: 'here' });
    expect((await b.nodes()).map((n) => n.nodeId)).toEqual(['b']);
  });

  it('releases only its own claim', async () => {
    const a = placement('a');
    const b = placement('b');
    await a.beat(status('a', await liveUrl(), 0.1));
    expect(await a.place('org:r1')).toEqual({ kind: 'here' });
    await b.release('org:r1');
    expect(await admin.get('lectern:room:org:r1')).toBe('a');
    await a.release('org:r1');
    expect(await admin.exists('lectern:room:org:r1')).toBe(0);
  });
});
