import fs from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks.

interface ProcSample {
  cpuTicks: number;
  rssBytes: number;
}

function readStat(pid: number): { ppid: number; ticks: number; rssPages: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after "(comm)": state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]), rssPages: Number(rest[21]) };
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

/** CPU ticks and RSS summed over a process tree. */
export function sampleTree(root: number): ProcSample {
  const pageSize = 4096;
  let cpuTicks = 0;
  let rssBytes = 0;
  for (const pid of processTree(root)) {
    const st = readStat(pid);
    if (!st) continue;
    cpuTicks += st.ticks;
    rssBytes += st.rssPages * pageSize;
  }
  return { cpuTicks, rssBytes };
}

/** CPU % (100 = one core) of a tree between two samples taken `elapsedMs` apart. */
export function cpuPercent(a: ProcSample, b: ProcSample, elapsedMs: number): number {
  return (((b.cpuTicks - a.cpuTicks) / CLK_TCK) * 1000 * 100) / elapsedMs;
}
