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
    // A presenter who drops is waited for (LECTERN_RESUME_GRACE_SEC, 30 s by default) before their
    // session ends. Tests that close a presenter's page expect the end within seconds; the resume
    // tests (test/e2e/resume.test.ts) set their own grace.
    env: { LECTERN_RESUME_GRACE_SEC: '2' },
  },
});
