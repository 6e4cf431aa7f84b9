/**
 * Network impairment between a test client and the host: a network namespace joined to the host by
 * a veth pair on a private /30 (10.213.N.0/30: host .1, client .2), with delay, jitter, loss and
 * outages applied on both ends — `tc qdisc … netem` when the kernel has sch_netem, otherwise the
 * same impairment through NFQUEUE (test/support/nfqueue-netem.py holds each packet's verdict;
 * needs `iptables`, Debian package `iptables`, and `python3`). Processes started through
 * {@link NetnsPair.exec} (e.g. Chromium via {@link NetnsPair.wrapperScript}) live in the namespace
 * and reach the host only over the veth.
 *
 * Needs root (CAP_NET_ADMIN); {@link netnsUnavailableReason} says why not, for `describe.skipIf`.
 * Namespaces are named `lnetem-<pid>-<n>`; a new pair first deletes the ones whose process is gone
 * (a crashed earlier run), and `close()` (also run on process exit) deletes its own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from './fixtures.ts';

const PREFIX = 'lnetem-';
const NFQUEUE_HELPER = path.join(repoRoot, 'test/support/nfqueue-netem.py');
const QUEUE_NUM = 213;

/** Impairment of each direction (like `netem delay <delayMs>ms <jitterMs>ms loss <lossPct>%`). */
export interface Impairment {
  /** Mean one-way delay added per direction, ms (≥ 0). */
  delayMs: number;
  /** Uniform jitter ± this around the delay, ms (0 ≤ jitterMs ≤ delayMs); packets may reorder. */
  jitterMs: number;
  /** Random loss per direction, percent (0–100; 100 = outage). */
  lossPct: number;
}

/** Counters of the NFQUEUE back-end (null with netem). */
export interface ImpairmentCounters {
  packets: number;
  accepted: number;
  dropped: number;
  /** Packets into the namespace (host → client) and out of it (client → host). */
  in: number;
  out: number;
  held: number;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return run(cmd, args);
  } catch (err) {
    return null;
  }
}

function which(cmd: string): boolean {
  return tryRun('sh', ['-c', `command -v ${cmd}`]) !== null;
}

/**
 * Why namespaces with impairment cannot be made here, or null when they can: needs root, `ip`
 * (iproute2), and either `tc` with sch_netem or `iptables` + `python3` for the NFQUEUE back-end.
 */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN); run the test as root';
  if (!which('ip')) return '`ip` not found: apt-get install iproute2';
  const probe = `${PREFIX}probe-${process.pid}`;
  const made = tryRun('ip', ['netns', 'add', probe]) !== null;
  if (!made) return '`ip netns add` failed (no CAP_NET_ADMIN in this container?)';
  tryRun('ip', ['netns', 'del', probe]);
  if (!which('tc') && !(which('iptables') && which('python3'))) return 'neither `tc` nor `iptables` + `python3` found: apt-get install iproute2 iptables python3';
  return null;
}

/** Deletes `lnetem-<pid>-*` namespaces whose process no longer runs (left by a crashed run). */
function deleteStaleNamespaces(): void {
  const list = tryRun('ip', ['netns', 'list']) ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^lnetem-(\d+)-\d+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {}
    }
    if (!alive) tryRun('ip', ['netns', 'del', name]);
  }
  // Host ends of veth pairs die with their namespace peer; remove any left behind anyway.
  for (const line of (tryRun('ip', ['-o', 'link', 'show']) ?? '').split('\n')) {
    const m = /^\d+: (ln[hc]\d+-\d+)[@:]/.exec(line);
    if (m && Number(m[1]!.slice(3).split('-')[0]) !== process.pid) {
      try {
        process.kill(Number(m[1]!.slice(3).split('-')[0]), 0);
      } catch {
        tryRun('ip', ['link', 'del', m[1]!]);
      }
    }
  }
}

