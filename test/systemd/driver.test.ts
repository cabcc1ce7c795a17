// The library's systemd driver against the real systemd (PID 1) in the lane's VM: the scope is
// checked with systemctl and the raw cgroup files, never through cgroupkit.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { inspectTarget, readHostInfo } from "../../src/cgroup/host.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { connectSystemd, SystemdError, type SystemdManager } from "../../src/systemd/manager.js";
import { KEEPER_LEAF, PAYLOAD_LEAF, startDelegatedScope, type DelegatedScope } from "../../src/systemd/scope.js";
import { run, showUnit, startSleeper, testUnitName, unitCgroupDir, waitFor } from "./support/systemd.js";

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8").trim();
const sleepers: ChildProcess[] = [];
const scopes: DelegatedScope[] = [];
let manager: SystemdManager | undefined;

afterEach(async () => {
  for (const s of scopes.splice(0)) await s.stop().catch(() => undefined);
  for (const s of sleepers.splice(0)) s.kill("SIGKILL");
  manager?.close();
  manager = undefined;
});

async function connect(): Promise<SystemdManager> {
  manager = await connectSystemd();
  return manager;
}

/** Records every inotify change under the scope's directory from its first mkdir by the driver. */
function watchingFs(events: string[]): CgroupFs {
  let watching = false;
  return Object.assign(Object.create(nodeCgroupFs), {
    mkdir: async (p: string) => {
      if (!watching) {
        watching = true;
        const scopeDir = path.dirname(p);
        const w = fs.watch(scopeDir, (_type, file) => events.push(String(file)));
        setTimeout(() => w.close(), 20_000).unref();
      }
      return nodeCgroupFs.mkdir(p);
    },
  }) as CgroupFs;
}

