// The VM is the host the systemd driver is for: systemd as PID 1 on pure cgroup v2, a system bus,
// transient scopes with Delegate=yes over raw D-Bus, a delegated subtree that survives
// daemon-reload, and a user manager for uid 1000. Only systemd's own tools here, no cgroupkit.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CGROUP_ROOT,
  TEST_RUNTIME_DIR,
  TEST_UID,
  cgroupDirsBelow,
  leftoverCgroupkitState,
  run,
  showUnit,
  startSleeper,
  startTransientUnit,
  testUnitName,
  testUser,
  unitCgroupDir,
  userBusEnv,
  waitFor,
} from "./support/systemd.js";

const CGROUP2_SUPER_MAGIC = 0x63677270;
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8").trim();
const words = (dir: string, file: string) => read(dir, file).split(/\s+/).filter(Boolean).sort();

const sleepers: ChildProcess[] = [];
const units: { name: string; user?: boolean }[] = [];

afterEach(() => {
  for (const s of sleepers.splice(0)) s.kill("SIGKILL");
  for (const { name, user } of units.splice(0)) {
    const opts = user ? { as: testUser(), env: userBusEnv() } : {};
    const flag = user ? ["--user"] : [];
    try {
      run("systemctl", [...flag, "stop", name], opts);
    } catch {
      /* already gone */
    }
    try {
      run("systemctl", [...flag, "reset-failed", name], opts);
    } catch {
      /* not failed */
    }
  }
});

/** Start `name` as a transient scope holding a fresh sleep, and wait until systemd says it is active. */
async function startScope(name: string, extra: Parameters<typeof startTransientUnit>[1], user = false) {
  const sleeper = startSleeper(user ? testUser() : undefined);
  sleepers.push(sleeper);
  units.push({ name, user });
  const job = startTransientUnit(name, [["PIDs", "au", 1, sleeper.pid!], ["Delegate", "b", true], ...extra], { user });
  expect(job).toMatch(/^\/org\/freedesktop\/systemd1\/job\/\d+$/);
  const props = await waitFor(`${name} to be active`, () => {
    const p = showUnit(name, ["ActiveState", "ControlGroup", "Delegate", "DelegateControllers", "MemoryMax"], { user });
    return p.ActiveState === "active" && p.ControlGroup ? p : undefined;
  });
  return { pid: sleeper.pid!, props, dir: unitCgroupDir(props.ControlGroup!) };
}

