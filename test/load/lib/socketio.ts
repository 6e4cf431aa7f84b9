/**
 * A minimal Socket.IO v5 client over Engine.IO v4 framing, for k6 (which has WebSockets but no
 * Socket.IO client). Pure TypeScript: no k6 and no Node imports, so the k6 scripts use it over
 * `k6/ws` and test/compose.test.ts drives it over Node's WebSocket against a real node.
 *
 * Wire format (websocket transport only, no HTTP long-polling, text frames only):
 * - Engine.IO packet = one WebSocket text frame, first character the type: `0` open (JSON:
 *   `sid`, `pingInterval`, `pingTimeout`, `maxPayload`), `1` close, `2` ping, `3` pong,
 *   `4` message, `6` noop. In v4 the *server* pings; the client answers `3`.
 * - Socket.IO packet = the data of an Engine.IO message (`4…`), first character the type:
 *   `0` CONNECT (client → server: auth object; server → client: `{sid}`), `1` DISCONNECT,
 *   `2` EVENT (`[name, ...args]`), `3` ACK (`[...args]`), `4` CONNECT_ERROR (`{message, data}`).
 *   The namespace (`/other,`) is omitted for `/`; an ack id, if any, follows the type digits:
 *   `42` + `7` + `["room:join",{…}]` asks for ack 7, answered by `43` + `7` + `[{…}]`.
 * See https://socket.io/docs/v4/socket-io-protocol/ and engine.io-protocol v4.
 */

/** The Socket.IO path of a node's base URL (`http://host:port` → `ws://host:port/socket.io/…`). */
export function socketIoUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
}

/** Engine.IO `open` packet data. */
export interface EngineOpen {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload?: number;
}

/** A decoded Socket.IO packet (namespace `/` only). */
export type SocketPacket =
  | { type: 'connect'; data: { sid: string } }
  | { type: 'disconnect' }
  | { type: 'event'; id?: number; name: string; args: unknown[] }
  | { type: 'ack'; id: number; args: unknown[] }
  | { type: 'connect_error'; data: { message: string; data?: unknown } };

/** `40{auth}`: CONNECT to `/` with the handshake auth (`socket.handshake.auth` on the server). */
export function encodeConnect(auth: Record<string, unknown>): string {
  return `40${JSON.stringify(auth)}`;
}

/** `42[id][name, ...args]`: an EVENT, asking for an ack when `ackId` is given. */
export function encodeEvent(name: string, args: unknown[], ackId?: number): string {
  return `42${ackId ?? ''}${JSON.stringify([name, ...args])}`;
}

/**
 * Decodes the Socket.IO packet inside an Engine.IO message (the text after the `4`).
 * @throws Error for a namespace other than `/`, a binary packet type or malformed JSON.
 */
export function decodeSocketPacket(text: string): SocketPacket {
  const type = text.charAt(0);
  let rest = text.slice(1);
  if (rest.startsWith('/')) throw new Error(`packet for namespace ${rest.slice(0, rest.indexOf(','))}: only "/" is used`);
  const m = /^(\d*)/.exec(rest)!;
  const id = m[1] ? Number(m[1]) : undefined;
  rest = rest.slice(m[1]!.length);
  switch (type) {
    case '0':
      return { type: 'connect', data: JSON.parse(rest) as { sid: string } };
    case '1':
      return { type: 'disconnect' };
    case '2': {
      const [name, ...args] = JSON.parse(rest) as [string, ...unknown[]];
      return { type: 'event', id, name, args };
    }
    case '3':
      if (id === undefined) throw new Error('ACK packet without an id');
      return { type: 'ack', id, args: JSON.parse(rest) as unknown[] };
    case '4':
      return { type: 'connect_error', data: JSON.parse(rest) as { message: string; data?: unknown } };
    default:
      throw new Error(`unsupported Socket.IO packet type ${JSON.stringify(type)} (binary events are not used by Lectern's signaling)`);
  }
}

/** Callbacks of {@link SocketIoClient}. */
export interface SocketIoHandlers {
  /** Socket.IO CONNECT accepted (the handshake auth passed the server's middleware). */
  onConnect?: (sid: string) => void;
  /** CONNECT refused, e.g. `UNAUTHENTICATED: …` from Lectern's token check. */
  onConnectError?: (err: { message: string; data?: unknown }) => void;
  /** A server push (`room:peer-joined`, `metrics:voice`, …). */
  onEvent?: (name: string, args: unknown[]) => void;
  /** The server closed the Engine.IO session or disconnected the socket. */
  onDisconnect?: (reason: string) => void;
  /** A frame this client could not decode. */
  onProtocolError?: (err: Error, frame: string) => void;
}

/**
 * Socket.IO client state machine over any text-frame WebSocket: feed it every received frame
 * ({@link receive}); it writes through `send`. On the Engine.IO open packet it sends CONNECT with
 * `auth`, answers pings, resolves acks by id.
 */
export class SocketIoClient {
  #nextAckId = 0;
  readonly #acks = new Map<number, (args: unknown[]) => void>();
  /** The Engine.IO open packet, once received. */
  engine?: EngineOpen;
  /** The Socket.IO session id, once connected. */
  sid?: string;
  /** Pings answered (the server pings every `pingInterval` ms). */
  pings = 0;

  constructor(
    private readonly send: (frame: string) => void,
    private readonly auth: Record<string, unknown>,
    private readonly on: SocketIoHandlers = {},
  ) {}

  /** Whether the Socket.IO CONNECT was accepted. */
  get connected(): boolean {
    return this.sid !== undefined;
  }

  /** Acks still awaited. */
  get pendingAcks(): number {
    return this.#acks.size;
  }

  /** Handles one received WebSocket text frame. */
  receive(frame: string): void {
    try {
      switch (frame.charAt(0)) {
        case '0':
          this.engine = JSON.parse(frame.slice(1)) as EngineOpen;
          this.send(encodeConnect(this.auth));
          return;
        case '1':
          this.sid = undefined;
          this.on.onDisconnect?.('transport close');
          return;
        case '2':
          this.pings++;
          this.send(`3${frame.slice(1)}`);
          return;
        case '3':
        case '6':
          return;
        case '4':
          this.#packet(decodeSocketPacket(frame.slice(1)));
          return;
        default:
          throw new Error(`unknown Engine.IO packet type ${JSON.stringify(frame.charAt(0))}`);
      }
    } catch (err) {
      this.on.onProtocolError?.(err as Error, frame);
    }
  }

  /**
   * Emits `name` with `payload`; `ack`, if given, receives the server's acknowledgement (Lectern
   * answers every request with one `Ack<T>`: `{ ok: true, data }` or `{ ok: false, error }`).
   */
  emit(name: string, payload: unknown, ack?: (response: unknown) => void): void {
    if (!ack) {
      this.send(encodeEvent(name, [payload]));
      return;
    }
    const id = this.#nextAckId++;
    this.#acks.set(id, (args) => ack(args[0]));
    this.send(encodeEvent(name, [payload], id));
  }

  #packet(p: SocketPacket): void {
    switch (p.type) {
      case 'connect':
        this.sid = p.data.sid;
        this.on.onConnect?.(p.data.sid);
        return;
      case 'connect_error':
        this.on.onConnectError?.(p.data);
        return;
      case 'disconnect':
        this.sid = undefined;
        this.on.onDisconnect?.('io server disconnect');
        return;
      case 'ack': {
        const cb = this.#acks.get(p.id);
        this.#acks.delete(p.id);
        cb?.(p.args);
        return;
      }
      case 'event':
        this.on.onEvent?.(p.name, p.args);
        return;
    }
  }
}
