import { io, type Socket } from 'socket.io-client';
import {
  ServerEvent,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@lectern/contract';
import { LecternError } from '#lib/errors.ts';
import { NodeFailover, sameTarget, type SocketTarget } from './admission.ts';
import { handshakeErrorCode, SocketTokenSync, type SocketTokens } from './socketAuth.ts';

/** A Socket.IO client socket typed with the contract's event maps. */
export type LecternSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type RequestEvent = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
/** Payload type of a client → server request. */
export type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
/** `data` type of a successful acknowledgement for a request. */
export type ResponseOf<E extends RequestEvent> =
  Parameters<ClientToServerEvents[E]>[1] extends (ack: Ack<infer T>) => void ? T : never;
export type PayloadOf<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/**
 * - `idle`: never connected (or `disconnect()` was called).
 * - `connecting`: first connection attempt in progress.
 * - `connected`: Socket.IO handshake done.
 * - `unreachable`: the first connection failed; retrying in the background.
 * - `reconnecting`: an established connection dropped; retrying in the background.
 * - `closed`: the server refused or closed the connection; no automatic retry.
 */
export type SocketState = 'idle' | 'connecting' | 'connected' | 'unreachable' | 'reconnecting' | 'closed';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** What the page says while it gives up a lost redirected node and goes back to its own origin. */
export const NODE_LOST_MESSAGE = 'Lost the connection to the server hosting this room; reconnecting…';

type Handler<E extends ServerEventName> = (payload: PayloadOf<E>) => void;
type AnyHandler = (payload: unknown) => void;

/**
 * One Socket.IO connection to the gateway (same origin, path `/socket.io` by default), with
 * reactive connection state, typed server-event subscriptions that survive reconnects, and
 * `request()` which resolves an `Ack<T>` to `T` or throws a `LecternError`.
 */
export class SocketStore {
  state = $state<SocketState>('idle');
  /** Why the socket is not connected (UNREACHABLE / NOT_CONNECTED), cleared on connect. */
  error = $state.raw<LecternError | null>(null);
  /**
   * Base URL the socket connects to now: the page's origin (or the URL given to `connect`), or the
   * node a `WRONG_NODE` answer sent it to (`redirect`).
   */
  url = $state('');
  /** Where `connect` pointed the socket (the page's origin by default): the way back from a lost node. */
  homeUrl = $state('');
  /**
   * Set while the socket, having lost the redirected node that hosts the room, reconnects to
   * `homeUrl` (whose server takes the room over); cleared on connect.
   */
  nodeLost = $state.raw<LecternError | null>(null);
  /** Number of successful (re)connections since `connect()`. */
  connections = $state(0);
  /** Established connections that dropped since `connect()` (any reason). */
  disconnects = $state(0);
  /**
   * Set when the server ended this socket's access (`auth:revoked`: invitation revoked, membership
   * removed, signed out everywhere) or refused its identity; it then disconnects. Cleared by `connect()`.
   */
  revoked = $state.raw<LecternError | null>(null);

  #socket: LecternSocket | null = null;
  #handlers = new Map<string, Set<AnyHandler>>();
  #connectHandlers = new Set<() => void>();
  #disconnectHandlers = new Set<(reason: string) => void>();
  #pending = new Set<(err: LecternError) => void>();
  #tokens: SocketTokens | null = null;
  #sync: SocketTokenSync | null = null;
  /** One token refresh per refused handshake (reset by a successful connect). */
  #authRetried = false;
  #home: SocketTarget = { url: '', path: '/socket.io' };
  #target: SocketTarget = { url: '', path: '/socket.io' };
  #failover = new NodeFailover();
  #failoverTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Where the socket gets its access token (the auth store): sent in every handshake, and each new
   * one is forwarded to the open socket with `auth:refresh`.
   */
  useTokens(tokens: SocketTokens): void {
    this.#tokens = tokens;
    this.#sync = new SocketTokenSync(
      tokens,
      (token) => this.request('auth:refresh', { token }, { timeoutMs: 10_000 }),
      () => this.connected,
    );
    tokens.onToken(() => this.#sync?.tokenChanged());
  }

  /** `auth:refresh` requests the server acknowledged (diagnostics). */
  get tokenRefreshes(): number {
    return this.#sync?.refreshes ?? 0;
  }

  /** The underlying socket.io-client socket (null before `connect()`); for advanced use. */
  get socket(): LecternSocket | null {
    return this.#socket;
  }

  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** Where the socket connects now (see `url`). */
  get target(): SocketTarget {
    return this.#target;
  }

  /** Where `connect` pointed the socket (see `homeUrl`). */
  get home(): SocketTarget {
    return this.#home;
  }

  /** True while the socket is on a node a `WRONG_NODE` answer sent it to (not `homeUrl`). */
  get redirected(): boolean {
    return this.#socket !== null && !sameTarget(this.#target, this.#home);
  }

  /**
   * Opens the connection (no-op if already open to the same URL, or to a node it redirected to).
   * Socket.IO retries failed attempts with backoff; watch `state` / `error`.
   * @param url gateway origin, default `location.origin`
   * @param path Socket.IO path, default `/socket.io`
   */
  connect(url: string = location.origin, path = '/socket.io'): void {
    const home = { url, path };
    if (this.#socket && sameTarget(home, this.#home)) {
      if (this.#socket.active) return;
      if (!this.redirected) {
        this.state = 'connecting';
        this.#socket.connect();
        return;
      }
      // Closed on a node it was redirected to: start over at home.
    }
    this.disconnect();
    this.#home = home;
    this.homeUrl = url;
    this.connections = 0;
    this.disconnects = 0;
    this.revoked = null;
    this.#open(home, 'connecting');
  }

  /**
   * Moves the connection to another node (a `WRONG_NODE` answer's `redirectUrl`, or back to
   * `home`): same access token, same subscriptions; pending requests are rejected. `state` is
   * `connecting` until it is up; the `onDisconnect` handlers are not called.
   */
  redirect(target: SocketTarget): void {
    this.#closeSocket();
    this.#rejectPending(new LecternError('NOT_CONNECTED', 'Moved to another server.'));
    this.#open(target, 'connecting');
  }

  /** Gives up the lost redirected node: reconnects to `home` (state stays `reconnecting`). */
  #failOver(): void {
    const lost = this.url;
    const lostError = this.nodeLost ?? new LecternError('NOT_CONNECTED', NODE_LOST_MESSAGE, { node: lost });
    console.warn(`[lectern] the server hosting this room (${lost}) is gone; reconnecting via ${this.#home.url}`);
    this.#closeSocket();
    this.#open(this.#home, 'reconnecting');
    this.error = lostError;
    this.nodeLost = lostError;
  }

  #open(target: SocketTarget, state: 'connecting' | 'reconnecting'): void {
    const { url, path } = target;
    this.#target = target;
    this.url = url;
    this.state = state;
    this.#authRetried = false;
    const socket: LecternSocket = io(url, {
      path,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      timeout: 8_000,
      // Its own Manager: a node left behind by a redirect must not be reused from socket.io's cache.
      forceNew: true,
      // Another node is another origin: WebSocket first (no CORS needed for it), long-polling (which
      // needs the node's CORS to allow this page's origin) only if WebSocket fails.
      ...(sameTarget(target, this.#home) ? {} : { transports: ['websocket', 'polling'], tryAllTransports: true }),
      // A function, so every (re)connection attempt sends the newest access token.
      auth: (cb) => cb({ token: this.#sync?.handshake() ?? '' }),
    });
    this.#socket = socket;
    const onNode = () => !sameTarget(target, this.#home);

    for (const name of Object.values(ServerEvent)) {
      // Dispatch every contract event through the store's registry so subscriptions made
      // before connect(), or across reconnects, keep working.
      (socket as unknown as Socket).on(name, (payload: unknown) => this.#dispatch(name, payload));
    }
    (socket as unknown as Socket).on('auth:revoked', (body: { code?: string; message?: string }) => {
      this.revoked = new LecternError(
        body?.code === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : 'ACCESS_REVOKED',
        body?.message || 'Your access to this room was revoked.',
      );
    });
    socket.on('connect', () => {
      this.#stopFailoverWatch();
      this.state = 'connected';
      this.error = null;
      this.nodeLost = null;
      this.#authRetried = false;
      this.connections += 1;
      this.#sync?.connected();
      for (const h of this.#connectHandlers) h();
    });
    socket.on('connect_error', (err) => {
      if (socket.active) {
        // Transport-level failure: socket.io keeps retrying.
        if (this.state !== 'reconnecting') this.state = 'unreachable';
        if (!this.nodeLost) {
          this.error = new LecternError(
            'UNREACHABLE',
            `Can't reach the Lectern server at ${url}; is \`npm start\` running?`,
            err.message,
          );
        }
        // A redirected node that stays unreachable after a drop: go back home.
        if (this.#failover.attemptFailed(Date.now())) this.#failOver();
      } else {
        // The server refused the connection (middleware error); no automatic retry.
        const code = handshakeErrorCode(err.message);
        if (code === 'UNAUTHENTICATED' && this.#tokens && !this.#authRetried) {
          // Expired or missing token: get a new one and try once more.
          this.#authRetried = true;
          void this.#tokens.refresh().then((token) => {
            if (this.#socket !== socket) return;
            if (token) socket.connect();
            else this.#refused(code, err.message);
          });
          return;
        }
        this.#stopFailoverWatch();
        this.#refused(code, err.message);
      }
    });
    socket.on('disconnect', (reason) => {
      this.#rejectPending(new LecternError('NOT_CONNECTED', `Connection to the Lectern server was lost (${reason}).`));
      if (this.#socket !== socket) return;
      this.disconnects += 1;
      // Losing the node a redirect sent us to (killed, restarted, network): unless the server ended
      // our access, fall back to home after a few failed attempts, or at once if it closed on us.
      const nodeGone = onNode() && !this.revoked && reason !== 'io client disconnect';
      if (this.revoked?.code === 'UNAUTHENTICATED' && this.#tokens && !this.#authRetried) {
        // The token ran out (not a revocation): reconnect once with a new one.
        this.#authRetried = true;
        const expired = this.revoked;
        this.revoked = null;
        this.state = 'reconnecting';
        this.error = new LecternError('NOT_CONNECTED', 'Your sign-in expired; reconnecting with a new one…');
        void this.#tokens.refresh().then((token) => {
          if (this.#socket !== socket) return;
          if (token) socket.connect();
          else {
            this.revoked = expired;
            this.#refused('UNAUTHENTICATED', expired.message);
            for (const h of this.#disconnectHandlers) h('unauthenticated');
          }
        });
      } else if (this.revoked) {
        this.state = 'closed';
        this.error = this.revoked;
      } else if (socket.active && !nodeGone) {
        this.state = 'reconnecting';
        this.error = new LecternError('NOT_CONNECTED', `Connection lost (${reason}); reconnecting…`);
      } else if (nodeGone) {
        // Retry the node a few times (socket.active), or, if it closed the connection (e.g. shutting
        // down), reconnect via home right away.
        this.state = 'reconnecting';
        this.error = this.nodeLost = new LecternError('NOT_CONNECTED', NODE_LOST_MESSAGE, { node: url, reason });
        if (socket.active) this.#watchFailover();
      } else if (reason === 'io client disconnect') {
        this.state = 'idle';
      } else {
        this.state = 'closed';
        this.error = new LecternError('NOT_CONNECTED', `The Lectern server closed the connection (${reason}).`);
      }
      for (const h of this.#disconnectHandlers) h(reason);
      if (nodeGone && !socket.active && this.#socket === socket) this.#failOver();
    });
  }

  #watchFailover(): void {
    this.#failover.dropped(Date.now());
    clearTimeout(this.#failoverTimer);
    this.#failoverTimer = setTimeout(() => {
      if (this.#failover.lost(Date.now()) && !this.connected) this.#failOver();
    }, this.#failover.limits.ms);
  }

  #stopFailoverWatch(): void {
    this.#failover.clear();
    clearTimeout(this.#failoverTimer);
    this.#failoverTimer = undefined;
  }

  /** Drops the current socket without telling anyone (its listeners are removed first). */
  #closeSocket(): void {
    this.#stopFailoverWatch();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
    }
  }

  /** A refused handshake: `closed`, with an error that says what to do. */
  #refused(code: 'UNAUTHENTICATED' | 'ACCESS_REVOKED' | null, message: string): void {
    this.state = 'closed';
    if (code === 'UNAUTHENTICATED') {
      this.error = this.revoked = new LecternError(code, `You are not signed in any more (${message}). Sign in again.`);
    } else if (code === 'ACCESS_REVOKED') {
      this.error = this.revoked = new LecternError(code, message.replace(/^ACCESS_REVOKED:\s*/, '') || 'Your access was revoked.');
    } else {
      this.error = new LecternError('UNREACHABLE', `The Lectern server at ${this.url} refused the connection: ${message}`);
    }
  }

  /** Closes the connection and rejects pending requests. Subscriptions are kept. */
  disconnect(): void {
    this.#closeSocket();
    this.#rejectPending(new LecternError('NOT_CONNECTED', 'Disconnected.'));
    this.state = 'idle';
    this.error = null;
    this.nodeLost = null;
  }

  /**
   * Resolves once the socket is connected (immediately if it is). Rejects with the abort reason
   * if `signal` aborts, or with the connection error if the server refuses the connection.
   * Keeps waiting while the server is merely unreachable (socket.io retries).
   */
  whenConnected(signal?: AbortSignal): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        offConnect();
        clearInterval(poll);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
      };
      const offConnect = this.onConnect(() => {
        cleanup();
        resolve();
      });
      // A refused connection does not retry: stop waiting.
      const poll = setInterval(() => {
        if (this.state === 'closed' || this.state === 'idle') {
          cleanup();
          reject(this.error ?? new LecternError('NOT_CONNECTED', 'Not connected.'));
        }
      }, 250);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Sends a client → server request and waits for its `Ack`.
   * @returns the ack's `data` when `ok`
   * @throws LecternError with the server's `{code, message}` when not ok, `TIMEOUT` when no
   *   ack arrives within `timeoutMs`, `NOT_CONNECTED` when the socket is down or drops meanwhile.
   */
  request<E extends RequestEvent>(
    event: E,
    payload: RequestOf<E>,
    { timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS }: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<E>> {
    const socket = this.#socket;
    if (!socket?.connected) {
      return Promise.reject(new LecternError('NOT_CONNECTED', `Can't send ${event}: not connected to the Lectern server.`));
    }
    return new Promise<ResponseOf<E>>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(fail);
        fn();
      };
      const fail = (err: LecternError) => settle(() => reject(err));
      const timer = setTimeout(
        () => fail(new LecternError('TIMEOUT', `No reply to ${event} within ${Math.round(timeoutMs / 1000)} s.`)),
        timeoutMs,
      );
      this.#pending.add(fail);
      const onAck = (ack: Ack<ResponseOf<E>>) => {
        if (ack && typeof ack === 'object' && ack.ok === true) settle(() => resolve(ack.data));
        else if (ack && typeof ack === 'object' && ack.ok === false && ack.error) fail(LecternError.fromBody(ack.error));
        else fail(new LecternError('INTERNAL', `Malformed acknowledgement for ${event}.`, ack));
      };
      (socket as unknown as Socket).emit(event, payload, onAck);
    });
  }

  /** Subscribes to a server → client event; returns the unsubscribe function. */
  on<E extends ServerEventName>(event: E, handler: Handler<E>): () => void {
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    const h = handler as AnyHandler;
    set.add(h);
    return () => set.delete(h);
  }

  /** Called after every successful (re)connection; returns the unsubscribe function. */
  onConnect(handler: () => void): () => void {
    this.#connectHandlers.add(handler);
    return () => this.#connectHandlers.delete(handler);
  }

  /**
   * Called when an established connection drops (not on `disconnect()`); `state` tells whether
   * socket.io is retrying (`reconnecting`) or gave up (`closed`). Returns the unsubscribe function.
   */
  onDisconnect(handler: (reason: string) => void): () => void {
    this.#disconnectHandlers.add(handler);
    return () => this.#disconnectHandlers.delete(handler);
  }

  #dispatch(event: string, payload: unknown): void {
    const set = this.#handlers.get(event);
    if (!set) return;
    for (const h of set) {
      try {
        h(payload);
      } catch (err) {
        console.error(`[lectern] handler for ${event} threw`, err);
      }
    }
  }

  #rejectPending(err: LecternError): void {
    for (const fail of [...this.#pending]) fail(err);
  }
}

/** The app's shared connection (one per tab). */
export const socket = new SocketStore();
