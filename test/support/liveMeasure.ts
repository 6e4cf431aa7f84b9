/**
 * The measuring half of `npm run bench:live` and `npm run load`, one implementation for both:
 * what a measurement window of live rooms yields from the rooms' socket observers
 * ({@link RoomObserver}) and from /proc.
 *
 * Definitions (all on one machine, so the clocks agree):
 *   - voice latency = observer receive time − `frame.serverTimeMs` (stamped when the 100 ms window
 *     closes), per voice frame received in the window;
 *   - frames lost = 100 ms windows missing from each observer's `mediaTimeSec` sequence within the
 *     window (gaps between consecutive frames);
 *   - caption lag, per word = server time (`serverTimeMs`) of the caption that COMMITTED the word
 *     (the first one with the word among its `committedWords`, or the segment's final) − wall time
 *     of the end of the word's audio; words committed in the window. A word is a position in a
 *     segment (producer, `segmentId`, index). Media time maps to wall time through the voice frame
 *     of the same producer whose window holds the word's end: its `serverTimeMs` (stamped when the
 *     window closed, i.e. when the server had the audio up to `mediaTimeSec + windowSec`) minus
 *     the rest of the window (fallback when that frame was not received: the median offset of the
 *     producer's last 51 frames). Also the first-shown lag: the first caption that showed the
 *     committed word's text at its position;
 *   - CPU % (100 = one core) by stage of the server process tree, split by process (pid delta of
 *     utime + stime between two samples; processes started in between count from 0), and of the
 *     load clients (Chromium, the tool itself);
 *   - RSS of the server process tree (at the end, and the peak of 1 s samples).
 */
import type { Page } from 'playwright-core';
import { committedWordCount, type ErrorBody } from '@lectern/contract';
import type { ReceivedFrame, RoomObserver } from './observer.ts';
import { ticksToPercent, type TreeProcess, treeProcesses } from './procstat.ts';
import { percentile } from './stats.ts';

/** Stages of the server's process tree. */
export type ServerStage = 'gateway' | 'sfu' | 'analyzer' | 'pose' | 'recorder' | 'report' | 'database' | 'other';

/**
 * Assigns a process of the tree a stage: the first stage found walking up from it (so an analyzer's
 * helper processes count as `analyzer`). `null` leaves the process (and its subtree) out.
 */
export type StageOf = (proc: TreeProcess, parentStage: string | null, isRoot: boolean) => string | null;

/**
 * The server's stages: the root process = `gateway` (gateway/src/main.ts), `mediasoup-worker` =
 * `sfu`, the forked analyzer (analyzers/src/process/main.ts) and pose (analyzers/src/video/process)
 * processes, `ffmpeg` reading an SDP (a session's recording) = `recorder`, the report's full pass
 * after a session (analyzers/src/report/fullPassProcess.ts) and the gateway's other ffmpeg children
 * (clip cuts, spool repair) = `report`, embedded PostgreSQL = `database`, tsx's `esbuild` = the stage
 * of the process that started it; anything else under the gateway is `other`.
 */
export const serverStageOf: StageOf = (p, parent, isRoot) => {
  if (isRoot) return 'gateway';
  if (p.comm.startsWith('mediasoup-work') || p.cmdline.includes('mediasoup-worker')) return 'sfu';
  if (p.cmdline.includes('analyzers/src/video/process/main.ts')) return 'pose';
  if (p.cmdline.includes('analyzers/src/process/main.ts')) return 'analyzer';
  if (p.cmdline.includes('analyzers/src/report/fullPassProcess.ts')) return 'report';
  // A session's recorder is the ffmpeg reading an SDP of RTP inputs. Any other ffmpeg is the work
  // of the process that started it: the gateway's (clip cuts, spool repair) is post-session report
  // work, the full pass's decoder is the full pass's (it was counted as a recorder once: the soak's
  // "recorder alive at idle" in cycle 3 of 6 was a full pass still decoding).
  if (p.comm === 'ffmpeg') return /(^|\s)-f sdp(\s|$)/.test(p.cmdline) ? 'recorder' : !parent || parent === 'gateway' ? 'report' : parent;
  if (p.comm === 'postgres' || p.comm === 'initdb') return 'database';
  if (p.comm === 'esbuild') return parent ?? 'gateway'; // tsx's transpiler serves the process that started it
  return parent && parent !== 'gateway' ? parent : 'other';
};

