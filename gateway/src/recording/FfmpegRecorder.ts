import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

/** util-linux's setpriv (PR_SET_PDEATHSIG for ffmpeg), when installed. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/** One RTP stream ffmpeg receives (from an {@link RtpRelay}). */
export interface RecorderStream {
  kind: 'audio' | 'video';
  /** e.g. `audio/opus`, `video/VP8`. */
  mimeType: string;
  payloadType: number;
  clockRate: number;
  channels: number;
  /**
   * Seconds by which this stream starts later in the file than the earliest stream (≥ 0; ffmpeg
   * `-itsoffset`). Used to place video relative to audio by the arrival times of their first packets.
   */
  offsetSec?: number;
}

/** Result of a finished ffmpeg run. */
export interface RecorderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines of ffmpeg's stderr (warnings and errors). */
  stderrTail: string;
}

/** Events of {@link FfmpegRecorder}. */
export interface FfmpegRecorderEvents {
  /** ffmpeg exited (after {@link FfmpegRecorder.stop}, or on its own: an error). */
  exit: [RecorderExit];
}

/**
 * One ffmpeg child process that receives RTP streams, each described by an SDP file beside the
 * output (`-protocol_whitelist file,udp,rtp`; one input per stream so each can be offset), and writes them, without transcoding (`-c copy`: Opus and
 * VP8 as sent by the browser), into a WebM file. ffmpeg is a child process: a crash, malformed
 * media or a missing binary is reported through `exit`, never thrown into the gateway.
 *
 * Stop it with {@link stop} (RTCP BYE on every input: ffmpeg ends normally and finalises the file).
 */
export class FfmpegRecorder extends EventEmitter<FfmpegRecorderEvents> {
  #child?: ChildProcess;
  #stderr: string[] = [];
  #exit?: Promise<RecorderExit>;
  #ports: number[] = [];

  /**
   * @param outFile WebM file to write (created/truncated).
   * @param streams the RTP streams, audio first.
   * @param ffmpegPath binary (default `ffmpeg` on PATH, Debian's).
   */
  constructor(
    readonly outFile: string,
    readonly streams: readonly RecorderStream[],
    private readonly ffmpegPath = 'ffmpeg',
  ) {
    super();
  }

  /**
   * Seconds an input may receive nothing before ffmpeg gives up and finishes the file (default 10,
   * ffmpeg's own). Set before {@link start}; the session recorder sets the resume grace + 15 s.
   */
  idleTimeoutSec = 10;

  /** UDP ports ffmpeg listens on, one per stream (valid after {@link start}). */
  get ports(): readonly number[] {
    return this.#ports;
  }

