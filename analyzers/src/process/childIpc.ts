/**
 * The IPC side shared by Lectern's analyzer child processes (voice: `process/main.ts`, pose:
 * `video/process/main.ts`), both forked by the gateway's `ChildProcessPool` and talking JSON over
 * Node's IPC channel. One place for: refusing to run without an IPC channel, sending with a way to
 * wait until the last message is written (so a process can report an error and then exit), turning
 * uncaught errors into `error` messages instead of crashing every stream, and dispatching parent
 * messages to the host object.
 */
import type { ErrorMessage } from './protocol.ts';

/**
 * After the IPC channel closes (the parent is gone), the process exits within this long whatever
 * else is pending (ms). Issue #13: no child may outlive its parent by more than 10 s; closing the
 * streams normally takes < 100 ms, so 3 s leaves room for a loaded machine and ends a close that hangs.
 */
export const DISCONNECT_EXIT_DEADLINE_MS = 3000;
/** Period of the fallback check that the parent is still our parent (ms). */
export const PARENT_CHECK_MS = 1000;

/** A child's sending side of the IPC channel. */
export interface ChildIpc<M> {
  /** Sends one message; a no-op once the parent is gone (its 'disconnect' ends the process). */
  send(message: M): void;
  /** Resolves when the most recently sent message has been written to the channel. */
  flushed(): Promise<void>;
}

/**
 * Opens the IPC channel of a forked child. Exits the process with code 2 and a line on stderr when
 * it was not started with `child_process.fork` (there is no channel to talk on), and with code 0
 * at the latest {@link DISCONNECT_EXIT_DEADLINE_MS} after the channel closes or the parent PID
 * changes (checked every {@link PARENT_CHECK_MS}): the parent is gone.
 * @param processName used in that stderr line, e.g. `pose analyzer`.
 */
export function openChildIpc<M extends { type: string }>(processName: string): ChildIpc<M> {
  if (typeof process.send !== 'function') {
    process.stderr.write(`${processName}: start me with child_process.fork (I talk over the IPC channel)\n`);
    process.exit(2);
  }
  // Once the parent is gone nobody can use this process: whatever the process's own 'disconnect'
  // handler does to close streams, it must not linger (e.g. a close that hangs).
  const deadline = () => setTimeout(() => process.exit(0), DISCONNECT_EXIT_DEADLINE_MS).unref();
  process.once('disconnect', deadline);
  // Fallback (Node has no PR_SET_PDEATHSIG): a parent that died without the channel closing (it
  // always closes with the parent's last file descriptor, but a descriptor inherited by a
  // grandchild would keep it open) shows as a changed parent PID (re-parented to init or a subreaper).
  const parentPid = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(watch);
    process.stderr.write(`${processName}: parent ${parentPid} is gone; exiting\n`);
    // Closing the channel runs the 'disconnect' handlers (streams are closed) and the deadline.
    if (process.connected) process.disconnect();
    else deadline();
  }, PARENT_CHECK_MS);
  watch.unref();
  let lastSent: Promise<void> = Promise.resolve();
  return {
    send(message: M): void {
      if (!process.connected) return;
      lastSent = new Promise((resolve) => {
        try {
          process.send!(message, undefined, {}, () => resolve());
        } catch {
          resolve(); // the parent is gone; 'disconnect' ends the process
        }
      });
    },
    flushed: () => lastSent,
  };
}

/**
 * Last resort: every entry point into a stream is guarded, so anything reaching these handlers
 * comes from outside a stream. Report it and keep serving the other streams rather than dropping
 * them all.
 */
export function reportUncaughtErrors(send: (message: ErrorMessage) => void): void {
  process.on('uncaughtException', (err) => send({ type: 'error', message: `uncaught exception: ${err.stack ?? err.message}` }));
  process.on('unhandledRejection', (reason) => send({ type: 'error', message: `unhandled rejection: ${String(reason)}` }));
}

/**
 * Hands every parent message to `host.handleMessage` (which validates it); `'shutdown'` as its
 * result calls `exit(0)`, a rejection is reported as an `error` message.
 */
export function serveParentMessages(
  host: { handleMessage(raw: unknown): Promise<unknown> },
  send: (message: ErrorMessage) => void,
  exit: (code: number) => Promise<void>,
): void {
  process.on('message', (raw) => {
    host.handleMessage(raw).then(
      (result) => (result === 'shutdown' ? exit(0) : undefined),
      (err: unknown) => send({ type: 'error', message: `internal error: ${(err as Error).message}` }),
    );
  });
}
