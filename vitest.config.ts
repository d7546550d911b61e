import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests bind real ports and start real brokers; two cores.
    maxWorkers: 2,
    // Each run, and each test file, gets its own TMPDIR; a file that leaves anything
    // in it fails (test/helpers/tmp-root.ts, tmp-per-file.ts).
    globalSetup: ['test/helpers/tmp-root.ts'],
    setupFiles: ['test/helpers/tmp-per-file.ts'],
  },
});
