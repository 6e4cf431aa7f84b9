/**
 * k6 load script: Socket.IO signaling (typed with @types/k6; k6 ≥ 0.57 runs .ts directly).
 *
 *   docker compose --profile load run --rm k6-signaling      # inside the compose network
 *   LECTERN_URLS=http://127.0.0.1:8080 LECTERN_EMAIL=… LECTERN_PASSWORD=… k6 run test/load/signaling.ts
 *
 * k6 has no Socket.IO client, so this speaks Engine.IO v4 / Socket.IO v5 framing over `k6/ws`
 * (./lib/socketio.ts). Each iteration of a virtual user: mint a viewer grant for room
 * `ROOM_PREFIX-<vu mod ROOMS>` (`POST /v1/rooms/:room/token`), open
 * `/socket.io/?EIO=4&transport=websocket` on a node (round robin over `LECTERN_URLS`), CONNECT
 * with `auth: { token }`, `room:join { roomId, grant }` (ack id 0), stay `HOLD_SEC` answering
 * pings and counting pushes (`room:peer-joined`, …), `room:leave`, close. When several nodes share
 * Redis, a join on a node that does not host the room is answered `WRONG_NODE` with `redirectUrl`:
 * the user reconnects there with the same grant (`lectern_join_redirects`); `CAPACITY` (every node
 * above its load threshold) is counted apart (`lectern_join_capacity`) and waits `retryAfterSec`.
 *
 * What it measures: connect time (WebSocket + Engine.IO open + Socket.IO CONNECT, whose token check
 * is the node's), join time (`room:join` → ack; creates the room's router on first join) and
 * grant-minting time. Media is not sent: k6 has no WebRTC. Voice-metric latency (the SLO's p95
 * ≤ 50 ms) is measured with real browsers by `npm run bench:live -- --rooms N`, and in production
 * from `lectern_voice_frame_latency_seconds` (Grafana dashboard "Lectern").
 *
 * Account: `LECTERN_EMAIL` / `LECTERN_PASSWORD` of a member (any role may take a viewer grant),
 * e.g. `npm run user -- add --email load@example.org --role admin --password-stdin`. `setup()` signs
 * in once; every user shares that access token, so a run must end before it expires
 * (`LECTERN_ACCESS_TOKEN_TTL_SEC`, at most 15 min; keep `DURATION` ≤ 10m).
 *
 * Environment: LECTERN_URLS (default http://127.0.0.1:8080), LECTERN_EMAIL, LECTERN_PASSWORD,
 * VUS (default 50), DURATION (default 60s), ROOMS (default 10), ROOM_PREFIX (default k6),
 * HOLD_SEC (default 10), ROLE (viewer|coach; default viewer).
 */
import { check, fail, sleep } from 'k6';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import ws from 'k6/ws';
import { type Ack, API, type AuthSession, CODES, EVENTS, type ErrorBody, type JoinRequest, type JoinResponse, nodeFor, nodeUrls, positive, type RoomGrant } from './lib/lectern.ts';
import { SocketIoClient, socketIoUrl } from './lib/socketio.ts';

const NODES = nodeUrls(__ENV.LECTERN_URLS || __ENV.LECTERN_URL || 'http://127.0.0.1:8080');
const ROOMS = positive(__ENV.ROOMS, 10);
const ROOM_PREFIX = __ENV.ROOM_PREFIX || 'k6';
const HOLD_MS = positive(__ENV.HOLD_SEC, 10) * 1000;
const ROLE = __ENV.ROLE === 'coach' ? 'coach' : 'viewer';
/** Give up on a join that has no ack after this long (counted as a failed join). */
const JOIN_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 2;

const connectMs = new Trend('lectern_connect_ms', true);
const joinMs = new Trend('lectern_join_ms', true);
const joinOk = new Rate('lectern_join_ok');
const redirects = new Counter('lectern_join_redirects');
const capacity = new Counter('lectern_join_capacity');
const connectErrors = new Counter('lectern_connect_errors');
const drops = new Counter('lectern_unexpected_disconnects');
const pushes = new Counter('lectern_pushes');
const protocolErrors = new Counter('lectern_protocol_errors');

export const options: Options = {
  scenarios: {
    signaling: { executor: 'constant-vus', vus: positive(__ENV.VUS, 50), duration: __ENV.DURATION || '60s', gracefulStop: `${Math.ceil(HOLD_MS / 1000) + 15}s` },
  },
  // Joining must feel instant next to the ~1 s a browser spends on getUserMedia and ICE: p95 of
  // CONNECT ≤ 300 ms and of room:join ≤ 500 ms under load, no dropped sockets, ≥ 99 % joins.
  thresholds: {
    lectern_connect_ms: ['p(95)<300'],
    lectern_join_ms: ['p(95)<500', 'p(99)<1000'],
    lectern_join_ok: ['rate>0.99'],
    lectern_connect_errors: ['count<1'],
    lectern_unexpected_disconnects: ['count<1'],
    lectern_protocol_errors: ['count<1'],
    'http_req_duration{name:grant}': ['p(95)<200'],
    checks: ['rate>0.99'],
  },
};

interface SetupData {
  accessToken: string;
}

