#!/usr/bin/env python3
"""A userspace stand-in for `tc qdisc ... netem` (delay, jitter, loss, outage) over NFQUEUE.

Used by test/support/netns.ts when the kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset, as on
the CI host): iptables sends every packet of the client namespace's veth (INPUT and OUTPUT) to
netfilter queue QUEUE; this process holds each packet in the kernel queue and issues its verdict
later — ACCEPT after delay ± jitter (uniform, like netem without a distribution table, so packets
can reorder), or DROP with probability loss. Packets never leave the kernel (copy mode META: only
ids), so addresses and ports stay exactly as sent.

Speaks nfnetlink_queue directly over an AF_NETLINK socket (Python standard library only; the
Debian package python3 is already a set-up dependency). Must run inside the namespace whose rules
queue the packets (`ip netns exec NS python3 nfqueue-netem.py QUEUE`).

Control: one JSON object per stdin line, e.g. {"delayMs": 200, "jitterMs": 50, "lossPct": 5};
fields left out keep their value; {"lossPct": 100} is an outage. Each line is answered on stdout
with one JSON line of the settings and counters ({"ready": true, ...} once bound). Exits when
stdin closes.
"""
import heapq
import json
import os
import random
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NF_DROP, NF_ACCEPT = 0, 1
AF_INET = 2
HOOK_NAMES = {1: 'in', 3: 'out'}

queue_num = int(sys.argv[1])
settings = {'delayMs': 0.0, 'jitterMs': 0.0, 'lossPct': 0.0}
counters = {'packets': 0, 'accepted': 0, 'dropped': 0, 'in': 0, 'out': 0}
seq = 0


def attr(kind, payload):
    pad = (4 - len(payload) % 4) % 4
    return struct.pack('=HH', 4 + len(payload), kind) + payload + b'\0' * pad


def message(msg_type, flags, payload):
    global seq
    seq += 1
    body = struct.pack('=BBH', AF_INET, 0, socket.htons(queue_num)) + payload
    return struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0) + body


sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind((0, 0))


def configure(payload):
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, payload))
    data = sock.recv(65536)
    _, kind, _, _, _ = struct.unpack_from('=IHHII', data, 0)
    if kind == NLMSG_ERROR:
        (err,) = struct.unpack_from('=i', data, 16)
        if err != 0:
            raise OSError(-err, f'nfnetlink_queue config of queue {queue_num}: {os.strerror(-err)}')


configure(attr(NFQA_CFG_CMD, struct.pack('=BBH', NFQNL_CFG_CMD_BIND, 0, socket.htons(AF_INET))))
configure(attr(NFQA_CFG_PARAMS, struct.pack('!IB', 0, NFQNL_COPY_META)))
configure(attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack('!I', 16384)))

pending = []  # heap of (release time s, packet id)


def verdict(packet_id, v):
    sock.send(message(NFQNL_MSG_VERDICT, NLM_F_REQUEST, attr(NFQA_VERDICT_HDR, struct.pack('!II', v, packet_id))))


def on_packet(packet_id, hook):
    counters['packets'] += 1
    counters[HOOK_NAMES.get(hook, 'in')] += 1
    if settings['lossPct'] > 0 and random.random() * 100 < settings['lossPct']:
        counters['dropped'] += 1
        verdict(packet_id, NF_DROP)
        return
    delay = settings['delayMs'] + random.uniform(-settings['jitterMs'], settings['jitterMs'])
    if delay <= 0:
        counters['accepted'] += 1
        verdict(packet_id, NF_ACCEPT)
        return
    heapq.heappush(pending, (time.monotonic() + delay / 1000, packet_id))


def read_netlink():
    data = sock.recv(1 << 20)
    off = 0
    while off + 16 <= len(data):
        length, kind, _, _, _ = struct.unpack_from('=IHHII', data, off)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            a = off + 20  # nlmsghdr + nfgenmsg
            end = off + length
            while a + 4 <= end:
                alen, akind = struct.unpack_from('=HH', data, a)
                if alen < 4:
                    break
                if akind & 0x7fff == NFQA_PACKET_HDR:
                    packet_id, _, hook = struct.unpack_from('!IHB', data, a + 4)
                    on_packet(packet_id, hook)
                    break
                a += (alen + 3) & ~3
        off += (length + 3) & ~3


def report(extra=None):
    line = {**settings, **counters, 'held': len(pending), **(extra or {})}
    sys.stdout.write(json.dumps(line) + '\n')
    sys.stdout.flush()


report({'ready': True})
stdin = sys.stdin.fileno()
buf = b''
while True:
    timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
    readable, _, _ = select.select([sock, stdin], [], [], timeout)
    if sock in readable:
        try:
            read_netlink()
        except OSError as e:  # ENOBUFS: the kernel dropped messages; the queue keeps working
            counters['netlinkErrors'] = counters.get('netlinkErrors', 0) + 1
    if stdin in readable:
        chunk = os.read(stdin, 65536)
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            if line.strip():
                update = json.loads(line)
                for k in settings:
                    if k in update:
                        settings[k] = float(update[k])
                report()
    now = time.monotonic()
    while pending and pending[0][0] <= now:
        _, packet_id = heapq.heappop(pending)
        counters['accepted'] += 1
        verdict(packet_id, NF_ACCEPT)
# Release what is still held so nothing waits for a verdict after we exit (the kernel would drop it anyway).
for _, packet_id in pending:
    verdict(packet_id, NF_ACCEPT)
