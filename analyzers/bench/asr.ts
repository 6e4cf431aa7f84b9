/**
 * `npm run bench:asr` — per available engine: WER on the five LibriVox utterances of Debian's
 * pocketsphinx-testdata against its `transcription` file, RTF (CPU time / audio time, from
 * process.cpuUsage around the decoding calls), peak RSS, longest single decoding call (what the
 * event loop would stall if run in-thread), and partial cadence. JSON on stdout.
 *
 * Each engine runs in its own child process (so peak RSS is per engine). The utterances are fed
 * as ONE continuous stream in 100 ms chunks, 1 s apart in media time, with `endUtterance()` after
 * each (as the live pipeline does at VAD pauses): PocketSphinx adapts its cepstral mean across
 * utterances, so a fresh decoder per utterance would score its first utterance worse.
 *
 * For PocketSphinx the child also prints:
 * - `args`: the complete argument vector the decoders were created with;
 * - `components`: CPU seconds per audio second of each step the stream does per 100 ms chunk
 *   (Float32 → int16 conversion in JS, ps_process_raw, ps_get_in_speech, ps_get_hyp every chunk,
 *   the word segmentation walk when the hypothesis changed, end of utterance), re-measured by
 *   driving the same native calls with the same arguments directly;
 * - `longUtterancePartialCostUs`: ps_get_hyp + segmentation walk per chunk at 5, 10, 15, 20 s into
 *   one utterance (the partial's cost grows with utterance length);
 * - `paced` (fast preset): the CPU-time RTF when chunks arrive with pauses between them, as live
 *   (2× real time), with the stream's default 0.3 s decode batching and with decoding every chunk.
 *   The main stream above is fed back to back with the defaults (`decodeIntervalSec` 0.3 s).
 * Every child and the parent print `hostCalibration` (see hostCalibration.ts): CPU-time figures are
 * only comparable between runs whose `slowdown` is similar.
 *
 * `--instructions`: additionally runs one decoding pass of the PocketSphinx (fast) child under
 * valgrind's callgrind and reports the instructions executed inside the decoder calls per audio
 * second — a figure that does not depend on how busy the host is (≈1 min; needs valgrind).
 *
 * `evaluation` (issue #14): the word-error evaluation set of analyzers/src/asr/asrEvalSet.ts —
 * every recording of pocketsphinx-testdata with a reference, split by speaker into TUNING (the
 * five LibriVox utterances) and HELD-OUT (cards, goforward, tidigits) — decoded with each
 * PocketSphinx preset (fast, balanced, accurate; one child each): corpus WER (S+D+I)/N per split,
 * per held-out utterance hypotheses, CPU-time RTF on the held-out set (min and median of 3 passes)
 * and on all 12 utterances in one stream (`allUtterancesRtf`, the long-form figure); then the preset
 * the post-session full pass would pick ({@link chooseReportPreset}: the lowest held-out WER whose
 * all-utterance RTF ≤ 0.1). Plus `commitSweep`: live stable-word commit settings
 * replayed on the TUNING set with the fast preset (the data the default thresholds were chosen
 * from): per setting, commit delay per word (media time of the pass that committed it − the word's
 * end; finals count at the utterance end + 0.3 s, the live pause rule), the share committed before
 * the final, and the WER of the committed captions against the engine's own finals' WER.
 *
 * Options: --instructions (above); --eval-only (only `evaluation` and `commitSweep`). Internal (the
 * parent starts children with them): --engine NAME (one engine's figures), --evaluate PRESET (one
 * preset's evaluation), --loop in-thread|worker (event-loop delay), --decode-once NAME (one pass,
 * no output; used under valgrind). Both PocketSphinx presets (fast, accurate) always run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHERPA_EN_MODEL, verifyInstalled } from '@lectern/models';
import type { AsrEngine, AsrHypothesis } from '../src/asr/AsrEngine.ts';
import { PocketSphinxEngine } from '../src/asr/pocketsphinx/PocketSphinxEngine.ts';
import { PocketSphinxLibrary } from '../src/asr/pocketsphinx/PocketSphinxLibrary.ts';
import { POCKETSPHINX_FAST_ARGS, POCKETSPHINX_PRESETS, type PocketSphinxPreset } from '../src/asr/pocketsphinx/PocketSphinxTypes.ts';
import { asrEvalSet, type AsrEvalItem, readEvalAudio } from '../src/asr/asrEvalSet.ts';
import { DEFAULT_STABLE_PARTIALS, DEFAULT_STABLE_SEC, LIVE_DECODE_INTERVAL_SEC } from '../src/asr/StableWordCommitter.ts';
import { DEFAULT_DECODE_INTERVAL_SEC } from '../src/asr/pocketsphinx/PocketSphinxStream.ts';
import { chooseReportPreset, REPORT_ASR_RTF_TARGET } from '../src/report/reportAsrPreset.ts';
import { SherpaOnnxEngine } from '../src/asr/sherpa-onnx/SherpaOnnxEngine.ts';
import { readWav16 } from '../src/asr/wav.ts';
import { corpusWordErrorRate, wordErrorRate } from '../src/asr/wordErrorRate.ts';
import { parseCliArgs, usageError } from '../src/util/cli.ts';
import { percentileOf } from '../src/util/percentile.ts';
import { hostCalibration } from './hostCalibration.ts';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const CHUNK = 1600;
/** Decoding passes per engine for the RTF statistics. */
const REPEATS = 5;

