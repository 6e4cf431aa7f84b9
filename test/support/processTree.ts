/**
 * Orphan checks for the fault tests (#13): who descends from a process, and how long each of them
 * outlives it. On the gateway's /proc reader (gateway/src/cluster/procTree.ts), plus each process's
 * start time (proc(5) field 22), so a PID reused by an unrelated process never counts as a survivor.
 * Linux only (reads /proc).
 */
import fs from 'node:fs';
import { descendants, procSnapshot } from '../../gateway/src/cluster/procTree.ts';

/** One process of a tree, identified by PID and start time. */
export interface TreeMember {
  pid: number;
  ppid: number;
  /** `comm` (≤ 15 characters: `node`, `ffmpeg`, `mediasoup-worke`, `setpriv`…). */
  comm: string;
  /** Command line, arguments joined by spaces, cut to 2000 characters ('' when unreadable). */
  cmdline: string;
  /** Start time after boot in clock ticks (proc(5) `starttime`); with `pid`, the process's identity. */
  startTicks: number;
}

/** How long one member outlived the moment given to {@link waitForExit}. */
export interface ExitTiming extends TreeMember {
  /** ms from `sinceMs` until the process was gone (or a zombie); null = still running at the deadline. */
  goneAfterMs: number | null;
}

/** `state` and `starttime` of `/proc/<pid>/stat`; null when the process is gone. */
function statOf(pid: number): { state: string; startTicks: number; ppid: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // After "(comm)": state(0) ppid(1) … starttime(19).
    return { state: rest[0]!, ppid: Number(rest[1]), startTicks: Number(rest[19]) };
  } catch {
    return null;
  }
}

/**
 * Every descendant of `root` (children, grandchildren, …), not `root` itself, from one /proc pass.
 * Zombies (exited, not yet reaped) are left out: they hold no resources but a PID.
 */
export function descendantsOf(root: number): TreeMember[] {
  const { stats, children } = procSnapshot();
  const out: TreeMember[] = [];
  for (const pid of descendants(root, children)) {
    if (pid === root) continue;
    const st = stats.get(pid);
    const extra = statOf(pid);
    if (!st || !extra || extra.state === 'Z') continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 2000);
    } catch {}
    out.push({ pid, ppid: st.ppid, comm: st.comm, cmdline, startTicks: extra.startTicks });
  }
  return out;
}

/** Whether this very process (same PID and start time) still runs (a zombie counts as gone). */
export function isRunning(member: Pick<TreeMember, 'pid' | 'startTicks'>): boolean {
  const st = statOf(member.pid);
  return !!st && st.startTicks === member.startTicks && st.state !== 'Z' && st.state !== 'X';
}

/**
 * Polls (every 50 ms) until every member has exited or `timeoutMs` has passed since `sinceMs`.
 * @param members processes captured before their parent died (e.g. {@link descendantsOf}).
 * @param sinceMs the moment they are timed from (`Date.now()` of the parent's death).
 * @returns each member with the ms it took to go (null for those still running at the deadline).
 */
export async function waitForExit(members: readonly TreeMember[], sinceMs: number, timeoutMs: number): Promise<ExitTiming[]> {
  const out: ExitTiming[] = members.map((m) => ({ ...m, goneAfterMs: null }));
  for (;;) {
    const now = Date.now();
    for (const m of out) if (m.goneAfterMs === null && !isRunning(m)) m.goneAfterMs = now - sinceMs;
    if (out.every((m) => m.goneAfterMs !== null) || now - sinceMs >= timeoutMs) return out;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills (SIGKILL) whichever of `members` still runs: test clean-up after a failed orphan check. */
export function killSurvivors(members: readonly TreeMember[]): void {
  for (const m of members) {
    if (!isRunning(m)) continue;
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {}
  }
}

/** One line per member for test output: `pid comm goneAfterMs cmdline`. */
export function formatTimings(timings: readonly ExitTiming[]): string {
  return timings
    .map((t) => `${String(t.pid).padStart(7)} ${t.comm.padEnd(15)} ${t.goneAfterMs === null ? 'STILL RUNNING' : `${t.goneAfterMs} ms`}  ${t.cmdline.slice(0, 160)}`)
    .join('\n');
}
