// Mock of the gateway's session API (/v1) for front-end work without Postgres/S3, used by
// mock-gateway.mjs. Sessions:
//   mock-demo      ended; WebM (VP8 + Opus) made with ffmpeg from the speech fixture (looped twice)
//                  and the pose clip; voice frames computed from the audio (RMS level, autocorrelation
//                  F0), pauses from the level, words spread over the fixture's known utterances,
//                  fluency and posture frames, a few fillers (mock: they are not in the audio)
//   mock-audio     ended; audio-only WebM (Opus), voice frames and pauses only (no words)
//   mock-live      live; recording in progress (no URL yet)
//   mock-spooled   ended; recording spooled on disk (S3 down)
//   mock-failed    failed; recording failed
// Another UUID → 404, anything else → 400 (Problem+JSON, like the gateway). The media is served with Range support under /mock-media/.
// `GET /mock/api-mode?set=ok|empty|error|slow` switches the list endpoint's behaviour.
// Responses are checked against the contract's schemas (session list and summary, timeline
// frames, Problem+JSON); a mismatch is printed on stderr and makes the exit code 1.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemSchema, SessionListSchema, SessionSummarySchema, TimelineFrameSchema } from '@lectern/contract';
import { readWav16 } from '../../analyzers/src/asr/wav.ts';
import { rmsToDbfs } from '../../analyzers/src/voice/level.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(repo, '.lectern/fixtures');
const cache = join(tmpdir(), 'lectern-mock-media');
mkdirSync(cache, { recursive: true });