/** Quantile p ∈ [0, 1] (R-7, the repository's one percentile definition); null when empty. */
const q = (xs: number[], p: number): number | null => percentileOf(xs, p * 100);
const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

async function runEngine(name: string): Promise<Record<string, unknown>> {
  const rss0 = process.resourceUsage().maxRSS;
  const tLoad = process.hrtime.bigint();
  let engine: AsrEngine;
  if (name === 'sherpa-onnx') engine = await SherpaOnnxEngine.load();
  else engine = new PocketSphinxEngine({ preset: name === 'pocketsphinx-accurate' ? 'accurate' : 'fast' });
  const loadMs = Number(process.hrtime.bigint() - tLoad) / 1e6;
  const stream = engine.createStream({ segmentation: 'external' });
  const refs = fs.readFileSync(path.join(LIBRIVOX, 'transcription'), 'utf8').split('\n');
  const ids = fs.readdirSync(LIBRIVOX).filter((f) => f.endsWith('.wav')).map((f) => f.replace('.wav', '')).sort();
  let current: AsrHypothesis[] = [];
  let mediaNow = 0;
  const partialTimes: number[] = [];
  stream.on('hypothesis', (h) => {
    current.push(h);
    if (h.kind === 'partial') partialTimes.push(mediaNow);
  });
  let cpuSec = 0;
  let audioSec = 0;
  let chunks = 0;
  let chunksWithPartial = 0;
  const callMs: number[] = [];
  const endMs: number[] = [];
  const perUtterance: Record<string, unknown>[] = [];
  let errors = 0;
  let refWords = 0;
  let t = 1;
  for (const id of ids) {
    const { samples } = readWav16(path.join(LIBRIVOX, `${id}.wav`));
    current = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < samples.length; i += CHUNK) {
      const chunk = samples.subarray(i, i + CHUNK);
      mediaNow = t + (i + chunk.length) / 16_000;
      const before = partialTimes.length;
      const w0 = process.hrtime.bigint();
      stream.push(chunk, t + i / 16_000);
      callMs.push(Number(process.hrtime.bigint() - w0) / 1e6);
      chunks++;
      if (partialTimes.length > before) chunksWithPartial++;
    }
    const w1 = process.hrtime.bigint();
    stream.endUtterance();
    endMs.push(Number(process.hrtime.bigint() - w1) / 1e6);
    const c = process.cpuUsage(c0);
    cpuSec += (c.user + c.system) / 1e6;
    const dur = samples.length / 16_000;
    audioSec += dur;
    const ref = refs.find((l) => l.includes(`(${id})`))!.replace(/<\/?s>|\(.*\)/g, '').trim();
    const hyp = current.filter((h) => h.kind === 'final').map((h) => h.text).join(' ');
    const w = wordErrorRate(ref, hyp);
    errors += w.wer * w.referenceWords;
    refWords += w.referenceWords;
    perUtterance.push({ id, audioSec: r3(dur), ...w, wer: r3(w.wer), reference: ref, hypothesis: hyp });
    t += dur + 1;
  }
  await stream.close();
  // Timing repeats (fresh stream each): CPU time is inflated when other processes compete for the
  // cores (SMT, caches), so also report the best and median of REPEATS passes.
  const rtfs: number[] = [cpuSec / audioSec];
  for (let rep = 1; rep < REPEATS; rep++) {
    const s2 = engine.createStream({ segmentation: 'external' });
    let cpu = 0;
    let tt = 1;
    for (const id of ids) {
      const { samples } = readWav16(path.join(LIBRIVOX, `${id}.wav`));
      const c0 = process.cpuUsage();
      for (let i = 0; i < samples.length; i += CHUNK) s2.push(samples.subarray(i, i + CHUNK), tt + i / 16_000);
      s2.endUtterance();
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
      tt += samples.length / 16_000 + 1;
    }
    await s2.close();
    rtfs.push(cpu / audioSec);
  }
  const calibration = hostCalibration();
  const pocketsphinx = engine instanceof PocketSphinxEngine
    ? {
        args: engine.args.join(' '),
        paced: name === 'pocketsphinx' ? await pacedRtf(engine) : undefined,
        components: pocketsphinxComponents(engine),
        longUtterancePartialCostUs: longUtterancePartialCost(engine),
      }
    : {};
  await engine.close();
  const gaps = partialTimes.slice(1).map((x, i) => x - partialTimes[i]!).filter((g) => g < 1);
  return {
    engine: name,
    description: engine.description,
    loadMs: Math.round(loadMs),
    utterances: ids.length,
    audioSec: r3(audioSec),
    referenceWords: refWords,
    wer: r3(errors / refWords),
    rtf: r3(cpuSec / audioSec),
    rtfBestOf: { passes: rtfs.length, min: r3(Math.min(...rtfs)), median: r3(q(rtfs, 0.5)) },
    rtfNote: 'CPU-time RTF: CPU seconds (process.cpuUsage, user+system) spent in push/endUtterance per second of audio, one stream, NOT wall time; first pass, and min/median over repeated passes',
    hostCalibration: calibration,
    ...pocketsphinx,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssAddedByEngineMB: Math.round((process.resourceUsage().maxRSS - rss0) / 1024),
    longestCallMs: { push_p50: r3(q(callMs, 0.5)), push_p99: r3(q(callMs, 0.99)), push_max: r3(Math.max(...callMs)), endUtterance_max: r3(Math.max(...endMs)) },
    partials: {
      count: partialTimes.length,
      perAudioSec: r3(partialTimes.length / audioSec),
      fractionOfChunks: r3(chunksWithPartial / chunks),
      chunkSec: CHUNK / 16_000,
      intervalSec_p50: r3(q(gaps, 0.5)),
      intervalSec_p90: r3(q(gaps, 0.9)),
      note: 'a partial is emitted when the hypothesis text changes; intervals within utterances (< 1 s)',
    },
    perUtterance,
  };
}

