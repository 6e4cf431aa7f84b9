import { ErrorCode, type ErrorBody } from '@lectern/contract';
import type * as ms from 'mediasoup-client/types';
import { LecternError } from '#lib/errors.ts';
import { IceRestarter } from '#lib/IceRestarter.ts';
import { mediaError } from '#lib/media.ts';
import { step } from '#lib/webrtc.ts';
import type { MetricsStore } from './metrics.svelte';
import { LiveSession, type GrantSource } from './session.svelte.ts';
import type { SocketStore } from './socket.svelte';

/**
 * Presenter session lifecycle (also exposed as `window.__lectern.state`):
 * - `idle`: nothing started.
 * - `media`: asking for microphone/camera.
 * - `connecting`: waiting for the Socket.IO connection (server may be unreachable: see `socket.error`).
 * - `joining`: joining the room (following `WRONG_NODE` redirects), creating the WebRTC transport and producers.
 * - `busy`: every server is at capacity (`CAPACITY`); joins again by itself at `capacity.retryAt`
 *   (media stays on), or at once with `retryNow()`.
 * - `live`: audio (and video) are being sent; metric frames flow.
 * - `reconnecting`: the socket dropped; will re-join automatically when it is back.
 * - `reset`: the server reset the room (e.g. SFU_WORKER_DIED); re-joins by itself (the server
 *   keeps the session waiting for the presenter), or at once with `rejoin()`.
 * - `error`: a step failed; see `error` (permission denied, join/produce failed, WebRTC failed…).
 * - `stopped`: `stop()` was called; media released.
 */
export type SessionState =
  | 'idle'
  | 'media'
  | 'connecting'
  | 'joining'
  | 'busy'
  | 'live'
  | 'reconnecting'
  | 'reset'
  | 'error'
  | 'stopped';

/** Microphone with all browser processing off (loudness metrics are meaningless under AGC). */
export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: false,
  noiseSuppression: false,
  autoGainControl: false,
  channelCount: 1,
};
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: 640,
  height: 480,
  frameRate: 15,
};

export interface StartOptions {
  roomId: string;
  displayName?: string;
  /** Send the camera too (default true; falls back to audio-only when there is no camera). */
  video?: boolean;
  /** The presenter grant for each join (e.g. `grants.presenter`, which mints `POST /v1/rooms/:room/token`). */
  grant: GrantSource;
  /** Called when the server refuses the grant (so a kept one is not used again). */
  onGrantRefused?: (roomId: string) => void;
}

/**
 * The presenter's side of a room: getUserMedia, the mediasoup-client flow (join → Device.load →
 * send transport → produce audio + VP8 video), automatic re-join after a socket reconnect, and
 * `rejoin()` after the server resets the room. Voice metrics are routed into `metrics`, which is
 * told to follow this session's audio producer.
 */
export class PresenterSession extends LiveSession<SessionState> {
  /** Non-fatal notices (e.g. "no camera, audio only", analyzer unavailable). */
  notices = $state<string[]>([]);
  /** mediasoup send-transport connection state. */
  transportState = $state<ms.ConnectionState | 'none'>('none');
  /** True while the send transport's connection is lost and ICE restarts are being tried ("Reconnecting media…"). */
  mediaReconnecting = $state(false);
  /** The ICE-restart watch of the current send transport (`window.__lectern` shows its counters). */
  iceRestarter: IceRestarter | null = null;

  #wantVideo = true;
  #autoRejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** Automatic re-joins after a reset since the last time the session was live. */
  #autoRejoins = 0;
  /** True while the server holds a peer for this socket in a room (so a re-join must leave first). */
  #serverJoined = false;
  #producers: ms.Producer[] = [];

  constructor(socket: SocketStore, metrics: MetricsStore) {
    super(socket, metrics, 'presenter', 'Presenter');
  }

  /** Starts media, connects, joins `roomId` as presenter and produces. Never throws: see `state`/`error`. */
  async start({ roomId, displayName = 'Presenter', video = true, grant, onGrantRefused }: StartOptions): Promise<void> {
    const gen = ++this.generation;
    this.grantSource = grant;
    this.grantRefused = onGrantRefused ?? null;
    this.closeMedia();
    this.releaseLocalMedia();
    this.roomId = roomId;
    this.displayName = displayName;
    this.#wantVideo = video;
    this.error = null;
    this.notices = [];
    this.resetAdmission();
    try {
      this.state = 'media';
      this.stream = await this.#getUserMedia(video);
      this.check(gen);
      await this.connectAndJoin(gen);
    } catch (err) {
      this.fail(gen, err);
    }
  }

