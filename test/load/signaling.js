// k6 load script (runs where k6 exists, e.g. `docker compose --profile load run k6`): many
// concurrent clients hit /health and open Socket.IO connections that join rooms as viewers.
// Media load needs real WebRTC clients: use `npm run bench:live -- --rooms N` for that.
// Access: LECTERN_EMAIL / LECTERN_PASSWORD of an owner or admin (npm run user -- add … --role admin);
// setup() signs in once and mints a viewer grant per room; every client sends the access token in
// the Socket.IO connect packet and the grant in room:join.
import http from 'k6/http';
import ws from 'k6/ws';
import { check, sleep } from 'k6';

export const options = { vus: 50, duration: '60s', thresholds: { http_req_duration: ['p(95)<200'] } };
const base = __ENV.LECTERN_URL || 'http://127.0.0.1:8080';

export function setup() {
  const res = http.post(`${base}/v1/auth/sign-in`, JSON.stringify({ email: __ENV.LECTERN_EMAIL, password: __ENV.LECTERN_PASSWORD }), { headers: { 'content-type': 'application/json' } });
  check(res, { 'signed in': (r) => r.status === 200 });
  const token = res.json('accessToken');
  const grants = {};
  for (let i = 0; i < 10; i++) {
    const g = http.post(`${base}/v1/rooms/k6-${i}/token`, JSON.stringify({ role: 'viewer' }), { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    grants[i] = g.json('grant');
  }
  return { token, grants };
}

export default function (data) {
  check(http.get(`${base}/health`), { 'health 200': (r) => r.status === 200 });
  const url = `${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  ws.connect(url, {}, (socket) => {
    socket.on('message', (m) => {
      if (m.startsWith('0')) socket.send(`40${JSON.stringify({ token: data.token })}`); // Engine.IO open → Socket.IO connect with auth
      else if (m.startsWith('40')) socket.send(`420${JSON.stringify(['room:join', { roomId: `k6-${__VU % 10}`, grant: data.grants[__VU % 10] }])}`);
      else if (m === '2') socket.send('3'); // ping → pong
    });
    socket.setTimeout(() => socket.close(), 10000);
  });
  sleep(1);
}
