import fs from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks.
const PAGE_BYTES = 4096;

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

function readStat(pid: number): { ppid: number; comm: string; ticks: number; rssPages: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    // fields after "(comm)": state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return { ppid: Number(rest[1]), comm: s.slice(s.indexOf('(') + 1, close), ticks: Number(rest[11]) + Number(rest[12]), rssPages: Number(rest[21]) };
  } catch {
    return null;
  }
}

/** PIDs of `root` and all its descendants (via /proc/<pid>/stat ppid links). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Every process of the tree under `root` (root first, parents before children), one /proc pass each. */
export function treeProcesses(root: number): TreeProcess[] {
  const out: TreeProcess[] = [];
  for (const pid of processTree(root)) {
    const st = readStat(pid);
    if (!st) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {}
    out.push({ pid, ppid: st.ppid, comm: st.comm, cmdline, cpuTicks: st.ticks, rssBytes: st.rssPages * PAGE_BYTES });
  }
  return out;
}

/** CPU ticks and RSS summed over a process tree. */
export function sampleTree(root: number): ProcSample {
  let cpuTicks = 0;
  let rssBytes = 0;
  for (const pid of processTree(root)) {
    const st = readStat(pid);
    if (!st) continue;
    cpuTicks += st.ticks;
    rssBytes += st.rssPages * PAGE_BYTES;
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