/**
 * The load clients' stages, for a tree rooted at the tool's own process: the root = `tool`,
 * Chromium (and its helpers) = `chromium`; the subtree of `excludePid` (the server) is left out.
 */
export function clientStageOf(excludePid: number): StageOf {
  return (p, parent, isRoot) => {
    if (p.pid === excludePid) return null;
    if (isRoot) return 'tool';
    if (/^(chrom|headless_shell)/.test(p.comm) || p.cmdline.includes('chromium')) return 'chromium';
    return parent && parent !== 'tool' ? parent : 'other';
  };
}

/** One /proc sample of a tree by stage. */
export interface StageSample {
  atMs: number;
  /** CPU ticks, RSS and stage per pid. */
  procs: Map<number, { stage: string; ticks: number; rssBytes: number }>;
  rssBytes: number;
}

/** Samples the tree under `root`, each process with its stage. */
export function sampleStages(root: number, stageOf: StageOf): StageSample {
  const stageByPid = new Map<number, string | null>();
  const procs = new Map<number, { stage: string; ticks: number; rssBytes: number }>();
  let rssBytes = 0;
  for (const p of treeProcesses(root)) {
    const parent = stageByPid.has(p.ppid) ? stageByPid.get(p.ppid)! : undefined;
    if (parent === null) {
      stageByPid.set(p.pid, null); // under an excluded process
      continue;
    }
    const stage = stageOf(p, parent ?? null, p.pid === root);
    stageByPid.set(p.pid, stage);
    if (stage === null) continue;
    procs.set(p.pid, { stage, ticks: p.cpuTicks, rssBytes: p.rssBytes });
    rssBytes += p.rssBytes;
  }
  return { atMs: performance.now(), procs, rssBytes };
}

/**
 * CPU % (100 = one core) per stage between two samples, plus `total`. A process only in `b`
 * started in between and counts from 0; one only in `a` ended and its last ticks are lost.
 */
export function stageCpuPercent(a: StageSample, b: StageSample): Record<string, number> & { total: number } {
  const ticks: Record<string, number> = {};
  let total = 0;
  for (const [pid, p] of b.procs) {
    const d = Math.max(0, p.ticks - (a.procs.get(pid)?.ticks ?? 0));
    ticks[p.stage] = (ticks[p.stage] ?? 0) + d;
    total += d;
  }
  const elapsedMs = b.atMs - a.atMs;
  const out: Record<string, number> = {};
  for (const [stage, t] of Object.entries(ticks)) out[stage] = round(ticksToPercent(t, elapsedMs));
  return { ...out, total: round(ticksToPercent(total, elapsedMs)) };
}

/** Voice latencies (ms), frames received and frames lost (missing 100 ms windows) of frame lists. */
export function voiceFigures(frameLists: readonly (readonly ReceivedFrame[])[]): { latenciesMs: number[]; received: number; lost: number } {
  const latenciesMs: number[] = [];
  let received = 0;
  let lost = 0;
  for (const frames of frameLists) {
    received += frames.length;
    for (const f of frames) latenciesMs.push(f.receivedAtMs - f.frame.serverTimeMs);
    for (let k = 1; k < frames.length; k++) {
      const gap = Math.round((frames[k]!.frame.mediaTimeSec - frames[k - 1]!.frame.mediaTimeSec) / 0.1);
      if (gap > 1) lost += gap - 1;
    }
  }
  return { latenciesMs, received, lost };
}

/** Voice frames whose median clock offset maps media time to wall time when no frame holds the word's end (≈ 5 s of windows, as `/metrics` does). */
export const CAPTION_OFFSET_FRAMES = 51;

