// The bench's own cgroups: everything lives under one `cgroupkit-bench-<random>` group in each
// hierarchy, created at start and removed at exit (normal, error, SIGINT, SIGTERM).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const BENCH_PREFIX = "cgroupkit-bench-";

export interface HostHierarchies {
  /** v1 mount point by controller (`memory` → /sys/fs/cgroup/memory); co-mounted controllers share one. */
  readonly v1: ReadonlyMap<string, string>;
  /** The cgroup2 mount, if any. */
  readonly v2: string | undefined;
  /** "hybrid", "v1" or "v2". */
  readonly kind: string;
}

/** Cgroup mounts from /proc/self/mountinfo (first mount of each hierarchy). */
export function hostHierarchies(): HostHierarchies {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountPoint = left.split(" ")[4]!;
    const [fstype, , options] = right.split(" ");
    if (fstype === "cgroup2") v2 ??= mountPoint;
    if (fstype !== "cgroup") continue;
    for (const option of (options ?? "").split(",")) {
      if (["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec"].includes(option) || option.startsWith("release_agent") || option === "") continue;
      if (!v1.has(option)) v1.set(option, mountPoint);
    }
  }
  const kind = v1.size > 0 && v2 ? "hybrid" : v1.size > 0 ? "v1" : "v2";
  return { v1, v2, kind };
}

/** The bench's group tree in every hierarchy it uses. */
export class BenchGroups {
  readonly prefix = BENCH_PREFIX + randomBytes(4).toString("hex");
  private readonly roots: string[] = [];
  private removed = false;

  /** Every mounted hierarchy gets the prefix group, so whatever a case (or the CLI under test) makes under it is removed. */
  constructor(readonly host: HostHierarchies) {
    for (const m of new Set([...host.v1.values(), ...(host.v2 ? [host.v2] : [])])) this.roots.push(path.join(m, this.prefix));
  }

  /** Create the prefix group in each hierarchy and arrange its removal on every way out. */
  setUp(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      process.stderr.write(`\nbench: ${signal}: removing ${this.prefix}\n`);
      this.tearDown();
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("exit", () => this.tearDown());
    for (const root of this.roots) {
      fs.mkdirSync(root);
      // v1 cpuset: a group needs cpus and mems before a task can join it or a child can inherit them.
      const cpus = path.join(path.dirname(root), "cpuset.cpus");
      if (fs.existsSync(cpus) && !fs.existsSync(path.join(path.dirname(root), "cgroup.controllers"))) {
        for (const file of ["cpuset.cpus", "cpuset.mems"]) {
          const value = fs.readFileSync(path.join(path.dirname(root), file), "utf8").trim();
          if (value !== "") fs.writeFileSync(path.join(root, file), value);
        }
      }
    }
  }

  /** The prefix group's directory in the hierarchy mounted at `mount`. */
  dirIn(mount: string): string {
    return path.join(mount, this.prefix);
  }

  /** `prefix/child`: a group name relative to the hierarchy roots. */
  name(child: string): string {
    return `${this.prefix}/${child}`;
  }

  /** Remove everything under the prefix, bottom-up, killing any process left in it. Idempotent. */
  tearDown(): void {
    if (this.removed) return;
    const failures: string[] = [];
    for (const root of this.roots) {
      try {
        removeTree(root);
      } catch (err) {
        failures.push(`${root}: ${(err as Error).message}`);
      }
    }
    this.removed = true;
    if (failures.length > 0) process.stderr.write(`bench: could not remove ${failures.join("; ")}\n`);
  }

  /** Bench groups from earlier runs that are still on the host (a killed run). */
  static stale(host: HostHierarchies): string[] {
    const found: string[] = [];
    for (const mount of new Set([...host.v1.values(), ...(host.v2 ? [host.v2] : [])])) {
      for (const e of fs.readdirSync(mount, { withFileTypes: true })) if (e.isDirectory() && e.name.startsWith(BENCH_PREFIX)) found.push(path.join(mount, e.name));
    }
    return found;
  }
}

/** Remove a bench-owned directory tree; refuses anything outside a bench prefix. */
export function removeTree(dir: string): void {
  if (!dir.split("/").some((c) => c.startsWith(BENCH_PREFIX))) throw new Error(`refusing to remove ${dir}: not under ${BENCH_PREFIX}*`);
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  for (let attempt = 0; ; attempt++) {
    try {
      for (const pid of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if ((code !== "EBUSY" && code !== "ENOTEMPTY") || attempt >= 100) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