/** A /30 of 10.213.0.0/16 that no interface of the host uses. */
function freeSubnet(): number {
  const used = tryRun('ip', ['-4', '-o', 'addr', 'show']) ?? '';
  for (let i = 0; i < 256; i++) {
    const third = (process.pid + i) % 250;
    if (!used.includes(`10.213.${third}.`)) return third;
  }
  throw new Error('no free 10.213.N.0/30 subnet');
}

let sequence = 0;
const open = new Set<NetnsPair>();
process.once('exit', () => {
  for (const pair of open) pair.closeSync();
});

/**
 * One namespace + veth pair with switchable impairment. Create with {@link NetnsPair.create}.
 */
export class NetnsPair {
  /** `netem` (kernel sch_netem) or `nfqueue` (the userspace stand-in, when the kernel lacks netem). */
  readonly backend: 'netem' | 'nfqueue';
  #helper: ChildProcess | null = null;
  #replies: ((line: Record<string, number>) => void)[] = [];
  #settings: Impairment = { delayMs: 0, jitterMs: 0, lossPct: 0 };
  #closed = false;

  /** Namespace name (`lnetem-<pid>-<n>`). */
  readonly name: string;
  /** Host end: interface and address (the server listens here). */
  readonly hostIf: string;
  readonly hostIp: string;
  /** Client end inside the namespace. */
  readonly clientIf: string;
  readonly clientIp: string;

  private constructor(name: string, hostIf: string, hostIp: string, clientIf: string, clientIp: string, backend: 'netem' | 'nfqueue') {
    this.name = name;
    this.hostIf = hostIf;
    this.hostIp = hostIp;
    this.clientIf = clientIf;
    this.clientIp = clientIp;
    this.backend = backend;
  }

  /**
   * Creates the namespace, the veth pair and its addresses, and prepares the impairment back-end
   * (none applied yet). `LECTERN_NETEM_BACKEND=netem|nfqueue` forces one.
   * @throws Error when a command fails (message names it); see {@link netnsUnavailableReason}.
   */
  static async create(): Promise<NetnsPair> {
    deleteStaleNamespaces();
    const n = sequence++;
    const name = `${PREFIX}${process.pid}-${n}`;
    const hostIf = `lnh${process.pid}-${n}`.slice(0, 15);
    const clientIf = `lnc${process.pid}-${n}`.slice(0, 15);
    const third = freeSubnet();
    const hostIp = `10.213.${third}.1`;
    const clientIp = `10.213.${third}.2`;
    run('ip', ['netns', 'add', name]);
    try {
      run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', clientIf]);
      run('ip', ['link', 'set', clientIf, 'netns', name]);
      run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
      run('ip', ['link', 'set', hostIf, 'up']);
      run('ip', ['-n', name, 'addr', 'add', `${clientIp}/30`, 'dev', clientIf]);
      run('ip', ['-n', name, 'link', 'set', clientIf, 'up']);
      run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      const forced = process.env.LECTERN_NETEM_BACKEND;
      let backend: 'netem' | 'nfqueue';
      if (forced === 'netem' || forced === 'nfqueue') backend = forced;
      else backend = tryRun('tc', ['qdisc', 'add', 'dev', hostIf, 'root', 'netem', 'delay', '0ms']) !== null ? 'netem' : 'nfqueue';
      const pair = new NetnsPair(name, hostIf, hostIp, clientIf, clientIp, backend);
      open.add(pair);
      if (backend === 'netem') {
        tryRun('tc', ['qdisc', 'del', 'dev', hostIf, 'root']);
        run('tc', ['qdisc', 'add', 'dev', hostIf, 'root', 'netem', 'delay', '0ms']);
        run('ip', ['netns', 'exec', name, 'tc', 'qdisc', 'add', 'dev', clientIf, 'root', 'netem', 'delay', '0ms']);
      } else {
        await pair.#startHelper();
      }
      return pair;
    } catch (err) {
      tryRun('ip', ['netns', 'del', name]);
      throw err;
    }
  }

