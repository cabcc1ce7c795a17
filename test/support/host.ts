// Test-owned cgroups on the host: created under a random `cgroupkit-test-*` prefix, always removed.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";
export const TEST_PREFIX = "cgroupkit-test-";
/** This vitest run's own prefix (set by the leak check's setup), so concurrent runs on one host never flag each other's groups. */
export const RUN_PREFIX = TEST_PREFIX + (process.env.CGROUPKIT_TEST_RUN ?? "");

export const isRoot = process.getuid?.() === 0;

/** The host's v1 hierarchy directory for a controller, or undefined. */
export function v1Hierarchy(controller: string): string | undefined {
  const dir = path.join(CGROUP_ROOT, controller);
  return fs.existsSync(path.join(dir, "cgroup.procs")) && !fs.existsSync(path.join(dir, "cgroup.controllers")) ? dir : undefined;
}

/** The host's cgroup2 mount, or undefined. */
export function v2Mount(): string | undefined {
  for (const dir of [path.join(CGROUP_ROOT, "unified"), CGROUP_ROOT]) {
    if (fs.existsSync(path.join(dir, "cgroup.controllers"))) return dir;
  }
  return undefined;
}

export function testName(): string {
  return RUN_PREFIX + randomBytes(4).toString("hex");
}

/** Kill every process in a test-owned group and its descendants, then remove them bottom-up. */
export function removeTree(dir: string): void {
  if (!path.basename(dir).startsWith(TEST_PREFIX) && !dir.split(path.sep).some((c) => c.startsWith(TEST_PREFIX))) {
    throw new Error(`refusing to remove ${dir}: not under a test-owned prefix`);
  }
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTree(path.join(dir, entry.name));
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const pid of readPids(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    thaw(dir);
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" && code !== "ENOTEMPTY") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  fs.rmdirSync(dir);
}

function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function thaw(dir: string): void {
  for (const [file, value] of [["freezer.state", "THAWED"], ["cgroup.freeze", "0"]] as const) {
    try {
      fs.writeFileSync(path.join(dir, file), value);
    } catch {
      /* not this hierarchy */
    }
  }
}

/** Every group of this run (names from {@link testName}) left on the host, two levels under each hierarchy. */
export function leftoverTestGroups(prefix: string = RUN_PREFIX): string[] {
  const found: string[] = [];
  if (!fs.existsSync(CGROUP_ROOT)) return found;
  const scan = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = path.join(dir, e.name);
      if (e.name.startsWith(prefix)) found.push(child);
      else if (depth > 0) scan(child, depth - 1);
    }
  };
  scan(CGROUP_ROOT, 2);
  return found;
}