/** Per-word caption figures of {@link captionWordLags}. */
export interface CaptionWordLags {
  /** Commit lag per word committed in the window, ms (see the module comment). */
  commitLagsMs: number[];
  /** First-shown lag of the same words, ms: when their committed text first appeared at their position. */
  firstShownLagsMs: number[];
  /** Of those words: committed by a partial (stable-word commit) and by the segment's final. */
  committedBy: { partial: number; final: number };
  /**
   * Mapping check, per word, ms: wall time of the word's end by the median offset of the last 51
   * frames before the caption (the rule before issue #14, still that of `lectern_caption_lag_seconds`)
   * minus the wall time by the frame holding the word's end (the rule here). Positive = the old
   * rule dated the word's end later, so it reported a smaller lag.
   */
  mappingDeltaMs: number[];
  /** Words whose end had to be mapped by the median offset (no received frame held it). */
  mappedByFallback: number;
}

/**
 * Caption lags of the words committed to `o` within [fromMs, toMs] by the captions' `serverTimeMs`
 * (see the module comment). A word committed before the window is never counted again.
 */
export function captionWordLags(o: RoomObserver, fromMs: number, toMs: number): CaptionWordLags {
  const out: CaptionWordLags = { commitLagsMs: [], firstShownLagsMs: [], committedBy: { partial: 0, final: 0 }, mappingDeltaMs: [], mappedByFallback: 0 };
  // Voice frames per producer, in arrival order (= media order per producer).
  const frames = new Map<string, ReceivedFrame[]>();
  for (const f of o.frames) {
    let list = frames.get(f.frame.producerId);
    if (!list) frames.set(f.frame.producerId, (list = []));
    list.push(f);
  }
  const offsetOf = (f: ReceivedFrame): number => f.frame.serverTimeMs - (f.frame.mediaTimeSec + f.frame.windowSec) * 1000;
  /** Wall time (epoch ms) the server had the audio up to `endSec`, and the old rule's value. */
  const wallOfEnd = (list: readonly ReceivedFrame[], endSec: number, receivedAtMs: number): { wallMs: number; oldWallMs: number; fallback: boolean } | null => {
    // Frames received before the caption: [0, n).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.receivedAtMs <= receivedAtMs) lo = mid + 1;
      else hi = mid;
    }
    const n = lo;
    if (n === 0) return null; // no voice frame yet: media time cannot be mapped to wall time
    const oldWallMs = endSec * 1000 + percentile(list.slice(Math.max(0, n - CAPTION_OFFSET_FRAMES), n).map(offsetOf), 50);
    // The frame whose window [mediaTimeSec, mediaTimeSec + windowSec) holds endSec (windows are in media order).
    lo = 0;
    hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.frame.mediaTimeSec <= endSec) lo = mid + 1;
      else hi = mid;
    }
    const f = lo > 0 ? list[lo - 1]! : null;
    if (f && endSec <= f.frame.mediaTimeSec + f.frame.windowSec + 1e-6) {
      return { wallMs: f.frame.serverTimeMs - (f.frame.mediaTimeSec + f.frame.windowSec - endSec) * 1000, oldWallMs, fallback: false };
    }
    return { wallMs: oldWallMs, oldWallMs, fallback: true };
  };
  const committed = new Set<string>();
  const firstShown = new Map<string, { word: string; atMs: number }[]>(); // key → texts shown at that position, first time each
  for (const { caption, receivedAtMs } of o.captions) {
    const n = committedWordCount(caption);
    for (let i = 0; i < caption.words.length; i++) {
      const w = caption.words[i]!;
      const key = `${caption.producerId}|${caption.segmentId}|${i}`;
      if (committed.has(key)) continue;
      let shown = firstShown.get(key);
      if (!shown) firstShown.set(key, (shown = []));
      if (!shown.some((x) => x.word === w.word)) shown.push({ word: w.word, atMs: caption.serverTimeMs });
      if (i >= n) continue;
      committed.add(key);
      firstShown.delete(key);
      if (caption.serverTimeMs < fromMs || caption.serverTimeMs > toMs) continue;
      const list = frames.get(caption.producerId);
      const wall = list ? wallOfEnd(list, w.endSec, receivedAtMs) : null;
      if (!wall) continue;
      out.commitLagsMs.push(caption.serverTimeMs - wall.wallMs);
      out.firstShownLagsMs.push(shown.find((x) => x.word === w.word)!.atMs - wall.wallMs);
      out.mappingDeltaMs.push(wall.oldWallMs - wall.wallMs);
      if (wall.fallback) out.mappedByFallback++;
      if (caption.kind === 'final') out.committedBy.final++;
      else out.committedBy.partial++;
    }
  }
  return out;
}

