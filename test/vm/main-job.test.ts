// The library's main job on a pure cgroup v2 kernel, end to end: a group made with Cgroup.create,
// limits by applyResources, usage by readUsage, the device ACL by applyDevicePolicy, and the built
// CLI's `cgroupkit run`, each checked against the raw files and the kernel's own decisions (a
// process inside opens what the policy allows and gets EPERM for the rest; outside, it gets both).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { applyDevicePolicy, readDevicePolicy } from "../../src/devices/apply.js";
import { queryV2DevicePrograms } from "../../src/devices/ebpf/apply.js";
import { devicePreset } from "../../src/devices/presets.js";
import { applyResources } from "../../src/resources/limits.js";
import { readUsage } from "../../src/resources/usage.js";
import { testName } from "../support/host.js";
import { ROOT, cleanupGroups, exited, keyed, read, spawnIn, track, until } from "./support/v2.js";

const MAIN = path.resolve(import.meta.dirname, "../../dist/cli/cgroupkit.cjs");
const MiB = 1024 * 1024;
/** The VM's null_blk disk: a device no preset allows, which root opens freely outside a group. */
const DENIED = "/dev/nullb0";

afterEach(cleanupGroups);

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build before the VM lane`);
  if (!fs.existsSync(DENIED)) throw new Error(`${DENIED} is missing: the lane loads null_blk`);
});

/** Run `sh -c script` to the end, inside `dir` when given (it joins before the script starts). */
function shell(dir: string | undefined, script: string): { status: number | null; stdout: string; stderr: string } {
  const enter = dir ? `echo $$ > "$0/cgroup.procs" || exit 97; ` : "";
  const r = spawnSync("/bin/sh", ["-c", `${enter}${script}`, dir ?? "sh"], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Reads /dev/zero (allowed), writes /dev/null (allowed), reads the null_blk disk (denied by both presets).
const DEVICE_PROBES = `head -c 1 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok; head -c 1 ${DENIED} > /dev/null; echo "disk status $?"`;

function expectConfined(r: ReturnType<typeof shell>): void {
  expect(r.status).toBe(0);
  expect(r.stdout.split("\n").map((l) => l.trim())).toEqual(["00", "null-ok", "disk status 1", ""]);
  expect(r.stderr).toMatch(new RegExp(`${DENIED}.*Operation not permitted`));
}

describe("the library's main job", () => {
  it("Cgroup.create + applyResources + readUsage + applyDevicePolicy: raw files, usage and the kernel's device decisions agree", async () => {
    const name = testName();
    const cg = await Cgroup.create(name, { controllers: ["memory", "cpu", "pids"] });
    const dir = cg.v2Placement!.dir;
    track(dir);
    expect(dir).toBe(path.join(ROOT, name));
    expect(read(ROOT, "cgroup.subtree_control").split(/\s+/)).toEqual(expect.arrayContaining(["memory", "cpu", "pids"]));

    const applied = await applyResources(cg, {
      memory: { max: BigInt(64 * MiB), high: BigInt(48 * MiB) },
      cpu: { weight: 200, quota: 50_000n, period: 100_000n },
      pids: { max: 32n },
    });
    expect(applied.skipped).toEqual([]);
    const files = { "memory.max": String(64 * MiB), "memory.high": String(48 * MiB), "cpu.weight": "200", "cpu.max": "50000 100000", "pids.max": "32" };
    expect(Object.fromEntries(Object.keys(files).map((f) => [f, read(dir, f).trim()]))).toEqual(files);
    expect(applied.written.map((w) => path.basename(w.path)).sort()).toEqual(Object.keys(files).sort());

    // A process inside: usage reads what the kernel counts for it.
    const sleeper = spawnIn(dir, "exec sleep 600");
    try {
      await until("the sleeper to be in the group", () => read(dir, "cgroup.procs").trim() !== "");
      const usage = await readUsage(cg);
      expect(usage.memory?.max).toBe(BigInt(64 * MiB));
      expect(usage.memory?.current).toBeGreaterThan(0n);
      expect(usage.pids).toMatchObject({ max: 32n, current: BigInt(read(dir, "pids.current").trim()) });
      expect(usage.pids?.current).toBeGreaterThanOrEqual(1n);
      const usecAfter = keyed(dir, "cpu.stat").usage_usec!;
      expect(Number(usage.cpu?.usageUsec)).toBeGreaterThan(0);
      expect(Number(usage.cpu?.usageUsec)).toBeLessThanOrEqual(usecAfter);
    } finally {
      sleeper.kill("SIGKILL");
      await exited(sleeper);
    }

    const result = await applyDevicePolicy(cg, devicePreset("libvirt-lxc"));
    expect(result.mechanism).toBe("ebpf");
    expect(result.dir).toBe(dir);
    if (result.mechanism !== "ebpf") throw new Error("unreachable");
    const attached = queryV2DevicePrograms(dir);
    expect(attached.programs.map((p) => ({ id: p.id, ours: p.ours }))).toEqual([{ id: result.ebpf.programId, ours: true }]);
    expect((await readDevicePolicy(cg)).programs?.map((p) => p.id)).toEqual([result.ebpf.programId]);

    expectConfined(shell(dir, DEVICE_PROBES));
    // The control: outside the group, the same probes all succeed.
    const outside = shell(undefined, DEVICE_PROBES);
    expect({ status: outside.status, stdout: outside.stdout.split("\n").map((l) => l.trim()), stderr: outside.stderr }).toEqual({ status: 0, stdout: ["00", "null-ok", "disk status 0", ""], stderr: "" });

    await cg.remove();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("cgroupkit run --keep: the named group holds the limits and the device program, and the command inside is confined", () => {
    const name = testName();
    track(path.join(ROOT, name));
    const r = spawnSync(
      process.execPath,
      [MAIN, "run", "--json", "--keep", "--name", name, "--memory", "64M", "--pids", "20", "--cpu-quota", "50%", "--devices", "libvirt-lxc", "--", "sh", "-c", `cat /proc/self/cgroup >&2; ${DEVICE_PROBES}`],
      { encoding: "utf8", timeout: 90_000 },
    );
    const stderr = r.stderr.trimEnd().split("\n");
    const summary = JSON.parse(stderr.pop()!);
    expectConfined({ status: r.status, stdout: r.stdout, stderr: stderr.join("\n") });
    expect(summary).toMatchObject({ group: name, status: 0, signal: null, kept: true, oomKilled: false, memory: { max: 64 * MiB, oomKills: 0 }, pids: { max: 20 } });

    // Read the group the summary names; the command ran in it or below it (a driver may add a leaf).
    const dir = path.join(ROOT, summary.group as string);
    // Confined by default: the command's cgroup namespace is rooted at its leaf, so it sees itself at "/";
    // that it runs under the group is shown by the device decisions above (the group's program decides them).
    const ownCgroup = stderr.find((l) => l.startsWith("0::"));
    expect(ownCgroup, "the command's cgroup inside its cgroup namespace").toBe("0::/");
    expect({ memoryMax: read(dir, "memory.max").trim(), pidsMax: read(dir, "pids.max").trim(), cpuMax: read(dir, "cpu.max").trim() }).toEqual({
      memoryMax: String(64 * MiB),
      pidsMax: "20",
      cpuMax: "50000 100000",
    });
    const subtree = [dir, ...fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name))];
    const ours = subtree.flatMap((d) => queryV2DevicePrograms(d).programs.filter((p) => p.ours));
    expect(ours.length).toBeGreaterThanOrEqual(1);
  });

  it("cgroupkit run --memory 32M: a memory hog is OOM-killed (memory.events oom_kill in the summary) and the group is removed", () => {
    const name = testName();
    track(path.join(ROOT, name));
    // tail keeps the whole never-ending line of /dev/zero in memory.
    const r = spawnSync(process.execPath, [MAIN, "run", "--json", "--name", name, "--memory", "32M", "--memory-swap", "32M", "--", "tail", "/dev/zero"], { encoding: "utf8", timeout: 90_000 });
    expect(r.status).toBe(137);
    const summary = JSON.parse(r.stderr.trimEnd().split("\n").pop()!);
    expect(summary).toMatchObject({ group: name, signal: "SIGKILL", oomKilled: true, kept: false, memory: { max: 32 * MiB } });
    expect(summary.memory.oomKills).toBeGreaterThanOrEqual(1);
    expect(summary.memory.peak).toBeGreaterThan(30 * MiB);
    expect(fs.existsSync(path.join(ROOT, name))).toBe(false);
  });
});
