// The Cgroup handle on the real kernel, as root, under a random cgroupkit-test-* prefix that is always removed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Cgroup, CgroupAttachError, CgroupBusyError } from "../../src/cgroup/cgroup.js";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { CgroupIoError, InvalidNameError, InvalidValueError } from "../../src/runtime/errors.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { isRoot, removeTree, testName, v1Hierarchy, v2Mount } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && layout.kind !== "none" && hierarchyFor(layout, "memory") !== undefined && hierarchyFor(layout, "pids") !== undefined;
const CONTROLLERS = (["memory", "cpu", "pids", "freezer"] as const).filter((c) => layout && hierarchyFor(layout, c));
const MiB = 1024n * 1024n;

let prefix: string;
const children: ChildProcess[] = [];

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ["pipe", "ignore", "inherit"] });
  children.push(child);
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `/proc/<pid>/cgroup` as hierarchy id → path. */
function procCgroup(pid: number): Map<string, string> {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(":", l.indexOf(":") + 1)), l.slice(l.indexOf(":", l.indexOf(":") + 1) + 1)]));
}

describe.runIf(usable)("Cgroup on the host's hierarchies", () => {
  beforeEach(() => {
    prefix = testName();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });

  it("the live layout matches the host's mounts", () => {
    for (const h of layout!.v1) {
      for (const c of h.controllers) if (v1Hierarchy(c)) expect(h.mountPoints).toContain(v1Hierarchy(c));
    }
    expect(layout!.v2?.mountPoint).toBe(v2Mount());
    const own = procCgroup(process.pid);
    for (const h of layout!.hierarchies) {
      const key = h.version === "v2" ? "0:" : `${h.hierarchyId}:${h.name !== undefined ? `name=${h.name}` : h.controllers.join(",")}`;
      expect(own.get(key)).toBe(h.path);
    }
    if (layout!.v2) expect(layout!.v2.available).toEqual(fs.readFileSync(`${layout!.v2.mountPoint}/cgroup.controllers`, "utf8").split(/\s+/).filter(Boolean));
  });

  it("prefix/lxc/NAME: limits, a process inside, then removed with the process still running", async () => {
    const name = `${prefix}/lxc/web1`;
    const cg = await Cgroup.create(name, { controllers: CONTROLLERS });
    const again = await Cgroup.create(name, { controllers: CONTROLLERS }); // idempotent
    expect(again.placements.map((p) => p.dir)).toEqual(cg.placements.map((p) => p.dir));
    for (const p of cg.placements) expect(fs.statSync(p.dir).isDirectory()).toBe(true);

    // 64 MiB memory limit, a CPU weight, a pids limit, on whichever version holds each controller
    if (hierarchyFor(cg.layout, "memory")?.version === "v1") {
      await cg.v1.memory!.limitInBytes.write(64n * MiB);
      expect(await cg.v1.memory!.limitInBytes.read()).toBe(64n * MiB);
    } else {
      await cg.requireV2("memory").max.write(64n * MiB);
      expect(await cg.requireV2("memory").max.read()).toBe(64n * MiB);
    }
    if (hierarchyFor(cg.layout, "cpu")?.version === "v1") {
      await cg.v1.cpu!.shares.write(512n);
      expect(await cg.v1.cpu!.shares.read()).toBe(512n);
    } else {
      await cg.requireV2("cpu").weight.write(50);
      expect(await cg.requireV2("cpu").weight.read()).toBe(50);
    }
    const pids = hierarchyFor(cg.layout, "pids")?.version === "v1" ? cg.v1.pids! : cg.requireV2("pids");
    await pids.max.write(32n);
    expect(await pids.max.read()).toBe(32n);

    const child = start("sleep", ["600"]);
    const pid = child.pid!;
    await cg.attach(pid);
    expect(await cg.procs()).toEqual([pid]);
    const parent = await Cgroup.open(prefix, { controllers: CONTROLLERS });
    expect(await parent.procs()).toEqual([]);
    expect(await parent.procs({ recursive: true })).toEqual([pid]);
    expect(await parent.children()).toEqual([`${prefix}/lxc`]);
    const seen = procCgroup(pid);
    for (const p of cg.placements) {
      const key = p.hierarchy.version === "v2" ? "0:" : `${p.hierarchy.hierarchyId}:${p.hierarchy.controllers.join(",")}`;
      expect(seen.get(key)).toBe(`/${name}`);
    }
    expect(await pids.current.read()).toBe(1n);

    // removing a parent with a live process: refused by default, nothing removed, the process untouched
    const refused = await parent.remove().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CgroupBusyError);
    expect((refused as CgroupBusyError).pids).toEqual([pid]);
    expect(alive(pid)).toBe(true);
    for (const p of cg.placements) expect(fs.existsSync(p.dir)).toBe(true);

    // the kernel's own EBUSY when a populated group is rmdir'ed directly
    const direct = await nodeCgroupFs.rmdir(cg.placements[0]!.dir).catch((e: unknown) => e);
    expect(direct).toMatchObject({ errno: "EBUSY", path: cg.placements[0]!.dir });

    const exited = once(child, "exit");
    await parent.remove({ kill: true });
    expect(await exited).toEqual([null, "SIGKILL"]);
    for (const h of cg.layout.hierarchies) if (h.mountPoint) expect(fs.existsSync(`${h.mountPoint}/${prefix}`)).toBe(false);
  });

  it("a process allocating past 64 MiB is OOM-killed and the kernel counts it", async () => {
    const swapOn = fs.readFileSync("/proc/swaps", "utf8").trim().split("\n").length > 1;
    const cg = await Cgroup.create(`${prefix}/oom`, { controllers: ["memory"] });
    const memoryV1 = hierarchyFor(cg.layout, "memory")?.version === "v1";
    if (memoryV1) {
      const memory = cg.v1.memory!;
      await memory.limitInBytes.write(64n * MiB);
      if (await memory.memswLimitInBytes.exists()) await memory.memswLimitInBytes.write(64n * MiB);
      else expect(swapOn).toBe(false); // otherwise swap would let it survive
      expect((await memory.oomControl.read()).oom_kill).toBe(0n);
    } else {
      await cg.requireV2("memory").max.write(64n * MiB);
      if (await cg.requireV2("memory").swapMax.exists()) await cg.requireV2("memory").swapMax.write(0n);
      else expect(swapOn).toBe(false);
    }
    // waits for a line on stdin, so the allocation starts only once it is inside the group
    const hog = start(process.execPath, ["-e", "process.stdin.once('data', () => { const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1)); })"]);
    await cg.attach(hog.pid!);
    const exited = once(hog, "exit");
    hog.stdin!.write("go\n");
    expect(await exited).toEqual([null, "SIGKILL"]);
    if (memoryV1) {
      const oom = await cg.v1.memory!.oomControl.read();
      expect(oom.oom_kill).toBeGreaterThanOrEqual(1n);
      // usage climbed to the limit and no further (memory.failcnt stays 0 on 6.18, so it is not asserted)
      const peak = await cg.v1.memory!.maxUsageInBytes.read();
      expect(peak).toBeLessThanOrEqual(64n * MiB);
      expect(peak).toBeGreaterThan(63n * MiB);
    } else {
      expect((await cg.requireV2("memory").events.read()).oom_kill).toBeGreaterThanOrEqual(1n);
    }
    await cg.remove();
    expect(fs.existsSync(cg.placements[0]!.dir)).toBe(false);
  });

  it("kill on v1 without cgroup.kill: freeze, SIGKILL, thaw, wait; forking children included", async () => {
    const v1Only: CgroupLayout = { ...layout!, v2: undefined, hierarchies: layout!.v1 };
    const cg = await Cgroup.create(`${prefix}/forks`, { layout: v1Only, controllers: ["freezer", "pids"] });
    const shell = start("sh", ["-c", "read go; for i in 1 2 3 4 5; do sleep 600 & done; wait"]);
    await cg.attach(shell.pid!);
    shell.stdin!.write("go\n");
    for (let i = 0; (await cg.procs()).length < 6 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
    const before = await cg.procs();
    expect(before).toHaveLength(6);
    await cg.kill();
    expect(await cg.procs()).toEqual([]);
    for (const pid of before) expect(alive(pid) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")).toBe(false);
    expect((await cg.v1.freezer!.state.read())).toBe("THAWED");
    await cg.remove();
  });

  it("freeze and thaw a running process", async () => {
    const cg = await Cgroup.create(`${prefix}/ice`, { controllers: CONTROLLERS });
    const child = start("sleep", ["600"]);
    await cg.attach(child.pid!);
    await cg.freeze();
    if (cg.v2Placement) expect((await cg.v2.core.events.read()).frozen).toBe(1n);
    else expect(await cg.v1.freezer!.state.read()).toBe("FROZEN");
    await cg.thaw();
    if (cg.v2Placement) expect((await cg.v2.core.events.read()).frozen).toBe(0n);
    else expect(await cg.v1.freezer!.state.read()).toBe("THAWED");
    await cg.remove({ kill: true });
  });

  it("delegate chowns the group's directory and delegatable files", async () => {
    const cg = await Cgroup.create(`${prefix}/deleg`, { controllers: CONTROLLERS });
    const changed = await cg.delegate(65534, 65534);
    expect(cg.placements.length).toBeGreaterThan(0);
    for (const p of cg.placements) {
      expect(changed).toContain(p.dir);
      expect(changed).toContain(`${p.dir}/cgroup.procs`);
    }
    for (const file of changed) expect([fs.statSync(file).uid, fs.statSync(file).gid]).toEqual([65534, 65534]);
    if (cg.v2Placement && fs.existsSync("/sys/kernel/cgroup/delegate")) {
      const listed = fs.readFileSync("/sys/kernel/cgroup/delegate", "utf8").split(/\s+/).filter((f) => f && fs.existsSync(`${cg.v2Placement!.dir}/${f}`));
      for (const f of listed) expect(changed).toContain(`${cg.v2Placement.dir}/${f}`);
    }
    // control files that set the parent's resources stay root's
    if (cg.v1.memory) expect(fs.statSync(`${cg.v1.memory.dir}/memory.limit_in_bytes`).uid).toBe(0);
    await cg.remove();
  });

  describe("bad input", () => {
    it.each(["../escape", `x/../../..`, "/sys/fs/cgroup", "a\nb", "a\0b", "y".repeat(256)])("name %j is refused and nothing is created", async (bad) => {
      await expect(Cgroup.create(bad, { controllers: CONTROLLERS })).rejects.toThrow(InvalidNameError);
      await expect(Cgroup.create(`${prefix}/${bad}`, { controllers: CONTROLLERS })).rejects.toThrow(InvalidNameError);
      for (const h of layout!.hierarchies) if (h.mountPoint) expect(fs.existsSync(`${h.mountPoint}/${prefix}`)).toBe(false);
    });

    it("values out of range never reach the kernel; malformed text the kernel refuses is EINVAL", async () => {
      const cg = await Cgroup.create(`${prefix}/vals`, { controllers: CONTROLLERS });
      const pids = hierarchyFor(cg.layout, "pids")?.version === "v1" ? cg.v1.pids! : cg.requireV2("pids");
      await expect(Promise.resolve().then(() => pids.max.write(-1n))).rejects.toThrow(InvalidValueError);
      await expect(Promise.resolve().then(() => pids.max.write(2n ** 64n))).rejects.toThrow(InvalidValueError);
      expect(await pids.max.read()).toBe("max");
      await expect(cg.attach(-5)).rejects.toThrow(InvalidValueError);
      const raw = await nodeCgroupFs.writeFile(`${pids.dir}/pids.max`, "lots").catch((e: unknown) => e);
      expect(raw).toBeInstanceOf(CgroupIoError);
      expect(raw).toMatchObject({ errno: "EINVAL", path: `${pids.dir}/pids.max`, value: "lots" });
      await cg.remove();
    });

    it("writing a read-only file fails with a typed error naming the file", async () => {
      const cg = await Cgroup.create(`${prefix}/ro`, { controllers: CONTROLLERS });
      const file = `${cg.placement("pids")!.dir}/pids.current`;
      const err = await nodeCgroupFs.writeFile(file, "1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CgroupIoError);
      expect((err as CgroupIoError).path).toBe(file);
      // mode 0444, but root passes the permission check; cgroup's write handler then refuses a file without a write op
      expect(fs.statSync(file).mode & 0o777).toBe(0o444);
      expect((err as CgroupIoError).errno).toBe("EINVAL");
      await cg.remove();
    });

    it("a group that vanishes mid-operation: attach names the file and moves the process back; remove removes what is left", async () => {
      const cg = await Cgroup.create(`${prefix}/ghost`, { controllers: CONTROLLERS });
      const child = start("sleep", ["600"]);
      const before = fs.readFileSync(`/proc/${child.pid}/cgroup`, "utf8");
      // the last hierarchy's directory vanishes: attach gets the process into all the others, then fails and moves it back
      const victim = cg.placements[cg.placements.length - 1]!;
      fs.rmdirSync(victim.dir);
      const err = await cg.attach(child.pid!).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CgroupAttachError);
      expect((err as CgroupAttachError).failed).toMatchObject({ errno: "ENOENT", path: `${victim.dir}/cgroup.procs` });
      expect(err).toMatchObject({ code: "ENOENT", stuck: [] });
      expect(fs.readFileSync(`/proc/${child.pid}/cgroup`, "utf8")).toBe(before);
      await expect(cg.procs()).rejects.toMatchObject({ errno: "ENOENT" });
      await expect(Cgroup.open(`${prefix}/ghost`, { controllers: CONTROLLERS })).rejects.toMatchObject({ errno: "ENOENT", path: victim.dir });
      await cg.remove();
      child.kill("SIGKILL");
      for (const p of cg.placements) expect(fs.existsSync(p.dir)).toBe(false);
    });
  });
});

describe.runIf(usable && spawnSync("unshare", ["--version"]).status === 0)("mountHierarchy in a private mount namespace", () => {
  it("a hierarchy unmounted there is missing from the layout until mountHierarchy mounts it elsewhere", () => {
    const pidsDir = v1Hierarchy("pids");
    const step = `
      import * as fs from "node:fs";
      import { execFileSync } from "node:child_process";
      import { mountHierarchy, readCgroupLayout } from "./src/cgroup/mounts.ts";
      import { Cgroup } from "./src/cgroup/cgroup.ts";
      if (fs.readlinkSync("/proc/self/ns/mnt") === process.env.HOST_MNT_NS) throw new Error("not in a private mount namespace");
      const out = {};
      const target = process.env.MOUNT_TARGET;
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "cgroupkit-test", target]);
      ${pidsDir ? `execFileSync("umount", [${JSON.stringify(pidsDir)}]);` : ""}
      out.before = (await readCgroupLayout()).v1.find((h) => h.controllers.includes("pids"))?.mountPoints ?? null;
      out.createWhileMissing = await Cgroup.create("cgroupkit-test-never", { controllers: ["pids"] }).then(() => "created", (e) => e.constructor.name);
      fs.mkdirSync(target + "/pids"); fs.mkdirSync(target + "/unified");
      await mountHierarchy({ version: "v1", target: target + "/pids", controllers: ["pids"] });
      await mountHierarchy({ version: "v2", target: target + "/unified" });
      const after = await readCgroupLayout();
      const pids = after.v1.find((h) => h.controllers.includes("pids"));
      out.after = { mountPoints: pids?.mountPoints, mountPoint: pids?.mountPoint, v2: after.v2?.mountPoints };
      out.bad = await mountHierarchy({ version: "v1", target: target + "/pids", controllers: ["nosuchcontroller"] }).then(() => "mounted", (e) => e.code);
      out.missingTarget = await mountHierarchy({ version: "v2", target: target + "/absent" }).then(() => "mounted", (e) => e.code);
      out.target = target;
      console.log(JSON.stringify(out));
    `;
    const target = fs.mkdtempSync("/tmp/cgroupkit-mnt-");
    try {
      const result = spawnSync("unshare", ["-m", "--propagation", "private", process.execPath, "--import", "tsx", "--input-type=module", "-e", step], {
        encoding: "utf8",
        env: { ...process.env, HOST_MNT_NS: fs.readlinkSync("/proc/self/ns/mnt"), MOUNT_TARGET: target },
        timeout: 60_000,
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const out = JSON.parse(result.stdout.trim().split("\n").pop()!);
      if (pidsDir) expect(out.before).toEqual([]);
      expect(out.createWhileMissing).toBe("UnsupportedError");
      expect(out.after.mountPoints).toEqual([`${out.target}/pids`]);
      expect(out.after.mountPoint).toBe(`${out.target}/pids`);
      expect(out.after.v2).toContain(`${out.target}/unified`);
      expect(out.bad).toBe("EINVAL");
      expect(out.missingTarget).toBe("ENOENT");
      // the host's namespace is untouched
      const hostMounts = fs.readFileSync("/proc/self/mountinfo", "utf8");
      expect(hostMounts).not.toContain(out.target);
      if (pidsDir) expect(hostMounts).toContain(` ${pidsDir} `);
    } finally {
      fs.rmdirSync(target); // non-recursive: it is empty on the host unless a mount leaked, and then this fails loudly
    }
  });
});
