import fs from 'node:fs';

/** Linux USER_HZ: `/proc/<pid>/stat` CPU times are in these ticks (proc(5)). */
export const CLK_TCK = 100;
const PAGE_BYTES = 4096;

/** One `/proc/<pid>/stat` line, the fields Lectern uses (proc(5)). */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** Executable name (`comm`), e.g. `mediasoup-worker`, `ffmpeg`, `node`. */
  comm: string;
  /** utime + stime of this process alone, in {@link CLK_TCK} ticks. */
  cpuTicks: number;
  rssBytes: number;
}

/** Reads `/proc/<pid>/stat`; null when the process is gone or /proc is unavailable (not Linux). */
export function readProcStat(pid: number): ProcStat | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const rest = s.slice(close + 2).split(' ');
    // Fields after "(comm)": state(0) ppid(1) … utime(11) stime(12) … rss(21).
    return { pid, ppid: Number(rest[1]), comm, cpuTicks: Number(rest[11]) + Number(rest[12]), rssBytes: Number(rest[21]) * PAGE_BYTES };
  } catch {
    return null;
  }
}

/** Every process on the machine by pid, plus the children of each (one pass over /proc). */
export function procSnapshot(): { stats: Map<number, ProcStat>; children: Map<number, number[]> } {
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return { stats, children };
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readProcStat(pid);
    if (!st) continue;
    stats.set(pid, st);
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  return { stats, children };
}

/** PIDs of `root` and all its descendants (by ppid links), from a {@link procSnapshot}. */
export function descendants(root: number, children: Map<number, number[]>): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}
