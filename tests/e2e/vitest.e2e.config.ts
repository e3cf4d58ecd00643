import { defineConfig } from 'vitest/config';

// End-to-end runs drive a real Chromium against `serve` on the demo model; they are slow, so they live apart.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['tests/e2e/global-setup.ts'],
    fileParallelism: false,
  },
});
