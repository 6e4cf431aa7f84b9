import { describe, expect, it } from 'vitest';
import type { PeerInfo, ProducerInfo } from '@lectern/contract';
import { presenterMedia, removePeer, upsertPeer } from './roomPeers.ts';

const peer = (peerId: string, role: PeerInfo['role'] = 'presenter', displayName = peerId): PeerInfo => ({ peerId, role, displayName });
const producer = (producerId: string, peerId: string, kind: ProducerInfo['kind']): ProducerInfo => ({ producerId, peerId, kind });

describe('peer list', () => {
  it('adds a joined peer, replaces a re-joined one (moved to the end) and removes a leaving one', () => {
    let peers = upsertPeer([], peer('a'));
    peers = upsertPeer(peers, peer('b', 'coach'));
    peers = upsertPeer(peers, peer('a', 'presenter', 'Ann again'));
    expect(peers).toEqual([peer('b', 'coach'), peer('a', 'presenter', 'Ann again')]);
    expect(removePeer(peers, 'b')).toEqual([peer('a', 'presenter', 'Ann again')]);
    expect(removePeer(peers, 'nobody')).toEqual(peers);
  });
});

describe('presenterMedia', () => {
  it('watches the first presenter that has a producer, with its audio and video producer ids', () => {
    const peers = [peer('coach2', 'coach'), peer('idle'), peer('talker')];
    const producers = [producer('v1', 'talker', 'video'), producer('c1', 'coach2', 'audio'), producer('a1', 'talker', 'audio')];
    const m = presenterMedia(peers, producers);
    expect(m.presenter?.peerId).toBe('talker');
    expect(m.producers.map((p) => p.producerId)).toEqual(['v1', 'a1']);
    expect(m.audioProducerId).toBe('a1');
    expect(m.videoProducerId).toBe('v1');
  });

  it('falls back to the first presenter without media, and ignores producers of non-presenters', () => {
    const m = presenterMedia([peer('v', 'viewer'), peer('p1'), peer('p2')], [producer('x', 'v', 'audio')]);
    expect(m.presenter?.peerId).toBe('p1');
    expect(m).toMatchObject({ producers: [], audioProducerId: null, videoProducerId: null });
  });

  it('is empty without a presenter (an audio-only presenter has no video id)', () => {
    expect(presenterMedia([peer('c', 'coach')], [producer('a', 'c', 'audio')])).toEqual({ presenter: null, producers: [], audioProducerId: null, videoProducerId: null });
    const audioOnly = presenterMedia([peer('p')], new Map([['a', producer('a', 'p', 'audio')]]).values());
    expect(audioOnly).toMatchObject({ audioProducerId: 'a', videoProducerId: null });
  });
});
