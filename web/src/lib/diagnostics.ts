import type { AsrStatus, FluencyFrame, VoiceFrame } from '@lectern/contract';
import type { LanguageStore } from './stores/language.svelte';
import type { MetricsStore } from './stores/metrics.svelte';
import type { CoachState } from './stores/coach.svelte';
import type { SessionState } from './stores/presenter.svelte';
import { socket } from './stores/socket.svelte.ts';

/**
 * `window.__lectern`: read-only diagnostics for automated tests and load benchmarks.
 * Every property is a live getter (read it again to get fresh values).
 */
export interface LecternDiagnostics {
  /** Session state: `SessionState` on /rehearse, `CoachState` on /coach (`idle` … `live` … `stopped`). */
  readonly state: SessionState | CoachState;
  /** Voice frames received for this page's audio producer since load. */
  readonly framesReceived: number;
  /** The most recent voice frame, or null. */
  readonly lastFrame: VoiceFrame | null;
  /** `Date.now() - frame.serverTimeMs` on receipt, ms, oldest first, the last 1000 frames (a copy). */
  readonly latenciesMs: number[];
  /** Caption events (partials and finals) received for this page's audio producer since load. */
  readonly captionsReceived: number;
  /** Text of the final caption lines kept (the last 40 utterances), space-separated. */
  readonly transcript: string;
  /** Latest `asr:status`, or null. */
  readonly asr: AsrStatus | null;
  /** Latest `metrics:fluency` frame, or null. */
  readonly fluency: FluencyFrame | null;
  /** Socket.IO state (`idle`, `connecting`, `connected`, `reconnecting`, `closed`…). */
  readonly socketState: string;
  /** Successful socket (re)connections since the session connected. */
  readonly socketConnections: number;
  /** Established socket connections that dropped since then. */
  readonly socketDisconnects: number;
  /** `auth:refresh` requests (a new access token on the open socket) the server acknowledged. */
  readonly tokenRefreshes: number;
  /** Base URL the socket is connected to now: the page's origin, or the node a `WRONG_NODE` redirect sent it to. */
  readonly socketUrl: string;
  /** True while the media transport's connection is lost and ICE restarts are being tried. */
  readonly mediaReconnecting: boolean;
  /** ICE restarts applied to the current media transport (`IceRestarter.restarts`). */
  readonly iceRestarts: number;
}

/** Installs `window.__lectern` for this page; returns a function that removes it. */
export function exposeDiagnostics(room: { readonly state: SessionState | CoachState; readonly mediaReconnecting?: boolean; readonly iceRestarter?: { readonly restarts: number } | null }, metrics: MetricsStore, language: LanguageStore): () => void {
  const diag: LecternDiagnostics = Object.freeze({
    get state() {
      return room.state;
    },
    get framesReceived() {
      return metrics.framesReceived;
    },
    get lastFrame() {
      return metrics.lastFrame;
    },
    get latenciesMs() {
      return metrics.latenciesMs();
    },
    get captionsReceived() {
      return language.captionsReceived;
    },
    get transcript() {
      return language.transcript;
    },
    get asr() {
      return language.asr;
    },
    get fluency() {
      return language.fluency;
    },
    get socketState() {
      return socket.state;
    },
    get socketConnections() {
      return socket.connections;
    },
    get socketDisconnects() {
      return socket.disconnects;
    },
    get tokenRefreshes() {
      return socket.tokenRefreshes;
    },
    get socketUrl() {
      return socket.url;
    },
    get mediaReconnecting() {
      return room.mediaReconnecting ?? false;
    },
    get iceRestarts() {
      return room.iceRestarter?.restarts ?? 0;
    },
  });
  Object.defineProperty(window, '__lectern', { value: diag, configurable: true, enumerable: false, writable: false });
  return () => {
    if (window.__lectern === diag) delete (window as { __lectern?: LecternDiagnostics }).__lectern;
  };
}
