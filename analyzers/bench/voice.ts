/**
 * `npm run bench:voice` — cost of the live voice pipeline on the real speech fixture, as JSON:
 *
 * - singleStream: one LiveAudioStream fed the fixture's Opus RTP as fast as possible, window by
 *   window (5 packets, then wait for the frame). perWindowMs = wall time from handing the
 *   window's packets to the stream until its frame is emitted (RTP parse + jitter buffer +
 *   Opus decode + windowing + VAD + pitch + pause tracking); cpuSecPerAudioSec (RTF) =
 *   process CPU time (user + system) / audio seconds.
 * - concurrent8: eight streams in this one process sharing the VAD session, each window's
 *   packets handed to all eight at the same instant (the worst-case alignment), so
 *   perWindowMs includes queueing behind the other streams; RTF per stream and in total.
 * - stages: CPU per audio second of each stage alone (Opus decode at 16 kHz, Silero VAD, YIN on
 *   the VAD's speech windows, level), for the ARCHITECTURE.md budget table.
 *
 * Numbers depend on machine load: run on an idle machine for comparable figures.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import type { VoiceFrame } from '@lectern/contract';
import { OpusDecoder } from '../src/audio/OpusDecoder.ts';
import { LiveAudioStream } from '../src/pipeline/LiveAudioStream.ts';
import { SPEECH_48K_WAV, readWavMono16, speech16k } from '../test/fixtures.ts';
import { encodeOpusRtp } from '../test/rtpFixtures.ts';
import { levelDbfs } from '../src/voice/level.ts';
import { PitchTracker } from '../src/voice/PitchTracker.ts';
import { SileroVad } from '../src/voice/SileroVad.ts';
import { percentile } from '../src/util/percentile.ts';
import { sortedCopy } from '../src/voice/statistics.ts';

const require = createRequire(import.meta.url);
const SSRC = 0xbe4c0001;
const PT = 111;
const PACKETS_PER_WINDOW = 5; // 5 × 20 ms = one 100 ms window

function cpuSec(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function stats(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = sortedCopy(values);
  const r = (x: number | null): number => Math.round((x ?? NaN) * 1000) / 1000;
  return { p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s.at(-1) ?? null) };
}

/** Runs `streams` LiveAudioStreams over `passes` repetitions of the fixture. */
async function runStreams(model: SileroVad, datagrams: Buffer[][], streams: number): Promise<{ perWindowMs: number[]; cpu: number; audioSec: number }> {
  let clock = 0;
  const pushedAt = new Map<string, number>();
  const perWindowMs: number[] = [];
  const live = Array.from({ length: streams }, (_, s) =>
    new LiveAudioStream({
      roomId: 'bench',
      producerId: `p${s}`,
      payloadType: PT,
      ssrc: SSRC,
      clockRate: 48000,
      model,
      now: () => clock,
      onFrame: (f: VoiceFrame) => {
        const t = pushedAt.get(`${s}:${f.mediaTimeSec.toFixed(1)}`);
        if (t !== undefined) perWindowMs.push(performance.now() - t);
      },
      onPause: () => {},
      onError: (e) => {
        throw e;
      },
    }),
  );
  const total = datagrams.length;
  const cpu0 = process.cpuUsage();
  for (let w = 0; w * PACKETS_PER_WINDOW < total; w++) {
    const t = performance.now();
    for (let s = 0; s < streams; s++) {
      pushedAt.set(`${s}:${(w / 10).toFixed(1)}`, t);
      for (let k = w * PACKETS_PER_WINDOW; k < Math.min(total, (w + 1) * PACKETS_PER_WINDOW); k++) {
        clock = k * 20;
        live[s]!.handleDatagram(datagrams[k]![s]!, clock);
      }
    }
    await Promise.all(live.map((l) => l.drained()));
  }
  await Promise.all(live.map((l) => l.close()));
  return { perWindowMs, cpu: cpuSec(cpu0), audioSec: (total * 0.02) };
}

