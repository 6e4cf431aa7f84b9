/**
 * Property-based fuzzing of the RTP inputs (#13): fast-check datagrams — random bytes, truncated
 * packets, wrong SSRC, wrong version, wrong payload type, header fields that lie (CSRC count,
 * extension length, padding), RTCP compound garbage — sent alongside a valid Opus stream (8 s of
 * the speech fixture, encoded like a browser) to
 * (a) the analyzer process's UDP RTP input (analyzers/src/process/main.ts forked as the gateway's
 *     AnalyzerPool forks it; one stream carries the valid stream plus garbage, a second only
 *     garbage, including right-SSRC packets with random Opus payloads);
 * (b) the recorder's RtpRelay (gateway/src/recording/RtpRelay.ts) and the ffmpeg behind it.
 * Properties: the analyzer process stays alive, keeps emitting a voice frame per 100 ms of the
 * valid stream and counts the garbage (malformed / wrong SSRC / RTCP); the relay counts malformed
 * datagrams and RTCP, ffmpeg writes a WebM of the valid stream's length that is read to its end
 * (how much decodes is reported: right-SSRC garbage from the source's own address lands in it as
 * corrupt packets), and exits; with the source latched (`RtpRelay.expectSource`, as the recorder
 * does with the tap's port) garbage from another local sender is all dropped and the 8 s decode.
 *
 * Prints `[fuzz] rtp seed=… datagrams=…` (replay: `FUZZ_SEED=<seed> npx vitest run test/fuzz/rtp.fuzz.test.ts`).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VoiceFrame, VoiceFrameSchema } from '@lectern/contract';
import { REPO_ROOT, SPEECH_48K_WAV, ensureFixtures, readWavMono16 } from '../../analyzers/test/fixtures.ts';
import { encodeOpusRtp } from '../../analyzers/test/rtpFixtures.ts';
import type { ChildMessage, StatsMessage } from '../../analyzers/src/process/protocol.ts';
import { FfmpegRecorder } from '../../gateway/src/recording/FfmpegRecorder.ts';
import { RtpRelay } from '../../gateway/src/recording/RtpRelay.ts';
import { probeRecording } from '../../gateway/src/recording/SessionRecorder.ts';
import { tempDir, waitUntil } from '../../gateway/src/testing/services.ts';
import { fuzzRuns, fuzzSeed } from './support.ts';

const SSRC = 0x5eed1234;
const PT = 100;
const MEDIA_SEC = 8;
/** Media seconds sent per wall second. */
const SPEED = 2;
const GARBAGE = fuzzRuns(10_000);
const seed = fuzzSeed();
const work = tempDir('fuzz-rtp');

/** The valid stream: 20 ms Opus packets of the first {@link MEDIA_SEC} s of the speech fixture. */
let valid: Buffer[] = [];
/** Garbage datagrams, generated once per run from the seed. */
let garbage: { kind: string; datagram: Buffer }[] = [];

