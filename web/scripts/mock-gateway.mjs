#!/usr/bin/env node
// Mock gateway for front-end work without mediasoup/analyzers: serves web/build (SPA fallback)
// and a Socket.IO server that acks the signaling flow with fake-but-valid mediasoup parameters
// and emits synthetic `metrics:voice` (10 Hz), `metrics:pause` and `analyzer:status` events
// for the presenter's audio producer. WebRTC never actually connects (the ICE candidate is a dead
// local port), so the send transport eventually reports `failed` (~30 s, exercises that path too).
//
//   node web/scripts/mock-gateway.mjs [port]     (default 8090)
//
// It also emits `asr:status`, `captions:update` (partials every ~0.5 s, a final per utterance),
// `fluency:event` (lexical fillers in the words, acoustic "um"s that are not words) and
// `metrics:fluency` (1 Hz) from a scripted talk, timed like the voice frames.
//
// The session API (/v1/sessions…, replay media) is mocked by mock-api.mjs, the access API
// (/v1/auth…, /v1/org…, /v1/invitations, /v1/join/:token, room grants) by mock-auth.mjs (see there).
//
// Room-name triggers: "join-fails" → room:join fails with MEDIA_ERROR; "worker-dies" → room:error
// SFU_WORKER_DIED after 6 s; "analyzer-down" → analyzer:status unavailable; "asr-none" → asr:status
// engine none (captions off).
// Multi-node (#12) triggers: "capacity" → room:join fails with CAPACITY, retryAfterSec 20;
// "capacity-once" → CAPACITY with retryAfterSec 2 once per room, then the join succeeds;
// "wrong-node" → WRONG_NODE with redirectUrl = mock node B (a second Socket.IO server on port + 1,
// without CORS), which hosts the room; `GET /mock/kill-node-b` closes node B
// (its clients' reconnections fail, they come back here, and this node then takes the room);
// "redirect-loop" → WRONG_NODE to node B, which sends it back here (the client stops after 3 hops);
// "shed" → analyzer:status shed ['pose', 'asr-partials'] and asr:status partialsShed after 1.5 s
// (partials then stop); "shed-clears" → the same, cleared again after 7 s.
// Every analysis push (metrics, captions, fluency, status …) is checked against the contract's
// schemas (`AnalysisRoomMessageSchema`); a mismatch is printed on stderr and makes the exit code 1.
// Uses socket.io (a gateway dependency, hoisted to the repo's node_modules).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { testFakeParameters } from 'mediasoup-client';
import { AnalysisRoomMessageSchema } from '@lectern/contract';
import { handleMockApi, warmUpMockApi } from './mock-api.mjs';
import { handleMockAuth } from './mock-auth.mjs';

const root = fileURLToPath(new URL('../build/', import.meta.url));
const port = Number(process.argv[2] ?? process.env.PORT ?? 8090);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const http = createServer(async (req, res) => {
  const { pathname, search } = new URL(req.url ?? '/', 'http://x');
  if (await handleMockAuth(req, res, pathname, search)) return;
  if (await handleMockApi(req, res, pathname, search)) return;
  if (pathname === '/mock/kill-node-b') {
    killNodeB();
    return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"killed":true}');
  }
  if (pathname === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"mock":true}');
  const rel = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(root, 'index.html');
  for (const c of [rel, `${rel}.html`]) {
    const f = join(root, c);
    try {
      if (f.startsWith(root) && (await stat(f)).isFile()) { file = f; break; }
    } catch {}
  }
  try {
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(500).end('build missing: run `npm run build -w web`\n');
  }
});

const io = new Server(http, { path: '/socket.io' });

// Mock node B (#12): another node of the same cluster, on port + 1.
const portB = port + 1;
const urlA = `http://127.0.0.1:${port}`;
const urlB = `http://127.0.0.1:${portB}`;
const httpB = createServer((_req, res) => res.writeHead(404).end());
// A page served by node A connects here cross-origin. No CORS here (like a node without
// LECTERN_CORS_ORIGINS): the client goes to other nodes over WebSocket first, which needs none.
const ioB = new Server(httpB, { path: '/socket.io' });
let nodeBAlive = true;
httpB.on('error', (err) => console.error(`[mock-gateway] node B on ${portB}: ${err.message}`));
httpB.listen(portB, '127.0.0.1');
function killNodeB() {
  if (!nodeBAlive) return;
  nodeBAlive = false;
  console.log('[mock-gateway] node B killed');
  ioB.close();
  httpB.closeAllConnections?.();
}
/** Rooms that already had their one CAPACITY answer ("capacity-once"). */
const capacityOnce = new Set();