/** RTP datagrams of the fixture repeated `passes` times; one copy per stream (fresh Buffers). */
function buildDatagrams(pcm48: Float32Array, passes: number, streams: number): Buffer[][] {
  const one = encodeOpusRtp(pcm48, { ssrc: SSRC, payloadType: PT });
  const out: Buffer[][] = [];
  for (let p = 0; p < passes; p++) {
    for (const f of one) {
      const i = out.length;
      const row: Buffer[] = [];
      for (let s = 0; s < streams; s++) {
        const d = Buffer.from(f.datagram);
        d.writeUInt16BE(i & 0xffff, 2);
        d.writeUInt32BE((i * 960) >>> 0, 4);
        row.push(d);
      }
      out.push(row);
    }
  }
  return out;
}

async function stageCosts(model: SileroVad, pcm48: Float32Array): Promise<Record<string, number>> {
  const pcm16 = speech16k();
  const audioSec = pcm16.length / 16000;
  const r = (x: number): number => Math.round(x * 1e5) / 1e5;

  const packets = encodeOpusRtp(pcm48, { ssrc: SSRC, payloadType: PT }).map((f) => f.datagram.subarray(12));
  const decoder = new OpusDecoder(16000);
  let c = process.cpuUsage();
  for (const p of packets) decoder.decode(p);
  const decode = cpuSec(c);

  const vad = model.createStream();
  const speechWindows: number[] = [];
  c = process.cpuUsage();
  for (let w = 0; (w + 1) * 1600 <= pcm16.length; w++) {
    const chunks = await vad.process(pcm16.subarray(w * 1600, (w + 1) * 1600));
    if (chunks.some((ch) => ch.prob >= 0.5)) speechWindows.push(w);
  }
  const vadCpu = cpuSec(c);

  const pitch = new PitchTracker();
  c = process.cpuUsage();
  for (const w of speechWindows) pitch.estimate(pcm16.subarray(w * 1600, (w + 1) * 1600));
  const pitchCpu = cpuSec(c);

  c = process.cpuUsage();
  for (let rep = 0; rep < 10; rep++) for (let w = 0; (w + 1) * 1600 <= pcm16.length; w++) levelDbfs(pcm16.subarray(w * 1600, (w + 1) * 1600));
  const levelCpu = cpuSec(c) / 10;

  return {
    opusDecode16k: r(decode / audioSec),
    sileroVad: r(vadCpu / audioSec),
    yinPitchOnSpeechWindows: r(pitchCpu / audioSec),
    level: r(levelCpu / audioSec),
    speechWindowShare: r(speechWindows.length / Math.floor(pcm16.length / 1600)),
  };
}

const model = await SileroVad.shared();
const pcm48 = readWavMono16(SPEECH_48K_WAV).samples;
const ort = require('onnxruntime-node') as { env: { versions: Record<string, string> } };

// Warm-up (JIT) on a short run, not measured.
await runStreams(model, buildDatagrams(pcm48.subarray(0, 48000 * 3), 1, 1), 1);

const single = await runStreams(model, buildDatagrams(pcm48, 3, 1), 1);
const eight = await runStreams(model, buildDatagrams(pcm48, 1, 8), 8);
const stages = await stageCosts(model, pcm48);

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const report = {
  fixture: { file: 'speech-pauses-48k.wav (Opus 32 kb/s, 20 ms frames)', audioSecPerStream: { single: round(single.audioSec, 2), concurrent8: round(eight.audioSec, 2) } },
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAvg1m: round(os.loadavg()[0]!, 2), node: process.version, onnxruntime: ort.env.versions.node },
  singleStream: {
    windows: single.perWindowMs.length,
    perWindowMs: stats(single.perWindowMs),
    cpuSecPerAudioSec: round(single.cpu / single.audioSec),
  },
  concurrent8: {
    streams: 8,
    windows: eight.perWindowMs.length,
    perWindowMs: stats(eight.perWindowMs),
    cpuSecPerAudioSecPerStream: round(eight.cpu / (eight.audioSec * 8)),
    cpuSecPerAudioSecTotal: round(eight.cpu / eight.audioSec),
  },
  stagesCpuSecPerAudioSec: stages,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
