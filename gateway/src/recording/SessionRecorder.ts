import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import type { Room, RtpTap } from '@lectern/sfu';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import { FfmpegRecorder, type RecorderExit, type RecorderStream } from './FfmpegRecorder.ts';
import { LiveUploader } from './LiveUploader.ts';
import { RtpRelay, type FirstPacket } from './RtpRelay.ts';
import { type SpoolMeta, writeSpoolMeta } from './SpoolMeta.ts';

const execFileP = promisify(execFile);

/** Logger (pino-compatible subset). */
export interface RecorderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of {@link SessionRecorder}. */
export interface SessionRecorderOptions {
  sessionId: string;
  mediaObjectId: string;
  orgId: string;
  room: Room;
  /** Spool directory of this recording (created): holds recording.webm and meta.json. */
  dir: string;
  store: ObjectStore;
  /** Object key of the recording. */
  key: string;
  log: RecorderLog;
  /** Called once the recorder's consumer of a producer exists (to exclude it from analyzer taps). */
  onTap?: (producerId: string, consumerId: string) => void;
  /** Wait for more producers (video after audio) this long after the first tap, ms (default 1000). */
  gatherMs?: number;
  /** Start with the streams that have packets this long after the first packet, ms (default 5000). */
  maxWaitMs?: number;
  /** Part size of the live multipart upload, bytes (default 5 MiB). */
  partBytes?: number;
  /**
   * How long the recording waits without packets (the presenter dropped) before ffmpeg finishes
   * the file, s (default 45: the session's resume grace + 15 s).
   */
  idleTimeoutSec?: number;
}

/** What a finished recording looks like. */
export interface RecordingResult {
  /** `uploaded`: in S3; `spooled`: on disk, the drainer uploads it; `failed`: nothing usable. */
  state: 'uploaded' | 'spooled' | 'failed';
  bytes: number;
  durationSec: number | null;
  hasAudio: boolean;
  hasVideo: boolean;
  /** RTP timestamp of the recording's first audio packet (anchor of the time base). */
  audioFirstRtp: number | null;
  /** Position of that packet in the file, seconds (ffprobe of the audio stream's start). */
  audioStartSec: number;
  /** Wall-clock ms from stop() to the object being complete in S3 (uploaded only). */
  uploadMs: number | null;
  /** Arrival of the first audio packet, ms since the Unix epoch (null without audio). */
  audioFirstArrivalMs: number | null;
  /**
   * Audio the presenter's browser produced, by RTP timestamps: highest minus first timestamp of the
   * packets received, seconds (null without audio). The recording's audio should last this long;
   * unlike the arrival-time span it does not grow when the sender stalls (a loaded machine).
   */
  audioRtpSpanSec: number | null;
  /** Arrival of the last audio packet before stop(), ms since the Unix epoch (null without audio). */
  audioLastArrivalMs: number | null;
  /** When stop() was called, ms since the Unix epoch (the end of the published media). */
  stoppedAtMs: number;
  error?: string;
}

interface Track {
  producer: types.Producer;
  /** The presenter dropped (see {@link SessionRecorder.suspend}): the tap is gone, the relay waits for a new source. */
  suspended?: boolean;
  relay: RtpRelay;
  tap?: RtpTap;
  stream: RecorderStream;
  keyFrameTimer?: NodeJS.Timeout;
}

/**
 * Records one session's presenter media server-side: for each producer an RTP tap (PlainTransport +
 * consumer, created when the producer appears — the same moment the analyzer's tap is created)
 * sends RTP to an {@link RtpRelay}; once the streams have started, one {@link FfmpegRecorder}
 * writes them to `dir/recording.webm` (Opus + VP8, `-c copy`) and a {@link LiveUploader} streams
 * the file to S3 while it grows. Video taps ask the browser for a key frame (PLI) at once and every
 * second until one arrives. Producers that appear after ffmpeg started are not recorded (logged).
 *
 * Failures never throw into the session: a failing tap or ffmpeg is logged and reflected in the
 * {@link RecordingResult}; an S3 failure leaves the file spooled (`meta.json` beside it) for the
 * {@link SpoolDrainer}.
 */
