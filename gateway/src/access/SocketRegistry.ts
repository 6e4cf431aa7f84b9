import type { ErrorBody } from '@lectern/contract';
import { ErrorCode } from '@lectern/contract';
import type { Principal } from './AccessTypes.ts';

/** What {@link SocketRegistry} needs of a Socket.IO socket. */
export interface RegisteredSocket {
  id: string;
  emit(event: 'auth:revoked', error: ErrorBody): unknown;
  disconnect(close?: boolean): unknown;
}

/** Which sockets a revocation ends (all given fields must match). */
export interface SocketMatch {
  userId?: string;
  orgId?: string;
  familyId?: string;
  invitationId?: string;
}

interface Entry {
  socket: RegisteredSocket;
  principal: Principal;
  /** Invitations the socket's room grants came from. */
  invitations: Set<string>;
  timer?: NodeJS.Timeout;
}

/**
 * The authenticated Socket.IO connections of this gateway, so that revoking access (an
 * invitation, a membership, a refresh-token family, "sign out everywhere") ends the affected
 * connections at once, and a connection whose access token expires without `auth:refresh` is
 * closed (`graceSec` after its expiry). Disconnecting first emits `auth:revoked` with the reason.
 */
export class SocketRegistry {
  readonly #entries = new Map<string, Entry>();

  /** @param graceSec seconds after token expiry before a socket that did not refresh is closed. */
  constructor(private readonly graceSec = 5) {}

  /** Number of registered sockets. */
  get size(): number {
    return this.#entries.size;
  }

  /** Registers (or re-registers after `auth:refresh`) a socket under `principal`. */
  set(socket: RegisteredSocket, principal: Principal): void {
    const e = this.#entries.get(socket.id) ?? { socket, principal, invitations: new Set<string>() };
    e.principal = principal;
    clearTimeout(e.timer);
    const ms = (principal.expiresAtSec + this.graceSec) * 1000 - Date.now();
    e.timer = setTimeout(() => this.#end(e, ErrorCode.Unauthenticated, 'your access token expired; sign in again'), Math.max(0, ms));
    e.timer.unref?.();
    if (principal.invitationId) e.invitations.add(principal.invitationId);
    this.#entries.set(socket.id, e);
  }

  /** The principal of a registered socket. */
  principal(socketId: string): Principal | undefined {
    return this.#entries.get(socketId)?.principal;
  }

  /** Notes that the socket joined a room with a grant from invitation `invitationId`. */
  addInvitation(socketId: string, invitationId: string): void {
    this.#entries.get(socketId)?.invitations.add(invitationId);
  }

  /** Forgets a socket (on disconnect). */
  delete(socketId: string): void {
    const e = this.#entries.get(socketId);
    if (e) clearTimeout(e.timer);
    this.#entries.delete(socketId);
  }

  /**
   * Disconnects every socket matching `m` after telling it why (`auth:revoked`), on this node and,
   * through {@link fanOut}, on every other node.
   * @returns how many were disconnected on this node.
   */
  revoke(m: SocketMatch, message: string): number {
    try {
      this.fanOut?.(m, message);
    } catch {
      /* other nodes are best-effort; this node's sockets still end below */
    }
    return this.revokeLocal(m, message);
  }

  /**
   * Sends revocations to the other nodes (set when several nodes share Redis: Socket.IO's
   * `serverSideEmit`); each of them calls {@link revokeLocal}. Unset = one node.
   */
  fanOut?: (m: SocketMatch, message: string) => void;

  /**
   * {@link revoke} on this node only (what another node's revocation runs here).
   * @returns how many were disconnected.
   */
  revokeLocal(m: SocketMatch, message: string): number {
    let n = 0;
    for (const e of [...this.#entries.values()]) {
      const p = e.principal;
      if (m.userId !== undefined && p.userId !== m.userId) continue;
      if (m.orgId !== undefined && p.orgId !== m.orgId) continue;
      if (m.familyId !== undefined && p.familyId !== m.familyId) continue;
      if (m.invitationId !== undefined && !e.invitations.has(m.invitationId)) continue;
      this.#end(e, ErrorCode.AccessRevoked, message);
      n++;
    }
    return n;
  }

  /** Stops the expiry timers (gateway shutdown). */
  close(): void {
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    this.#entries.clear();
  }

  #end(e: Entry, code: ErrorCode, message: string): void {
    this.delete(e.socket.id);
    try {
      e.socket.emit('auth:revoked', { code, message });
    } finally {
      // Let the event go out before the transport closes.
      setTimeout(() => e.socket.disconnect(true), 50).unref?.();
    }
  }
}
