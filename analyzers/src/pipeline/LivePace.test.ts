/**
 * Does the live caption path ever make the nudges' {@link PaceWindow} count a word twice?
 * The path as it runs live: the speech fixture's utterances at `sox tempo 1.4` (the nudges e2e's
 * fake microphone input, which Chromium loops), Opus RTP → LiveAudioStream → LiveLanguageStream
 * (PocketSphinx, the live caption options: stable-word commit, 0.2 s batches, utterances ended at
 * 0.3 s VAD pauses) → `captions:update` and `metrics:fluency` in emission order → PaceWindow, as the
 * gateway's NudgeEngine feeds it. Prints JSON (`livePace`): the caption sequence's counts, the
 * 15 s pace at each fluency frame vs the reference pace (reference words spread evenly over each
 * utterance's span), and every word that overlaps an already-counted word in time. Without the
 * PocketSphinx frame-offset fix (PocketSphinxStream.words), the 1.0 s variant read 412 WPM at most
 * for a 252 WPM reference (299 final words for 213 spoken); with it 228 (187 words).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CaptionEvent, type FluencyFrame, PaceWindow } from '@lectern/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketSphinxEngine } from '../asr/pocketsphinx/PocketSphinxEngine.ts';
import { readWav16 } from '../asr/wav.ts';
import { SileroVad } from '../voice/SileroVad.ts';
import { SPEECH_48K_WAV, loadTruth } from '../../test/fixtures.ts';
import { encodeOpusRtp } from '../../test/rtpFixtures.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';
import { LiveAudioStream } from './LiveAudioStream.ts';
import { LiveLanguageStream } from './LiveLanguageStream.ts';

const TEMPO = 1.4;
const LOOPS = 3;
const SSRC = 0x5eed;
const PT = 111;
const available = requireSpeechDeps('live pace tests', PocketSphinxEngine.missingModelFiles());

interface RefWord {
  endSec: number;
}

describe.skipIf(!available)('live captions → PaceWindow on real speech', { timeout: 600_000 }, () => {
  let engine: PocketSphinxEngine;
  let model: SileroVad;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-pace-'));
  beforeAll(async () => {
    engine = new PocketSphinxEngine();
    model = await SileroVad.shared();
  });
  afterAll(async () => {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // 0.3 s: the live setting; 1.0 s: utterances run through the fixture's short gaps, as when the
  // voice VAD misses a pause in Chromium's audio (the nudges e2e run that read 324 WPM).
  for (const endUtteranceAfterPauseSec of [0.3, 1.0])
  it(`counts each spoken word once (utterances end at ${endUtteranceAfterPauseSec} s pauses)`, async () => {
    const truth = loadTruth();
    // The nudges e2e's input: each utterance ± 0.3 s, back to back, at 1.4×; looped as Chromium's fake mic does.
    const trimmed = path.join(dir, 'utt.wav');
    const keep = truth.segments.flatMap((s) => [`=${Math.max(0, s.startSec - 0.3)}`, `=${Math.min(truth.durationSec, s.endSec + 0.3)}`]);
    execFileSync('sox', [SPEECH_48K_WAV, trimmed, 'trim', ...keep]);
    const fast = path.join(dir, 'fast.wav');
    execFileSync('sox', [trimmed, fast, 'tempo', String(TEMPO)]);
    const one = readWav16(fast).samples;
    const loopSec = one.length / 48_000;
    const pcm = new Float32Array(one.length * LOOPS);
    for (let i = 0; i < LOOPS; i++) pcm.set(one, i * one.length);

    // Reference word end times (media s): each utterance's words spread evenly over its span in the fast file.
    const ref: RefWord[] = [];
    for (let loop = 0; loop < LOOPS; loop++) {
      let offset = 0;
      for (const s of truth.segments) {
        const a = Math.max(0, s.startSec - 0.3);
        const lead = s.startSec - a;
        const words = s.text.split(' ');
        const spanSec = s.endSec - s.startSec;
        words.forEach((_, i) => ref.push({ endSec: loop * loopSec + (offset + lead + ((i + 1) / words.length) * spanSec) / TEMPO }));
        offset += Math.min(truth.durationSec, s.endSec + 0.3) - a;
      }
    }

    const rtp = encodeOpusRtp(pcm, { ssrc: SSRC, payloadType: PT });
    const seq: ({ t: 'caption'; c: CaptionEvent } | { t: 'fluency'; f: FluencyFrame })[] = [];
    const language = new LiveLanguageStream({
      roomId: 'r',
      producerId: 'p1',
      asr: engine,
      commit: { policy: (process.env.LECTERN_CAPTION_COMMIT as 'stable' | 'final-only' | undefined) ?? 'stable' },
      onCaption: (c) => seq.push({ t: 'caption', c }),
      onFluency: (f) => seq.push({ t: 'fluency', f }),
      onDisfluency: () => {},
      endUtteranceAfterPauseSec,
    });
    let now = 0;
    const stream = new LiveAudioStream({
      roomId: 'r',
      producerId: 'p1',
      payloadType: PT,
      ssrc: SSRC,
      clockRate: 48000,
      model,
      now: () => now,
      wallClock: () => 1_700_000_000_000 + now,
      onFrame: () => {},
      onPause: () => {},
      onAnalysedWindow: (samples, t, pauseSec, pauses) => language.pushWindow(samples, t, pauseSec, pauses),
    });
    let next = 0;
    for (now = 0; now <= rtp.length * 20 + 500; now += 10) {
      while (next < rtp.length && next * 20 <= now) stream.handleDatagram(rtp[next++]!.datagram, now);
      stream.tick(now);
      if (now % 200 === 0) await stream.drained();
    }
    await stream.close();
    await language.close();
    if (process.env.LIVE_PACE_SEQUENCE) fs.writeFileSync(process.env.LIVE_PACE_SEQUENCE, JSON.stringify(seq.map((e) => (e.t === 'caption' ? e.c : { fluency: e.f.mediaTimeSec }))));

    // PaceWindow as the NudgeEngine feeds it, and the reference pace over the same window.
    const pace = new PaceWindow();
    const series: [number, number, number][] = [];
    for (const e of seq) {
      if (e.t === 'caption') pace.caption(e.c);
      else {
        const wpm = pace.wpm('p1', e.f.mediaTimeSec);
        if (wpm === null) continue;
        const end = e.f.mediaTimeSec; // reference: the window (now − 15, now]
        const refN = ref.filter((w) => w.endSec > end - 15 && w.endSec <= end).length;
        series.push([Math.round(e.f.mediaTimeSec), wpm, refN * 4]);
      }
    }

    // Words counted twice: a word of a caption overlapping, by more than half the shorter one, a
    // word of an earlier segment's final (within a segment the stable committer can add one at a
    // re-segmented boundary: PocketSphinxWordTimes.test.ts). Words dated after the audio so far.
    const finals: { word: string; startSec: number; endSec: number; segmentId: number }[] = [];
    const overlaps: string[] = [];
    const overlapOf = (a: { startSec: number; endSec: number }, b: { startSec: number; endSec: number }) =>
      Math.min(a.endSec, b.endSec) - Math.max(a.startSec, b.startSec) > 0.5 * Math.min(a.endSec - a.startSec, b.endSec - b.startSec);
    let partials = 0;
    let audioSec = 0;
    let late = 0;
    for (const e of seq) {
      if (e.t === 'fluency') audioSec = e.f.mediaTimeSec;
      else late += e.c.words.filter((w) => w.endSec > audioSec + 1.2).length; // fluency frames come every 1 s
    }
    let finalsN = 0;
    for (const e of seq) {
      if (e.t !== 'caption') continue;
      const c = e.c;
      if (c.kind === 'partial') partials++;
      else finalsN++;
      for (const w of c.words)
        for (const f of finals)
          if (f.segmentId !== c.segmentId && f.endSec > w.startSec - 1 && overlapOf(w, f))
            overlaps.push(`${c.kind} ${c.segmentId} "${w.word}" ${w.startSec.toFixed(2)}–${w.endSec.toFixed(2)} ~ final ${f.segmentId} "${f.word}" ${f.startSec.toFixed(2)}–${f.endSec.toFixed(2)}`);
      if (c.kind === 'final') finals.push(...c.words.map((w) => ({ ...w, segmentId: c.segmentId })));
    }
    const ends = finals.map((w) => w.endSec);
    const outOfOrder = ends.filter((e, i) => i > 0 && e < ends[i - 1]! - 1e-9).length;
    const figures = {
      endUtteranceAfterPauseSec,
      loopSec: Math.round(loopSec * 100) / 100,
      loops: LOOPS,
      refWords: ref.length,
      refWpm: Math.round(((ref.length / LOOPS) * 60) / loopSec),
      finalWords: finals.length,
      finals: finalsN,
      partials,
      overlaps: overlaps.length,
      overlapSamples: overlaps.slice(0, 10),
      finalEndsOutOfOrder: outOfOrder,
      wordsAfterTheAudio: late,
      paceMax: Math.max(...series.map((s) => s[1])),
      refPaceMax: Math.max(...series.map((s) => s[2])),
      series,
    };
    console.log(JSON.stringify({ livePace: figures }));
    expect(overlaps).toEqual([]);
    expect(late).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(figures.paceMax).toBeLessThanOrEqual(figures.refPaceMax);
  });
});
