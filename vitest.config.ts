import { defineConfig } from 'vitest/config';

/**
 * One vitest run for the whole repository: unit tests beside the code (`<pkg>/src/**\/*.test.ts`)
 * and end-to-end tests (`test/e2e`). Files run one at a time: the end-to-end tests start
 * mediasoup workers, analyzer processes and Chromium, and this machine has 2 cores.
 */
export default defineConfig({
  test: {
    include: ['{contract,sfu,analyzers,gateway,models}/src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
