import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Kernel-mode tests run real namespaces and daemons: give them room, and run files one at a time
    // so two kernel runs never compete for the machine's two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // it.concurrent tests of one file (the kernel-mode replay of every bundled scenario) run this many
    // at once: their time is mostly sleeps and ping intervals, which overlap on two cores.
    maxConcurrency: Number(process.env.VETHSIM_KERNEL_CONCURRENCY ?? 4),
  },
});
