import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type AnalyzerStatus, type AsrStatus, type CaptionEvent, committedWordCount, type VoiceFrame } from '@lectern/contract';
import type { SfuNode } from '@lectern/sfu';
import type { AnalyzerPool } from '../analysis/AnalyzerPool.ts';
import type { StreamMessage } from '../analysis/ChildProcessPool.ts';
import type { PoseProcessPool } from '../analysis/PoseProcessPool.ts';
import type { MetricBus, RoomMessage } from '../bus/MetricBus.ts';
import { RETENTION_QUEUE } from '../access/PrivacyService.ts';
import { ANALYSIS_QUEUE, type JobFinished } from '../reports/ReportJobs.ts';
import type { SessionServices } from '../sessions/SessionServices.ts';
import { METRIC_PREFIX, METRICS, type MetricSpec } from './metricNames.ts';

/** The parts of a node {@link NodeMetrics} observes. */
export interface NodeMetricsParts {
  http: FastifyInstance;
  io: Server;
  sfu: SfuNode;
  analyzers: AnalyzerPool;
  poses: PoseProcessPool;
  bus: MetricBus;
  sessions: SessionServices | null;
  /** This node's load figure (0–∞, 1 = every core busy; see NodeLoad), for `lectern_node_load`. */
  nodeLoad: () => number;
  /** State of this node's Redis connections (`lectern_redis_down`); absent without REDIS_URL (reported as up). */
  redis?: () => { client: string; connected: boolean }[];
}

/**
 * Buckets of `lectern_voice_frame_latency_seconds`: 2.5 ms steps up to 35 ms, then ≤ 20 % apart
 * up to 1 s, so a p95 interpolated from the buckets stays within ~10 % of the exact one (the load
 * test compares them) wherever it lies, 5 ms … 1 s.
 */
export const VOICE_LATENCY_BUCKETS = [
  0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.0225, 0.025, 0.0275, 0.03, 0.0325, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07,
  0.08, 0.09, 0.1, 0.11, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2.5, 5,
];
/** Buckets of `lectern_caption_lag_seconds`: 0.1 s steps to 1 s, then ≤ 25 % apart to 30 s. */
export const CAPTION_LAG_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 13, 20, 30];
/** Buckets of `lectern_pose_inference_seconds` (≈ 7 ms on onnxruntime, 30–100 ms on tfjs-wasm). */
export const POSE_INFERENCE_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1];
/** Buckets of `lectern_job_duration_seconds` (a full pass takes seconds to minutes). */
export const JOB_DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600];

/** Voice frames per producer whose clock offset feeds the caption lag (median; ≈ 5 s of windows). */
const OFFSET_WINDOW = 51;
/** Analyzer stats older than this are ignored (they come every 5 s per stream), ms. */
const STATS_TTL_MS = 15_000;
/** Caption clocks of producers silent this long are forgotten, ms. */
const CLOCK_TTL_MS = 120_000;
/** How long job queue counts may take before a scrape gives up on them (last values stay), ms. */
const QUEUE_QUERY_TIMEOUT_MS = 2000;

/** Per producer: the voice frames' wall-clock offset and the caption words already seen. */
interface ProducerClock {
  roomKey: string;
  offsets: number[];
  next: number;
  /** `segmentId#index` → endSec of the committed words already measured. */
  seen: Map<string, number>;
  maxEndSec: number;
  lastSeenMs: number;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Prometheus metrics of one node (`prom-client`), served at `GET /metrics` (text exposition format,
 * public like `/health`: put it behind the network boundary). One {@link Registry} per node, not
 * prom-client's global one, so several nodes can run in one process (tests). Names, types and
 * meanings: {@link METRICS} (metricNames.ts) and the README's "Metrics" section; plus prom-client's
 * default process metrics with the `lectern_` prefix.
 *
 * Sources: the bus (`metrics:voice`, `captions:update`, `analyzer:status`, `asr:status`, at the
 * moment the gateway emits them to Socket.IO), the analyzer pools' events (`stream-message` stats
 * and inference times, `streams-lost`), the SFU (`workerdied`, rooms, `workerStats()`), the
 * session services (peers, recordings, spool, batch writers, job queue). Gauges and the counters
 * mirrored from other classes' counters are computed on scrape (`collect()`); no timers.
 */