export class SessionRecorder {
  readonly #tracks: Track[] = [];
  readonly #o: Required<Omit<SessionRecorderOptions, 'onTap'>> & Pick<SessionRecorderOptions, 'onTap'>;
  readonly file: string;
  #ffmpeg?: FfmpegRecorder;
  #uploader?: LiveUploader;
  #starting?: Promise<void>;
  #firstTapAt = 0;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #ffmpegExit?: RecorderExit;
  #startError?: string;

  /** @param opts see {@link SessionRecorderOptions}. */
  constructor(opts: SessionRecorderOptions) {
    this.#o = { gatherMs: 1000, maxWaitMs: 5000, partBytes: 5 * 1024 * 1024, idleTimeoutSec: 45, ...opts };
    fs.mkdirSync(opts.dir, { recursive: true });
    this.file = path.join(opts.dir, 'recording.webm');
    this.#writeMeta(false);
  }

  /** Whether ffmpeg has started writing. */
  get started(): boolean {
    return !!this.#ffmpeg;
  }

  /** Streams being recorded (after start) or waiting to start. */
  get kinds(): ('audio' | 'video')[] {
    return this.#tracks.map((t) => t.stream.kind);
  }

  /** The audio relay's first packet, once it arrived. */
  get audioFirstPacket(): FirstPacket | undefined {
    return this.#tracks.find((t) => t.stream.kind === 'audio')?.relay.firstPacket;
  }

  /**
   * The presenter's media stopped without the session ending (socket drop, page reload, media
   * worker died): closes the taps but keeps ffmpeg, the relays and the upload running, so a
   * producer of the same kind added later ({@link addProducer}, after {@link resume}) continues
   * the same file, its gap kept in time ({@link RtpRelay.rebase}). Idempotent; never throws.
   */
  suspend(): void {
    for (const t of this.#tracks) {
      if (t.suspended) continue;
      t.suspended = true;
      clearInterval(t.keyFrameTimer);
      try {
        t.tap?.close();
      } catch {
        // the router may be gone with its worker
      }
      t.tap = undefined;
      t.relay.rebase();
    }
  }

  /** The room the presenter's next producers live in (a new Room after a media worker died). */
  resume(room: Room): void {
    this.#o.room = room;
  }

