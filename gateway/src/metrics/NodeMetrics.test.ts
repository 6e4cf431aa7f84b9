/**
 * `GET /metrics` of a real node (gateway + mediasoup worker + analyzer process, real PostgreSQL and
 * s3rver): every `lectern_` metric of metricNames.ts is served with HELP and TYPE, public (no
 * token); a voice frame and a caption published through the node's bus move the latency and
 * caption-lag histograms exactly as test/bench/live.ts defines them; a joined peer shows in
 * `lectern_peers`; analyzer stats and shed status show in their gauges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { type Ack, type CaptionEvent, type JoinResponse, type VoiceFrame, VoiceFrameSchema } from '@lectern/contract';
import { startLectern, type LecternNode } from '../app.ts';
import { roomKey } from '../access/RoomKey.ts';
import { createTestAccount, roomGrant, type TestAccount } from '../testing/access.ts';
import { TestStorage } from '../testing/services.ts';
import { METRIC_NAMES, METRICS } from './metricNames.ts';

const storage = new TestStorage('metrics');
let node: LecternNode;
let owner: TestAccount;

interface Family {
  help?: string;
  type?: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3];
      else family(meta[2]!).type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const name = sample[1]!;
    const base = [...families.keys()].find((f) => name === f || ((families.get(f)!.type === 'histogram' || families.get(f)!.type === 'summary') && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === f));
    family(base ?? name).samples.push({ name, labels, value: Number(sample[3]) });
  }
  return families;
}

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${node.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

const value = (m: Map<string, Family>, sample: string, labels: Record<string, string> = {}) =>
  m
    .get(sample.replace(/_(bucket|sum|count)$/, ''))
    ?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

function voiceFrame(roomId: string, producerId: string, mediaTimeSec: number, serverTimeMs: number): VoiceFrame {
  return VoiceFrameSchema.parse({
    kind: 'voice', roomId, producerId, mediaTimeSec, windowSec: 0.1, serverTimeMs,
    levelDbfs: -20, f0Hz: 140, vadProb: 0.9, isSpeech: true, pauseSec: 0, speakingRatio: 0.8, pitchVariabilitySt: null, concealedPackets: 0,
  });
}

beforeAll(async () => {
  await storage.start();
  node = await startLectern(
    { port: 0, sfuWorkers: 1, analyzerProcesses: 1, poseProcesses: 0, logLevel: 'silent', dataDir: storage.work.dir },
    { database: storage.db, objects: storage.objects },
  );
  owner = await createTestAccount(node);
}, 90_000);

afterAll(async () => {
  await node?.close();
  await storage.close();
});

describe('GET /metrics', () => {
  it('serves every lectern_ metric with HELP and TYPE, plus prefixed process metrics, without a token', async () => {
    const m = await scrape();
    for (const spec of Object.values(METRICS)) {
      const f = m.get(spec.name);
      expect(f, spec.name).toBeDefined();
      expect([spec.name, f!.type]).toEqual([spec.name, spec.type]);
      expect(f!.help, spec.name).toBe(spec.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
      expect(f!.samples.length, `${spec.name} has samples`).toBeGreaterThan(0);
      for (const s of f!.samples) expect(Object.keys(s.labels).filter((l) => l !== 'le').sort(), s.name).toEqual([...spec.labels].sort());
    }
    expect(METRIC_NAMES).toHaveLength(Object.keys(METRICS).length);
    expect([...m.keys()].every((n) => n.startsWith('lectern_'))).toBe(true);
    expect(m.get('lectern_process_cpu_seconds_total')?.type).toBe('counter');
    expect(m.get('lectern_nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    // Fixed label sets are present from the start (zeros), so dashboards never see "no data".
    expect(value(m, 'lectern_peers', { role: 'coach' })).toBe(0);
    expect(value(m, 'lectern_producers', { kind: 'video' })).toBe(0);
    expect(value(m, 'lectern_analyzer_restarts_total', { kind: 'pose' })).toBe(0);
    expect(value(m, 'lectern_analysis_shed', { what: 'asr-partials' })).toBe(0);
    expect(value(m, 'lectern_recordings', { state: 'spooled' })).toBe(0);
    expect(value(m, 'lectern_db_buffer_rows', { writer: 'metric_frames' })).toBe(0);
    expect(value(m, 'lectern_job_queue_depth', { queue: 'session-analysis' })).toBeGreaterThanOrEqual(0);
    expect(value(m, 'lectern_sfu_worker_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value(m, 'lectern_node_load')).toBeGreaterThanOrEqual(0);
  });

  it('counts a voice frame emitted to a room of this node in the latency histogram, and maps caption words to wall time', async () => {
    const key = roomKey('local', 'metrics-room');
    await node.sfu.getOrCreateRoom(key);
    const before = await scrape();
    const count0 = value(before, 'lectern_voice_frame_latency_seconds_count') ?? 0;
    const le50 = value(before, 'lectern_voice_frame_latency_seconds_bucket', { le: '0.05' }) ?? 0;
    const le25 = value(before, 'lectern_voice_frame_latency_seconds_bucket', { le: '0.025' }) ?? 0;

    // Window [10.0, 10.1) s closed 30 ms ago: latency 30 ms; offset wall − media = now − 30 − 10 100 ms.
    const frame = voiceFrame(key, 'mic-1', 10, 0);
    const other = voiceFrame('x', 'mic-9', 10, 0);
    const closedAt = (frame.serverTimeMs = other.serverTimeMs = Date.now() - 30);
    node.bus.publish(key, { event: 'metrics:voice', payload: frame });
    // Another node's room (several nodes share the Redis bus): not emitted here, not counted.
    node.bus.publish(roomKey('local', 'elsewhere'), { event: 'metrics:voice', payload: other });

    const after = await scrape();
    expect(value(after, 'lectern_voice_frame_latency_seconds_count')).toBe(count0 + 1);
    expect(value(after, 'lectern_voice_frame_latency_seconds_bucket', { le: '0.05' })).toBe(le50 + 1);
    expect(value(after, 'lectern_voice_frame_latency_seconds_bucket', { le: '0.025' })).toBe(le25);

    // A word ending at media 9.5 s ended at wall closedAt − 600 ms; committed now, it lags ≈ 630 ms.
    expect(closedAt).toBeLessThan(Date.now());
    const lag0 = { count: value(after, 'lectern_caption_lag_seconds_count') ?? 0, sum: value(after, 'lectern_caption_lag_seconds_sum') ?? 0 };
    const caption = (kind: 'partial' | 'final', words: [string, number, number][], committedWords?: number): CaptionEvent => ({
      roomId: key, producerId: 'mic-1', kind, segmentId: 0, text: words.map((w) => w[0]).join(' '), engine: 'test', serverTimeMs: Date.now(),
      words: words.map(([word, startSec, endSec]) => ({ word, startSec, endSec, confidence: null })), committedWords,
    });
    // A tentative word is not measured; once committed ("hello") it is, once.
    node.bus.publish(key, { event: 'captions:update', payload: caption('partial', [['hello', 9.2, 9.5], ['word', 9.6, 9.8]], 0) });
    node.bus.publish(key, { event: 'captions:update', payload: caption('partial', [['hello', 9.2, 9.5], ['world', 9.6, 9.9]], 1) });
    // The final repeats "hello" (already measured) and commits "world".
    node.bus.publish(key, { event: 'captions:update', payload: caption('final', [['hello', 9.2, 9.5], ['world', 9.6, 9.9]]) });
    const lagged = await scrape();
    expect(value(lagged, 'lectern_caption_lag_seconds_count')).toBe(lag0.count + 2);
    // hello ≈ 0.63 s, world ≈ 0.23 s
    expect((value(lagged, 'lectern_caption_lag_seconds_sum') ?? 0) - lag0.sum).toBeGreaterThan(0.85);
    expect((value(lagged, 'lectern_caption_lag_seconds_sum') ?? 0) - lag0.sum).toBeLessThan(1.2);
    node.sfu.closeRoomIfEmpty(key);
  });

  it('shows analyzer stats, shedding and a joined presenter', async () => {
    node.analyzers.emit('stream-message', { type: 'stats', streamId: 's-1', packetsReceived: 1, packetsMalformed: 0, packetsWrongSsrc: 0, packetsConcealed: 0, rtcpPackets: 0, framesEmitted: 1, asrBacklogSec: 1.5, asrRtf: 0.4 });
    node.analyzers.emit('stream-message', { type: 'stats', streamId: 's-2', packetsReceived: 1, packetsMalformed: 0, packetsWrongSsrc: 0, packetsConcealed: 0, rtcpPackets: 0, framesEmitted: 1 });
    const socket = io(node.url, { transports: ['websocket'], reconnection: false, auth: { token: owner.accessToken } });
    try {
      await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject)));
      const join = (await socket.timeout(10_000).emitWithAck('room:join', { roomId: 'metrics-peers', grant: await roomGrant(node, owner, 'metrics-peers', 'presenter') })) as Ack<JoinResponse>;
      expect(join.ok).toBe(true);
      const key = roomKey(owner.orgId, 'metrics-peers');
      node.bus.publish(key, { event: 'analyzer:status', payload: { roomId: key, producerId: 'cam-1', state: 'running', shed: ['pose'] } });
      let m = await scrape();
      expect(value(m, 'lectern_peers', { role: 'presenter' })).toBe(1);
      expect(value(m, 'lectern_rooms')).toBeGreaterThanOrEqual(1);
      expect(value(m, 'lectern_asr_rtf')).toBe(0.4);
      expect(value(m, 'lectern_analyzer_backlog_seconds')).toBe(1.5);
      expect(value(m, 'lectern_analysis_shed', { what: 'pose' })).toBe(1);
      expect(value(m, 'lectern_analysis_shed', { what: 'asr-partials' })).toBe(0);
      node.bus.publish(key, { event: 'analyzer:status', payload: { roomId: key, producerId: 'cam-1', state: 'running', shed: [] } });
      m = await scrape();
      expect(value(m, 'lectern_analysis_shed', { what: 'pose' })).toBe(0);
    } finally {
      socket.close();
    }
  });
});