/** Commit lags (ms) of the words committed to `o` within [fromMs, toMs]: {@link captionWordLags}`.commitLagsMs`. */
export function captionLagsMs(o: RoomObserver, fromMs: number, toMs: number): number[] {
  return captionWordLags(o, fromMs, toMs).commitLagsMs;
}

/** Rounds to 2 decimals. */
export const round = (x: number): number => Math.round(x * 100) / 100;

/** Percentiles `ps` of `values` (rounded, ms), null each when there are none: `{ p50, p95, … }`. */
export function percentiles<P extends number>(values: readonly number[], ps: readonly P[]): Record<`p${P}`, number | null> {
  const out = {} as Record<`p${P}`, number | null>;
  for (const p of ps) out[`p${p}`] = values.length ? round(percentile(values, p)) : null;
  return out;
}

/** What a {@link LiveWindow} measured. */
export interface LiveWindowResult {
  startedAtMs: number;
  elapsedMs: number;
  latenciesMs: number[];
  framesReceived: number;
  framesLost: number;
  /** Commit lag per word committed in the window, ms (all rooms). */
  captionLagsMs: number[];
  /** The per-word caption figures behind it, all rooms merged ({@link captionWordLags}). */
  captionWords: CaptionWordLags;
  /** Server process tree, % of one core by stage (+ total). */
  serverCpuPercentByStage: Record<string, number> & { total: number };
  /** Load clients (Chromium, the tool), when a client root was given. */
  clientCpuPercentByStage: (Record<string, number> & { total: number }) | null;
  rssBytes: number;
  rssPeakBytes: number;
}

/**
 * A measurement window over live rooms: {@link LiveWindow.start} notes where each observer's
 * frames stand and samples /proc; {@link LiveWindow.stop} computes the figures of what arrived in
 * between (see the module comment).
 */
export class LiveWindow {
  readonly startedAtMs = Date.now();
  readonly #startIdx: number[];
  readonly #server0: StageSample;
  readonly #client0: StageSample | null;
  #rssPeak = 0;
  readonly #timer: NodeJS.Timeout;

  private constructor(
    readonly observers: readonly RoomObserver[],
    readonly serverPid: number,
    readonly clientPid: number | null,
  ) {
    this.#startIdx = observers.map((o) => o.frames.length);
    this.#server0 = sampleStages(serverPid, serverStageOf);
    this.#client0 = clientPid === null ? null : sampleStages(clientPid, clientStageOf(serverPid));
    this.#rssPeak = this.#server0.rssBytes;
    this.#timer = setInterval(() => (this.#rssPeak = Math.max(this.#rssPeak, sampleStages(serverPid, serverStageOf).rssBytes)), 1000);
  }

  /**
   * Starts a window.
   * @param observers one per room (each room's voice frames and captions).
   * @param serverPid root of the server process tree.
   * @param clientPid root of the load clients' tree (the tool's pid: Chromium is its child), or null.
   */
  static start(observers: readonly RoomObserver[], serverPid: number, clientPid: number | null = null): LiveWindow {
    return new LiveWindow(observers, serverPid, clientPid);
  }