describe("systemd driver (library)", () => {
  it("host detection: systemd is PID 1, this process is in ci.service, a new top-level group is not delegated", async () => {
    const host = await readHostInfo();
    expect(host.systemd).toBe(true);
    expect(host.layout.kind).toBe("v2");
    expect(host.ownCgroup).toBe("/system.slice/ci.service");
    const target = await inspectTarget("cgroupkit-x", host);
    expect(target).toMatchObject({ exists: false, existingDir: "/sys/fs/cgroup", delegation: { delegated: false } });
    expect(target!.reachable).toEqual(expect.arrayContaining(["memory", "pids", "cpu"]));
  });

  it("a delegated scope with the limits as properties, the pid in the payload leaf, and no write to the scope's own files", async () => {
    const m = await connect();
    const sleeper = startSleeper();
    sleepers.push(sleeper);
    const unit = testUnitName("scope");
    const events: string[] = [];
    const scope = await startDelegatedScope(
      m,
      { unit, pids: [sleeper.pid!], limits: { memory: { max: 64n << 20n, high: 48n << 20n }, pids: { max: 40n }, cpu: { weight: 200, quota: 50_000n, period: 100_000n } }, keep: true },
      { layout: await readCgroupLayout(), fs: watchingFs(events) },
    );
    scopes.push(scope);
    const shown = showUnit(unit, ["ActiveState", "Delegate", "ControlGroup", "MemoryMax", "MemoryHigh", "TasksMax", "CPUWeight", "CPUQuotaPerSecUSec", "Slice"]);
    expect(shown).toMatchObject({ ActiveState: "active", Delegate: "yes", MemoryMax: "67108864", MemoryHigh: "50331648", TasksMax: "41", CPUWeight: "200", CPUQuotaPerSecUSec: "500ms", Slice: "system.slice" });
    expect(scope.controlGroup).toBe(shown.ControlGroup);
    const dir = unitCgroupDir(shown.ControlGroup!);
    expect(scope.dir).toBe(dir);
    // systemd wrote the scope's files; cgroupkit wrote only inside the leaves
    expect(read(dir, "memory.max")).toBe("67108864");
    expect(read(dir, "pids.max")).toBe("41");
    expect(read(dir, "cpu.max")).toBe("50000 100000");
    expect(read(dir, "cgroup.procs")).toBe("");
    expect(read(path.join(dir, PAYLOAD_LEAF), "cgroup.procs")).toBe(String(sleeper.pid));
    expect(read(path.join(dir, KEEPER_LEAF), "cgroup.procs")).toMatch(/^\d+$/);
    expect(read(path.join(dir, PAYLOAD_LEAF), "memory.max")).toBe("max");
    expect(read(dir, "cgroup.subtree_control").split(" ")).toEqual(expect.arrayContaining(["memory", "pids", "cpu"]));
    await new Promise((r) => setTimeout(r, 300));
    // inotify sees every write(2) to the scope's own files; *.events change by the kernel's own notification.
    const scopeOwn = [...new Set(events.filter((f) => f !== PAYLOAD_LEAF && f !== KEEPER_LEAF && !f.endsWith(".events")))];
    expect(scopeOwn).toEqual(["cgroup.subtree_control"]);
    expect(scope.fs.log.filter((e) => e.op === "write" && path.dirname(e.path) === dir).map((e) => path.basename(e.path))).toEqual(["cgroup.subtree_control"]);

    await scope.stop();
    scopes.length = 0;
    expect(fs.existsSync(dir)).toBe(false);
    expect(showUnit(unit, ["LoadState", "ActiveState"])).toMatchObject({ ActiveState: "inactive" });
    await waitFor("the sleeper to be killed by the stop", () => (sleeper.exitCode !== null || sleeper.signalCode !== null ? true : undefined), 10_000);
  });

  it("unit name taken by a live unit: unit-exists, the other unit untouched; a failed leftover is reset and reused", async () => {
    const m = await connect();
    const a = startSleeper();
    const b = startSleeper();
    sleepers.push(a, b);
    const unit = testUnitName("scope");
    const first = await startDelegatedScope(m, { unit, pids: [a.pid!] }, { layout: await readCgroupLayout() });
    scopes.push(first);
    const err = await startDelegatedScope(m, { unit, pids: [b.pid!] }, { layout: await readCgroupLayout() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as SystemdError).kind).toBe("unit-exists");
    expect(showUnit(unit, ["ActiveState"]).ActiveState).toBe("active");
    expect(read(first.leaf.placements[0]!.dir, "cgroup.procs")).toBe(String(a.pid));

    // a failed unit of another name, left over: made by systemd-run, killed so it fails
    const failedUnit = testUnitName("scope");
    const c = startSleeper();
    sleepers.push(c);
    run("busctl", ["call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))", failedUnit, "fail", "1", "PIDs", "au", "1", String(c.pid), "0"]);
    await waitFor("the helper scope active", () => (showUnit(failedUnit, ["ActiveState"]).ActiveState === "active" ? true : undefined));
    run("systemctl", ["kill", "--signal=SIGKILL", failedUnit]);
    await waitFor("the helper scope failed", () => (showUnit(failedUnit, ["ActiveState"]).ActiveState === "failed" ? true : undefined));
    const d = startSleeper();
    sleepers.push(d);
    const reused = await startDelegatedScope(m, { unit: failedUnit, pids: [d.pid!] }, { layout: await readCgroupLayout() });
    scopes.push(reused);
    expect(showUnit(failedUnit, ["ActiveState", "Delegate"])).toMatchObject({ ActiveState: "active", Delegate: "yes" });
  });

  it("a property systemd refuses: a clear error and nothing left", async () => {
    const m = await connect();
    const s = startSleeper();
    sleepers.push(s);
    const unit = testUnitName("scope");
    const err = await startDelegatedScope(m, { unit, pids: [s.pid!], properties: [["MemoryMax", { signature: "s", value: "lots" }]] }, { layout: await readCgroupLayout() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as Error).message).toMatch(new RegExp(`StartTransientUnit ${unit.replace(/\./g, "\\.")}: systemd said org\\.freedesktop\\.DBus\\.Error\\.`));
    expect(showUnit(unit, ["LoadState"]).LoadState).toBe("not-found");
  });

  it("D-Bus socket absent: no-bus, with the way out", async () => {
    const err = await connectSystemd({ address: "unix:path=/run/dbus/cgroupkit-no-such-socket", callTimeoutMs: 5000 }).catch((e: unknown) => e);
    expect((err as SystemdError).kind).toBe("no-bus");
    expect((err as Error).message).toMatch(/cgroupkit-no-such-socket \(ENOENT\).*--driver cgroupfs/);
  });
});
