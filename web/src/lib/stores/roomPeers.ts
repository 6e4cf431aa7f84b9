/**
 * Pure room bookkeeping shared by the presenter and coach sessions: the peer list under
 * `room:peer-joined` / `room:peer-left`, and which presenter (and which of their producers) a
 * coach watches.
 */
import type { PeerInfo, ProducerInfo } from '@lectern/contract';

/** `peers` with `p` added, or replacing the entry with its peer id (moved to the end). */
export function upsertPeer(peers: readonly PeerInfo[], p: PeerInfo): PeerInfo[] {
  return [...peers.filter((x) => x.peerId !== p.peerId), p];
}

/** `peers` without `peerId`. */
export function removePeer(peers: readonly PeerInfo[], peerId: string): PeerInfo[] {
  return peers.filter((x) => x.peerId !== peerId);
}

/** The presenter a coach watches and that presenter's producers. */
export interface PresenterMedia {
  /** The first presenter with a producer, else the first presenter, else null. */
  presenter: PeerInfo | null;
  /** The presenter's producers, in `producers` order. */
  producers: ProducerInfo[];
  /** The presenter's first audio producer id, or null. */
  audioProducerId: string | null;
  /** The presenter's first video producer id, or null. */
  videoProducerId: string | null;
}

/** Picks the presenter to watch among `peers` and their producers among every producer of the room. */
export function presenterMedia(peers: readonly PeerInfo[], producers: Iterable<ProducerInfo>): PresenterMedia {
  const all = [...producers];
  const presenterPeers = peers.filter((p) => p.role === 'presenter');
  const withMedia = presenterPeers.find((p) => all.some((x) => x.peerId === p.peerId));
  const presenter = withMedia ?? presenterPeers[0] ?? null;
  const mine = all.filter((x) => x.peerId === presenter?.peerId);
  return {
    presenter,
    producers: mine,
    audioProducerId: mine.find((x) => x.kind === 'audio')?.producerId ?? null,
    videoProducerId: mine.find((x) => x.kind === 'video')?.producerId ?? null,
  };
}