const ANALYSIS_EVENTS = new Set(AnalysisRoomMessageSchema.options.map((o) => o.shape.event.value));
/** Makes `socket.emit` check analysis pushes against the contract before sending them. */
function checkAgainstContract(socket) {
  const emit = socket.emit.bind(socket);
  socket.emit = (event, ...args) => {
    if (ANALYSIS_EVENTS.has(event)) {
      const r = AnalysisRoomMessageSchema.safeParse({ event, payload: args[0] });
      if (!r.success) {
        process.exitCode = 1;
        console.error(`[mock-gateway] ${event} does not match the contract: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
    }
    return emit(event, ...args);
  };
}
const ok = (data) => ({ ok: true, data });
const fail = (code, message, extra = {}) => ({ ok: false, error: { code, message, ...extra } });

io.on('connection', (socket) => signaling(socket, 'a'));
ioB.on('connection', (socket) => signaling(socket, 'b'));

/** The signaling flow of one socket on node `node` ('a': this one, 'b': mock node B). */
function signaling(socket, node) {
  checkAgainstContract(socket);
  let roomId = null;
  const timers = [];
  const stop = () => timers.splice(0).forEach((t) => clearInterval(t));
  socket.on('disconnect', stop);

  socket.on('room:join', (req, ack) => {
    if (!req || typeof req.roomId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(req.roomId)) {
      return ack(fail('BAD_REQUEST', 'roomId: room id must be 1–64 letters, digits, "-" or "_"'));
    }
    if (req.roomId.includes('join-fails')) return ack(fail('MEDIA_ERROR', 'no mediasoup worker available (mock)'));
    if (req.roomId.includes('capacity-once') && !capacityOnce.has(req.roomId)) {
      capacityOnce.add(req.roomId);
      return ack(fail('CAPACITY', 'every Lectern node is above its load threshold (mock)', { retryAfterSec: 2 }));
    }
    if (req.roomId.includes('capacity') && !req.roomId.includes('capacity-once')) {
      return ack(fail('CAPACITY', 'every Lectern node is above its load threshold (mock)', { retryAfterSec: 20 }));
    }
    if (req.roomId.includes('redirect-loop')) {
      return ack(fail('WRONG_NODE', `room ${req.roomId} is hosted by another node (mock)`, { redirectUrl: node === 'a' ? urlB : urlA }));
    }
    if (req.roomId.includes('wrong-node') && node === 'a' && nodeBAlive) {
      return ack(fail('WRONG_NODE', `room ${req.roomId} is hosted by node b (mock)`, { redirectUrl: urlB }));
    }
    stop();
    roomId = req.roomId;
    socket.join(roomId);
    ack(ok({ peerId: randomUUID(), routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(), peers: [], producers: [] }));
    if (roomId.includes('worker-dies')) {
      timers.push(setTimeout(() => { stop(); socket.emit('room:error', { code: 'SFU_WORKER_DIED', message: 'mediasoup worker 4242 died (mock)' }); }, 6000));
    }
  });
  socket.on('room:leave', (_req, ack) => { stop(); ack?.(ok({})); });
  socket.on('auth:refresh', (_req, ack) => ack?.(ok({ expiresAt: new Date(Date.now() + 300_000).toISOString() })));
  socket.on('transport:create', (_req, ack) => {
    const p = testFakeParameters.generateTransportRemoteParameters();
    ack(ok({
      id: randomUUID(),
      iceParameters: p.iceParameters,
      iceCandidates: [{ foundation: 'udpcandidate', address: '127.0.0.1', ip: '127.0.0.1', port: 9, priority: 1078862079, protocol: 'udp', type: 'host' }],
      dtlsParameters: p.dtlsParameters,
    }));
  });
  socket.on('transport:connect', (_req, ack) => ack(ok({})));
  socket.on('producer:create', (req, ack) => {
    const producerId = randomUUID();
    ack(ok({ producerId }));
    if (req?.kind === 'audio' && roomId) timers.push(...synthesize(socket, roomId, producerId));
  });
}

/** Emits a plausible speaking pattern: 2–5 s utterances separated by 0.3–1.6 s pauses. */
function synthesize(socket, roomId, producerId) {
  const down = roomId.includes('analyzer-down');
  socket.emit('analyzer:status', { roomId, producerId, state: 'starting' });
  if (down) {
    return [setTimeout(() => socket.emit('analyzer:status', { roomId, producerId, state: 'unavailable', reason: 'analyzer process exited (code 1); restarting (mock)' }), 1500)];
  }
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  let t = 0, speech = 0, speaking = true, segLeft = 3, pauseStart = 0;
  const voiced = [];
  const started = setTimeout(() => socket.emit('analyzer:status', { roomId, producerId, state: 'running' }), 400);
  const lang = roomId.includes('asr-none') ? null : new TalkScript(socket, roomId, producerId, rand);
  const asrOk = { engine: 'pocketsphinx', reason: 'sherpa-onnx model not installed (run npm run models); using pocketsphinx (mock)' };
  socket.emit('asr:status', lang
    ? asrOk
    : { engine: 'none', reason: 'No speech recogniser available: the sherpa-onnx model is not installed and PocketSphinx failed to load (mock).' });
  const shedTimers = [];
  if (roomId.includes('shed') && lang) {
    const shed = (on) => {
      lang.partialsShed = on;
      socket.emit('analyzer:status', { roomId, producerId, state: 'running', shed: on ? ['pose', 'asr-partials'] : [] });
      socket.emit('asr:status', on
        ? { ...asrOk, reason: 'the recogniser is 5.2 s behind: partial captions paused, finals only (mock)', partialsShed: true }
        : asrOk);
    };
    shedTimers.push(setTimeout(() => shed(true), 1500));
    if (roomId.includes('shed-clears')) shedTimers.push(setTimeout(() => shed(false), 7000));
  }
  const iv = setInterval(() => {
    segLeft -= 0.1;
    if (segLeft <= 0) {
      speaking = !speaking;
      if (speaking) {
        const durationSec = t - pauseStart;
        if (durationSec >= 0.25) socket.emit('metrics:pause', { roomId, producerId, startSec: pauseStart, endSec: t, durationSec, serverTimeMs: Date.now() });
        segLeft = 2 + rand() * 3;
      } else {
        pauseStart = t;
        segLeft = 0.3 + rand() * 1.3;
      }
    }
    if (speaking) speech += 0.1;
    lang?.tick(t, speaking, speech);
    const f0 = speaking && rand() > 0.2 ? 135 + 30 * Math.sin(t / 1.7) + 12 * (rand() - 0.5) : null;
    if (f0) voiced.push([t, 12 * Math.log2(f0 / 100)]);
    while (voiced.length && voiced[0][0] < t - 10) voiced.shift();
    let sd = null;
    if (voiced.length >= 10) {
      const m = voiced.reduce((a, [, s]) => a + s, 0) / voiced.length;
      sd = Math.sqrt(voiced.reduce((a, [, s]) => a + (s - m) ** 2, 0) / voiced.length);
    }
    socket.emit('metrics:voice', {
      roomId, producerId, kind: 'voice', mediaTimeSec: Math.round(t * 10) / 10, windowSec: 0.1, serverTimeMs: Date.now(),
      levelDbfs: speaking ? -22 + 6 * (rand() - 0.5) + 3 * Math.sin(t * 3) : -62 + 3 * (rand() - 0.5),
      f0Hz: f0, vadProb: speaking ? 0.9 + 0.09 * rand() : 0.05 * rand(), isSpeech: speaking,
      pauseSec: speaking ? 0 : Math.round((t - pauseStart + 0.1) * 10) / 10,
      speakingRatio: Math.min(1, speech / (t + 0.1)), pitchVariabilitySt: sd, concealedPackets: 0,
    });
    t += 0.1;
  }, 100);
  return [started, iv, ...shedTimers];
}

/**
 * Scripted talk for captions and fluency: words at ~150 WPM while the voice frames say "speaking",
 * a partial every 0.5 s, a final (and its lexical fillers) when the utterance ends, an occasional
 * acoustic filled pause at the start of an utterance (as the detector reports it: no word).
 */
class TalkScript {
  static TEXT = [
    'so today I want to walk you through how our team cut the build time in half',
    'the first thing we did was *basically measure every single step of the pipeline',
    'and it turned out that *like most of the time went into one test suite',
    'we split that suite into four shards that run at the same time',
    '*you *know the results were better than we expected',
    'the median build went from eleven minutes to just under five',
    'next I will show you the numbers for the last three months',
  ].join(' ').split(' ');

  constructor(socket, roomId, producerId, rand) {
    Object.assign(this, { socket, roomId, producerId, rand });
    this.cursor = 0;
    this.segmentId = 0;
    this.words = [];        // current utterance
    this.allWords = [];     // [startSec, endSec] of every final word
    this.fillers = 0;
    this.nextWordAt = 0;
    this.lastPartialAt = 0;
    this.lastFluencyAt = 0;
    this.wasSpeaking = false;
  }

  emit(event, payload) {
    this.socket.emit(event, { roomId: this.roomId, producerId: this.producerId, ...payload, serverTimeMs: Date.now() });
  }

  tick(t, speaking, speechSec) {
    if (speaking && !this.wasSpeaking) {
      this.nextWordAt = t + 0.1;
      if (this.rand() < 0.35) {
        // An "um" before the utterance: the acoustic detector reports it, the recogniser drops it.
        const s = Math.round((t + 0.05) * 100) / 100;
        this.emit('fluency:event', { kind: 'filled-pause', text: 'um', startSec: s, endSec: s + 0.42 });
        this.fillers += 1;
        this.nextWordAt = t + 0.6;
      }
    }
    if (speaking && t >= this.nextWordAt) {
      const raw = TalkScript.TEXT[this.cursor++ % TalkScript.TEXT.length];
      const dur = 0.16 + 0.035 * raw.length * (0.6 + 0.4 * this.rand());
      const startSec = Math.round(t * 100) / 100;
      this.words.push({ word: raw.replace('*', ''), startSec, endSec: Math.round((t + dur) * 100) / 100, confidence: 0.7 + 0.3 * this.rand(), filler: raw.startsWith('*') });
      this.nextWordAt = t + dur + 0.06;
      if (t - this.lastPartialAt >= 0.5 && !this.partialsShed) this.caption('partial', t);
    }
    if (!speaking && this.wasSpeaking && this.words.length) this.caption('final', t);
    this.wasSpeaking = speaking;
    if (t - this.lastFluencyAt >= 1) this.fluency(t, speechSec);
  }

  caption(kind, t) {
    this.lastPartialAt = t;
    const words = this.words.map(({ filler, ...w }) => w);
    this.emit('captions:update', { kind, segmentId: this.segmentId, text: words.map((w) => w.word).join(' '), words, engine: 'pocketsphinx' });
    if (kind !== 'final') return;
    // Lexical fillers are found on finals ("you know" is one filler of two words).
    for (let i = 0; i < this.words.length; i++) {
      const w = this.words[i];
      if (!w.filler) continue;
      let j = i;
      while (this.words[j + 1]?.filler) j++;
      const text = this.words.slice(i, j + 1).map((x) => x.word).join(' ');
      setTimeout(() => this.emit('fluency:event', { kind: 'lexical-filler', text, startSec: w.startSec, endSec: this.words[j]?.endSec ?? w.endSec }), 0);
      this.fillers += 1;
      i = j;
    }
    this.allWords.push(...this.words.map((w) => [w.startSec, w.endSec]));
    this.words = [];
    this.segmentId += 1;
  }

  fluency(t, speechSec) {
    this.lastFluencyAt = t;
    const recent = this.allWords.filter(([s]) => s >= t - 30).length;
    const n = this.allWords.length;
    this.emit('metrics:fluency', {
      mediaTimeSec: Math.round(t * 10) / 10,
      wpm30s: speechSec >= 5 ? (recent / Math.min(30, t)) * 60 : null,
      wpmOverall: speechSec >= 5 ? (n / t) * 60 : null,
      articulationWpm: speechSec >= 5 ? (n / speechSec) * 60 : null,
      fillerCount: this.fillers,
      fillersPerMin: t > 0 ? this.fillers / (t / 60) : 0,
      repetitionCount: 0,
      hedgeCount: 0,
    });
  }
}

warmUpMockApi();
http.listen(port, '127.0.0.1', () => console.log(`mock gateway + web/build on http://127.0.0.1:${port}`));