/** The five LibriVox utterances (16 kHz mono), sorted by id. */
function librivox(): { id: string; samples: Float32Array }[] {
  return fs.readdirSync(LIBRIVOX).filter((f) => f.endsWith('.wav')).sort().map((f) => ({ id: f.replace('.wav', ''), samples: readWav16(path.join(LIBRIVOX, f)).samples }));
}

const cpuNowSec = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/**
 * Per-step CPU cost of PocketSphinxStream's work, measured by making the same native calls with
 * the same arguments as the stream does (one decoder, external segmentation, 100 ms chunks,
 * partial words walked only when the hypothesis changed), `passes` times over the LibriVox set.
 * @returns CPU seconds per audio second per step, and each step's share of their sum.
 */
function pocketsphinxComponents(engine: PocketSphinxEngine, passes = 3): Record<string, unknown> {
  const lib = PocketSphinxLibrary.load();
  const files = librivox();
  const audioSec = files.reduce((a, f) => a + f.samples.length, 0) / 16_000;
  const acc = { convertFloatToInt16: 0, psProcessRaw: 0, psGetInSpeech: 0, psGetHyp: 0, segmentWalkOnChange: 0, endUtterance: 0 };
  const pcm = new Int16Array(CHUNK);
  const sf = [0];
  const ef = [0];
  const walk = (d: unknown): void => {
    for (let seg = lib.ps_seg_iter(d); seg; seg = lib.ps_seg_next(seg)) {
      lib.ps_seg_word(seg);
      lib.ps_seg_frames(seg, sf, ef);
    }
  };
  for (let p = 0; p < passes; p++) {
    const d = engine.createDecoder();
    lib.ps_start_stream(d);
    lib.ps_start_utt(d);
    for (const { samples } of files) {
      let last: string | null = null;
      for (let i = 0; i < samples.length; i += CHUNK) {
        const x = samples.subarray(i, i + CHUNK);
        let a = cpuNowSec();
        for (let k = 0; k < x.length; k++) {
          const v = x[k]!;
          pcm[k] = v >= 1 ? 32767 : v <= -1 ? -32768 : Math.round(v * 32767);
        }
        let b = cpuNowSec();
        acc.convertFloatToInt16 += b - a;
        lib.ps_process_raw(d, pcm, x.length, 0, 0);
        a = cpuNowSec();
        acc.psProcessRaw += a - b;
        lib.ps_get_in_speech(d);
        b = cpuNowSec();
        acc.psGetInSpeech += b - a;
        const hyp = lib.ps_get_hyp(d, [0]);
        a = cpuNowSec();
        acc.psGetHyp += a - b;
        if (hyp && hyp !== last) {
          last = hyp;
          walk(d);
          acc.segmentWalkOnChange += cpuNowSec() - a;
        }
      }
      const a = cpuNowSec();
      lib.ps_end_utt(d);
      walk(d);
      lib.ps_start_utt(d);
      acc.endUtterance += cpuNowSec() - a;
    }
    lib.ps_free(d);
  }
  const total = Object.values(acc).reduce((x, y) => x + y, 0);
  const perAudioSec: Record<string, number | null> = {};
  const share: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(acc)) {
    perAudioSec[k] = Math.round((v / passes / audioSec) * 1e5) / 1e5;
    share[k] = r3(v / total);
  }
  return {
    note: 'CPU seconds (process.cpuUsage around each call) per audio second, mean of passes; same native calls and arguments as PocketSphinxStream',
    passes,
    cpuSecPerAudioSec: perAudioSec,
    shareOfTotal: share,
    totalCpuSecPerAudioSec: Math.round((total / passes / audioSec) * 1e4) / 1e4,
  };
}

