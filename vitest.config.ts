import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    restoreMocks: true,
    clearMocks: true,
    testTimeout: 20_000,
    // The VM suite boots real kernels; it has its own timeouts per boot.
    hookTimeout: 900_000,
    reporters: ['default', './test/vm/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/vm/**'] } },
      // One guest at a time: two QEMU/TCG guests on two cores only slow each other into timeouts.
      { extends: true, test: { name: 'vm', include: ['test/vm/**/*.test.ts'], fileParallelism: false } },
    ],
  },
})