let mode = process.env.MOCK_API ?? 'ok';
/** Returns `body` after checking it against a contract schema (mismatches go to stderr, exit code 1). */
function checked(schema, body, what) {
  const r = schema.safeParse(body);
  if (!r.success) {
    process.exitCode = 1;
    console.error(`[mock-api] ${what} does not match the contract: ${r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return body;
}
const problem = (res, status, title, detail) =>
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(checked(ProblemSchema, { type: 'about:blank', title, status, detail }, 'problem')));
const json = (res, body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Per 100 ms: level (dBFS) and F0 (normalised autocorrelation, 70–400 Hz) or null. */
function analyse(samples, rate) {
  const win = Math.round(rate / 10);
  const frames = [];
  for (let s = 0; s + win <= samples.length; s += win) {
    let e = 0;
    for (let i = 0; i < win; i++) e += samples[s + i] ** 2;
    const levelDbfs = rmsToDbfs(Math.sqrt(e / win));
    let f0Hz = null;
    if (levelDbfs > -42) {
      let best = 0;
      let bestLag = 0;
      for (let lag = Math.floor(rate / 400); lag <= Math.ceil(rate / 70); lag++) {
        let num = 0, d1 = 0, d2 = 0;
        for (let i = 0; i + lag < win; i++) {
          const a = samples[s + i], c = samples[s + i + lag];
          num += a * c; d1 += a * a; d2 += c * c;
        }
        const r = num / Math.sqrt(d1 * d2 || 1);
        if (r > best) [best, bestLag] = [r, lag];
      }
      if (best > 0.6) f0Hz = rate / bestLag;
    }
    frames.push({ levelDbfs, f0Hz });
  }
  return frames;
}

function ffmpeg(args) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds (once, cached) the demo recordings; returns null pieces when ffmpeg or fixtures are missing. */
function buildMedia() {
  const wav16 = join(fixtures, 'speech-pauses-16k.wav');
  const wav48 = join(fixtures, 'speech-pauses-48k.wav');
  const meta = join(fixtures, 'speech-pauses.json');
  const clip = join(fixtures, 'pose-astronaut-320x240.y4m');
  if (!existsSync(wav16) || !existsSync(wav48) || !existsSync(meta)) {
    console.warn('[mock-api] speech fixture missing (bash scripts/fixtures.sh); replay sessions have no media');
    return null;
  }
  const av = join(cache, 'demo-av.webm');
  const audio = join(cache, 'demo-audio.webm');
  try {
    if (!existsSync(av)) {
      const video = existsSync(clip)
        ? ['-stream_loop', '-1', '-i', clip]
        : ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'];
      console.log('[mock-api] encoding the demo recording (once)…');
      ffmpeg([...video, '-stream_loop', '1', '-i', wav48, '-map', '0:v', '-map', '1:a', '-r', '15', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-c:a', 'libopus', '-b:a', '48k', '-shortest', av]);
    }
    if (!existsSync(audio)) ffmpeg(['-i', wav48, '-c:a', 'libopus', '-b:a', '48k', audio]);
  } catch (err) {
    console.warn(`[mock-api] ffmpeg failed: ${err.message}`);
    return null;
  }
  const { samples, sampleRate: rate } = readWav16(wav16);
  return { av, audio, frames: analyse(samples, rate), fixture: JSON.parse(readFileSync(meta, 'utf8')) };
}

let media;
const getMedia = () => (media === undefined ? (media = buildMedia()) : media);

const now = Date.now();
const iso = (msAgo) => new Date(now - msAgo).toISOString();
const sessionHead = (id, roomId, state, startedAgoMin, durationSec, extra = {}) => ({
  id,
  orgId: 'org-mock',
  ownerUserId: '00000000-0000-4000-8000-000000000001', // mock-auth.mjs's signed-in owner
  sharedWithCoaches: false,
  roomId,
  title: null,
  state,
  endReason: state === 'live' ? null : state === 'failed' ? 'crashed' : 'presenter-left',
  startedAt: iso(startedAgoMin * 60_000),
  endedAt: state === 'live' ? null : iso(startedAgoMin * 60_000 - durationSec * 1000),
  durationSec: state === 'live' ? null : durationSec,
  mediaDurationSec: durationSec,
  ...extra,
});
const mediaObject = (id, state, o = {}) => ({
  id: `${id}-rec`,
  kind: 'recording',
  contentType: 'video/webm',
  state,
  bytes: null,
  durationSec: null,
  hasAudio: true,
  hasVideo: true,
  mediaTimeOriginSec: 0,
  error: null,
  createdAt: iso(60_000),
  uploadedAt: state === 'uploaded' ? iso(30_000) : null,
  ...o,
});

/** Timeline of `loops` passes of the speech fixture, in media time (= position − origin). */
function demoTimeline(m, { loops, origin, words: withWords, body }) {
  const dur = m.fixture.durationSec;
  const frames = [];
  const pauses = [];
  const words = [];
  const disfluencies = [];
  const P = 'mock-audio-producer';
  let speech = 0;
  let silentSince = null;
  for (let k = 0; k < loops * m.frames.length; k++) {
    const f = m.frames[k % m.frames.length];
    const pos = k * 0.1;
    const t = +(pos - origin).toFixed(3);
    if (t < 0) continue;
    const isSpeech = f.levelDbfs > -45;
    if (isSpeech) {
      if (silentSince != null && t - silentSince >= 0.25) pauses.push({ producerId: P, startSec: silentSince, endSec: t, durationSec: +(t - silentSince).toFixed(3) });
      silentSince = null;
      speech += 0.1;
    } else if (silentSince == null) silentSince = t;
    frames.push({
      producerId: P, kind: 'voice', mediaTimeSec: t, windowSec: 0.1, serverTimeMs: now - 60_000 + t * 1000,
      payload: { levelDbfs: f.levelDbfs, f0Hz: f.f0Hz, vadProb: isSpeech ? 0.95 : 0.02, isSpeech, pauseSec: isSpeech ? 0 : +(t - silentSince).toFixed(1), speakingRatio: speech / (t + 0.1), pitchVariabilitySt: 2.4, concealedPackets: 0 },
    });
  }
  if (withWords) {
    let seg = 0;
    for (let l = 0; l < loops; l++) {
      for (const s of m.fixture.segments) {
        const toks = s.text.split(' ');
        const span = s.endSec - s.startSec - 0.3;
        const chars = toks.reduce((a, w) => a + w.length + 1, 0);
        let at = s.startSec + 0.15 + l * dur - origin;
        for (const w of toks) {
          const d = (span * (w.length + 1)) / chars;
          words.push({ producerId: P, segmentId: seg, word: w, startSec: +at.toFixed(3), endSec: +(at + d * 0.85).toFixed(3), confidence: 0.9 });
          at += d;
        }
        seg++;
      }
      // Mock fillers (not in the audio): "um"/"uh" in the first two inserted pauses, and "rather" as a lexical filler.
      const [p1, p2] = m.fixture.insertedPauses;
      disfluencies.push({ producerId: P, kind: 'filled-pause', text: 'um', startSec: +(p1.startSec + 0.4 + l * dur - origin).toFixed(3), endSec: +(p1.startSec + 0.85 + l * dur - origin).toFixed(3) });
      disfluencies.push({ producerId: P, kind: 'filled-pause', text: 'uh', startSec: +(p2.startSec + 0.6 + l * dur - origin).toFixed(3), endSec: +(p2.startSec + 1.0 + l * dur - origin).toFixed(3) });
      const rather = words.find((w) => w.word === 'rather' && w.startSec > l * dur);
      if (rather) disfluencies.push({ producerId: P, kind: 'lexical-filler', text: 'rather', startSec: rather.startSec, endSec: rather.endSec });
      const hedge = words.find((w) => w.word === 'might' && w.startSec > l * dur);
      if (hedge) disfluencies.push({ producerId: P, kind: 'hedge', text: 'might', startSec: hedge.startSec, endSec: hedge.endSec });
    }
    disfluencies.sort((a, b) => a.startSec - b.startSec);
    const end = loops * dur - origin;
    for (let t = 1; t < end; t += 1) {
      const said = words.filter((w) => w.endSec <= t);
      const recent = said.filter((w) => w.startSec >= t - 30).length;
      const spoken = frames.filter((f) => f.mediaTimeSec < t && f.payload.isSpeech).length / 10;
      const fillers = disfluencies.filter((d) => (d.kind === 'filled-pause' || d.kind === 'lexical-filler') && d.endSec <= t).length;
      frames.push({
        producerId: P, kind: 'fluency', mediaTimeSec: t, windowSec: null, serverTimeMs: now - 60_000 + t * 1000,
        payload: {
          wpm30s: spoken >= 5 ? (recent / Math.min(30, t)) * 60 : null,
          wpmOverall: spoken >= 5 ? (said.length / t) * 60 : null,
          articulationWpm: spoken >= 5 ? (said.length / spoken) * 60 : null,
          fillerCount: fillers, fillersPerMin: fillers / (t / 60), repetitionCount: 0, hedgeCount: 0,
        },
      });
    }
  }
  if (body) {
    const end = loops * dur - origin;
    for (let t = 0; t < end; t += 0.2) {
      const tt = +t.toFixed(1);
      frames.push({
        producerId: 'mock-video-producer', kind: 'body', mediaTimeSec: tt, windowSec: 0.2, serverTimeMs: now - 60_000 + tt * 1000,
        payload: {
          // The contract's body frame (BodyFrameSchema) without its envelope; unmeasured = { value: null, confidence: 0 }.
          ...unmeasuredBody,
          videoFrameAtMs: now - 60_000 + tt * 1000 - 40, frameWidthPx: 640, frameHeightPx: 480, poseFresh: true, poseAgeMs: 0,
          presence: { value: true, confidence: 0.9 },
          torsoLeanDeg: { value: +(2.5 * Math.sin(tt / 5) + 0.6 * Math.sin(tt * 1.3)).toFixed(2), confidence: 0.8 },
          shoulderTiltDeg: { value: +(1.5 * Math.cos(tt / 7) - 0.8).toFixed(2), confidence: 0.8 },
        },
      });
    }
  }
  frames.sort((a, b) => a.mediaTimeSec - b.mediaTimeSec || a.kind.localeCompare(b.kind));
  return { frames, pauses, words, disfluencies };
}

const unknownMeasure = { value: null, confidence: 0 };
/** Body metrics the mock does not simulate, and the (empty) keypoints. */
const unmeasuredBody = {
  shoulderTiltDeg: unknownMeasure, headTiltDeg: unknownMeasure, torsoLeanDeg: unknownMeasure, facingRatio: unknownMeasure, headYawDeg: unknownMeasure,
  gestureSwPerSec: unknownMeasure, swaySw: unknownMeasure, handsVisibleRatio: unknownMeasure, keypoints: [],
};

function sessions() {
  const m = getMedia();
  const dur = m?.fixture.durationSec ?? 30;
  const size = (f) => (f && existsSync(f) ? statSync(f).size : null);
  return [
    {
      head: sessionHead('mock-live', 'team-sync', 'live', 2, 95),
      media: [mediaObject('mock-live', 'recording')],
      url: null,
      timeline: () => (m ? demoTimeline(m, { loops: 1, origin: 0, words: true, body: false }) : null),
    },
    {
      head: sessionHead('mock-demo', 'quarterly-review', 'ended', 45, 2 * dur + 1.2),
      media: [mediaObject('mock-demo', 'uploaded', { bytes: size(m?.av), durationSec: 2 * dur, mediaTimeOriginSec: 0.3 })],
      url: m ? '/mock-media/demo-av.webm' : null,
      timeline: () => (m ? demoTimeline(m, { loops: 2, origin: 0.3, words: true, body: true }) : null),
    },
    {
      head: sessionHead('mock-audio', 'phone-rehearsal', 'ended', 60 * 26, dur + 0.6),
      media: [mediaObject('mock-audio', 'uploaded', { contentType: 'audio/webm', hasVideo: false, bytes: size(m?.audio), durationSec: dur })],
      url: m ? '/mock-media/demo-audio.webm' : null,
      timeline: () => (m ? demoTimeline(m, { loops: 1, origin: 0, words: false, body: false }) : null),
    },
    {
      head: sessionHead('mock-spooled', 'offsite-pitch', 'ended', 60 * 50, 312),
      media: [mediaObject('mock-spooled', 'spooled')],
      url: null,
      timeline: () => ({ frames: [], pauses: [], words: [], disfluencies: [] }),
    },
    {
      head: sessionHead('mock-failed', 'keynote-dry-run', 'failed', 60 * 24 * 6, 48),
      media: [mediaObject('mock-failed', 'failed', { error: 'ffmpeg exited with code 1 before the first packet (mock)' })],
      url: null,
      timeline: () => ({ frames: [], pauses: [], words: [], disfluencies: [] }),
    },
  ];
}

/** Serves a file with HTTP Range support (what `<video>` seeking needs). */
function serveRange(req, res, file, type) {
  const size = statSync(file).size;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) {
    res.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
    return createReadStream(file).pipe(res);
  }
  let start = m[1] ? Number(m[1]) : size - Number(m[2]);
  let end = m[1] && m[2] ? Number(m[2]) : size - 1;
  end = Math.min(end, size - 1);
  start = Math.max(0, start);
  if (start > end) return res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
  res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
  createReadStream(file, { start, end }).pipe(res);
}

/** Handles /v1/*, /mock-media/* and /mock/*; returns false for other paths. */
export async function handleMockApi(req, res, pathname, search) {
  if (pathname === '/mock/api-mode') {
    mode = new URLSearchParams(search).get('set') ?? 'ok';
    json(res, { mode });
    return true;
  }
  if (pathname.startsWith('/mock-media/')) {
    const name = pathname.slice('/mock-media/'.length);
    const file = join(cache, name);
    if (!/^[\w-]+\.webm$/.test(name) || !existsSync(file)) return problem(res, 404, 'Not Found', `no media ${name}`), true;
    serveRange(req, res, file, name.includes('audio') ? 'audio/webm' : 'video/webm');
    return true;
  }
  if (!pathname.startsWith('/v1/')) return false;
  if (mode === 'slow') await new Promise((r) => setTimeout(r, 4000));
  if (pathname === '/v1/sessions' && req.method === 'GET') {
    if (mode === 'error') return problem(res, 503, 'Service Unavailable', 'The session database is not reachable (connect ECONNREFUSED 127.0.0.1:54329); retrying in the background (mock).'), true;
    if (mode === 'empty') return json(res, { items: [], nextCursor: null }), true;
    json(res, checked(SessionListSchema, { items: sessions().map((s) => s.head), nextCursor: null }, 'session list'));
    return true;
  }
  const m = /^\/v1\/sessions\/([^/]+)(\/timeline|\/end)?$/.exec(pathname);
  const s = m && sessions().find((x) => x.head.id === decodeURIComponent(m[1]));
  if (!m || !s) {
    // Like the gateway: ids are UUIDs (400 otherwise); the mock's own ids are accepted too.
    const id = m ? decodeURIComponent(m[1]) : '';
    if (m && !/^[0-9a-f-]{36}$/i.test(id)) problem(res, 400, 'Invalid request', 'params/id must be a UUID');
    else if (m) problem(res, 404, 'Session not found', `no session with id ${id}`);
    else problem(res, 404, 'Not Found', `${req.method} ${pathname} does not exist`);
    return true;
  }
  if (m[2] === '/timeline') {
    const origin = s.media.find((o) => o.kind === 'recording')?.mediaTimeOriginSec ?? null;
    const timeline = s.timeline() ?? { frames: [], pauses: [], words: [], disfluencies: [] };
    for (const f of timeline.frames.slice(0, 50)) checked(TimelineFrameSchema, f, `timeline frame (${f.kind})`);
    json(res, { sessionId: s.head.id, mediaTimeOriginSec: origin, ...timeline });
  }
  else if (m[2] === '/end') json(res, checked(SessionSummarySchema, s.head, 'session'));
  else json(res, {
    ...s.head, live: s.head.state === 'live', participants: [], mediaObjects: s.media, recordingUrl: s.url,
    mediaTimeOriginSec: s.media.find((o) => o.kind === 'recording')?.mediaTimeOriginSec ?? null,
  });
  return true;
}

/** Encodes the demo media now (so the first page load is not slow). */
export function warmUpMockApi() {
  getMedia();
}
