import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * File URL of tsx's ESM loader, for `fork(entry, [], { execArgv: ['--import', tsxLoader] })` so
 * child processes run the TypeScript sources directly. Resolved through the package.json because
 * `import.meta.resolve` is unavailable under vitest.
 */
export const tsxLoader = pathToFileURL(
  path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;
