import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Kernel-mode tests run real namespaces and daemons: give them room, and run files one at a time
    // so two kernel runs never compete for the machine's two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
