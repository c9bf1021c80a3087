import { defineConfig } from 'vitest/config';

// The packaging gate (npm run test:package): builds the prebuild, packs the tarball and installs
// it into temporary projects. Kept out of the default suite (test/**/*.test.ts): it compiles
// twice and must not compete with the timing-sensitive tests for the CPU.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/package/**/*.spec.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
