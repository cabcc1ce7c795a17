// The systemd suite, run inside the qemu VM by test/systemd/lane.ts (systemd as PID 1, pure cgroup v2).
// See the top of lane.ts for the contract with test authors.
import * as os from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  cacheDir: path.join(os.tmpdir(), "cgroupkit-systemd-vite-cache"),
  test: {
    include: ["test/systemd/**/*.test.ts"],
    setupFiles: ["test/systemd/support/guard.ts"],
    globalSetup: ["test/systemd/support/leftovers.ts"],
    // One file at a time in one worker: the tests share one systemd, and starting node over 9p under TCG costs seconds.
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