const copy = (b: Buffer) => Buffer.from(b);
/** Hostile datagrams built from the valid packets (so headers are right where a lie hurts most). */
function datagramArb(packets: Buffer[]): fc.Arbitrary<{ kind: string; datagram: Buffer }> {
  const pick = fc.nat(packets.length - 1).map((i) => copy(packets[i]!));
  const tag = (kind: string) => (datagram: Buffer) => ({ kind, datagram });
  return fc.oneof(
    fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)).map(tag('random')),
    fc.tuple(pick, fc.nat(1500)).map(([p, n]) => p.subarray(0, n % p.length)).map(tag('truncated')),
    fc.tuple(pick, fc.integer({ min: 0, max: 0xffffffff })).filter(([, s]) => s !== SSRC).map(([p, s]) => (p.writeUInt32BE(s, 8), p)).map(tag('wrong-ssrc')),
    fc.tuple(pick, fc.constantFrom(0, 1, 3)).map(([p, v]) => ((p[0] = (v << 6) | (p[0]! & 0x3f)), p)).map(tag('wrong-version')),
    fc.tuple(pick, fc.integer({ min: 0, max: 127 })).filter(([, pt]) => pt !== PT && !(pt >= 72 && pt <= 78)).map(([p, pt]) => ((p[1] = (p[1]! & 0x80) | pt), p)).map(tag('wrong-pt')),
    // Header fields that lie: 15 CSRCs, an extension of 0xffff words, padding longer than the packet.
    fc.tuple(pick, fc.constantFrom('csrc', 'ext', 'pad'), fc.nat(40)).map(([p, lie, cut]) => {
      if (lie === 'csrc') p[0] = (p[0]! & 0xf0) | 0x0f;
      if (lie === 'ext') {
        p[0] = p[0]! | 0x10;
        if (p.length > 15) p.writeUInt16BE(0xffff, 14);
      }
      if (lie === 'pad') {
        p[0] = p[0]! | 0x20;
        p[p.length - 1] = 255;
      }
      return cut > 30 ? p.subarray(0, 12 + (cut - 30)) : p;
    }).map(tag('lying-header')),
    // RTCP compound: 1–4 packets of types 200–206 with random lengths and bodies.
    fc.array(fc.tuple(fc.nat(31), fc.integer({ min: 200, max: 206 }), fc.nat(0xffff), fc.uint8Array({ maxLength: 64 })), { minLength: 1, maxLength: 4 })
      .map((parts) => Buffer.concat(parts.map(([rc, pt, len, body]) => Buffer.concat([Buffer.from([0x80 | rc, pt, len >> 8, len & 0xff]), Buffer.from(body)]))))
      .map(tag('rtcp')),
  );
}

/** Sends the valid stream in (accelerated) real time with `perPacket` garbage datagrams after each packet. */
async function sendMixed(
  validPort: number,
  garbagePorts: number[],
  opts: { garbageFromOwnSocket?: boolean; onSourcePort?: (port: number) => void } = {},
): Promise<{ sent: Record<string, number> }> {
  const bound = async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return sock;
  };
  const sock = await bound();
  const garbageSock = opts.garbageFromOwnSocket ? await bound() : sock;
  opts.onSourcePort?.((sock.address() as AddressInfo).port);
  const send = (s: dgram.Socket, buf: Buffer, port: number) => new Promise<void>((resolve) => s.send(buf, port, '127.0.0.1', () => resolve()));
  const sent: Record<string, number> = {};
  const perPacket = Math.ceil(garbage.length / valid.length);
  const t0 = performance.now();
  let g = 0;
  for (let i = 0; i < valid.length; i++) {
    const waitMs = (i * 20) / SPEED - (performance.now() - t0);
    if (waitMs > 1) await new Promise((r) => setTimeout(r, waitMs));
    await send(sock, valid[i]!, validPort);
    for (let j = 0; j < perPacket && g < garbage.length; j++, g++) {
      const { kind, datagram } = garbage[g]!;
      for (const port of garbagePorts) await send(garbageSock, datagram, port);
      sent[kind] = (sent[kind] ?? 0) + 1;
    }
  }
  sock.close();
  if (garbageSock !== sock) garbageSock.close();
  return { sent };
}

beforeAll(() => {
  ensureFixtures();
  const pcm = readWavMono16(SPEECH_48K_WAV).samples.subarray(0, MEDIA_SEC * 48000);
  valid = encodeOpusRtp(pcm, { ssrc: SSRC, payloadType: PT, firstSequence: 65000, firstTimestamp: 0xfffe0000 }).map((f) => f.datagram);
  garbage = fc.sample(datagramArb(valid), { seed, numRuns: GARBAGE });
  // FUZZ_RTP_KINDS=truncated,rtcp keeps only those kinds (to find which one a failure needs).
  const only = process.env.FUZZ_RTP_KINDS?.split(',');
  if (only) garbage = garbage.filter((g) => only.includes(g.kind));
  const kinds: Record<string, number> = {};
  for (const g of garbage) kinds[g.kind] = (kinds[g.kind] ?? 0) + 1;
  console.log(`[fuzz] rtp seed=${seed} datagrams=${garbage.length} ${JSON.stringify(kinds)} with ${valid.length} valid packets (${MEDIA_SEC} s) (replay: FUZZ_SEED=${seed})`);
});

afterAll(() => work.cleanup());

