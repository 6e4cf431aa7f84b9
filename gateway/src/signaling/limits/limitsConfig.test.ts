/** The limits section of gateway/src/config.ts: defaults, parsing, and ranges (env and code). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';

describe('loadConfig limits', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({}, {}).limits).toEqual({
      maxMessageBytes: 262144,
      socketEventsPerSec: 50,
      socketEventBurst: 200,
      burstWindowMs: 10_000,
      refusalsBeforeDisconnect: 100,
      refusalWindowMs: 10_000,
      maxRoomsPerNode: 100,
      maxPeersPerRoom: 25,
      maxTransportsPerPeer: 4,
      maxProducersPerPeer: 4,
      maxConsumersPerPeer: 100,
      failedJoinsPerIp: 20,
      failedJoinWindowMs: 60_000,
    });
  });

  it('parses every variable, and overrides in code win', () => {
    const env = {
      LECTERN_SOCKET_MAX_MESSAGE_BYTES: '65536', LECTERN_SOCKET_EVENTS_PER_SEC: '10', LECTERN_SOCKET_EVENT_BURST: '0',
      LECTERN_SOCKET_REFUSALS_BEFORE_DISCONNECT: '7', LECTERN_MAX_ROOMS_PER_NODE: '3', LECTERN_MAX_PEERS_PER_ROOM: '2',
      LECTERN_MAX_TRANSPORTS_PER_PEER: '1', LECTERN_MAX_PRODUCERS_PER_PEER: '1', LECTERN_MAX_CONSUMERS_PER_PEER: '9', LECTERN_FAILED_JOINS_PER_IP: '5',
    };
    expect(loadConfig({ limits: { maxPeersPerRoom: 4, failedJoinWindowMs: 5000 } }, env).limits).toEqual({
      maxMessageBytes: 65536, socketEventsPerSec: 10, socketEventBurst: 0, burstWindowMs: 10_000, refusalsBeforeDisconnect: 7, refusalWindowMs: 10_000,
      maxRoomsPerNode: 3, maxPeersPerRoom: 4, maxTransportsPerPeer: 1, maxProducersPerPeer: 1, maxConsumersPerPeer: 9, failedJoinsPerIp: 5, failedJoinWindowMs: 5000,
    });
  });

  it('refuses values out of range, naming the variable and the range', () => {
    expect(() => loadConfig({}, { LECTERN_SOCKET_MAX_MESSAGE_BYTES: '100' })).toThrow('LECTERN_SOCKET_MAX_MESSAGE_BYTES="100": expected an integer in 1024–16777216');
    expect(() => loadConfig({}, { LECTERN_SOCKET_EVENTS_PER_SEC: '0' })).toThrow('LECTERN_SOCKET_EVENTS_PER_SEC="0": expected an integer in 1–10000');
    expect(() => loadConfig({}, { LECTERN_MAX_PEERS_PER_ROOM: 'lots' })).toThrow(/LECTERN_MAX_PEERS_PER_ROOM="lots": expected an integer in 1–1000/);
    expect(() => loadConfig({}, { LECTERN_MAX_TRANSPORTS_PER_PEER: '65' })).toThrow('LECTERN_MAX_TRANSPORTS_PER_PEER="65": expected an integer in 1–64');
    expect(() => loadConfig({}, { LECTERN_FAILED_JOINS_PER_IP: '-1' })).toThrow(/LECTERN_FAILED_JOINS_PER_IP="-1"/);
    expect(() => loadConfig({ limits: { maxRoomsPerNode: 0 } }, {})).toThrow('limits.maxRoomsPerNode must be an integer in 1–100000 (got 0)');
    expect(() => loadConfig({ limits: { failedJoinWindowMs: 10 } }, {})).toThrow('limits.failedJoinWindowMs must be an integer in 1000–3600000 (got 10)');
  });
});
