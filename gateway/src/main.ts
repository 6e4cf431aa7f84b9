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
  const setup = node.setupLink();
  if (setup) console.log(`\nLectern has no account yet. Create the owner account with this one-time link:\n\n  ${setup}\n`);
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
  // This entry point owns the signals: node.close() ends live sessions, finalises recordings and
  // stops the embedded database itself, last.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
} catch (err) {
  // One line, no stack: every start-up error says what failed and what to do.
  console.error(`Lectern could not start: ${(err as Error).message.split('\n')[0]}`);
  if (process.env.LECTERN_DEBUG) console.error(err);
  process.exit(1);
}