describe('RTP/RTCP garbage at the analyzer process', () => {
  let child: ChildProcess;
  const messages: ChildMessage[] = [];
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('stays alive, analyses the valid stream beside the garbage and counts the garbage', async () => {
    child = fork(path.join(REPO_ROOT, 'analyzers/src/process/main.ts'), [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: ChildMessage) => void messages.push(m));
    await waitUntil(() => messages.some((m) => m.type === 'ready'), 60_000, 'analyzer ready');
    const start = { type: 'start-audio', roomId: 'room', producerId: 'prod', payloadType: PT, clockRate: 48000, channels: 2 } as const;
    child.send({ ...start, streamId: 'main', ssrc: SSRC });
    // The garbage-only stream shares the SSRC: right-SSRC garbage (truncated, lying headers) reaches its decoder.
    child.send({ ...start, streamId: 'other', ssrc: SSRC });
    await waitUntil(() => messages.filter((m) => m.type === 'started').length === 2, 10_000, 'streams started');
    const port = (id: string) => (messages.find((m) => m.type === 'started' && m.streamId === id) as Extract<ChildMessage, { type: 'started' }>).rtpPort;
    const { sent } = await sendMixed(port('main'), [port('main'), port('other')]);
    await new Promise((r) => setTimeout(r, 600));
    const statsOf = (id: string) => messages.filter((m): m is StatsMessage => m.type === 'stats' && m.streamId === id).at(-1);
    const before = messages.length;
    child.send({ type: 'stop', streamId: 'main' });
    child.send({ type: 'stop', streamId: 'other' });
    await waitUntil(() => messages.slice(before).filter((m) => m.type === 'stats').length === 2, 10_000, 'final stats');
    const main = statsOf('main')!;
    const other = statsOf('other')!;
    const frames: VoiceFrame[] = messages.flatMap((m) => (m.type === 'room' && m.streamId === 'main' && m.message.event === 'metrics:voice' ? [m.message.payload] : []));
    const maxJumpSec = frames.reduce((m, f, i) => (i === 0 ? 0 : Math.max(m, Math.round((f.mediaTimeSec - frames[i - 1]!.mediaTimeSec) * 10) / 10)), 0);
    console.log(`[fuzz] rtp analyzer: ${JSON.stringify({ sent, main, other, frames: frames.length, lastMediaTimeSec: frames.at(-1)?.mediaTimeSec, maxJumpSec, errors: messages.filter((m) => m.type === 'error').length })}`);
    if (process.env.FUZZ_DEBUG) console.log(frames.map((f) => f.mediaTimeSec).join(" "));

    expect(child.exitCode, 'analyzer process exited').toBeNull();
    // The valid stream's 8 s are analysed: a frame per 100 ms from 0 on, contract-valid, in order.
    // (Right-SSRC garbage — truncated copies of later packets, lying headers — may move the timeline
    // on beyond the stream's end: reported as maxJumpSec; that is the analyzer's jitter buffer
    // following what looks like its stream, not a crash.)
    frames.forEach((f) => VoiceFrameSchema.parse(f));
    for (let i = 0; i < MEDIA_SEC * 10; i++) expect(frames[i]?.mediaTimeSec, `frame ${i}`).toBeCloseTo(i / 10, 6);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.mediaTimeSec).toBeGreaterThan(frames[i - 1]!.mediaTimeSec);
    expect(main.packetsMalformed).toBeGreaterThan(0);
    expect(main.packetsWrongSsrc).toBeGreaterThan(0);
    expect(main.rtcpPackets).toBeGreaterThan(0);
    expect(other.packetsReceived).toBeGreaterThan(0);
    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    // Still serving: a new stream starts on the same process.
    child.send({ ...start, streamId: 'after', ssrc: 1 });
    await waitUntil(() => messages.some((m) => m.type === 'started' && m.streamId === 'after'), 10_000, 'a stream after the fuzz');
    child.send({ type: 'shutdown' });
    await waitUntil(() => child.exitCode !== null, 10_000, 'shutdown');
    expect(child.exitCode).toBe(0);
  }, 120_000);
});

