/**
 * Process-tree CPU and RSS for benches and the load tool, on the gateway's /proc reader
 * (gateway/src/cluster/procTree.ts, which the node's own load figure uses).
 */
import fs from 'node:fs';
import { CLK_TCK, descendants, procSnapshot } from '../../gateway/src/cluster/procTree.ts';

interface ProcSample {
  cpuTicks: number;
  rssBytes: number;
}

/** One process of a tree: its CPU ticks (utime + stime) and RSS, with its name and command line. */
export interface TreeProcess {
  pid: number;
  ppid: number;
  /** `comm` (executable name, ≤ 15 characters: `mediasoup-worke`, `ffmpeg`, `node`, `chrome`…). */
  comm: string;
  /** The command line, arguments joined by spaces ('' for kernel threads or when unreadable). */
  cmdline: string;
  cpuTicks: number;
  rssBytes: number;
}

/** PIDs of `root` and all its descendants (via /proc/<pid>/stat ppid links). */
export function processTree(root: number): number[] {
  return descendants(root, procSnapshot().children);
}

/** Every process of the tree under `root` (root first, parents before children), from one /proc pass. */
export function treeProcesses(root: number): TreeProcess[] {
  const { stats, children } = procSnapshot();
  const out: TreeProcess[] = [];
  for (const pid of descendants(root, children)) {
    const st = stats.get(pid);
    if (!st) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {}
    out.push({ pid, ppid: st.ppid, comm: st.comm, cmdline, cpuTicks: st.cpuTicks, rssBytes: st.rssBytes });
  }
  return out;
}

/** CPU ticks and RSS summed over a process tree. */
export function sampleTree(root: number): ProcSample {
  const { stats, children } = procSnapshot();
  let cpuTicks = 0;
  let rssBytes = 0;
  for (const pid of descendants(root, children)) {
    cpuTicks += stats.get(pid)?.cpuTicks ?? 0;
    rssBytes += stats.get(pid)?.rssBytes ?? 0;
  }
  return { cpuTicks, rssBytes };
}

/** CPU % (100 = one core) of a tree between two samples taken `elapsedMs` apart. */
export function cpuPercent(a: ProcSample, b: ProcSample, elapsedMs: number): number {
  return ticksToPercent(b.cpuTicks - a.cpuTicks, elapsedMs);
}

/** CPU % (100 = one core) of `ticks` CPU ticks spent in `elapsedMs`. */
export function ticksToPercent(ticks: number, elapsedMs: number): number {
  return ((ticks / CLK_TCK) * 1000 * 100) / elapsedMs;
}

/** Open file descriptors of `pid` (entries of `/proc/<pid>/fd`), or null when the process is gone or unreadable. */
export function openFdCount(pid: number): number | null {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
