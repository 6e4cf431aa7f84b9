import { spawn } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { NodeLoad } from './NodeLoad.ts';

describe('NodeLoad', () => {
  it('counts the CPU of the child trees it is given, and the backlog term', async () => {
    // A real busy process (one core spinning for ~1.5 s) stands in for an analyzer.
    const busy = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 1500);']);
    let backlogSec = 0;
    const load = new NodeLoad({ childRoots: () => [busy.pid!], gatewayPid: busy.pid!, maxBacklogSec: () => backlogSec });
    load.sample();
    await new Promise((r) => setTimeout(r, 1000));
    const s = load.sample();
    busy.kill();
    const oneCore = 1 / os.availableParallelism();
    expect(s.cpuLoad).toBeGreaterThan(oneCore * 0.5);
    expect(s.cpuLoad).toBeLessThan(oneCore * 1.2);
    expect(s.cpuPercentByComm.gateway).toBeGreaterThan(50);
    expect(s.backlogLoad).toBe(0);
    backlogSec = 6;
    const t = load.sample();
    expect(t.backlogLoad).toBe(1);
    expect(t.load).toBeCloseTo(t.cpuLoad + 1, 5);
  });
});