/**
 * Sends the valid stream and the garbage to a fresh RtpRelay → FfmpegRecorder, stops it and
 * decodes the WebM (8 kHz mono). `latched`: the relay expects the valid socket's port and the
 * garbage comes from a second socket.
 */
async function recordWithGarbage(file: string, latched: boolean) {
  const relay = new RtpRelay({ kind: 'audio', mimeType: 'audio/opus' });
  const relayPort = await relay.bind();
  const out = path.join(work.dir, file);
  const rec = new FfmpegRecorder(out, [{ kind: 'audio', mimeType: 'audio/opus', payloadType: PT, clockRate: 48000, channels: 2 }]);
  try {
    await rec.start((_i, p) => relay.setTarget(p));
    const { sent } = await sendMixed(relayPort, [relayPort], latched ? { garbageFromOwnSocket: true, onSourcePort: (port) => relay.expectSource(port) } : {});
    await new Promise((r) => setTimeout(r, 500));
    const exit = await rec.stop();
    const probe = await probeRecording(out);
    const check = spawnSync('ffmpeg', ['-v', 'warning', '-i', out, '-f', 's16le', '-ac', '1', '-ar', '8000', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return { sent, exit, stats: relay.stats, probe, running: rec.running, decodeExit: check.status, decodeStderr: check.stderr.toString(), decodedSec: check.stdout.length / 2 / 8000 };
  } finally {
    rec.kill();
    relay.close();
  }
}

describe('RTP/RTCP garbage at the recorder (RtpRelay → ffmpeg)', () => {
  it('counts malformed datagrams and RTCP, and ffmpeg writes a decodable WebM of the valid stream', async () => {
    const r = await recordWithGarbage('fuzz.webm', false);
    // The file is read to its end (ffmpeg exit 0) and lasts the valid stream's length. Garbage
    // with the source's SSRC and payload type, from the source's own address (truncated copies
    // of later packets, lying headers), is forwarded like any RTP: it lands in the file as
    // corrupt Opus packets and out-of-order timestamps, so how much audio decodes is reported,
    // not asserted (seed 789870064: 2.7 of 8 s; 1922315431: 9.3 s, garbage frames decoded as
    // audio). Only the tap itself sends from that address (the recorder latches it: next test).
    const warnings = {
      opusHeaderErrors: (r.decodeStderr.match(/Error parsing (Opus|the) packet header/g) ?? []).length,
      nonMonotonicDts: (r.decodeStderr.match(/non monotonically increasing dts/g) ?? []).length,
    };
    console.log(`[fuzz] rtp relay: ${JSON.stringify({ sent: r.sent, relay: r.stats, ffmpegExit: r.exit.code, durationSec: r.probe.durationSec, decodeExit: r.decodeExit, decodedSec: r.decodedSec, ...warnings })}`);
    expect(r.decodeExit, r.decodeStderr.slice(-2000)).toBe(0);
    expect(r.exit.code === 0 || r.exit.code === 255, r.exit.stderrTail).toBe(true);
    expect(r.running).toBe(false);
    expect(r.stats.malformed).toBeGreaterThan(0);
    expect(r.stats.rtcpDropped).toBeGreaterThan(0);
    expect(r.probe.durationSec!).toBeGreaterThan(MEDIA_SEC - 1);
    expect(r.probe.durationSec!).toBeLessThan(MEDIA_SEC + 1);
  }, 120_000);

  it("with the source latched (expectSource: the tap's port), garbage from another local sender is dropped and all 8 s decode", async () => {
    const r = await recordWithGarbage('fuzz-latched.webm', true);
    console.log(`[fuzz] rtp relay (latched): ${JSON.stringify({ sent: r.sent, relay: r.stats, ffmpegExit: r.exit.code, decodeExit: r.decodeExit, decodedSec: r.decodedSec })}`);
    expect(r.decodeExit, r.decodeStderr.slice(-2000)).toBe(0);
    expect(r.stats.foreign).toBe(garbage.length);
    expect(r.stats.packets).toBe(valid.length);
    expect(r.decodedSec).toBeGreaterThan(MEDIA_SEC - 0.5);
    expect(r.decodedSec).toBeLessThan(MEDIA_SEC + 0.5);
  }, 120_000);
});
