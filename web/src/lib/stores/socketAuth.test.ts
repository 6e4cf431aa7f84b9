import { describe, expect, it } from 'vitest';
import { handshakeErrorCode, SocketTokenSync, type SocketTokens } from './socketAuth.ts';

function tokens(initial: string | null) {
  const listeners = new Set<(t: string) => void>();
  const t = {
    accessToken: initial,
    refresh: async () => null,
    onToken(l: (t: string) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    rotate(t: string) {
      this.accessToken = t;
      for (const l of listeners) l(t);
    },
  };
  const typed: SocketTokens = t;
  void typed;
  return t;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SocketTokenSync', () => {
  it('uses the newest token for each handshake and sends each new one to the connected socket once', async () => {
    const t = tokens('t1');
    const sent: string[] = [];
    let connected = false;
    const sync = new SocketTokenSync(t, async (tok) => void sent.push(tok), () => connected);
    t.onToken(() => sync.tokenChanged());
    expect(sync.handshake()).toBe('t1');
    connected = true;
    sync.connected();
    expect(sent).toEqual([]);
    t.rotate('t2');
    t.rotate('t2');
    await tick();
    expect(sent).toEqual(['t2']);
    expect(sync.refreshes).toBe(1);
    // While disconnected nothing is sent; the reconnect's handshake takes the newest.
    connected = false;
    t.rotate('t3');
    expect(sent).toEqual(['t2']);
    expect(sync.handshake()).toBe('t3');
  });

  it('sends a token that rotated between the handshake and connect', async () => {
    const t = tokens('t1');
    const sent: string[] = [];
    const sync = new SocketTokenSync(t, async (tok) => void sent.push(tok), () => false);
    sync.handshake();
    t.accessToken = 't2';
    sync.connected();
    await tick();
    expect(sent).toEqual(['t2']);
  });

  it('counts failed refreshes and gives an empty handshake token when signed out', async () => {
    const t = tokens(null);
    const sync = new SocketTokenSync(t, async () => {
      throw new Error('UNAUTHENTICATED');
    }, () => true);
    expect(sync.handshake()).toBe('');
    t.rotate('t2');
    sync.tokenChanged();
    await tick();
    expect(sync.failures).toBe(1);
    expect(sync.refreshes).toBe(0);
  });
});

describe('handshakeErrorCode', () => {
  it('reads the code the server puts first in a refused handshake', () => {
    expect(handshakeErrorCode('UNAUTHENTICATED: token expired')).toBe('UNAUTHENTICATED');
    expect(handshakeErrorCode('ACCESS_REVOKED: invitation revoked by Ada')).toBe('ACCESS_REVOKED');
    expect(handshakeErrorCode('xhr poll error')).toBeNull();
  });
});