  /** How often the presenter's media was resumed into this recording (a relay's sources − 1, max over tracks). */
  get resumes(): number {
    return Math.max(0, ...this.#tracks.map((t) => t.relay.segments - 1));
  }

  /**
   * Taps a producer (audio or video) for the recording. After {@link suspend}, a producer of a
   * suspended kind is tapped into that kind's existing relay (the recording continues). Never
   * throws (failures are logged).
   */
  async addProducer(producer: types.Producer): Promise<void> {
    if (this.#stopped) return;
    const suspended = this.#tracks.find((t) => t.suspended && t.stream.kind === producer.kind);
    if (suspended) return this.#retap(suspended, producer);
    if (this.#ffmpeg || this.#starting) {
      this.#o.log.warn({ sessionId: this.#o.sessionId, producerId: producer.id, kind: producer.kind }, 'producer appeared after the recording started; not recorded');
      return;
    }
    if (this.#tracks.some((t) => t.stream.kind === producer.kind)) {
      this.#o.log.warn({ sessionId: this.#o.sessionId, producerId: producer.id }, `second ${producer.kind} producer; not recorded`);
      return;
    }
    const relay = new RtpRelay({ kind: producer.kind, mimeType: producer.kind === 'video' ? 'video/VP8' : 'audio/opus' });
    try {
      const port = await relay.bind();
      if (this.#firstTapAt === 0) {
        this.#firstTapAt = Date.now();
        this.#timers.push(setTimeout(() => this.#maybeStart(), this.#o.gatherMs + 10));
      }
      let info: { payloadType: number; mimeType: string; clockRate: number; channels: number } | undefined;
      const tap = await this.#o.room.createRtpTap(producer.id, async (i) => {
        info = i;
        relay.expectSource(i.localPort); // before media flows: only the tap's packets are relayed
        return { ip: '127.0.0.1', port };
      });
      if (this.#stopped || !info) {
        tap.close();
        relay.close();
        return;
      }
      this.#o.onTap?.(producer.id, tap.consumer.id);
      const track: Track = {
        producer,
        relay,
        tap,
        stream: { kind: producer.kind, mimeType: info.mimeType, payloadType: info.payloadType, clockRate: info.clockRate, channels: info.channels },
      };
      relay.onFirstPacket(() => {
        this.#timers.push(setTimeout(() => this.#maybeStart(true), this.#o.maxWaitMs));
        this.#maybeStart();
      });
      if (producer.kind === 'video') {
        const ask = () => void tap.consumer.requestKeyFrame().catch(() => {});
        ask();
        track.keyFrameTimer = setInterval(() => (relay.stats.keyFrames > 0 ? clearInterval(track.keyFrameTimer) : ask()), 1000);
        relay.onKeyFrame(() => clearInterval(track.keyFrameTimer));
      }
      this.#tracks.push(track);
      this.#tracks.sort((a, b) => (a.stream.kind === 'audio' ? -1 : 1) - (b.stream.kind === 'audio' ? -1 : 1));
      this.#maybeStart();
    } catch (err) {
      relay.close();
      this.#o.log.warn({ sessionId: this.#o.sessionId, producerId: producer.id, err: (err as Error).message }, 'could not tap producer for recording');
    }
  }

