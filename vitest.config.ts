import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    restoreMocks: true,
    clearMocks: true,
    testTimeout: 20_000,
    // The VM suite boots real kernels; it has its own timeouts per boot.
    hookTimeout: 900_000,
  },
})
