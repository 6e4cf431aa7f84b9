import { EventEmitter } from 'node:events';
import type * as ms from 'mediasoup-client/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRestarter, type RestartableTransport } from './IceRestarter.ts';

/**
 * The restarter's decisions (when to restart, backoff, give-up, late answers) on a stand-in for a
 * mediasoup-client transport: the real one needs a browser's RTCPeerConnection, and the real path
 * (Chromium behind an outage, mediasoup's restartIce) is test/e2e/netem.test.ts.
 */
class FakeTransport extends EventEmitter {
  id = 't1';
  closed = false;
  connectionState: ms.ConnectionState = 'new';
  observer = new EventEmitter();
  applied: ms.IceParameters[] = [];
  async restartIce({ iceParameters }: { iceParameters: ms.IceParameters }): Promise<void> {
    this.applied.push(iceParameters);
  }
  set(state: ms.ConnectionState): void {
    this.connectionState = state;
    this.emit('connectionstatechange', state);
  }
}

const params = (n: number): ms.IceParameters => ({ usernameFragment: `u${n}`, password: `p${n}`, iceLite: true });

describe('IceRestarter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(opts: { fail?: number; answerAfterMs?: number } = {}) {
    const t = new FakeTransport();
    const requests: number[] = [];
    const reconnecting: boolean[] = [];
    let gaveUp = 0;
    let n = 0;
    const r = new IceRestarter(t as unknown as RestartableTransport, {
      requestRestart: async () => {
        requests.push(Date.now());
        const k = ++n;
        if (opts.answerAfterMs) await new Promise((res) => setTimeout(res, opts.answerAfterMs));
        if (k <= (opts.fail ?? 0)) throw new Error('timeout');
        return params(k);
      },
      onReconnecting: (on) => reconnecting.push(on),
      onGiveUp: () => gaveUp++,
      giveUpMs: 20_000,
    });
    return { t, r, requests, reconnecting, gaveUp: () => gaveUp };
  }

  it('does nothing for a blip shorter than the 2 s grace', async () => {
    const { t, requests, reconnecting } = setup();
    t.set('connected');
    t.set('disconnected');
    await vi.advanceTimersByTimeAsync(1_500);
    t.set('connected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(requests).toEqual([]);
    expect(reconnecting).toEqual([true, false]);
  });

  it('restarts after 2 s disconnected, and retries with backoff while still down', async () => {
    const { t, r, requests } = setup({ fail: 2 });
    t.set('connected');
    const t0 = Date.now();
    t.set('disconnected');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(requests.map((x) => x - t0)).toEqual([2_000]);
    await vi.advanceTimersByTimeAsync(1_000 + 2_000);
    expect(requests.map((x) => x - t0)).toEqual([2_000, 3_000, 5_000]);
    expect(t.applied).toEqual([params(3)]);
    expect(r.restarts).toBe(1);
    expect(r.failedRequests).toBe(2);
    t.set('connected');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(requests).toHaveLength(3);
    expect(r.reconnecting).toBe(false);
  });

  it('restarts at once on failed, and not for a transport that never connected', async () => {
    const never = setup();
    never.t.set('failed');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(never.requests).toEqual([]);
    const { t, requests } = setup();
    t.set('connected');
    t.set('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(1);
  });

  it('applies an answer that arrives after the connection came back (the server already switched)', async () => {
    const { t } = setup({ answerAfterMs: 3_000 });
    t.set('connected');
    t.set('disconnected');
    await vi.advanceTimersByTimeAsync(2_500);
    t.set('connected'); // consent checks on the old pair succeeded first
    await vi.advanceTimersByTimeAsync(3_000);
    expect(t.applied).toEqual([params(1)]);
  });

  it('gives up after giveUpMs down, once, and stops when the transport closes', async () => {
    const { t, requests, gaveUp } = setup({ fail: 1_000 });
    t.set('connected');
    t.set('disconnected');
    await vi.advanceTimersByTimeAsync(25_000);
    expect(gaveUp()).toBe(1);
    const n = requests.length;
    expect(n).toBeGreaterThan(3);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(requests.length).toBe(n);

    const b = setup({ fail: 1_000 });
    b.t.set('connected');
    b.t.set('disconnected');
    b.t.observer.emit('close');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.requests).toEqual([]);
  });
});
