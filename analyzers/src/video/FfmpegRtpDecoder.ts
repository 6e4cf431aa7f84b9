import { type ChildProcessByStdio, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { vp8Sdp } from './sdp.ts';

/** Options of {@link FfmpegRtpDecoder}. */
export interface FfmpegRtpDecoderOptions {
  /** RTP payload type of the VP8 stream. */
  payloadType: number;
  /** Side of the square letterboxed output in pixels (default 192, MoveNet Lightning's input). */
  size?: number;
  /** Output frame interval in seconds: a frame is kept when ≥ this much media time passed since the last kept one (default 0.19 → 5 fps from 15 or 30 fps input). */
  minIntervalSec?: number;
  /** Called for every decoded frame: packed RGB24, size×size×3 bytes (a fresh buffer each time). */
  onFrame: (rgb: Uint8Array, atMs: number, monoMs: number) => void;
  /** Called for decoder warnings/errors that indicate lost sync (missing keyframe, corrupt data). */
  onDecodeError?: (line: string) => void;
  /** Called once when ffmpeg exits (for any reason, including {@link close}). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null, stderrTail: string) => void;
  /** ffmpeg binary (default `ffmpeg` on PATH, Debian's package). */
  ffmpegPath?: string;
}

/** util-linux `setpriv` (Debian: always installed), used to tie the decoder's life to ours. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/** stderr lines that mean the decoder is out of sync and needs a keyframe. */
const SYNC_LOSS = /keyframe|corrupt|invalid data|error while decoding|missing reference|concealing|decode_slice|RTP: missed|Invalid/i;

/**
 * One ffmpeg process decoding a VP8 RTP stream into small raw frames for pose inference.
 *
 * ffmpeg is fed an SDP (RFC 8866) on stdin describing the stream on a UDP port of 127.0.0.1
 * (`-protocol_whitelist pipe,udp,rtp -f sdp -i pipe:0`, bound with `-localaddr 127.0.0.1`), keeps a
 * frame whenever ≥ `minIntervalSec` of media time passed since the last kept one (`select`, so a
 * stall is not refilled with duplicates the way `fps=5` would), letterboxes it to `size`² (scale the
 * long side to `size` keeping the aspect ratio, pad the short side with black, centred — portrait
 * frames get left/right bars), and writes raw RGB24 frames to stdout. Low-latency flags: no input
 * buffering, minimal probing, a small RTP reorder queue, packets flushed per frame.
 *
 * ffmpeg binds its RTP port and the next one (RTCP); {@link start} picks a free pair and retries
 * when another process takes it first. ffmpeg exits on its own after ~10 s without packets; the
 * owner restarts it when packets flow again.
 */
export class FfmpegRtpDecoder {
  readonly #o: Required<Omit<FfmpegRtpDecoderOptions, 'onDecodeError' | 'onExit'>> & Pick<FfmpegRtpDecoderOptions, 'onDecodeError' | 'onExit'>;
  readonly #frameBytes: number;
  #child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  #port = 0;
  #partial: Uint8Array;
  #filled = 0;
  #stderrTail = '';
  #framesOut = 0;
  #exited = false;

  constructor(opts: FfmpegRtpDecoderOptions) {
    this.#o = {
      size: 192,
      minIntervalSec: 0.19,
      ffmpegPath: 'ffmpeg',
      ...opts,
    };
    this.#frameBytes = this.#o.size * this.#o.size * 3;
    this.#partial = new Uint8Array(this.#frameBytes);
  }

  /** Side of the square output frames in pixels. */
  get size(): number {
    return this.#o.size;
  }

  /** UDP port ffmpeg receives RTP on (0 before {@link start}). */
  get port(): number {
    return this.#port;
  }

  /** PID of the ffmpeg process (undefined before start / after exit). */
  get pid(): number | undefined {
    return this.#exited ? undefined : this.#child?.pid;
  }

  /** Frames delivered so far. */
  get framesOut(): number {
    return this.#framesOut;
  }

  /** True once ffmpeg exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /**
   * CPU time (user + system) ffmpeg has used so far, in ms, from /proc/<pid>/stat (10 ms
   * resolution); the last value is kept after exit. 0 when unknown.
   */
  cpuMs(): number {
    const pid = this.pid;
    if (pid === undefined) return this.#lastCpuMs;
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      this.#lastCpuMs = (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
    } catch {
      /* exited meanwhile */
    }
    return this.#lastCpuMs;
  }
  #lastCpuMs = 0;

  /**
   * Picks a free UDP port pair on 127.0.0.1 and starts ffmpeg on it. Resolves once ffmpeg is
   * running (it binds its sockets while parsing the SDP, within a few ms).
   * @throws Error when ffmpeg cannot be spawned (not installed) or exits at once 3 times in a row
   *   (e.g. the port pair was taken each time).
   */
  async start(): Promise<void> {
    if (this.#child) throw new Error('decoder already started');
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      this.#port = await freePortPair();
      const early = await this.#spawn();
      if (early === null) return;
      lastError = early;
      this.#child = undefined;
      this.#exited = false;
    }
    throw new Error(`ffmpeg could not start: ${lastError}`);
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after 1 s). Idempotent; resolves when it exited. */
  close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      child.once('exit', () => (clearTimeout(timer), resolve()));
      child.kill('SIGTERM');
    });
  }

  /** ffmpeg arguments (exposed for logs and tests). */
  args(): string[] {
    const n = this.#o.size;
    const filter = [
      `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${this.#o.minIntervalSec})'`,
      `scale=${n}:${n}:force_original_aspect_ratio=decrease:flags=bilinear`,
      'format=rgb24',
      `pad=${n}:${n}:(ow-iw)/2:(oh-ih)/2:color=black`,
    ].join(',');
    return [
      '-hide_banner', '-nostats', '-loglevel', 'warning',
      '-threads', '1',
      '-protocol_whitelist', 'pipe,udp,rtp',
      '-localaddr', '127.0.0.1',
      '-fflags', 'nobuffer', '-flags', 'low_delay',
      '-probesize', '32', '-analyzeduration', '0',
      '-reorder_queue_size', '16', '-max_delay', '100000',
      '-f', 'sdp', '-i', 'pipe:0',
      '-an', '-vf', filter,
      '-fps_mode', 'passthrough',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-flush_packets', '1',
      'pipe:1',
    ];
  }

  /** Spawns ffmpeg; resolves null once it runs, or the stderr tail if it exits within 300 ms. */
  #spawn(): Promise<string | null> {
    return new Promise((resolve, reject) => {
      // ffmpeg must read the SDP to EOF, so stdin cannot tell it that we died; where util-linux's
      // setpriv exists, the kernel kills it with us instead (PR_SET_PDEATHSIG), so a crashed or
      // SIGKILLed analyzer leaves no decoder behind.
      const [cmd, args] = SETPRIV
        ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', this.#o.ffmpegPath, ...this.args()]]
        : [this.#o.ffmpegPath, this.args()];
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      this.#child = child;
      let settled = false;
      const settle = (v: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => settle(null), 300);
      child.once('error', (err) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`cannot run ${this.#o.ffmpegPath}: ${err.message} (apt-get install ffmpeg)`));
        }
      });
      child.stdin.on('error', () => {});
      child.stdin.end(vp8Sdp({ port: this.#port, payloadType: this.#o.payloadType }));
      child.stdout.on('data', (chunk: Buffer) => this.#onData(chunk));
      let line = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        this.#stderrTail = (this.#stderrTail + text).slice(-2000);
        line += text;
        let nl: number;
        while ((nl = line.indexOf('\n')) >= 0) {
          const l = line.slice(0, nl).trim();
          line = line.slice(nl + 1);
          if (l && SYNC_LOSS.test(l)) this.#o.onDecodeError?.(l);
        }
      });
      child.once('exit', (code, signal) => {
        this.cpuMs();
        this.#exited = true;
        if (!settled) return settle(this.#stderrTail.trim().split('\n').slice(-3).join(' | ') || `exit ${code ?? signal}`);
        this.#o.onExit?.(code, signal, this.#stderrTail);
      });
    });
  }

  #onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.#frameBytes - this.#filled, chunk.length - off);
      this.#partial.set(chunk.subarray(off, off + n), this.#filled);
      this.#filled += n;
      off += n;
      if (this.#filled === this.#frameBytes) {
        const frame = this.#partial;
        this.#partial = new Uint8Array(this.#frameBytes);
        this.#filled = 0;
        this.#framesOut++;
        this.#o.onFrame(frame, Date.now(), performance.now());
      }
    }
  }
}

/** Finds an even UDP port P on 127.0.0.1 with P+1 also free (ffmpeg binds both). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const a = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      a.once('error', reject);
      a.bind(0, '127.0.0.1', () => resolve(a.address().port));
    });
    const b = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, '127.0.0.1', () => resolve(true));
    });
    await Promise.all([new Promise<void>((r) => a.close(() => r())), ok ? new Promise<void>((r) => b.close(() => r())) : Promise.resolve()]);
    if (ok && port < 65535) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}