  async #startHelper(): Promise<void> {
    // Every packet over the veth, both directions, waits in queue QUEUE_NUM for the helper's verdict
    // (no --queue-bypass: if the helper dies, traffic stops and the test notices).
    for (const [chain, dir] of [['OUTPUT', '-o'], ['INPUT', '-i']] as const) {
      run('ip', ['netns', 'exec', this.name, 'iptables', '-A', chain, dir, this.clientIf, '-j', 'NFQUEUE', '--queue-num', String(QUEUE_NUM)]);
    }
    const helper = spawn('ip', ['netns', 'exec', this.name, 'python3', NFQUEUE_HELPER, String(QUEUE_NUM)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#helper = helper;
    const ready = new Promise<void>((resolve, reject) => {
      helper.once('exit', (code) => reject(new Error(`nfqueue-netem.py exited with code ${code}`)));
      readline.createInterface({ input: helper.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as Record<string, number>;
        if (msg.ready) resolve();
        else this.#replies.shift()?.(msg);
      });
    });
    await ready;
  }

  /** Current impairment. */
  get impairment(): Impairment {
    return { ...this.#settings };
  }

  /**
   * Applies `imp` to both directions (replacing the previous one).
   * @throws RangeError for values out of range; Error when tc/the helper fails.
   */
  async impair(imp: Partial<Impairment>): Promise<ImpairmentCounters | null> {
    const next = { ...this.#settings, ...imp };
    if (!(next.delayMs >= 0) || !(next.jitterMs >= 0) || next.jitterMs > next.delayMs) throw new RangeError(`need 0 ≤ jitterMs ≤ delayMs, got ${next.jitterMs}, ${next.delayMs}`);
    if (!(next.lossPct >= 0 && next.lossPct <= 100)) throw new RangeError(`lossPct must be 0–100, got ${next.lossPct}`);
    this.#settings = next;
    if (this.backend === 'netem') {
      const args = ['delay', `${next.delayMs}ms`, ...(next.jitterMs > 0 ? [`${next.jitterMs}ms`] : []), 'loss', `${next.lossPct}%`];
      run('tc', ['qdisc', 'change', 'dev', this.hostIf, 'root', 'netem', ...args]);
      run('ip', ['netns', 'exec', this.name, 'tc', 'qdisc', 'change', 'dev', this.clientIf, 'root', 'netem', ...args]);
      return null;
    }
    return this.#send(next);
  }

  /** Counters of the NFQUEUE back-end (null with netem). */
  async counters(): Promise<ImpairmentCounters | null> {
    return this.backend === 'netem' ? null : this.#send({});
  }

  #send(msg: object): Promise<ImpairmentCounters> {
    const helper = this.#helper;
    if (!helper || helper.exitCode !== null) return Promise.reject(new Error('nfqueue-netem.py is not running'));
    return new Promise((resolve) => {
      this.#replies.push((line) => resolve(line as unknown as ImpairmentCounters));
      helper.stdin!.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /**
   * Writes an executable wrapper that runs `binary` inside the namespace (`exec ip netns exec NS
   * binary "$@"`), e.g. as playwright's `executablePath` (it keeps the pipe file descriptors).
   * @returns the script's path (in a temporary directory removed by `close()`).
   */
  wrapperScript(binary: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${this.name}-`));
    this.#tmpDirs.push(dir);
    const file = path.join(dir, path.basename(binary));
    fs.writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${this.name} ${binary} "$@"\n`, { mode: 0o755 });
    return file;
  }

  #tmpDirs: string[] = [];

  /** Stops the helper, deletes the namespace (and with it the veth pair). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const helper = this.#helper;
    if (helper && helper.exitCode === null) {
      const exited = new Promise((r) => helper.once('exit', r));
      helper.stdin!.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
    }
    this.closeSync();
  }

  /** Synchronous part of {@link close} (also run on process exit). */
  closeSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    if (this.#helper && this.#helper.exitCode === null) this.#helper.kill('SIGKILL');
    tryRun('ip', ['netns', 'del', this.name]);
    tryRun('ip', ['link', 'del', this.hostIf]);
    for (const dir of this.#tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