describe("the VM's host", () => {
  it("has systemd as PID 1, in the running state with no failed units", () => {
    expect(fs.readFileSync("/proc/1/comm", "utf8").trim()).toBe("systemd");
    expect(fs.existsSync("/run/systemd/system")).toBe(true);
    const state = run("systemctl", ["is-system-running"], { timeoutMs: 30_000 }).trim();
    const failed = run("systemctl", ["--failed", "--no-legend", "--plain"]).trim();
    expect({ state, failed }).toEqual({ state: "running", failed: "" });
  });

  it("is pure cgroup v2: one cgroup2 mount at /sys/fs/cgroup with the controllers the driver maps", () => {
    expect(fs.statfsSync(CGROUP_ROOT).type).toBe(CGROUP2_SUPER_MAGIC);
    const cgroupMounts = fs
      .readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter((l) => / - cgroup2? /.test(l));
    expect(cgroupMounts.map((l) => l.split(" ")[4])).toEqual([CGROUP_ROOT]);
    expect(words(CGROUP_ROOT, "cgroup.controllers")).toEqual(expect.arrayContaining(["cpu", "cpuset", "io", "memory", "pids"]));
    // The suite itself runs where the lane put it.
    expect(fs.readFileSync("/proc/self/cgroup", "utf8").trim()).toBe("0::/system.slice/ci.service");
  });

  it("answers on the system bus: the manager's version, and the bus daemon is an active unit", () => {
    expect(fs.statSync("/run/dbus/system_bus_socket").isSocket()).toBe(true);
    const version = run("busctl", ["get-property", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "Version"]);
    expect(version.trim()).toMatch(/^s "\d+/);
    const bus = showUnit("dbus.service", ["Id", "ActiveState"]);
    expect(bus.Id).toMatch(/^dbus(-broker)?\.service$/);
    expect(bus.ActiveState).toBe("active");
  });
});

describe("a transient scope with Delegate=yes over raw D-Bus", () => {
  it("lands where ControlGroup says, with its MemoryMax in the scope's memory.max", async () => {
    const name = testUnitName("scope");
    const { pid, props, dir } = await startScope(name, [["MemoryMax", "t", 64 * 1024 * 1024]]);
    expect(props.Delegate).toBe("yes");
    expect(props.MemoryMax).toBe(String(64 * 1024 * 1024));
    expect(props.ControlGroup).toBe(`/system.slice/${name}`);
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim()).toBe(`0::${props.ControlGroup}`);
    expect(read(dir, "memory.max")).toBe(String(64 * 1024 * 1024));
    expect(words(dir, "cgroup.procs")).toEqual([String(pid)]);
    // Delegated: the controllers systemd gave it reach the scope.
    expect(words(dir, "cgroup.controllers")).toEqual(expect.arrayContaining(["memory", "pids"]));
    // The suite's leftover check (support/leftovers.ts) sees a live test unit and its cgroup...
    expect(leftoverCgroupkitState()).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^unit ${name.replace(/\./g, "\\.")} `)), `cgroup ${dir}`]));

    run("systemctl", ["stop", name]);
    // ...and nothing of it once stopped.
    await waitFor(`${name} to be gone`, () => (leftoverCgroupkitState().some((l) => l.includes(name)) ? undefined : true));
    await waitFor(`${name} to be gone`, () => (showUnit(name, ["LoadState"]).LoadState === "not-found" || !fs.existsSync(dir) ? true : undefined));
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("delegates its subtree: a leaf and a limited sub-cgroup are ours, and daemon-reload and set-property leave them alone", async () => {
    const name = testUnitName("scope");
    const { pid, dir } = await startScope(name, [["MemoryMax", "t", 64 * 1024 * 1024]]);
    const leaf = path.join(dir, "leaf");
    const sub = path.join(dir, "sub");
    fs.mkdirSync(leaf);
    // No internal processes: the pid moves to a leaf before the scope enables controllers for its children.
    fs.writeFileSync(path.join(leaf, "cgroup.procs"), String(pid));
    fs.writeFileSync(path.join(dir, "cgroup.subtree_control"), "+memory +pids");
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, "memory.max"), String(32 * 1024 * 1024));
    fs.writeFileSync(path.join(sub, "pids.max"), "17");
    const before = {
      leafProcs: words(leaf, "cgroup.procs"),
      subtreeControl: words(dir, "cgroup.subtree_control"),
      subMemoryMax: read(sub, "memory.max"),
      subPidsMax: read(sub, "pids.max"),
      scopeProcs: words(dir, "cgroup.procs"),
    };
    expect(before).toEqual({ leafProcs: [String(pid)], subtreeControl: ["memory", "pids"], subMemoryMax: String(32 * 1024 * 1024), subPidsMax: "17", scopeProcs: [] });

    run("systemctl", ["daemon-reload"], { timeoutMs: 90_000 });
    expect(showUnit(name, ["ActiveState"]).ActiveState).toBe("active");
    expect({
      leafProcs: words(leaf, "cgroup.procs"),
      subtreeControl: words(dir, "cgroup.subtree_control"),
      subMemoryMax: read(sub, "memory.max"),
      subPidsMax: read(sub, "pids.max"),
      scopeProcs: words(dir, "cgroup.procs"),
    }).toEqual(before);

    // systemd rewrites its own file of the scope, and still not ours.
    run("systemctl", ["set-property", "--runtime", name, "MemoryMax=128M"]);
    expect(read(dir, "memory.max")).toBe(String(128 * 1024 * 1024));
    expect({ subMemoryMax: read(sub, "memory.max"), subPidsMax: read(sub, "pids.max"), leafProcs: words(leaf, "cgroup.procs") }).toEqual({
      subMemoryMax: before.subMemoryMax,
      subPidsMax: before.subPidsMax,
      leafProcs: before.leafProcs,
    });

    // Stopping the scope takes its whole subtree, ours included.
    run("systemctl", ["stop", name]);
    await waitFor(`${dir} to be removed`, () => (fs.existsSync(dir) ? undefined : true));
    for (const d of [leaf, sub]) expect(fs.existsSync(d)).toBe(false);
  });
});

describe("the user manager for uid 1000", () => {
  it("starts, runs its own bus, and gives a delegated scope owned by the user under user@1000.service", async () => {
    const user = testUser();
    run("systemctl", ["start", `user@${TEST_UID}.service`], { timeoutMs: 90_000 });
    const manager = showUnit(`user@${TEST_UID}.service`, ["ActiveState", "Delegate", "ControlGroup"]);
    expect(manager).toMatchObject({ ActiveState: "active", Delegate: "yes" });
    const bus = fs.statSync(path.join(TEST_RUNTIME_DIR, "bus"));
    expect({ socket: bus.isSocket(), uid: bus.uid }).toEqual({ socket: true, uid: TEST_UID });
    const state = run("systemctl", ["--user", "is-system-running", "--wait"], { as: user, env: userBusEnv(), timeoutMs: 60_000 }).trim();
    expect(state).toBe("running");
    run("busctl", ["--user", "status"], { as: user, env: userBusEnv() });

    const name = testUnitName("scope");
    const { pid, props, dir } = await startScope(name, [["MemoryMax", "t", 64 * 1024 * 1024]], true);
    expect(props.ControlGroup).toBe(`${manager.ControlGroup}/app.slice/${name}`);
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim()).toBe(`0::${props.ControlGroup}`);
    expect(fs.statSync(dir).uid).toBe(TEST_UID);
    expect(read(dir, "memory.max")).toBe(String(64 * 1024 * 1024));
    // Only what user@.service delegates reaches a user's scope.
    expect(words(dir, "cgroup.controllers")).toEqual(expect.arrayContaining(["memory", "pids"]));
    expect(cgroupDirsBelow(dir)).toEqual([]);
  });
});
