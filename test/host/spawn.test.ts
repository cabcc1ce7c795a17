// spawnInGroup on the host's real hierarchies (as root): the command is in the group before its
// first instruction, stdio/exit/kill behave like Node's ChildProcess, a failed join or a missing
// command is a typed error and nothing ran, confinement works through the library too, and a
// custom join (what a systemd scope driver passes) is called with the waiting pid.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { CommandNotFoundError, SpawnAbortedError, SpawnJoinError, spawnInGroup } from "../../src/process/spawn.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && ["memory", "pids"].every((c) => hierarchyFor(layout, c)?.mountPoint);
const made: string[] = [];

afterEach(() => {
  for (const name of made.splice(0)) for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${name}`);
});

async function group(): Promise<Cgroup> {
  const name = testName();
  made.push(name);
  return Cgroup.create(name, { layout, controllers: ["memory", "pids"] });
}

async function text(stream: NodeJS.ReadableStream | null): Promise<string> {
  let out = "";
  for await (const chunk of stream!) out += String(chunk);
  return out;
}

describe.runIf(usable)("spawnInGroup (host, as root)", { timeout: 60_000 }, () => {
  it("the command reads its own /proc/self/cgroup as the group first thing; stdio pipes, pid and the exit promise", async () => {
    const cg = await group();
    const child = await spawnInGroup(cg, "sh", ["-c", "cat /proc/self/cgroup; cat; exit 7"]);
    expect(child.pid).toBeGreaterThan(0);
    expect(await cg.procs()).toContain(child.pid);
    child.stdin!.end("from stdin\n");
    const [stdout, exit] = await Promise.all([text(child.stdout), child.exited]);
    expect(stdout).toMatch(new RegExp(`^\\d+:memory:/${cg.name}$`, "m"));
    expect(stdout).toMatch(new RegExp(`^\\d+:pids:/${cg.name}$`, "m"));
    expect(stdout).toContain("from stdin\n");
    expect(exit).toEqual({ status: 7, code: 7, signal: null });
    expect(child.exitStatus).toEqual(exit);
    expect(child.confined).toBe(false);
  });

  it("kill: the exit reports the signal; kill after the end is false", async () => {
    const cg = await group();
    const child = await spawnInGroup(cg, "sleep", ["30"], { stdio: "ignore" });
    expect(child.kill("SIGTERM")).toBe(true);
    expect(await child.exited).toEqual({ status: 143, code: null, signal: "SIGTERM" });
    expect(child.kill()).toBe(false);
  });

  it("a failed join is SpawnJoinError and the command never ran", async () => {
    const cg = await group();
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cgk-spawn-")), "ran");
    await cg.remove();
    const error = await spawnInGroup(cg, "touch", [marker]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnJoinError);
    expect((error as SpawnJoinError).message).toMatch(new RegExp(`^could not move the command into ${cg.name}: .*ENOENT.*; it was not started$`));
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("a missing command is CommandNotFoundError; an aborted start never runs it", async () => {
    const cg = await group();
    await expect(spawnInGroup(cg, "no-such-command-cgroupkit")).rejects.toBeInstanceOf(CommandNotFoundError);
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cgk-spawn-")), "ran");
    const controller = new AbortController();
    const aborted = spawnInGroup({ label: "custom", join: async () => controller.abort() }, "touch", [marker], { signal: controller.signal });
    await expect(aborted).rejects.toBeInstanceOf(SpawnAbortedError);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("a custom join gets the waiting pid and decides where it runs", async () => {
    const cg = await group();
    const joined: number[] = [];
    const child = await spawnInGroup({ label: "scope", join: async (pid) => { joined.push(pid); await cg.attach(pid); } }, "sh", ["-c", "cat /proc/self/cgroup"], { stdio: ["ignore", "pipe", "inherit"] });
    expect(joined).toEqual([child.pid]);
    expect(await text(child.stdout)).toMatch(new RegExp(`^\\d+:memory:/${cg.name}$`, "m"));
  });

  it("confine: a cgroup namespace at the group, cgroupfs read-only, CAP_SYS_ADMIN gone from the bounding set", async () => {
    const cg = await group();
    const memory = hierarchyFor(layout!, "memory")!.mountPoint!;
    const child = await spawnInGroup(cg, "sh", ["-c", `grep :memory: /proc/self/cgroup; echo $$ > ${memory}/cgroup.procs || echo refused; grep CapBnd /proc/self/status`], { confine: true, stdio: ["ignore", "pipe", "pipe"] });
    const [stdout, stderr] = await Promise.all([text(child.stdout), text(child.stderr)]);
    expect(child.confined).toBe(true);
    expect(stdout).toMatch(/^\d+:memory:\/$/m);
    expect(stdout).toContain("refused\n");
    expect(stderr).toMatch(/Read-only file system/);
    const bounding = BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(stdout)![1]}`);
    for (const cap of [21n /* sys_admin */, 19n /* sys_ptrace */, 16n /* sys_module */, 17n /* sys_rawio */]) expect(bounding & (1n << cap)).toBe(0n);
    expect(bounding & (1n << 27n) /* mknod stays */).not.toBe(0n);
  });
});
