// The v2 suite, run inside the qemu VM by test/vm/lane.ts. The project is a read-only 9p share
// there: every cache and temp file goes to the VM's tmpfs (TMPDIR, set by the lane).
import * as os from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  cacheDir: path.join(os.tmpdir(), "cgroupkit-vm-vite-cache"),
  test: {
    include: ["test/vm/**/*.test.ts"],
    setupFiles: ["test/vm/support/guard.ts"],
    // One file at a time: the suite changes the VM's root cgroup (subtree_control), and TCG is slow.
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    // One worker process for every file: starting node and importing over 9p under TCG costs seconds each time.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