export class NodeMetrics {
  /** This node's registry (tests read it directly). */
  readonly registry = new Registry();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #clocks = new Map<string, ProducerClock>();
  readonly #streamStats = new Map<string, { rtf?: number; backlogSec?: number; atMs: number }>();
  /** `roomKey\nproducerId` → analyses that stream sheds now. */
  readonly #shed = new Map<string, Set<'pose' | 'asr-partials'>>();
  #spoolCache: { atMs: number; usage: { waiting: number; bytes: number } } | null = null;
  readonly #voiceLatency: Histogram;
  readonly #captionLag: Histogram;

  private constructor(readonly parts: NodeMetricsParts) {
    const r = this.registry;
    const { sfu, sessions } = parts;
    collectDefaultMetrics({ register: r, prefix: METRIC_PREFIX });
    const opts = (s: MetricSpec) => ({ name: s.name, help: s.help, labelNames: s.labels, registers: [r] });

    new Gauge({ ...opts(METRICS.rooms), collect() {
      this.set(sfu.rooms.size);
    } });
    new Gauge({ ...opts(METRICS.peers), collect() {
      const counts = sessions?.manager.peerCountsByRole() ?? { presenter: 0, coach: 0, viewer: 0 };
      for (const [role, n] of Object.entries(counts)) this.set({ role }, n);
    } });
    new Gauge({ ...opts(METRICS.producers), collect() {
      const counts = { audio: 0, video: 0 };
      for (const room of sfu.rooms.values()) for (const { producer } of room.listProducers()) counts[producer.kind]++;
      for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
    } });
    new Gauge({ ...opts(METRICS.consumers), collect() {
      let n = 0;
      for (const room of sfu.rooms.values()) n += room.consumerCount;
      this.set(n);
    } });

    this.#voiceLatency = new Histogram({ ...opts(METRICS.voiceFrameLatency), buckets: VOICE_LATENCY_BUCKETS });
    this.#captionLag = new Histogram({ ...opts(METRICS.captionLag), buckets: CAPTION_LAG_BUCKETS });

    const liveStats = () => {
      const now = Date.now();
      for (const [id, s] of this.#streamStats) if (now - s.atMs > STATS_TTL_MS) this.#streamStats.delete(id);
      return [...this.#streamStats.values()];
    };
    new Gauge({ ...opts(METRICS.asrRtf), collect() {
      this.set(Math.max(0, ...liveStats().map((s) => s.rtf ?? 0)));
    } });
    new Gauge({ ...opts(METRICS.analyzerBacklog), collect() {
      this.set(Math.max(0, ...liveStats().map((s) => s.backlogSec ?? 0)));
    } });

    const pose = new Histogram({ ...opts(METRICS.poseInference), buckets: POSE_INFERENCE_BUCKETS });
    const restarts = new Counter(opts(METRICS.analyzerRestarts));
    restarts.inc({ kind: 'analyzer' }, 0);
    restarts.inc({ kind: 'pose' }, 0);
    const deaths = new Counter(opts(METRICS.workerDeaths));

    // Worker CPU: a dead worker's last figure stays in the total, so the counter never goes down.
    const cpuMsByPid = new Map<number, number>();
    let cpuMsTotal = 0;
    let cpuReported = 0;
    new Counter({ ...opts(METRICS.workerCpu), async collect() {
      for (const w of await sfu.workerStats().catch(() => [])) {
        const last = cpuMsByPid.get(w.pid) ?? 0;
        if (w.cpuMs > last) {
          cpuMsTotal += w.cpuMs - last;
          cpuMsByPid.set(w.pid, w.cpuMs);
        }
      }
      const live = new Set(sfu.workerPids);
      for (const pid of cpuMsByPid.keys()) if (!live.has(pid)) cpuMsByPid.delete(pid);
      if (cpuMsTotal > cpuReported) this.inc((cpuMsTotal - cpuReported) / 1000);
      cpuReported = cpuMsTotal;
    } });

    // Recording, spool and database buffers (session services).
    const spool = () => {
      const drainer = sessions?.drainer;
      if (!drainer) return { waiting: 0, bytes: 0 };
      const now = Date.now();
      if (!this.#spoolCache || now - this.#spoolCache.atMs > 500) this.#spoolCache = { atMs: now, usage: drainer.usage() };
      return this.#spoolCache.usage;
    };
    new Gauge({ ...opts(METRICS.recordings), collect() {
      this.set({ state: 'recording' }, sessions?.manager.recordingStats.recording ?? 0);
      this.set({ state: 'spooled' }, spool().waiting);
    } });
    mirroredCounter(METRICS.recordingsFinished, r, () =>
      Object.entries(sessions?.manager.recordingStats.finished ?? { uploaded: 0, spooled: 0, failed: 0 }).map(([state, n]) => [{ state }, n]),
    );
    mirroredCounter(METRICS.s3UploadFailures, r, () => [[{}, (sessions?.manager.recordingStats.finished.spooled ?? 0) + (sessions?.drainer?.stats.failures ?? 0)]]);
    mirroredCounter(METRICS.s3UploadRetries, r, () => [[{}, sessions?.drainer?.stats.attempts ?? 0]]);
    new Gauge({ ...opts(METRICS.spoolBytes), collect() {
      this.set(spool().bytes);
    } });
    const writers = () => (sessions ? [sessions.store.frames, sessions.store.pauses, sessions.store.words, sessions.store.disfluencies] : []);
    new Gauge({ ...opts(METRICS.dbBufferRows), collect() {
      for (const w of writers()) this.set({ writer: w.name }, w.stats.buffered);
    } });
    mirroredCounter(METRICS.dbBufferDropped, r, () => writers().map((w) => [{ writer: w.name }, w.stats.dropped]));
    new Gauge({ ...opts(METRICS.dbPendingWrites), collect() {
      this.set(sessions?.store.stats.pendingOps ?? 0);
    } });
    new Gauge({ ...opts(METRICS.redisDown), collect() {
      const clients = parts.redis?.() ?? [{ client: 'bus', connected: true }, { client: 'placement', connected: true }];
      for (const c of clients) this.set({ client: c.client }, c.connected ? 0 : 1);
    } });

    // Jobs.
    new Gauge({ ...opts(METRICS.jobQueueDepth), async collect() {
      if (!sessions) return;
      let timer: NodeJS.Timeout | undefined;
      const depths = await Promise.race([
        sessions.jobs.queueDepths().catch(() => null),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), QUEUE_QUERY_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      for (const [queue, n] of Object.entries(depths ?? {})) this.set({ queue }, n);
    } });
    const jobDuration = new Histogram({ ...opts(METRICS.jobDuration), buckets: JOB_DURATION_BUCKETS });
    for (const queue of [ANALYSIS_QUEUE, RETENTION_QUEUE]) jobDuration.zero({ queue });
    if (sessions) this.#unsubscribe.push(sessions.jobs.onJobFinished((j: JobFinished) => jobDuration.observe({ queue: j.queue }, j.seconds)));

    new Gauge({ ...opts(METRICS.nodeLoad), collect() {
      const load = parts.nodeLoad();
      this.set(Number.isFinite(load) ? load : 0);
    } });
    const shed = this.#shed;
    new Gauge({ ...opts(METRICS.analysisShed), collect() {
      for (const what of ['pose', 'asr-partials'] as const) this.set({ what }, [...shed.values()].some((s) => s.has(what)) ? 1 : 0);
    } });

    // Event sources.
    this.#on(parts.analyzers, 'stream-message', (m: StreamMessage) => {
      if (m.type !== 'stats') return;
      const s = m as { streamId: string; asrRtf?: unknown; asrBacklogSec?: unknown };
      this.#streamStats.set(s.streamId, {
        ...(typeof s.asrRtf === 'number' ? { rtf: s.asrRtf } : {}),
        ...(typeof s.asrBacklogSec === 'number' ? { backlogSec: s.asrBacklogSec } : {}),
        atMs: Date.now(),
      });
    });
    this.#on(parts.analyzers, 'streams-lost', (info: { streamIds: string[] }) => {
      restarts.inc({ kind: 'analyzer' });
      for (const id of info.streamIds) this.#streamStats.delete(id);
    });
    this.#on(parts.poses, 'streams-lost', () => restarts.inc({ kind: 'pose' }));
    this.#on(parts.poses, 'stream-message', (m: StreamMessage) => {
      if (m.type !== 'inference-times') return;
      for (const ms of m.inferMs) pose.observe(ms / 1000);
    });
    this.#on(sfu, 'workerdied', () => deaths.inc());
    this.#on(sfu, 'roomclosed', ({ roomId }: { roomId: string }) => {
      for (const [key, c] of this.#clocks) if (c.roomKey === roomId) this.#clocks.delete(key);
      for (const key of this.#shed.keys()) if (key.startsWith(`${roomId}\n`)) this.#shed.delete(key);
    });
    this.#unsubscribe.push(parts.bus.subscribe((roomKey, msg) => this.#onRoomMessage(roomKey, msg)));

    parts.http.get('/metrics', async (_req, reply) => {
      const text = await r.metrics();
      return reply.header('cache-control', 'no-store').type(r.contentType).send(text);
    });
  }

  /** Creates the registry, hooks every part and registers `GET /metrics` on `parts.http`. */
  static attach(parts: NodeMetricsParts): NodeMetrics {
    return new NodeMetrics(parts);
  }

  /** Removes listeners and the bus subscription and clears the registry (the route stays until the server closes). */
  close(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.registry.clear();
    this.#clocks.clear();
    this.#streamStats.clear();
    this.#shed.clear();
  }

  #on<A extends unknown[]>(emitter: { on(ev: string, fn: (...a: A) => void): unknown; off(ev: string, fn: (...a: A) => void): unknown }, event: string, fn: (...a: A) => void): void {
    emitter.on(event, fn);
    this.#unsubscribe.push(() => emitter.off(event, fn));
  }

  /**
   * Whether this node delivers `roomKey`'s messages: the room is open here or sockets of this node
   * joined it. With several nodes (Redis bus) every node receives every message; only these count.
   */
  #local(roomKey: string): boolean {
    return this.parts.sfu.rooms.has(roomKey) || (this.parts.io.of('/').adapter.rooms.get(roomKey)?.size ?? 0) > 0;
  }

  /** Runs right after app.ts's bus subscriber has emitted the message to Socket.IO (same publish call). */
  #onRoomMessage(roomKey: string, msg: RoomMessage): void {
    switch (msg.event) {
      case 'metrics:voice':
        if (this.#local(roomKey)) this.#onVoiceFrame(roomKey, msg.payload);
        return;
      case 'captions:update':
        if (this.#local(roomKey)) this.#onCaption(roomKey, msg.payload);
        return;
      case 'analyzer:status':
        if (this.#local(roomKey)) this.#onStatus(roomKey, msg.payload);
        return;
      case 'asr:status':
        if (this.#local(roomKey)) this.#onAsrStatus(roomKey, msg.payload);
        return;
      default:
        return;
    }
  }

  #onVoiceFrame(roomKey: string, f: VoiceFrame): void {
    const now = Date.now();
    this.#voiceLatency.observe(Math.max(0, now - f.serverTimeMs) / 1000);
    const c = this.#clock(roomKey, f.producerId, now);
    const offset = f.serverTimeMs - (f.mediaTimeSec + f.windowSec) * 1000;
    if (c.offsets.length < OFFSET_WINDOW) c.offsets.push(offset);
    else c.offsets[c.next] = offset;
    c.next = (c.next + 1) % OFFSET_WINDOW;
  }

  #onCaption(roomKey: string, e: CaptionEvent): void {
    const now = Date.now();
    const c = this.#clock(roomKey, e.producerId, now);
    if (c.offsets.length === 0) return; // no voice frame yet: media time cannot be mapped to wall time
    const offsetMs = median(c.offsets);
    // Measured when a word is committed (fixed, never rewritten: the committed prefix of a partial,
    // every word of a final), keyed by its place in its utterance, as test/support/liveMeasure.ts does.
    const committed = committedWordCount(e);
    for (let i = 0; i < committed; i++) {
      const w = e.words[i]!;
      const key = `${e.segmentId}#${i}`;
      if (c.seen.has(key)) continue;
      c.seen.set(key, w.endSec);
      c.maxEndSec = Math.max(c.maxEndSec, w.endSec);
      this.#captionLag.observe(Math.max(0, now - (w.endSec * 1000 + offsetMs)) / 1000);
    }
    // Partials revise only the current utterance: words ended a minute ago will not come again.
    if (c.seen.size > 2000) for (const [k, end] of c.seen) if (end < c.maxEndSec - 60) c.seen.delete(k);
  }

  #clock(roomKey: string, producerId: string, now: number): ProducerClock {
    const key = `${roomKey}\n${producerId}`;
    let c = this.#clocks.get(key);
    if (!c) {
      for (const [k, old] of this.#clocks) if (now - old.lastSeenMs > CLOCK_TTL_MS) this.#clocks.delete(k);
      this.#clocks.set(key, (c = { roomKey, offsets: [], next: 0, seen: new Map(), maxEndSec: 0, lastSeenMs: now }));
    }
    c.lastSeenMs = now;
    return c;
  }

  #onStatus(roomKey: string, s: AnalyzerStatus): void {
    const key = `${roomKey}\n${s.producerId}`;
    if (s.state === 'stopped') {
      this.#shed.delete(key);
      return;
    }
    if (!s.shed) return;
    const set = this.#shed.get(key) ?? new Set();
    for (const what of ['pose', 'asr-partials'] as const) {
      if (s.shed.includes(what)) set.add(what);
      else set.delete(what);
    }
    if (set.size > 0) this.#shed.set(key, set);
    else this.#shed.delete(key);
  }

  /** `asr:status` names no producer: tracked per room. */
  #onAsrStatus(roomKey: string, s: AsrStatus): void {
    if (s.partialsShed === undefined) return;
    const key = `${roomKey}\n(asr)`;
    const set = this.#shed.get(key) ?? new Set();
    if (s.partialsShed) set.add('asr-partials');
    else set.delete('asr-partials');
    if (set.size > 0) this.#shed.set(key, set);
    else this.#shed.delete(key);
  }
}

/**
 * A counter mirroring monotonic counts kept elsewhere (e.g. `BatchWriter.stats.dropped`): on each
 * scrape it adds the growth since the last one, per label set (a count that restarts lower is
 * followed from there on, so the counter never goes down).
 */
function mirroredCounter(spec: MetricSpec, registry: Registry, read: () => [Record<string, string>, number][]): Counter {
  const last = new Map<string, number>();
  return new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const prev = last.get(key);
        if (prev === undefined) this.inc(labels, value);
        else if (value > prev) this.inc(labels, value - prev);
        last.set(key, value);
      }
    },
  });
}