  /** Whether ffmpeg is running. */
  get running(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Picks free even UDP ports (ffmpeg also binds port+1 for RTCP), spawns ffmpeg and calls
   * `onBound(i, port)` as soon as ffmpeg has bound stream i's port (read from /proc/net/udp), so
   * no packet sent from then on is lost. ffmpeg opens its inputs one after the other and probes
   * each before opening the next, so stream i must be fed before stream i+1 gets bound.
   * @throws Error if ffmpeg cannot be spawned, exits early, or a port is not bound within 10 s.
   */
  async start(onBound: (index: number, port: number) => void | Promise<void> = () => {}): Promise<void> {
    this.#ports = [];
    for (const _ of this.streams) this.#ports.push(await freeEvenUdpPortPair(this.#ports));
    // One SDP file (and ffmpeg input) per stream, so each can get its own -itsoffset.
    const inputs: string[] = [];
    this.streams.forEach((s, i) => {
      const sdpFile = `${this.outFile}.${i}.sdp`;
      fs.writeFileSync(sdpFile, buildSdp([s], [this.#ports[i]!]));
      inputs.push(
        '-protocol_whitelist', 'file,udp,rtp',
        // Audio parameters are all in the SDP; VP8 needs its first key frame for the frame size.
        ...(s.kind === 'video' ? ['-analyzeduration', '10000000', '-probesize', '20000000'] : ['-analyzeduration', '0', '-probesize', '32768']),
        '-reorder_queue_size', '256',
        // How long an input may go without packets before ffmpeg ends the recording (sdp demuxer's
        // listen_timeout, default 10 s): a session waiting for its presenter must outlast it.
        '-listen_timeout', String(this.idleTimeoutSec),
        '-itsoffset', (s.offsetSec ?? 0).toFixed(6),
        '-f', 'sdp', '-i', sdpFile,
      );
    });
    // ffmpeg reads only UDP here, so no pipe can tell it that the gateway died: where util-linux's
    // setpriv exists (Debian: always, util-linux is essential) the kernel kills it with the gateway
    // (PR_SET_PDEATHSIG; the spawning thread is the gateway's main thread, which lives as long as
    // the process). SIGKILL, not SIGINT: every packet is already on disk (-flush_packets 1) and a
    // restarted gateway repairs the missing index (SpoolDrainer → repairWebm); a SIGINT can hang on
    // an input thread waiting for packets that will never come.
    const [cmd, prefix] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', this.ffmpegPath]] : [this.ffmpegPath, []];
    const child = spawn(
      cmd,
      [
        ...prefix,
        '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'warning',
        ...inputs,
        ...this.streams.flatMap((_, i) => ['-map', `${i}`]), '-c', 'copy',
        // Clusters of ≤ 500 ms: the WebM muxer keeps the open cluster in memory, so a killed
        // gateway (ffmpeg dies with it) loses at most that much (2000 ms lost 1.2–1.45 s, #13).
        '-f', 'webm', '-cluster_time_limit', '500', '-flush_packets', '1',
        '-y', this.outFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    this.#exit = new Promise((resolve) => {
      child.once('error', (err) => {
        this.#stderr.push(`spawn failed: ${err.message}`);
      });
      child.once('close', (code, signal) => {
        const exit = { code, signal, stderrTail: this.#stderr.join('').slice(-4000) };
        resolve(exit);
        this.emit('exit', exit);
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.#stderr.push(d);
      if (this.#stderr.length > 200) this.#stderr.splice(0, 100);
    });
    for (let i = 0; i < this.#ports.length; i++) {
      const deadline = Date.now() + 10_000;
      while (!isBound(this.#ports[i]!)) {
        if (!this.running) throw new Error(`ffmpeg exited at start: ${this.#stderr.join('').slice(-1000)}`);
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`ffmpeg did not open its RTP port for ${this.streams[i]!.kind} within 10 s: ${this.#stderr.join('').slice(-500)}`);
        }
        await new Promise((r) => setTimeout(r, 15));
      }
      await onBound(i, this.#ports[i]!);
    }
  }

  /**
   * Ends the recording: sends an RTCP BYE (RFC 3550 §6.6) to each of ffmpeg's RTP ports, so every
   * input reaches end-of-stream and ffmpeg finishes normally (writes the WebM index — Cues — and
   * the duration, seeking back to the header) and exits 0. A signal would not do: with several
   * inputs ffmpeg reads each in a thread that blocks until a packet arrives (none do once the
   * presenter has left), and a second signal also aborts the trailer writes. Falls back to SIGINT
   * after 4 s and SIGKILL after `timeoutMs`.
   * @returns how it exited (code 0, or 255 after the SIGINT fallback, are finished files).
   */
  async stop(timeoutMs = 10_000): Promise<RecorderExit> {
    if (!this.#child || !this.#exit) return { code: null, signal: null, stderrTail: 'not started' };
    if (this.running) {
      const child = this.#child;
      const sock = dgram.createSocket('udp4');
      // V=2, SC=1, PT=BYE, length 2 words, SSRC 0, reason "end" (ffmpeg ignores packets < 12 bytes)
      const bye = Buffer.from([0x81, 203, 0, 2, 0, 0, 0, 0, 3, 0x65, 0x6e, 0x64]);
      const sendBye = () => {
        for (const port of this.#ports) sock.send(bye, port, '127.0.0.1', () => {});
      };
      sendBye();
      const byeAgain = setInterval(sendBye, 200);
      const int = setTimeout(() => child.exitCode === null && child.kill('SIGINT'), 4000);
      const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await this.#exit;
      clearInterval(byeAgain);
      clearTimeout(int);
      clearTimeout(kill);
      sock.close();
      return exit;
    }
    return this.#exit;
  }

  /** Kills ffmpeg at once (gateway shutdown of last resort). */
  kill(): void {
    if (this.running) this.#child!.kill('SIGKILL');
  }
}

/** The SDP ffmpeg reads: one m= line per stream on 127.0.0.1. */
export function buildSdp(streams: readonly RecorderStream[], ports: readonly number[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Lectern recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
  streams.forEach((s, i) => {
    const codec = s.mimeType.split('/')[1]!;
    lines.push(`m=${s.kind} ${ports[i]} RTP/AVP ${s.payloadType}`);
    const enc = s.kind === 'audio' ? `${codec}/${s.clockRate}/${codec.toLowerCase() === 'opus' ? 2 : s.channels}` : `${codec}/${s.clockRate}`;
    lines.push(`a=rtpmap:${s.payloadType} ${enc}`, 'a=recvonly');
  });
  return lines.join('\r\n') + '\r\n';
}

/** Ports with a socket in /proc/net/udp{,6}. */
function boundUdpPorts(): Set<number> {
  const out = new Set<number>();
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      const port = local?.split(':')[1];
      if (port) out.add(parseInt(port, 16));
    }
  }
  return out;
}

function isBound(port: number): boolean {
  if (!fs.existsSync('/proc/net/udp')) return true; // not Linux: cannot tell
  return boundUdpPorts().has(port);
}

/** An even UDP port P with P+1 also free (checked by binding both), not in `avoid`. */
async function freeEvenUdpPortPair(avoid: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      a.once('error', reject);
      a.bind(0, '127.0.0.1', () => resolve((a.address() as { port: number }).port));
    });
    a.close();
    const even = port & ~1;
    if (even < 1024 || avoid.includes(even)) continue;
    const free = await Promise.all([even, even + 1].map((p) => canBind(p)));
    if (free.every(Boolean)) return even;
  }
  throw new Error('no free UDP port pair');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => (s.close(), resolve(false)));
    s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}
