/** What the socket needs of the auth store: the newest access token, a refresh, and news of new ones. */
export interface SocketTokens {
  readonly accessToken: string | null;
  refresh(): Promise<string | null>;
  onToken(listener: (token: string) => void): () => void;
}

/** Error code at the start of a refused handshake's message (`UNAUTHENTICATED: …`), or null. */
export function handshakeErrorCode(message: string): 'UNAUTHENTICATED' | 'ACCESS_REVOKED' | null {
  const m = /^(UNAUTHENTICATED|ACCESS_REVOKED)\b/.exec(message);
  return (m?.[1] as 'UNAUTHENTICATED' | 'ACCESS_REVOKED' | undefined) ?? null;
}

/**
 * Keeps an open socket's identity current: the handshake takes the newest token (`handshake()`,
 * called by socket.io's `auth` function on every attempt, so reconnects never use a stale one), and
 * whenever the token the server holds for the socket is older than the newest — a refresh while
 * connected, or one that happened between the handshake and `connect` — the new one is sent with
 * `auth:refresh` (`send`). Without that the server disconnects the socket when the old token expires.
 */
export class SocketTokenSync {
  /** The token the server has for this socket (from the handshake or the last `auth:refresh`). */
  #held: string | null = null;
  /** `auth:refresh` requests acknowledged. */
  refreshes = 0;
  /** `auth:refresh` requests that failed (the socket then lives until the held token expires). */
  failures = 0;

  constructor(
    private readonly tokens: SocketTokens,
    private readonly send: (token: string) => Promise<unknown>,
    private readonly isConnected: () => boolean,
  ) {}

  /** The token for a handshake attempt ('' when signed out: the server refuses it). */
  handshake(): string {
    this.#held = this.tokens.accessToken;
    return this.#held ?? '';
  }

  /** After `connect`: sends the newest token if it changed since the handshake. */
  connected(): void {
    this.#sync();
  }

  /** A new access token exists: the connected socket gets it. */
  tokenChanged(): void {
    if (this.isConnected()) this.#sync();
  }

  #sync(): void {
    const token = this.tokens.accessToken;
    if (!token || token === this.#held) return;
    this.#held = token;
    this.send(token).then(
      () => {
        if (this.#held === token) this.refreshes++;
      },
      (err: unknown) => {
        this.failures++;
        console.warn('[lectern] auth:refresh failed; the connection ends when the current token expires', err);
      },
    );
  }
}
