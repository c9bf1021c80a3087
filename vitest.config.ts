import { defineConfig } from 'vitest/config';

// Native addons and worker-thread pools crash together: run test files in forked processes.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
