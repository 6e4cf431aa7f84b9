import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SPEECH_16K_WAV, loadTruth, segment } from '../../test/fixtures.ts';
import { percentileOf } from '../util/percentile.ts';
import type { AnalyzeReport } from './analyze.ts';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'analyze.ts');

/** Runs the CLI the way `npm run analyze` does (tsx), without a shell. */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20, timeout: 170_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run analyze (CLI integration on the real speech fixture)', () => {
  const truth = loadTruth();
  let report: AnalyzeReport;

  beforeAll(async () => {
    const { code, stdout, stderr } = await runCli(['--input', SPEECH_16K_WAV, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    report = JSON.parse(stdout) as AnalyzeReport;
  }, 180_000);

  it('prints the summary, engines and a 100 ms timeline', () => {
    expect(report.summary.durationSec).toBeCloseTo(truth.durationSec, 2);
    expect(report.timeline).toHaveLength(Math.ceil(truth.durationSec * 10));
    report.timeline.forEach((f, i) => {
      expect(f.mediaTimeSec).toBeCloseTo(i / 10, 6);
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['mediaTimeSec', 'levelDbfs', 'f0Hz', 'vadProb', 'isSpeech']));
    });
    expect(Object.keys(report.engines)).toEqual(expect.arrayContaining(['vad', 'pitch']));
    expect(report.summary.speakingRatio).toBeGreaterThan(0.5);
    expect(report.summary.pitchVariabilitySt).toBeGreaterThan(0);
    expect(report.summary.levelDbfs.p10!).toBeLessThan(report.summary.levelDbfs.p90!);
  });

  it('adds the transcript, timed words, pace and fillers from the active ASR engine', () => {
    expect(report.engines.asr).toBe('pocketsphinx');
    const reference = truth.segments.map((s) => s.text).join(' ').split(/\s+/).length;
    expect(report.words!.length / reference).toBeGreaterThan(0.8);
    expect(report.words!.length / reference).toBeLessThan(1.2);
    for (const w of report.words!) {
      expect(w.startSec).toBeGreaterThanOrEqual(0);
      expect(w.endSec).toBeGreaterThan(w.startSec);
      expect(w.endSec).toBeLessThanOrEqual(truth.durationSec + 0.01);
    }
    expect(report.transcript!.split(' ').length).toBe(report.words!.length);
    // 71 words over ~22 s of speech in 29.4 s: a reading pace, well inside 100–200 WPM.
    expect(report.summary.wpm).toBeGreaterThan(100);
    expect(report.summary.wpm).toBeLessThan(200);
    expect(report.summary.fillers).toMatchObject({ count: expect.any(Number), perMin: expect.any(Number), items: expect.any(Array) });
  });

  it('reports every inserted pause ≥ 1 s with start and end within ±300 ms', () => {
    const inserted = truth.insertedPauses.filter((p) => p.endSec - p.startSec >= 1 - 1e-9);
    expect(inserted.length).toBeGreaterThanOrEqual(4);
    for (const p of inserted) {
      const match = report.summary.pauses.find((r) => Math.abs(r.startSec - p.startSec) < 0.3 && Math.abs(r.endSec - p.endSec) < 0.3);
      expect(match, `pause ${p.startSec}–${p.endSec} s`).toBeDefined();
      expect(match!.durationSec).toBeCloseTo(match!.endSec - match!.startSec, 3);
    }
    // nothing spurious inside the utterances: one pause per inserted silence
    expect(report.summary.pauses).toHaveLength(truth.insertedPauses.length);
  });

  it('measures the speech of B-quiet 12 ± 2 dB below B (median over speech windows)', () => {
    const medianLevel = (label: string): number => {
      const s = segment(truth, label);
      const levels = report.timeline
        .filter((f) => f.isSpeech && f.mediaTimeSec >= s.startSec && f.mediaTimeSec + 0.1 <= s.endSec)
        .map((f) => f.levelDbfs);
      expect(levels.length).toBeGreaterThan(15);
      return percentileOf(levels, 50)!;
    };
    const diff = medianLevel('B') - medianLevel('B-quiet');
    expect(diff).toBeGreaterThan(10);
    expect(diff).toBeLessThan(14);
  });

  it('finds a median F0 in the adult range (70–300 Hz)', () => {
    expect(report.summary.f0Hz.median!).toBeGreaterThan(70);
    expect(report.summary.f0Hz.median!).toBeLessThan(300);
    expect(report.summary.f0Hz.windows).toBeGreaterThan(50);
  });

  describe('errors: one clear line naming the file, exit code 2, no stack trace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lectern-analyze-'));

    it.each([
      ['a missing file', path.join(dir, 'missing.wav'), /no such file/],
      ['a corrupt file', (() => {
        const f = path.join(dir, 'corrupt.wav');
        writeFileSync(f, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
        return f;
      })(), /not a media file/],
      ['a text file', path.join(REPO_ROOT, 'package.json'), /not a media file/],
    ])('%s', async (_label, file, reason) => {
      const { code, stdout, stderr } = await runCli(['--input', file, '--json']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(reason);
      expect(stderr).not.toMatch(/\n\s+at /);
    }, 120_000);

    it('a usage error', async () => {
      const { code, stderr } = await runCli(['--nope']);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/usage:/);
    }, 120_000);
  });

  it('prints a short human summary without --json', async () => {
    const { code, stdout } = await runCli([SPEECH_16K_WAV]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/pauses \(4\)/);
    expect(stdout.trim().split('\n').length).toBeLessThanOrEqual(6);
  }, 180_000);
});