/**
 * Cost of producing a partial (ps_get_hyp + the segmentation walk) deep into one long utterance:
 * the five LibriVox files as ONE utterance (≈25 s, no endpoint), wall µs per call (mean of 20
 * repeats, so timer resolution does not matter) at 5, 10, 15 and 20 s.
 */
function longUtterancePartialCost(engine: PocketSphinxEngine): Record<string, unknown> {
  const lib = PocketSphinxLibrary.load();
  const files = librivox();
  const all = new Float32Array(files.reduce((a, f) => a + f.samples.length, 0));
  let o = 0;
  for (const f of files) {
    all.set(f.samples, o);
    o += f.samples.length;
  }
  const d = engine.createDecoder();
  lib.ps_start_stream(d);
  lib.ps_start_utt(d);
  const pcm = new Int16Array(CHUNK);
  const out: Record<string, unknown>[] = [];
  let processSec = 0;
  for (let i = 0, k = 0; i < all.length; i += CHUNK, k++) {
    const x = all.subarray(i, i + CHUNK);
    for (let j = 0; j < x.length; j++) pcm[j] = Math.round(Math.max(-1, Math.min(1, x[j]!)) * 32767);
    const c0 = cpuNowSec();
    lib.ps_process_raw(d, pcm, x.length, 0, 0);
    processSec += cpuNowSec() - c0;
    if (k % 50 !== 49) continue;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 20; r++) lib.ps_get_hyp(d, [0]);
    const t1 = process.hrtime.bigint();
    let words = 0;
    for (let r = 0; r < 20; r++) {
      words = 0;
      const sf = [0];
      const ef = [0];
      for (let seg = lib.ps_seg_iter(d); seg; seg = lib.ps_seg_next(seg)) {
        lib.ps_seg_word(seg);
        lib.ps_seg_frames(seg, sf, ef);
        words++;
      }
    }
    const t2 = process.hrtime.bigint();
    out.push({ atSec: Math.round((i + x.length) / 16_000), segments: words, psGetHypUs: r3(Number(t1 - t0) / 20 / 1e3), segmentWalkUs: r3(Number(t2 - t1) / 20 / 1e3) });
  }
  lib.ps_end_utt(d);
  lib.ps_free(d);
  return { note: 'wall µs per call, mean of 20 repeats; compare with ps_process_raw per 100 ms chunk', psProcessRawMsPerChunk: r3((processSec * 1000) / Math.ceil(all.length / CHUNK)), at: out };
}

/**
 * CPU-time RTF as the live pipeline incurs it: 100 ms chunks pushed with a pause between them
 * (one every 50 ms, i.e. 2× real time; measured at 1× too: the same within 0.002), CPU counted
 * only inside push/endUtterance. Each decoder call after idle time pays a cold-start cost that
 * back-to-back feeding (`rtf`) never sees, so this is the figure to budget with. Run for the
 * stream's default batching (`decodeIntervalSec` 0.3 s) and for decoding every chunk (0).
 */
async function pacedRtf(engine: PocketSphinxEngine): Promise<Record<string, unknown>> {
  const files = librivox();
  const audioSec = files.reduce((a, f) => a + f.samples.length, 0) / 16_000;
  const out: Record<string, unknown> = {
    note: 'CPU seconds inside push/endUtterance per audio second, chunks of 100 ms pushed every 50 ms (2x real time), one stream, external segmentation',
  };
  for (const decodeIntervalSec of [0.3, 0]) {
    const stream = engine.createStream({ segmentation: 'external', decodeIntervalSec });
    const partialAt: number[] = [];
    let now = 0;
    stream.on('hypothesis', (h) => {
      if (h.kind === 'partial') partialAt.push(now);
    });
    let cpu = 0;
    let t = 1;
    for (const { samples } of files) {
      for (let i = 0; i < samples.length; i += CHUNK) {
        await new Promise((r) => setTimeout(r, 50));
        now = t + (i + CHUNK) / 16_000;
        const c0 = cpuNowSec();
        stream.push(samples.subarray(i, i + CHUNK), t + i / 16_000);
        cpu += cpuNowSec() - c0;
      }
      const c0 = cpuNowSec();
      stream.endUtterance();
      cpu += cpuNowSec() - c0;
      t += samples.length / 16_000 + 1;
    }
    await stream.close();
    const gaps = partialAt.slice(1).map((x, i) => x - partialAt[i]!).filter((g) => g < 1);
    out[`decodeIntervalSec_${decodeIntervalSec}`] = { rtfCpuTime: r3(cpu / audioSec), partials: partialAt.length, partialIntervalSec_p50: r3(q(gaps, 0.5)), partialIntervalSec_p90: r3(q(gaps, 0.9)) };
  }
  return out;
}

