import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Result of {@link parseCliArgs}: `node:util` parseArgs' own result type for `T`. */
export type CliArgs<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * `node:util` `parseArgs` for the repository's scripts, benches and CLIs: strict (unknown flags,
 * a missing value and — unless `allowPositionals` — stray positionals are errors). On such a bad
 * command line it prints `<script>: <node's message>` and `usage: <usage>` to stderr and exits
 * with status 2 instead of throwing a stack trace.
 * @param config parseArgs config (`args` defaults to `process.argv.slice(2)`).
 * @param usage the usage line, e.g. `npm run bench:live -- [--rooms N] [--seconds S]`.
 * @returns parsed `values` and `positionals`.
 */
export function parseCliArgs<T extends ParseArgsConfig>(config: T, usage: string): CliArgs<T> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw err;
    return usageError((err as Error).message, usage);
  }
}

/**
 * Prints `message` and the usage line to stderr and exits with status 2 (bad usage).
 * @param message what is wrong, e.g. `--rooms must be a positive integer`.
 */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
}
