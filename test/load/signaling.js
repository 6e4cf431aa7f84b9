// k6 load script (runs where k6 exists, e.g. `docker compose --profile load run k6`): many
// concurrent clients hit /health and open Socket.IO connections that join rooms as viewers.
// Media load needs real WebRTC clients: use `npm run bench:live -- --rooms N` for that.
import http from 'k6/http';
import ws from 'k6/ws';
import { check, sleep } from 'k6';

export const options = { vus: 50, duration: '60s', thresholds: { http_req_duration: ['p(95)<200'] } };
const base = __ENV.LECTERN_URL || 'http://127.0.0.1:8080';

export default function () {
  check(http.get(`${base}/health`), { 'health 200': (r) => r.status === 200 });
  const url = `${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  ws.connect(url, {}, (socket) => {
    socket.on('message', (m) => {
      if (m.startsWith('0')) socket.send('40'); // Engine.IO open → Socket.IO connect
      else if (m.startsWith('40')) socket.send(`420["room:join",{"roomId":"k6-${__VU % 10}","role":"viewer"}]`);
      else if (m === '2') socket.send('3'); // ping → pong
    });
    socket.setTimeout(() => socket.close(), 10000);
  });
  sleep(1);
}
