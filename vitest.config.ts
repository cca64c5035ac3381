import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulators and SMTP servers start per file; files run in parallel on the 2 cores.
    pool: 'forks',
    globalSetup: ['test/support/global-tmpdir.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