/** Signs in once; every virtual user uses this access token. */
export function setup(): SetupData {
  if (!__ENV.LECTERN_EMAIL || !__ENV.LECTERN_PASSWORD)
    fail('set LECTERN_EMAIL and LECTERN_PASSWORD to an account (npm run user -- add --email … --role admin --password-stdin)');
  const res = http.post(`${NODES[0]}${API.signIn}`, JSON.stringify({ email: __ENV.LECTERN_EMAIL, password: __ENV.LECTERN_PASSWORD }), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'sign-in' },
  });
  if (res.status !== 200) fail(`sign-in at ${NODES[0]} answered ${res.status}: ${String(res.body).slice(0, 300)}`);
  const session = res.json() as unknown as AuthSession;
  const leftSec = (Date.parse(session.accessTokenExpiresAt) - Date.now()) / 1000;
  console.log(`signed in as ${session.user?.email ?? '?'} (${session.role}); the access token expires in ${Math.round(leftSec)} s — the run must end before`);
  return { accessToken: session.accessToken };
}

function mintGrant(base: string, accessToken: string, roomId: string): string | undefined {
  const res = http.post(`${base}${API.roomToken(roomId)}`, JSON.stringify({ role: ROLE }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    tags: { name: 'grant' },
  });
  check(res, { 'grant 200': (r) => r.status === 200 });
  if (res.status !== 200) return undefined;
  return (res.json() as unknown as RoomGrant).grant;
}

type Outcome = { kind: 'joined' } | { kind: 'redirect'; url: string } | { kind: 'capacity'; retryAfterSec: number } | { kind: 'failed' };

/** One connection: CONNECT, join, hold, leave. */
function joinOnce(base: string, accessToken: string, grant: string, roomId: string): Outcome {
  let outcome: Outcome = { kind: 'failed' };
  let closing = false;
  const t0 = Date.now();
  const res = ws.connect(socketIoUrl(base), { tags: { name: 'socket.io' } }, (socket) => {
    const close = () => {
      closing = true;
      socket.close();
    };
    const client = new SocketIoClient((frame) => socket.send(frame), { token: accessToken }, {
      onConnect: () => {
        connectMs.add(Date.now() - t0);
        const tJoin = Date.now();
        const join: JoinRequest = { roomId, grant };
        client.emit(EVENTS.join, join, (response) => {
          const ack = response as Ack<JoinResponse>;
          if (ack.ok) {
            joinMs.add(Date.now() - tJoin);
            joinOk.add(true);
            outcome = { kind: 'joined' };
            check(ack.data, { 'join answers a peer id': (d) => typeof d.peerId === 'string' });
            socket.setTimeout(() => {
              client.emit(EVENTS.leave, {}, (left) => {
                check(left as Ack<Record<string, never>>, { 'leave ok': (a) => a.ok });
                close();
              });
            }, HOLD_MS);
            return;
          }
          const error: ErrorBody = ack.error;
          if (error.code === CODES.wrongNode && error.redirectUrl) {
            redirects.add(1);
            outcome = { kind: 'redirect', url: error.redirectUrl };
          } else if (error.code === CODES.capacity) {
            capacity.add(1);
            outcome = { kind: 'capacity', retryAfterSec: error.retryAfterSec ?? 1 };
          } else {
            joinOk.add(false, { code: error.code });
            console.warn(`room:join ${roomId} at ${base}: ${error.code}: ${error.message}`);
          }
          close();
        });
        socket.setTimeout(() => {
          if (outcome.kind === 'failed' && !closing) {
            joinOk.add(false, { code: 'TIMEOUT' });
            close();
          }
        }, JOIN_TIMEOUT_MS);
      },
      onConnectError: (err) => {
        connectErrors.add(1);
        console.warn(`Socket.IO CONNECT refused at ${base}: ${err.message}`);
        close();
      },
      onEvent: (name) => pushes.add(1, { event: name }),
      onDisconnect: (reason) => {
        if (!closing) drops.add(1, { reason });
        close();
      },
      onProtocolError: (err, frame) => {
        protocolErrors.add(1);
        console.warn(`undecodable frame ${frame.slice(0, 80)}: ${err.message}`);
      },
    });
    socket.on('message', (frame) => client.receive(frame));
    socket.on('error', (e) => {
      if (!closing) console.warn(`websocket error at ${base}: ${e.error()}`);
    });
    socket.on('close', () => {
      if (!closing) drops.add(1, { reason: 'websocket closed' });
    });
  });
  check(res, { 'websocket upgrade 101': (r) => r.status === 101 });
  return outcome;
}

/** One virtual-user iteration: grant, join (following up to two redirects), hold, leave. */
export default function (data: SetupData): void {
  const roomId = `${ROOM_PREFIX}-${(__VU - 1) % ROOMS}`;
  let base = nodeFor(NODES, __VU + __ITER);
  const grant = mintGrant(base, data.accessToken, roomId);
  if (!grant) {
    sleep(1);
    return;
  }
  let outcome = joinOnce(base, data.accessToken, grant, roomId);
  for (let hop = 0; outcome.kind === 'redirect'; hop++) {
    if (hop === MAX_REDIRECTS) {
      joinOk.add(false, { code: 'REDIRECT_LOOP' });
      console.warn(`room ${roomId}: still redirected after ${MAX_REDIRECTS} hops (last ${outcome.url})`);
      break;
    }
    base = outcome.url.replace(/\/+$/, '');
    outcome = joinOnce(base, data.accessToken, grant, roomId);
  }
  if (outcome.kind === 'capacity') sleep(outcome.retryAfterSec);
  sleep(1);
}
