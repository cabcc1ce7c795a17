// `cgroupkit limits` inside groups that `cgroupkit run` makes on the host's real hierarchies: the
// figures, their sources, a tighter parent, a cgroup namespace, and "none" without a limit.
import * as fs from "node:fs";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources } from "../../src/resources/limits.js";
import { ensureBuilt, MAIN, spawnCollect, worldReadableBuild } from "../support/cli.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && ["memory", "cpu", "pids"].every((c) => hierarchyFor(layout, c)?.mountPoint !== undefined);
const hasUnshare = fs.existsSync("/usr/bin/unshare");

interface Figure {
  value: number | "none";
  file?: string;
  group?: string;
  path?: string;
}
interface Limits {
  memory: { max: Figure; high: Figure };
  cpu: { max: Figure; quota: Figure; cpuset: Figure; affinity: Figure; available: number };
  pids: { max: Figure };
}

function testParent(context: TestContext): string {
  const prefix = testName();
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

/** `cgroupkit run RUN_ARGS -- [WRAP…] cgroupkit limits --json`, parsed. */
async function limitsInside(runArgs: readonly string[], wrap: readonly string[] = []): Promise<Limits> {
  const r = await spawnCollect(process.execPath, [MAIN, "run", "--devices", "allow-all", ...runArgs, "--", ...wrap, process.execPath, MAIN, "limits", "--json"]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Limits;
}

const memoryFile = () => (hierarchyFor(layout!, "memory")!.version === "v2" ? "memory.max" : "memory.limit_in_bytes");
const quotaFile = () => (hierarchyFor(layout!, "cpu")!.version === "v2" ? "cpu.max" : "cpu.cfs_quota_us");
const fileOf = (controller: string, group: string, file: string) => `${hierarchyFor(layout!, controller)!.mountPoint}/${group}/${file}`;

describe.runIf(usable).concurrent("cgroupkit limits on the host (as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  // --no-confine: the command sees the host's cgroup names (a confined run's cgroup namespace is tested below).
  it("inside run --no-confine --memory 96M --cpu-quota 150%: 100663296 bytes and 1.5 CPUs, each with its file and group", async (context) => {
    const parent = testParent(context);
    const limits = await limitsInside(["--no-confine", "--parent", parent, "--name", "job", "--memory", "96M", "--cpu-quota", "150%"]);
    expect(limits.memory.max).toEqual({ value: 100663296, file: memoryFile(), group: `/${parent}/job`, path: fileOf("memory", `${parent}/job`, memoryFile()) });
    expect(limits.cpu.quota).toMatchObject({ value: 1.5, file: quotaFile(), group: `/${parent}/job`, path: fileOf("cpu", `${parent}/job`, quotaFile()) });
    expect(limits.cpu.max).toEqual({ value: 1.5, file: quotaFile(), group: `/${parent}/job`, path: fileOf("cpu", `${parent}/job`, quotaFile()) });
    expect(limits.cpu.available).toBe(1.5);
    expect(limits.pids.max).toEqual({ value: "none" });
  });

  it("inside a group whose parent has the lower limit (v1 refuses a child CPU quota above its parent's, so the child sets none), the parent's limit and the parent as the source", async (context) => {
    const parent = testParent(context);
    const cg = await Cgroup.create(parent, { layout, controllers: ["memory", "cpu", "pids"] });
    await applyResources(cg, { memory: { max: 48n * 1024n * 1024n }, cpu: { quota: 50_000n, period: 100_000n }, pids: { max: 300n } });
    const limits = await limitsInside(["--no-confine", "--parent", parent, "--name", "job", "--memory", "96M", "--pids", "500"]);
    expect(limits.memory.max).toEqual({ value: 48 * 1024 * 1024, file: memoryFile(), group: `/${parent}`, path: fileOf("memory", parent, memoryFile()) });
    expect(limits.cpu.max).toMatchObject({ value: 0.5, file: quotaFile(), group: `/${parent}` });
    expect(limits.pids.max).toEqual({ value: 300, file: "pids.max", group: `/${parent}`, path: fileOf("pids", parent, "pids.max") });
  });

  it.runIf(hasUnshare)("inside a cgroup namespace rooted at the leaf (a confined run's own, or unshare -C) the same figures, the group named from inside", async (context) => {
    const parent = testParent(context);
    const runArgs = ["--parent", parent, "--name", "job", "--memory", "96M", "--cpu-quota", "150%"];
    // The namespace root is the run's leaf (run-<pid>-<start>), "/" from inside; the limits sit on the group
    // above it, which the kernel's own notation names "/.."; the file is the same one.
    for (const limits of [await limitsInside(runArgs), await limitsInside(["--no-confine", ...runArgs], ["unshare", "-C"])]) {
      expect(limits.memory.max).toEqual({ value: 100663296, file: memoryFile(), group: "/..", path: fileOf("memory", `${parent}/job`, memoryFile()) });
      expect(limits.cpu.max).toMatchObject({ value: 1.5, file: quotaFile(), group: "/..", path: fileOf("cpu", `${parent}/job`, quotaFile()) });
    }
  });

  it("with no limit anywhere: \"none\", never the kernel's unlimited number or the host's size", async (context) => {
    const parent = testParent(context);
    const limits = await limitsInside(["--parent", parent]);
    expect(limits.memory.max).toEqual({ value: "none" });
    expect(limits.memory.high).toEqual({ value: "none" });
    expect(limits.cpu.quota).toEqual({ value: "none" });
    expect(limits.pids.max).toEqual({ value: "none" });
    expect(JSON.stringify(limits)).not.toContain("9223372036854771712");
  });

  it("--heap-mb 0.75 prints the megabytes for --max-old-space-size; nothing without a limit", async (context) => {
    const parent = testParent(context);
    const limited = await spawnCollect(process.execPath, [MAIN, "run", "--devices", "allow-all", "--parent", parent, "--memory", "96M", "--", process.execPath, MAIN, "limits", "--heap-mb", "0.75"]);
    expect(limited.stdout).toBe("72\n");
    const unlimited = await spawnCollect(process.execPath, [MAIN, "run", "--devices", "allow-all", "--parent", parent, "--", process.execPath, MAIN, "limits", "--heap-mb", "0.75"]);
    expect({ status: unlimited.status, stdout: unlimited.stdout }).toEqual({ status: 0, stdout: "" });
    expect(unlimited.stderr).toMatch(/no memory limit binds this process/);
  });

  it("doctor on this host, as root and as uid 1000: the real layout, the device ACL, and the fixes a user needs", async () => {
    const asRoot = await spawnCollect(process.execPath, [MAIN, "doctor", "--json"]);
    expect(asRoot, asRoot.stderr).toMatchObject({ status: 0, stderr: "" });
    const root = JSON.parse(asRoot.stdout) as { layout: { kind: string }; devices: { usable: boolean }; run: { driver: string; enforceable: Record<string, boolean> }; caller: { uid: number } };
    expect(root.layout.kind).toBe(layout!.kind);
    expect(root.caller.uid).toBe(0);
    expect(root.devices.usable).toBe(true);
    expect(root.run.enforceable).toEqual({ memory: true, cpu: true, pids: true, devices: true });
    const build = worldReadableBuild();
    const asUser = await spawnCollect(process.execPath, [build.main, "doctor", "--json"], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH } }).finally(build.dispose);
    expect(asUser, asUser.stderr).toMatchObject({ status: 0, stderr: "" });
    const user = JSON.parse(asUser.stdout) as typeof root & { delegation: { delegated: boolean }; fixes: Array<{ problem: string }> };
    expect(user.caller.uid).toBe(65534);
    expect(user.delegation.delegated).toBe(false);
    expect(user.devices.usable).toBe(false);
    expect(user.run.enforceable).toEqual({ memory: false, cpu: false, pids: false, devices: false });
    expect(user.fixes.map((f) => f.problem)).toEqual(expect.arrayContaining([expect.stringMatching(/^no device policy can be enforced/), expect.stringMatching(/^no cgroup2 subtree is delegated to uid 65534/)]));
  });
});
