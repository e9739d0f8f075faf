import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.{ts,tsx}', 'test/issue/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 30_000,
          // werift peers and child processes are CPU-heavy on a 2-core machine
          fileParallelism: false,
        },
      },
    ],
  },
});
