/** SfuNode against real mediasoup workers: room placement and recovery from a dead worker. */
import { afterEach, describe, expect, it } from 'vitest';
import { SfuNode } from './SfuNode.ts';

let sfu: SfuNode | undefined;
afterEach(async () => sfu?.close());

describe('SfuNode', () => {
  it('places rooms on the least-loaded worker and reuses open rooms', async () => {
    sfu = new SfuNode({ numWorkers: 2 });
    await sfu.start();
    const a = await sfu.getOrCreateRoom('a');
    const b = await sfu.getOrCreateRoom('b');
    expect(a.workerPid).not.toBe(b.workerPid);
    expect(await sfu.getOrCreateRoom('a')).toBe(a);
    const [x, y] = await Promise.all([sfu.getOrCreateRoom('c'), sfu.getOrCreateRoom('c')]);
    expect(x).toBe(y);
  });

  it('replaces a worker that dies and reports its rooms as closed', async () => {
    sfu = new SfuNode({ numWorkers: 1 });
    await sfu.start();
    const room = await sfu.getOrCreateRoom('doomed');
    const pid = sfu.workerPids[0]!;
    const died = new Promise<{ roomIds: string[] }>((r) => sfu!.once('workerdied', r));
    const closed = new Promise<{ roomId: string; reason: string }>((r) => sfu!.once('roomclosed', r));
    process.kill(pid, 'SIGKILL');
    expect((await died).roomIds).toEqual(['doomed']);
    expect(await closed).toEqual({ roomId: 'doomed', reason: 'worker-died' });
    expect(room.closed).toBe(true);
    await expect.poll(() => sfu!.workerPids.length, { timeout: 10_000 }).toBe(1);
    expect(sfu.workerPids[0]).not.toBe(pid);
    const fresh = await sfu.getOrCreateRoom('doomed');
    expect(fresh).not.toBe(room);
    expect(fresh.closed).toBe(false);
  });
});
