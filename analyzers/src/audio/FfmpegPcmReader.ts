import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ANALYSIS_SAMPLE_RATE_HZ } from '@lectern/contract';
import { AudioDecodeError } from './AudioDecodeError.ts';

/** Bytes of ffmpeg's stderr kept for the error message. */
const STDERR_TAIL_BYTES = 4096;

/**
 * Decodes any audio or video file ffmpeg can read into mono 32-bit float PCM at the analysis
 * rate (`ffmpeg -i FILE -vn -map 0:a:0 -f f32le -ac 1 -ar 16000 pipe:1`): the first audio
 * stream, channels averaged by ffmpeg's downmix, resampled by libswresample. This is the
 * offline path's decode + resample stage (the live path decodes Opus at 16 kHz directly).
 */
export class FfmpegPcmReader {
  /**
   * @param file path of the media file.
   * @param sampleRate output rate in Hz; default 16000 (ANALYSIS_SAMPLE_RATE_HZ).
   * @param ffmpegPath ffmpeg executable; default `ffmpeg` on PATH.
   * @param maxDurationSec decoding stops with an AudioDecodeError once more than this many seconds
   *   of audio came out (default: no limit). A header that lies about its rate (a WAV of 1 Hz
   *   declares hours of audio in a few kilobytes) is then refused at once instead of being
   *   resampled for minutes.
   */
  constructor(
    readonly file: string,
    readonly sampleRate: number = ANALYSIS_SAMPLE_RATE_HZ,
    private readonly ffmpegPath = 'ffmpeg',
    readonly maxDurationSec = Infinity,
  ) {}

  /**
   * Decodes the whole file into one array (for offline passes that need every sample at once).
   * @returns mono samples in [-1, 1] at {@link sampleRate}.
   * @throws AudioDecodeError as {@link chunks}.
   */
  async readAll(): Promise<Float32Array> {
    const parts: Float32Array[] = [];
    let length = 0;
    for await (const c of this.chunks()) {
      parts.push(c);
      length += c.length;
    }
    const out = new Float32Array(length);
    let offset = 0;
    for (const c of parts) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  /**
   * Streams the decoded samples. Back-pressure is respected: ffmpeg is paused while the
   * consumer awaits between chunks.
   * @yields Float32Array chunks of mono samples in [-1, 1] (fresh arrays, any length ≥ 1).
   * @throws AudioDecodeError when the file is missing, unreadable, a directory, not media, has
   *   no audio stream or no samples, is longer than `maxDurationSec`, or ffmpeg is missing or fails.
   */
  async *chunks(): AsyncGenerator<Float32Array> {
    await this.checkFile();
    const child = spawn(
      this.ffmpegPath,
      ['-nostdin', '-hide_banner', '-v', 'error', '-i', this.file, '-vn', '-map', '0:a:0',
        '-f', 'f32le', '-ac', '1', '-ar', String(this.sampleRate), 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL_BYTES);
    });
    const exited = new Promise<{ code: number | null; spawnError?: NodeJS.ErrnoException }>((resolve) => {
      child.on('error', (err: NodeJS.ErrnoException) => resolve({ code: null, spawnError: err }));
      child.on('close', (code) => resolve({ code }));
    });

    let carry = Buffer.alloc(0);
    let total = 0;
    try {
      for await (const data of child.stdout as AsyncIterable<Buffer>) {
        const bytes = carry.length > 0 ? Buffer.concat([carry, data]) : data;
        const usable = bytes.length - (bytes.length % 4);
        carry = Buffer.from(bytes.subarray(usable));
        if (usable === 0) continue;
        const out = new Float32Array(usable / 4);
        new Uint8Array(out.buffer).set(bytes.subarray(0, usable));
        total += out.length;
        if (total > this.maxDurationSec * this.sampleRate) {
          throw new AudioDecodeError(this.file, `is longer than ${this.maxDurationSec} s: cannot analyse more than ${this.maxDurationSec} s here`);
        }
        yield out;
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const { code, spawnError } = await exited;
    if (spawnError !== undefined) {
      const reason = spawnError.code === 'ENOENT' ? `${this.ffmpegPath} not found on PATH` : spawnError.message;
      throw new AudioDecodeError(this.file, `cannot run ffmpeg: ${reason}`);
    }
    if (code !== 0) throw new AudioDecodeError(this.file, this.explain(stderr, code));
    if (total === 0) throw new AudioDecodeError(this.file, 'contains no audio samples');
  }

  private async checkFile(): Promise<void> {
    try {
      const s = await stat(this.file);
      if (s.isDirectory()) throw new AudioDecodeError(this.file, 'is a directory, not a media file');
      if (s.size === 0) throw new AudioDecodeError(this.file, 'is empty (0 bytes)');
    } catch (err) {
      if (err instanceof AudioDecodeError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new AudioDecodeError(this.file, reason);
    }
  }

  /** Turns ffmpeg's stderr into a short reason. */
  private explain(stderr: string, code: number | null): string {
    const lines = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
      .map((l) => (l.startsWith(this.file) ? l.slice(this.file.length).replace(/^:\s*/, '') : l));
    const text = lines.join(' ');
    if (/matches no streams|does not contain any stream/i.test(text)) return 'no audio stream in the file';
    if (/Invalid data found when processing input/i.test(text)) {
      return 'not a media file ffmpeg can decode (Invalid data found when processing input)';
    }
    const last = lines.at(-1) ?? `ffmpeg exited with code ${code}`;
    return `cannot decode audio (ffmpeg: ${last})`;
  }
}