  /** Ends the window and computes its figures. */
  stop(): LiveWindowResult {
    clearInterval(this.#timer);
    const server1 = sampleStages(this.serverPid, serverStageOf);
    const client1 = this.clientPid === null ? null : sampleStages(this.clientPid, clientStageOf(this.serverPid));
    const endMs = Date.now();
    const voice = voiceFigures(this.observers.map((o, i) => o.frames.slice(this.#startIdx[i])));
    const perRoom = this.observers.map((o) => captionWordLags(o, this.startedAtMs, endMs));
    const captions: CaptionWordLags = {
      commitLagsMs: perRoom.flatMap((c) => c.commitLagsMs),
      firstShownLagsMs: perRoom.flatMap((c) => c.firstShownLagsMs),
      committedBy: { partial: perRoom.reduce((a, c) => a + c.committedBy.partial, 0), final: perRoom.reduce((a, c) => a + c.committedBy.final, 0) },
      mappingDeltaMs: perRoom.flatMap((c) => c.mappingDeltaMs),
      mappedByFallback: perRoom.reduce((a, c) => a + c.mappedByFallback, 0),
    };
    return {
      startedAtMs: this.startedAtMs,
      elapsedMs: endMs - this.startedAtMs,
      latenciesMs: voice.latenciesMs,
      framesReceived: voice.received,
      framesLost: voice.lost,
      captionLagsMs: captions.commitLagsMs,
      captionWords: captions,
      serverCpuPercentByStage: stageCpuPercent(this.#server0, server1),
      clientCpuPercentByStage: this.#client0 && client1 ? stageCpuPercent(this.#client0, client1) : null,
      rssBytes: server1.rssBytes,
      rssPeakBytes: Math.max(this.#rssPeak, server1.rssBytes),
    };
  }
}

/** What {@link watchSignaling} saw of a page's `room:join`. */
export interface SignalingWatch {
  /** Wall time (epoch ms) the page sent its first `room:join`, or null. */
  joinSentAtMs: number | null;
  /** Time from that `room:join` to its acknowledgement, ms, or null (not acknowledged yet). */
  joinAckMs: number | null;
  /** The error of the first refused `room:join` (e.g. `CAPACITY` with `retryAfterSec`), or null. */
  refusal: ErrorBody | null;
}

/**
 * Follows a page's Socket.IO frames (Engine.IO v4 over WebSocket: `42<id>["room:join",…]` out,
 * `43<id>[ack]` back) to time its `room:join` and catch a refusal such as `CAPACITY`.
 */
export function watchSignaling(page: Page): SignalingWatch {
  const watch: SignalingWatch = { joinSentAtMs: null, joinAckMs: null, refusal: null };
  page.on('websocket', (ws) => {
    const pending = new Map<string, number>();
    ws.on('framesent', ({ payload }) => {
      const m = typeof payload === 'string' ? /^42(\d+)\["room:join"/.exec(payload) : null;
      if (!m) return;
      pending.set(m[1]!, Date.now());
      watch.joinSentAtMs ??= Date.now();
    });
    ws.on('framereceived', ({ payload }) => {
      const m = typeof payload === 'string' ? /^43(\d+)(\[[\s\S]*)$/.exec(payload) : null;
      const sentAt = m ? pending.get(m[1]!) : undefined;
      if (!m || sentAt === undefined) return;
      pending.delete(m[1]!);
      if (watch.joinAckMs === null) watch.joinAckMs = Date.now() - sentAt;
      try {
        const [ack] = JSON.parse(m[2]!) as [{ ok: boolean; error?: ErrorBody }];
        if (!ack.ok && ack.error) watch.refusal ??= ack.error;
      } catch {}
    });
  });
  return watch;
}

/**
 * Waits until the page's `window.__lectern.framesReceived` is positive (its first voice metric
 * frame), polling every 50 ms, or until `refused()` holds.
 * @returns the wall time (epoch ms) it was seen, or null when refused or on timeout.
 */
export async function firstFrameOnPage(page: Page, timeoutMs: number, refused: () => boolean): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !refused()) {
    const n = await page
      .evaluate(() => (window as unknown as { __lectern?: { framesReceived: number } }).__lectern?.framesReceived ?? 0)
      .catch(() => 0);
    if (n > 0) return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
