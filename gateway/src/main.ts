/**
 * `npm start`: runs Lectern on embedded defaults (everything on 127.0.0.1, no servers to install).
 * Configuration: environment variables, see config.ts and the README's table.
 */
import { startLectern } from './app.ts';

try {
  const node = await startLectern();
  node.http.log.info(`Lectern is live: open ${node.url}/rehearse`);
  const stop = async (signal: string) => {
    node.http.log.info(`${signal}: shutting down`);
    await node.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  console.error(`Lectern could not start: ${(err as Error).message}`);
  process.exit(1);
}