/** One decoding pass of the LibriVox set through the engine's stream (no output): for --instructions. */
async function decodeOnce(name: string): Promise<void> {
  const engine = new PocketSphinxEngine({ preset: name === 'pocketsphinx-accurate' ? 'accurate' : 'fast' });
  const stream = engine.createStream({ segmentation: 'external' });
  let t = 1;
  for (const { samples } of librivox()) {
    for (let i = 0; i < samples.length; i += CHUNK) stream.push(samples.subarray(i, i + CHUNK), t + i / 16_000);
    stream.endUtterance();
    t += samples.length / 16_000 + 1;
  }
  await stream.close();
  await engine.close();
}

/**
 * Instructions executed inside the PocketSphinx calls (ps_process_raw, ps_get_in_speech,
 * ps_get_hyp, ps_seg_*, ps_start_utt, ps_end_utt) for one pass over the LibriVox set, counted by
 * valgrind's callgrind in a child process — independent of host load.
 */
function decoderInstructions(self: string, name: string): Record<string, unknown> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-bench-asr-'));
  const fns = ['ps_process_raw', 'ps_get_in_speech', 'ps_get_hyp', 'ps_seg_iter', 'ps_seg_next', 'ps_seg_word', 'ps_seg_frames', 'ps_start_utt', 'ps_end_utt'];
  try {
    const res = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${path.join(tmp, 'cg.out')}`, ...fns.map((f) => `--toggle-collect=${f}`), process.execPath, ...process.execArgv, self, '--decode-once', name], { encoding: 'utf8', maxBuffer: 16 << 20 });
    const m = /Collected\s*:\s*(\d+)/.exec(res.stderr ?? '');
    if (res.error || !m) return { engine: name, skipped: true, reason: res.error ? `valgrind: ${res.error.message}` : `no callgrind summary (exit ${res.status})` };
    const audioSec = librivox().reduce((a, f) => a + f.samples.length, 0) / 16_000;
    return { engine: name, tool: 'valgrind --tool=callgrind (Ir inside the decoder calls)', instructions: Number(m[1]), audioSec: r3(audioSec), millionInstructionsPerAudioSec: Math.round(Number(m[1]) / audioSec / 1e5) / 10 };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Main-thread event-loop delay while PocketSphinx decodes the utterances fed at 2× real time
 * (a 100 ms chunk every 50 ms), either in-thread or through AsrWorker. The voice pipeline's
 * 100 ms windows run on this loop, so its delay is what decoding would add to their latency.
 */
async function loopDelay(mode: 'in-thread' | 'worker'): Promise<Record<string, unknown>> {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { AsrWorker } = await import('../src/asr/AsrWorker.ts');
  const engine: AsrEngine = mode === 'worker' ? await AsrWorker.start({ name: 'pocketsphinx' }) : new PocketSphinxEngine();
  const stream = engine.createStream({ segmentation: 'external' });
  let finals = 0;
  stream.on('hypothesis', (h) => {
    if (h.kind === 'final') finals++;
  });
  const ids = fs.readdirSync(LIBRIVOX).filter((f) => f.endsWith('.wav')).sort();
  const chunks: { x: Float32Array; t: number; end: boolean }[] = [];
  let t = 1;
  for (const f of ids) {
    const { samples } = readWav16(path.join(LIBRIVOX, f));
    for (let i = 0; i < samples.length; i += CHUNK) chunks.push({ x: samples.subarray(i, i + CHUNK), t: t + i / 16_000, end: i + CHUNK >= samples.length });
    t += samples.length / 16_000 + 1;
  }
  const audioSec = chunks.reduce((a, c) => a + c.x.length, 0) / 16_000;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = (): void => {
      const c = chunks[k++];
      if (!c) {
        resolve();
        return;
      }
      stream.push(c.x, c.t);
      if (c.end) stream.endUtterance();
      setTimeout(tick, 50);
    };
    tick();
  });
  await stream.close();
  const cpu = process.cpuUsage(cpu0);
  h.disable();
  await engine.close();
  return {
    mode,
    chunks: chunks.length,
    finals,
    loopDelayMs: { p50: r3(h.percentile(50) / 1e6), p99: r3(h.percentile(99) / 1e6), max: r3(h.max / 1e6) },
    processCpuSecPerAudioSec: r3((cpu.user + cpu.system) / 1e6 / audioSec),
    processCpuNote:
      'whole process (all threads) from the first push to the close, per audio second: decoding as paced live, plus the process idle cost over the ≈12 s run, the 1 ms-resolution loop-delay monitor itself (≈0.01), and in worker mode the decoder creation in the worker (ps_init, ≈0.35 CPU-s ≈ 0.015)',
  };
}


/** Decodes `items` as ONE stream (100 ms chunks, 1 s apart, endUtterance after each); finals per item and CPU seconds. */
function decodeItems(engine: PocketSphinxEngine, items: readonly AsrEvalItem[], audio: Map<string, Float32Array>): { hyps: string[]; cpuSec: number; audioSec: number } {
  const stream = engine.createStream({ segmentation: 'external' });
  let current: string[] = [];
  stream.on('hypothesis', (h) => {
    if (h.kind === 'final') current.push(h.text);
  });
  const hyps: string[] = [];
  let cpuSec = 0;
  let audioSec = 0;
  let t = 1;
  for (const it of items) {
    const x = audio.get(it.id)!;
    current = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < x.length; i += CHUNK) stream.push(x.subarray(i, i + CHUNK), t + i / 16_000);
    stream.endUtterance();
    const c = process.cpuUsage(c0);
    cpuSec += (c.user + c.system) / 1e6;
    audioSec += x.length / 16_000;
    t += x.length / 16_000 + 1;
    hyps.push(current.join(' '));
  }
  void stream.close();
  return { hyps, cpuSec, audioSec };
}

/** One preset on the evaluation set: WER per split, RTF on the held-out set (see the module comment). */
async function evaluatePreset(preset: PocketSphinxPreset): Promise<Record<string, unknown>> {
  const set = asrEvalSet();
  const audio = new Map(set.items.map((i) => [i.id, readEvalAudio(i)] as const));
  const engine = new PocketSphinxEngine({ preset });
  const out: Record<string, unknown> = { preset, args: engine.args.slice(8).join(' ') || '(PocketSphinx defaults)' };
  for (const split of ['tuning', 'heldout'] as const) {
    const items = set.items.filter((i) => i.split === split);
    const rtfs: number[] = [];
    let first: ReturnType<typeof decodeItems> | null = null;
    for (let pass = 0; pass < (split === 'heldout' ? 3 : 1); pass++) {
      const r = decodeItems(engine, items, audio);
      first ??= r;
      rtfs.push(r.cpuSec / r.audioSec);
    }
    const pairs = items.map((it, k) => ({ reference: it.reference, hypothesis: first!.hyps[k]! }));
    const w = corpusWordErrorRate(pairs);
    out[split] = {
      utterances: items.length,
      audioSec: r3(first!.audioSec),
      ...w,
      wer: r3(w.wer),
      rtf: { passes: rtfs.length, min: r3(Math.min(...rtfs)), median: r3(q(rtfs, 0.5)) },
      ...(split === 'heldout' ? { perUtterance: items.map((it, k) => ({ id: it.id, reference: it.reference, hypothesis: pairs[k]!.hypothesis, wer: r3(wordErrorRate(it.reference, pairs[k]!.hypothesis).wer) })) } : {}),
    };
  }
  // RTF for the full pass's choice: every utterance of the set in one stream (40 s), as a long talk
  // is decoded; the held-out clips alone are 2–4 s each, where the per-utterance cost weighs more.
  const rtfs: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const r = decodeItems(engine, set.items, audio);
    rtfs.push(r.cpuSec / r.audioSec);
  }
  out.allUtterancesRtf = { passes: rtfs.length, min: r3(Math.min(...rtfs)), median: r3(q(rtfs, 0.5)), note: 'tuning + held-out utterances in one stream: the RTF the full pass preset is chosen with' };
  out.hostCalibration = hostCalibration();
  await engine.close();
  return out;
}

/**
 * Stable-word commit settings replayed on the TUNING set with the fast preset, as the live path runs
 * it (one stream, external segmentation, 0.3 s decode batches, 100 ms chunks). See the module comment.
 */
async function commitSweep(): Promise<Record<string, unknown>> {
  const set = asrEvalSet();
  const items = set.items.filter((i) => i.split === 'tuning');
  const audio = new Map(items.map((i) => [i.id, readEvalAudio(i)] as const));
  const engine = new PocketSphinxEngine({ preset: 'fast' });
  type Setting = { decodeIntervalSec: number; commit: { policy: 'final-only' | 'stable'; stablePartials?: number; stableSec?: number } };
  const passes = (decodeIntervalSec: number, ns: number[]): Setting[] =>
    ns.map((n) => ({ decodeIntervalSec, commit: { policy: 'stable', stablePartials: n, stableSec: Number.POSITIVE_INFINITY } }));
  const settings: Setting[] = [
    { decodeIntervalSec: DEFAULT_DECODE_INTERVAL_SEC, commit: { policy: 'final-only' } },
    ...passes(0.3, [1, 2, 3, 4]),
    ...passes(0.2, [2, 3, 4, 5]),
    ...passes(0.1, [3, 4, 5, 6, 8]),
    { decodeIntervalSec: LIVE_DECODE_INTERVAL_SEC, commit: { policy: 'stable', stablePartials: DEFAULT_STABLE_PARTIALS, stableSec: DEFAULT_STABLE_SEC } },
  ];
  const PAUSE_RULE_SEC = 0.3; // LiveLanguageStream ends an utterance at a 0.3 s VAD pause
  const out: Record<string, unknown>[] = [];
  for (const { decodeIntervalSec, commit } of settings) {
    const stream = engine.createStream({ segmentation: 'external', commit, decodeIntervalSec });
    let mediaNow = 0;
    let seg: AsrHypothesis[] = [];
    const delays: number[] = [];
    let byPartial = 0;
    let byFinal = 0;
    const pairs: { reference: string; hypothesis: string }[] = [];
    stream.on('hypothesis', (h) => seg.push({ ...h, ['atSec' as never]: mediaNow } as AsrHypothesis));
    let t = 1;
    for (const it of items) {
      const x = audio.get(it.id)!;
      seg = [];
      for (let i = 0; i < x.length; i += CHUNK) {
        mediaNow = t + Math.min(x.length, i + CHUNK) / 16_000;
        stream.push(x.subarray(i, i + CHUNK), t + i / 16_000);
      }
      mediaNow = t + x.length / 16_000 + PAUSE_RULE_SEC;
      stream.endUtterance();
      const final = seg.filter((h) => h.kind === 'final').at(-1);
      pairs.push({ reference: it.reference, hypothesis: final?.text ?? '' });
      if (final) {
        for (let k = 0; k < final.words.length; k++) {
          const first = seg.find((h) => h.committedWords > k)!;
          const at = (first as unknown as { atSec: number }).atSec;
          delays.push(at - final.words[k]!.endSec);
          if (first.kind === 'final') byFinal++;
          else byPartial++;
        }
      }
      t += x.length / 16_000 + 1;
    }
    await stream.close();
    const w = corpusWordErrorRate(pairs);
    out.push({
      decodeIntervalSec,
      commit: { ...commit, stableSec: commit.stableSec === Number.POSITIVE_INFINITY ? null : commit.stableSec },
      words: delays.length,
      committedBeforeFinal: r3(byPartial / Math.max(1, byPartial + byFinal)),
      commitDelaySec: { p50: r3(q(delays, 0.5)), p95: r3(q(delays, 0.95)), max: r3(Math.max(...delays)) },
      captionWer: r3(w.wer),
    });
  }
  await engine.close();
  return {
    note: 'TUNING set (5 LibriVox utterances), fast preset, 0.3 s decode batches. commitDelaySec: media time of the decoder pass that committed a word − the word end (finals at the utterance end + 0.3 s, the live pause rule; live adds queueing and delivery). captionWer: WER of the captions as committed (committed words are never rewritten, so an early wrong commit stays); final-only = the engine finals',
    settings: out,
  };
}

const USAGE = 'npm run bench:asr -- [--instructions] [--eval-only]   (internal: --engine NAME | --evaluate PRESET | --commit-sweep | --loop in-thread|worker | --decode-once NAME)';
const { values: args } = parseCliArgs(
  { options: { instructions: { type: 'boolean', default: false }, 'eval-only': { type: 'boolean', default: false }, evaluate: { type: 'string' }, 'commit-sweep': { type: 'boolean', default: false }, engine: { type: 'string' }, loop: { type: 'string' }, 'decode-once': { type: 'string' } } },
  USAGE,
);
if (args.loop !== undefined && args.loop !== 'in-thread' && args.loop !== 'worker') usageError(`--loop must be in-thread or worker, not ${args.loop}`, USAGE);

async function main(): Promise<void> {
  if (args.loop !== undefined) {
    process.stdout.write(JSON.stringify(await loopDelay(args.loop as 'in-thread' | 'worker')));
    return;
  }
  if (args['decode-once'] !== undefined) {
    await decodeOnce(args['decode-once']);
    return;
  }
  if (args.engine !== undefined) {
    process.stdout.write(JSON.stringify(await runEngine(args.engine)));
    return;
  }
  if (args.evaluate !== undefined) {
    if (!POCKETSPHINX_PRESETS.includes(args.evaluate as PocketSphinxPreset)) usageError(`--evaluate must be one of ${POCKETSPHINX_PRESETS.join(', ')}`, USAGE);
    process.stdout.write(JSON.stringify(await evaluatePreset(args.evaluate as PocketSphinxPreset)));
    return;
  }
  if (args['commit-sweep']) {
    process.stdout.write(JSON.stringify(await commitSweep()));
    return;
  }
  const results: unknown[] = [];
  const self = fileURLToPath(import.meta.url);
  const runJson = (flags: string[]): Record<string, unknown> => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, ...flags], { encoding: 'utf8', maxBuffer: 16 << 20 }));
  const evaluation = (): Record<string, unknown> => {
    const set = asrEvalSet();
    const presets = POCKETSPHINX_PRESETS.map((p) => runJson(['--evaluate', p]));
    const measured = presets.map((p) => ({ preset: p.preset as PocketSphinxPreset, heldoutWer: (p.heldout as { wer: number }).wer, rtf: (p.allUtterancesRtf as { min: number }).min }));
    return {
      set: {
        dir: set.dir,
        split: 'by speaker (analyzers/src/asr/asrEvalSet.ts): tuning = the LibriVox reader, held-out = every other speaker',
        tuning: set.items.filter((i) => i.split === 'tuning').map((i) => i.id),
        heldout: set.items.filter((i) => i.split === 'heldout').map((i) => ({ id: i.id, reference: i.reference, referenceSource: i.referenceSource })),
        excluded: set.excluded,
      },
      wer: 'corpus WER = (S+D+I)/N summed over utterances (jiwer on lists), after normalisation (lower case, no punctuation, mr→mister)',
      presets,
      reportPreset: { rtfTarget: REPORT_ASR_RTF_TARGET, ...chooseReportPreset(measured) },
      commitSweep: runJson(['--commit-sweep']),
    };
  };
  if (args['eval-only']) {
    process.stdout.write(`${JSON.stringify({ bench: 'asr', evaluation: evaluation(), hostCalibration: hostCalibration() }, null, 2)}\n`);
    return;
  }
  const runChild = (name: string): unknown => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, '--engine', name], { encoding: 'utf8', maxBuffer: 16 << 20 }));
  if (!fs.existsSync(LIBRIVOX)) throw new Error(`${LIBRIVOX} missing: apt-get install pocketsphinx-testdata`);
  const sherpa = await verifyInstalled(SHERPA_EN_MODEL, { hash: false });
  if (sherpa.ok) results.push(runChild('sherpa-onnx'));
  else results.push({ engine: 'sherpa-onnx', skipped: true, reason: sherpa.reason });
  if (PocketSphinxEngine.missingModelFiles().length === 0) {
    results.push(runChild('pocketsphinx'));
    results.push(runChild('pocketsphinx-accurate'));
  } else results.push({ engine: 'pocketsphinx', skipped: true, reason: 'pocketsphinx-en-us model missing' });
  const runLoop = (mode: string): unknown => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, '--loop', mode], { encoding: 'utf8', maxBuffer: 16 << 20 }));
  const mainThread = PocketSphinxEngine.missingModelFiles().length === 0
    ? { note: 'main-thread event-loop delay while PocketSphinx (fast) decodes at 2x real time', inThread: runLoop('in-thread'), worker: runLoop('worker') }
    : { skipped: true };
  const instructions = args.instructions && PocketSphinxEngine.missingModelFiles().length === 0 ? decoderInstructions(self, 'pocketsphinx') : undefined;
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(
    `${JSON.stringify({
      bench: 'asr',
      data: `${LIBRIVOX} (5 utterances, reference: transcription file; normalised: lower case, no punctuation, mr→mister)`,
      pocketsphinxFastArgs: POCKETSPHINX_FAST_ARGS.join(' '),
      machine: { cpus: (await import('node:os')).cpus().length, loadAvgAtEnd: load, node: process.version },
      targets: { pocketsphinxRtf: 0.05, note: 'CPU-time RTF per stream (see engines[].rtf, rtfBestOf)' },
      hostCalibration: hostCalibration(),
      engines: results,
      evaluation: PocketSphinxEngine.missingModelFiles().length === 0 ? evaluation() : { skipped: true },
      ...(instructions ? { decoderInstructions: instructions } : {}),
      mainThreadWhileDecoding: mainThread,
    }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:asr: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