  async #retap(track: Track, producer: types.Producer): Promise<void> {
    track.suspended = false;
    track.producer = producer;
    try {
      const port = track.relay.port;
      if (port === null) throw new Error('relay closed');
      const tap = await this.#o.room.createRtpTap(producer.id, async (i) => {
        track.relay.expectSource(i.localPort); // the new tap's port; the old tap's late packets are dropped
        return { ip: '127.0.0.1', port };
      });
      if (this.#stopped || track.suspended) {
        tap.close();
        return;
      }
      track.tap = tap;
      this.#o.onTap?.(producer.id, tap.consumer.id);
      if (producer.kind === 'video') {
        const ask = () => void tap.consumer.requestKeyFrame().catch(() => {});
        ask();
        const keyFramesBefore = track.relay.stats.keyFrames;
        track.keyFrameTimer = setInterval(() => (track.relay.stats.keyFrames > keyFramesBefore ? clearInterval(track.keyFrameTimer) : ask()), 1000);
      }
      this.#o.log.info({ sessionId: this.#o.sessionId, producerId: producer.id, kind: producer.kind }, 'recording resumed with a new producer');
    } catch (err) {
      track.suspended = true;
      this.#o.log.warn({ sessionId: this.#o.sessionId, producerId: producer.id, err: (err as Error).message }, 'could not resume recording of producer');
    }
  }

  /**
   * Ends the recording: stops ffmpeg (it finalises the WebM), closes taps, probes the file and
   * completes the upload (or leaves it spooled). Idempotent.
   */
  async stop(): Promise<RecordingResult> {
    const t0 = Date.now();
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    await this.#starting?.catch(() => {});
    const exit = this.#ffmpeg ? await this.#ffmpeg.stop() : undefined;
    for (const t of this.#tracks) {
      clearInterval(t.keyFrameTimer);
      t.tap?.close();
      t.relay.close();
    }
    const hasAudio = this.#ffmpeg?.streams.some((s) => s.kind === 'audio') ?? false;
    const hasVideo = this.#ffmpeg?.streams.some((s) => s.kind === 'video') ?? false;
    const audioFirstRtp = this.audioFirstPacket?.rtpTimestamp ?? null;
    const audioTrack = this.#tracks.find((t) => t.stream.kind === 'audio');
    const audioRtpSpanSec = audioTrack?.relay.firstPacket ? audioTrack.relay.rtpSpanTicks / audioTrack.stream.clockRate : null;
    const base = { hasAudio, hasVideo, audioFirstRtp, audioRtpSpanSec, uploadMs: null, audioFirstArrivalMs: this.audioFirstPacket?.arrivalMs ?? null, audioLastArrivalMs: this.#tracks.find((t) => t.stream.kind === 'audio')?.relay.lastArrivalMs ?? null, stoppedAtMs: t0 };
    const size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
    if (!this.#ffmpeg || size === 0) {
      await this.#uploader?.abandon();
      this.#cleanup();
      const error = this.#startError ?? (this.#ffmpeg ? `ffmpeg wrote nothing: ${exit?.stderrTail.slice(-500)}` : 'no media arrived');
      return { ...base, state: 'failed', bytes: 0, durationSec: null, audioStartSec: 0, error };
    }
    const crashed = !!this.#ffmpegExit || (exit && exit.signal === 'SIGKILL');
    if (crashed) {
      // ffmpeg died mid-session: its file lacks the index; remux what it wrote into a clean WebM.
      await this.#uploader?.abandon();
      this.#uploader = undefined;
      await repairWebm(this.file).catch((err) => this.#o.log.warn({ err: (err as Error).message }, 'recording repair failed'));
    }
    const probe = await probeRecording(this.file).catch(() => null);
    const durationSec = probe?.durationSec ?? null;
    const audioStartSec = probe?.audioStartSec ?? 0;
    this.#writeMeta(true, { durationSec, audioStartSec, hasAudio, hasVideo, audioFirstRtp });
    let result: RecordingResult;
    const up = this.#uploader
      ? await this.#uploader.finish()
      : await this.#o.store.uploadFile(this.#o.key, this.file, 'video/webm').then(
          (bytes) => ({ ok: true as const, bytes, parts: 1 }),
          (err: Error) => ({ ok: false as const, error: err.message }),
        );
    const bytes = fs.statSync(this.file).size;
    if (up.ok) {
      result = { ...base, state: 'uploaded', bytes, durationSec, audioStartSec, uploadMs: Date.now() - t0 };
      this.#cleanup();
    } else {
      this.#o.log.warn({ sessionId: this.#o.sessionId, err: up.error }, 'object store unavailable: recording stays spooled for upload later');
      result = { ...base, state: 'spooled', bytes, durationSec, audioStartSec, error: up.error };
    }
    if (crashed && exit) result.error = `ffmpeg exited during the session (${exit.signal ?? `code ${exit.code}`}); recording repaired up to that point`;
    return result;
  }

  /** Gateway shutdown: stops ffmpeg cleanly but leaves the upload to the drainer at next start. */
  async abandon(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    await this.#starting?.catch(() => {});
    await this.#ffmpeg?.stop(5000);
    for (const t of this.#tracks) {
      clearInterval(t.keyFrameTimer);
      t.tap?.close();
      t.relay.close();
    }
    await this.#uploader?.abandon();
    if (this.#ffmpeg && fs.existsSync(this.file)) {
      const probe = await probeRecording(this.file).catch(() => null);
      this.#writeMeta(true, {
        durationSec: probe?.durationSec ?? null,
        audioStartSec: probe?.audioStartSec ?? 0,
        hasAudio: this.kinds.includes('audio'),
        hasVideo: this.kinds.includes('video'),
        audioFirstRtp: this.audioFirstPacket?.rtpTimestamp ?? null,
      });
    }
  }

  #maybeStart(force = false): void {
    if (this.#stopped || this.#ffmpeg || this.#starting) return;
    const ready = this.#tracks.filter((t) => t.relay.firstPacket);
    if (ready.length === 0) return;
    const gathered = Date.now() - this.#firstTapAt >= this.#o.gatherMs;
    if (!force && !(gathered && ready.length === this.#tracks.length)) return;
    this.#starting = this.#start(ready, force).catch((err) => {
      this.#startError = `recorder did not start: ${(err as Error).message}`;
      this.#o.log.warn({ sessionId: this.#o.sessionId, err: (err as Error).message }, 'recorder did not start');
    });
  }

  async #start(tracks: Track[], forced: boolean): Promise<void> {
    const buffered = tracks.map((t) => `${t.stream.kind}:${t.relay.stats.packets}`).join(',');
    const sinceFirstMs = Date.now() - Math.min(...tracks.map((t) => t.relay.firstPacket!.arrivalMs));
    // Place each stream by the arrival of its first packet: the earliest starts at 0 in the file.
    const first = Math.min(...tracks.map((t) => t.relay.firstPacket!.arrivalMs));
    for (const t of tracks) t.stream.offsetSec = (t.relay.firstPacket!.arrivalMs - first) / 1000;
    for (const t of this.#tracks) if (!tracks.includes(t)) {
      this.#o.log.warn({ sessionId: this.#o.sessionId, kind: t.stream.kind }, 'no packets arrived on this stream; recording without it');
      clearInterval(t.keyFrameTimer);
      t.tap?.close();
      t.relay.close();
    }
    const ffmpeg = new FfmpegRecorder(this.file, tracks.map((t) => t.stream));
    ffmpeg.idleTimeoutSec = this.#o.idleTimeoutSec;
    ffmpeg.on('exit', (exit) => {
      if (this.#stopped) return;
      this.#ffmpegExit = exit;
      this.#o.log.warn({ sessionId: this.#o.sessionId, code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-1000) }, 'ffmpeg exited during the session');
    });
    await ffmpeg.start((i, port) => tracks[i]!.relay.setTarget(port));
    this.#ffmpeg = ffmpeg;
    this.#uploader = new LiveUploader(this.#o.store, this.#o.key, this.file, 'video/webm', this.#o.partBytes);
    this.#uploader.start();
    // forced: started at maxWaitMs without every tapped stream; sinceFirstMs/buffered: how much was
    // replayed from the relays' pre-start buffers.
    this.#o.log.info({ sessionId: this.#o.sessionId, streams: tracks.map((t) => `${t.stream.kind}+${t.stream.offsetSec?.toFixed(3)}s`), forced, sinceFirstMs, buffered }, 'recording');
  }

  #writeMeta(finished: boolean, extra: Partial<SpoolMeta> = {}): void {
    writeSpoolMeta(this.#o.dir, {
      sessionId: this.#o.sessionId,
      mediaObjectId: this.#o.mediaObjectId,
      orgId: this.#o.orgId,
      key: this.#o.key,
      contentType: 'video/webm',
      file: 'recording.webm',
      finished,
      ...extra,
    });
  }

  #cleanup(): void {
    fs.rmSync(this.#o.dir, { recursive: true, force: true });
  }
}

/** Duration and audio start of a WebM (ffprobe). @throws if ffprobe fails. */
export async function probeRecording(file: string): Promise<{ durationSec: number | null; audioStartSec: number }> {
  const { stdout } = await execFileP('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,start_time', '-of', 'json', file]);
  const j = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_type: string; start_time?: string }[] };
  const audio = j.streams?.find((s) => s.codec_type === 'audio');
  const d = Number(j.format?.duration);
  return { durationSec: Number.isFinite(d) ? d : null, audioStartSec: Number(audio?.start_time ?? 0) || 0 };
}

/** Rewrites a WebM whose writer died (no Cues/duration) into a complete one, in place. */
export async function repairWebm(file: string): Promise<void> {
  const tmp = `${file}.repair.webm`;
  await execFileP('ffmpeg', ['-v', 'error', '-y', '-i', file, '-map', '0', '-c', 'copy', tmp]);
  fs.renameSync(tmp, file);
}
