import { describe, expect, it } from 'vitest';
import { RoundRobinQueues } from './RoundRobinQueues.ts';

describe('RoundRobinQueues', () => {
  it('serves one job per key in turn, keeps each key in order, and counts', () => {
    const q = new RoundRobinQueues<string>();
    for (const j of ['a1', 'a2', 'a3', 'a4']) q.push(1, j); // key 1's backlog
    q.push(2, 'b1');
    q.push(3, 'c1');
    expect(q.size).toBe(6);
    expect(q.queued(1)).toBe(4);
    const order: string[] = [];
    order.push(q.shift()!.job, q.shift()!.job); // a1, b1
    q.push(2, 'b2'); // arrives while key 1 still has a backlog
    for (let e = q.shift(); e; e = q.shift()) order.push(e.job);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    expect(q.size).toBe(0);
    expect(q.queued(1)).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
