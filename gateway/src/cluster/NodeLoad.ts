import os from 'node:os';
import { CLK_TCK, descendants, procSnapshot } from './procTree.ts';

/** Where {@link NodeLoad} finds the node's processes and analyzer backlog. */
export interface NodeLoadSources {
  /** Roots whose whole process trees belong to the node: mediasoup workers, analyzer and pose processes. */
  childRoots(): number[];
  /** The gateway process (counted alone, plus its `ffmpeg` children: the recorders). Default `process.pid`. */
  gatewayPid?: number;
  /** Largest analyzer backlog (audio queued to a recogniser) of any stream, s. */
  maxBacklogSec(): number;
}

/** One sample of {@link NodeLoad}. */
export interface NodeLoadSample {
  /** CPU of the node's process tree ÷ (elapsed × cores), 0–1 (1 = every core busy). */
  cpuLoad: number;
  /** min(1, max analyzer backlog ÷ {@link BACKLOG_FULL_SEC}), 0–1. */
  backlogLoad: number;
  /** `cpuLoad + backlogLoad`, the node's load figure (0–2; admission compares it with the threshold). */
  load: number;
  /** CPU of the node's process tree, % of one core, by stage. */
  cpuPercentByComm: Record<string, number>;
  /** RSS of the node's process tree, bytes. */
  rssBytes: number;
}

/**
 * Analyzer backlog that counts as a full load unit, s: a recogniser this far behind makes captions
 * miss the 1.5 s caption-lag SLO of #12, so a node with such a stream takes no new rooms.
 */
export const BACKLOG_FULL_SEC = 3;

/**
 * The node's load figure for admission control and placement (like LiveKit Agents' `load_fnc`, whose
 * default threshold 0.7 Lectern shares): CPU time of the node's own processes — the gateway, its
 * `ffmpeg` recorders, the mediasoup workers, the analyzer and pose processes and their children —
 * over the last sampling period, divided by the cores (`os.availableParallelism()`), plus the
 * analyzer backlog term. Reads Linux `/proc` (proc(5)); elsewhere the CPU term is 0.
 *
 * Several nodes in one process (tests) share the gateway process, so its CPU counts on each.
 */
export class NodeLoad {
  readonly #cores = os.availableParallelism();
  #last: { atMs: number; ticks: Map<number, number> } | null = null;
  #sample: NodeLoadSample = { cpuLoad: 0, backlogLoad: 0, load: 0, cpuPercentByComm: {}, rssBytes: 0 };

  constructor(private readonly sources: NodeLoadSources) {}

  /** The latest sample (zeros before the second {@link sample} call). */
  get current(): NodeLoadSample {
    return this.#sample;
  }

  /**
   * Takes a sample: CPU since the previous call. Call it periodically (the heartbeat, every 2 s).
   * Processes that started or ended in between count only for the time both samples saw them.
   */
  sample(): NodeLoadSample {
    const nowMs = performance.now();
    const { stats, children } = procSnapshot();
    const gateway = this.sources.gatewayPid ?? process.pid;
    const pids = new Set<number>([gateway]);
    for (const c of children.get(gateway) ?? []) if (stats.get(c)?.comm === 'ffmpeg') for (const d of descendants(c, children)) pids.add(d);
    for (const root of this.sources.childRoots()) for (const d of descendants(root, children)) pids.add(d);
    const ticks = new Map<number, number>();
    const byComm: Record<string, number> = {};
    let rssBytes = 0;
    let deltaTicks = 0;
    for (const pid of pids) {
      const st = stats.get(pid);
      if (!st) continue;
      ticks.set(pid, st.cpuTicks);
      rssBytes += st.rssBytes;
      const before = this.#last?.ticks.get(pid);
      if (before === undefined) continue;
      const d = Math.max(0, st.cpuTicks - before);
      deltaTicks += d;
      const stage = pid === gateway ? 'gateway' : st.comm;
      byComm[stage] = (byComm[stage] ?? 0) + d;
    }
    const elapsedSec = this.#last ? (nowMs - this.#last.atMs) / 1000 : 0;
    this.#last = { atMs: nowMs, ticks };
    const cpuLoad = elapsedSec > 0 ? deltaTicks / CLK_TCK / elapsedSec / this.#cores : 0;
    const backlogLoad = Math.min(1, Math.max(0, this.sources.maxBacklogSec()) / BACKLOG_FULL_SEC);
    const cpuPercentByComm: Record<string, number> = {};
    for (const [k, v] of Object.entries(byComm)) cpuPercentByComm[k] = elapsedSec > 0 ? (v / CLK_TCK / elapsedSec) * 100 : 0;
    this.#sample = { cpuLoad, backlogLoad, load: cpuLoad + backlogLoad, cpuPercentByComm, rssBytes };
    return this.#sample;
  }
}