  /** Joins again with the same media after `reset` / `error` (reconnecting the socket if needed). */
  async rejoin(): Promise<void> {
    if (!this.stream) {
      if (!this.grantSource) return;
      return this.start({ roomId: this.roomId, displayName: this.displayName, video: this.#wantVideo, grant: this.grantSource, onGrantRefused: this.grantRefused ?? undefined });
    }
    const gen = ++this.generation;
    this.closeMedia();
    this.error = null;
    this.resetAdmission();
    try {
      await this.connectAndJoin(gen);
    } catch (err) {
      this.fail(gen, err);
    }
  }

  protected override async requestJoin(gen: number) {
    // Server errors get a "Joining the room failed: " prefix; the session's own control flow
    // (superseded, capacity wait) passes through untouched.
    const joined = await super.requestJoin(gen).catch((err: unknown) =>
      err instanceof LecternError ? step('Joining the room', Promise.reject<never>(err)) : Promise.reject(err),
    );
    this.#serverJoined = true;
    return joined;
  }

  protected override takeServerPeer(): boolean {
    const joined = this.#serverJoined;
    this.#serverJoined = false;
    return joined;
  }

  protected async join(gen: number): Promise<void> {
    const stream = this.stream;
    if (!stream) throw new LecternError('NO_DEVICE', 'No local media to send.');
    this.state = 'joining';
    if (this.#serverJoined) {
      // A previous attempt joined but failed later (e.g. produce): the server still has our peer.
      this.#serverJoined = false;
      await this.socket.request('room:leave', {}, { timeoutMs: 3_000 }).catch(() => undefined);
      this.check(gen);
    }
    const { device, transport } = await this.joinAndOpenTransport(gen);
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      this.socket
        .request('producer:create', {
          transportId: transport.id,
          kind,
          rtpParameters,
          appData,
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    let wasConnected = false;
    const lost = () => {
      this.generation++;
      this.closeMedia();
      this.state = 'error';
      this.error = new LecternError('WEBRTC_FAILED', 'The media connection to the server was lost (the media server may have restarted or the network changed). Press Rejoin to continue.');
    };
    // A connection that was up and went down (outage, network change) is restarted (ICE restart)
    // until it is back; only after a minute without it does the session stop with an error.
    this.iceRestarter = new IceRestarter(transport, {
      requestRestart: async (transportId) => (await this.socket.request('transport:restartIce', { transportId }, { timeoutMs: 8_000 })).iceParameters,
      onReconnecting: (on) => {
        if (this.transport === transport) this.mediaReconnecting = on;
      },
      onGiveUp: () => {
        if (this.transport === transport && (this.state === 'live' || this.state === 'joining')) lost();
      },
    });
    transport.on('connectionstatechange', (s) => {
      if (this.transport !== transport) return;
      this.transportState = s;
      if (s === 'connected') wasConnected = true;
      if (s === 'failed' && !wasConnected && (this.state === 'live' || this.state === 'joining')) {
        this.generation++;
        this.closeMedia();
        this.state = 'error';
        this.error = new LecternError(
          'WEBRTC_FAILED',
          'The media connection to the server could not be established (ICE/DTLS). Check that UDP to the server is not blocked by a firewall or VPN, then press Rejoin.',
        );
      }
    });

    const audioTrack = stream.getAudioTracks()[0];
    if (!audioTrack) throw new LecternError('NO_DEVICE', 'No microphone track to send.');
    if (!device.canProduce('audio')) throw new LecternError('MEDIA_ERROR', 'The room does not accept audio this browser can send (no common Opus codec).');
    const audio = await step('Sending audio', transport.produce({
      track: audioTrack,
      stopTracks: false,
      codecOptions: { opusStereo: false, opusDtx: false, opusFec: true },
      appData: { source: 'mic' },
    }));
    this.#producers.push(audio);
    this.check(gen);
    this.audioProducerId = audio.id;
    this.metrics.follow(audio.id);
    audio.on('trackended', () => this.#trackEnded('microphone'));

    const videoTrack = stream.getVideoTracks()[0];
    if (videoTrack && device.canProduce('video')) {
      const vp8 = device.sendRtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
      const video = await step('Sending video', transport.produce({
        track: videoTrack,
        stopTracks: false,
        codec: vp8,
        encodings: [{ maxBitrate: 600_000, maxFramerate: 15 }],
        codecOptions: { videoGoogleStartBitrate: 400 },
        appData: { source: 'camera' },
      }));
      this.#producers.push(video);
      this.check(gen);
      this.videoProducerId = video.id;
      video.on('trackended', () => this.#trackEnded('camera'));
    }
    this.state = 'live';
    this.#autoRejoins = 0;
  }

  async #getUserMedia(video: boolean): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new LecternError(
        'MEDIA_UNSUPPORTED',
        'This page cannot use the microphone: browsers only allow it on secure pages. Open Lectern via https:// or http://localhost (or 127.0.0.1).',
      );
    }
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS, video: video ? VIDEO_CONSTRAINTS : false });
    } catch (err) {
      const name = (err as DOMException).name;
      if (video && (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError')) {
        // Rehearsing without a (working) camera is still useful: try the microphone alone.
        try {
          const audioOnly = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS, video: false });
          this.notices = [...this.notices, name === 'NotReadableError'
            ? 'The camera is in use by another app; rehearsing with audio only.'
            : 'No camera found; rehearsing with audio only.'];
          return audioOnly;
        } catch (err2) {
          throw mediaError(err2);
        }
      }
      throw mediaError(err);
    }
  }

  protected roomError(e: ErrorBody): void {
    if (e.code === ErrorCode.WorkerDied) {
      this.#serverJoined = false;
      this.generation++;
      this.closeMedia();
      this.state = 'reset';
      // The server rebuilds the room on another media worker and keeps the session waiting for us:
      // join again at once (then after 1 s, 2 s, 4 s…, 5 tries), so the session goes on.
      const attempt = this.#autoRejoins++;
      const auto = attempt < 5;
      this.error = new LecternError(
        e.code,
        auto
          ? 'The media server restarted and this room was reset. Rejoining your session…'
          : 'The media server restarted and this room was reset. Your camera and microphone are still on: press Rejoin to continue.',
        e.message,
      );
      clearTimeout(this.#autoRejoinTimer);
      if (auto)
        this.#autoRejoinTimer = setTimeout(() => {
          if (this.state === 'reset') void this.rejoin();
        }, attempt === 0 ? 100 : 1000 * 2 ** (attempt - 1));
    } else if (e.code === ErrorCode.AnalyzerUnavailable) {
      this.#notice(`Live analysis is unavailable right now (${e.message}). Your audio and video are still being sent and recorded.`);
    } else {
      this.#notice(`Server error ${e.code}: ${e.message}`);
    }
  }

  protected override dropsOnDisconnect(): boolean {
    return this.state === 'live' || this.state === 'joining';
  }

  protected override onSocketDown(): void {
    this.#serverJoined = false;
    super.onSocketDown();
  }

  #trackEnded(what: string): void {
    if (!this.active) return;
    this.generation++;
    this.closeMedia();
    this.releaseLocalMedia();
    this.state = 'error';
    this.error = new LecternError('NO_DEVICE', `The ${what} stopped (unplugged or disabled). Reconnect it and press Start again.`);
  }

  #notice(text: string): void {
    if (!this.notices.includes(text)) this.notices = [...this.notices, text].slice(-5);
  }

  override async stop(): Promise<void> {
    clearTimeout(this.#autoRejoinTimer);
    return super.stop();
  }

  /** Closes producers and the transport (not the local tracks). */
  protected override closeMedia(): void {
    for (const p of this.#producers.splice(0)) p.close();
    this.iceRestarter?.stop();
    this.iceRestarter = null;
    super.closeMedia();
    this.transportState = 'none';
    this.mediaReconnecting = false;
  }

  /** Stops the camera and microphone. */
  protected override releaseLocalMedia(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }
}
