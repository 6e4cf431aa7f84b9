/**
 * Test hook loaded into a bench server (`node --import tsx --import test/support/sfuCountsHook.ts
 * gateway/src/main.ts`, see test/support/sfuCounts.ts): follows every mediasoup object the process
 * creates through `mediasoup.observer`, and answers `{ type: 'sfu-counts?', id }` on the IPC
 * channel with the workers' own counts (`worker.dump()`, `router.dump()`), the JS objects still
 * open, and `process.memoryUsage()`. Without an IPC channel it does nothing.
 */
import v8 from 'node:v8';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { SfuCountsMessage, SfuCountsReply, SfuObjectCounts } from './sfuCounts.ts';

type OpenCounts = SfuCountsReply['open'];

if (process.send) {
  const open: OpenCounts = { workers: 0, webRtcServers: 0, routers: 0, transports: 0, producers: 0, consumers: 0, dataProducers: 0, dataConsumers: 0, rtpObservers: 0 };
  /** Open workers, each with its open routers (what {@link dumpCounts} asks for a dump). */
  const routersOf = new Map<types.Worker, Set<types.Router>>();
  /** Counts `kind` as open until the object's observer emits `close`. */
  const track = (kind: keyof OpenCounts, observer: { once(event: 'close', fn: () => void): unknown }) => {
    open[kind]++;
    observer.once('close', () => open[kind]--);
  };
  mediasoup.observer.on('newworker', (worker) => {
    const routers = new Set<types.Router>();
    routersOf.set(worker, routers);
    track('workers', worker.observer);
    worker.observer.once('close', () => routersOf.delete(worker));
    worker.observer.on('newwebrtcserver', (s) => track('webRtcServers', s.observer));
    worker.observer.on('newrouter', (router) => {
      routers.add(router);
      router.observer.once('close', () => routers.delete(router));
      track('routers', router.observer);
      router.observer.on('newrtpobserver', (o) => track('rtpObservers', o.observer));
      router.observer.on('newtransport', (t) => {
        track('transports', t.observer);
        t.observer.on('newproducer', (p) => track('producers', p.observer));
        t.observer.on('newconsumer', (c) => track('consumers', c.observer));
        t.observer.on('newdataproducer', (p) => track('dataProducers', p.observer));
        t.observer.on('newdataconsumer', (c) => track('dataConsumers', c.observer));
      });
    });
  });

  /** Sums the workers' and routers' dumps (what the C++ side still holds). */
  const dumpCounts = async (): Promise<SfuObjectCounts> => {
    const c: SfuObjectCounts = { workers: 0, webRtcServers: 0, routers: 0, transports: 0, producers: 0, consumers: 0, dataProducers: 0, dataConsumers: 0, rtpObservers: 0, channelHandlers: 0 };
    for (const [worker, routers] of routersOf) {
      if (worker.closed || worker.died) continue;
      const w = await worker.dump();
      c.workers++;
      c.webRtcServers += w.webRtcServerIds.length;
      c.routers += w.routerIds.length;
      c.channelHandlers += w.channelMessageHandlers.channelRequestHandlers.length + w.channelMessageHandlers.channelNotificationHandlers.length;
      for (const router of routers) {
        if (router.closed) continue;
        const r = await router.dump().catch(() => null); // closed in between
        if (!r) continue;
        c.transports += r.transportIds.length;
        c.rtpObservers += r.rtpObserverIds.length;
        c.producers += r.mapProducerIdConsumerIds.length;
        c.consumers += r.mapConsumerIdProducerId.length;
        c.dataProducers += r.mapDataProducerIdDataConsumerIds.length;
        c.dataConsumers += r.mapDataConsumerIdDataProducerId.length;
      }
    }
    return c;
  };

  process.on('message', (m: SfuCountsMessage) => {
    if (m?.type !== 'sfu-counts?') return;
    // A full GC first when asked (idle checkpoints): what is left is what is still referenced.
    const gc = m.gc ? (globalThis as { gc?: () => void }).gc : undefined;
    gc?.();
    // A heap snapshot when asked (soak --heap-snapshots): what the idle gateway still references.
    const heapSnapshotPath = m.heapSnapshotPath ? v8.writeHeapSnapshot(m.heapSnapshotPath) : undefined;
    dumpCounts().then(
      (dump) => process.send!({ type: 'sfu-counts', id: m.id, reply: { dump, open: { ...open }, memory: process.memoryUsage(), gcRan: gc !== undefined, heapSnapshotPath } } satisfies SfuCountsMessage),
      (err: unknown) => process.send!({ type: 'sfu-counts', id: m.id, error: (err as Error).message } satisfies SfuCountsMessage),
    );
  });
  // The channel must not keep the server alive once it is done (main.ts exits on its own).
  process.channel?.unref();
}
