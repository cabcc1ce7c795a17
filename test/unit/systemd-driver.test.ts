// The systemd driver against a fake systemd (FakeSystemd) over a temp-dir cgroup2 tree: what goes on the
// bus, where the pids and files end up, the single-writer guard, and every failure path.
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { judgeDelegation, chooseDriver, isWithinGroup } from "../../src/cgroup/host.js";
import { SingleWriterError, ScopeWriteGuard, writeAllowed } from "../../src/systemd/guard.js";
import { SystemdError } from "../../src/systemd/manager.js";
import { startDelegatedScope, scopeDirOf, checkUnitName, KEEPER_LEAF, PAYLOAD_LEAF } from "../../src/systemd/scope.js";
import { FakeSystemd, FakeTreeFs } from "../support/fake-systemd.js";

let tree: FakeTreeFs;
let systemd: FakeSystemd;
beforeEach(() => {
  tree = new FakeTreeFs();
  systemd = new FakeSystemd(tree);
});
afterEach(() => tree.dispose());

const UNIT = "cgroupkit-run-test.scope";
const start = (extra: Partial<Parameters<typeof startDelegatedScope>[1]> = {}) =>
  startDelegatedScope(systemd, { unit: UNIT, pids: [4242], jobTimeoutMs: 200, ...extra }, { layout: tree.layout(), fs: tree });
const sent = (i = 0) => Object.fromEntries((systemd.calls.filter((c) => c.method === "StartTransientUnit")[i]?.properties ?? []).map(([n, v]) => [n, v.value]));
const read = (rel: string) => fs.readFileSync(`${tree.root}/${rel}`, "utf8");

describe("startDelegatedScope", () => {
  it("starts a delegated scope with the table's properties, moves the pid into the payload leaf and writes the rest there", async () => {
    const scope = await start({ limits: { memory: { max: 64n << 20n }, pids: { max: 0n }, cpu: { weight: 300 } } });
    expect(sent()).toMatchObject({ Delegate: true, Slice: "system.slice", DefaultDependencies: false, PIDs: [4242], MemoryMax: 67108864n, CPUWeight: 300n, MemoryAccounting: true, TasksAccounting: true });
    expect(sent().TasksMax).toBeUndefined();
    expect(scope.controlGroup).toBe(`/system.slice/${UNIT}`);
    expect(scope.dir).toBe(`${tree.root}/system.slice/${UNIT}`);
    expect(read(`system.slice/${UNIT}/${PAYLOAD_LEAF}/cgroup.procs`)).toBe("4242");
    expect(read(`system.slice/${UNIT}/cgroup.subtree_control`)).toBe("+cpuset +cpu +io +memory +pids");
    expect(read(`system.slice/${UNIT}/${PAYLOAD_LEAF}/pids.max`)).toBe("0");
    // the scope's own resource files are systemd's: never written
    expect(read(`system.slice/${UNIT}/memory.max`)).toBe("max\n");
    const writes = scope.fs.log.filter((e) => e.op === "write").map((e) => e.path.slice(scope.dir.length + 1));
    expect(writes).toEqual([`${PAYLOAD_LEAF}/cgroup.procs`, "cgroup.subtree_control", `${PAYLOAD_LEAF}/pids.max`]);
    expect(scope.leaf.name).toBe(`system.slice/${UNIT}/${PAYLOAD_LEAF}`);
    await scope.stop();
    expect(systemd.calls.map((c) => c.method)).toEqual(["StartTransientUnit", "StopUnit", "ResetFailedUnit"]);
    expect(fs.existsSync(scope.dir)).toBe(false);
  });

  it("keep: a keeper process in its own leaf keeps the scope; TasksMax is raised by one for it; stop ends it", async () => {
    const scope = await start({ limits: { pids: { max: 10n } }, keep: true });
    const pids = sent().PIDs as number[];
    expect(pids).toHaveLength(2);
    expect(sent().TasksMax).toBe(11n);
    const keeper = pids[1] as number;
    expect(read(`system.slice/${UNIT}/${KEEPER_LEAF}/cgroup.procs`)).toBe(String(keeper));
    expect(() => process.kill(keeper, 0)).not.toThrow();
    await scope.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(keeper, 0)).toThrow(/ESRCH/);
  });

  it("a failed unit left over under the name: ResetFailedUnit, then one retry", async () => {
    systemd.units.set(UNIT, "failed");
    const scope = await start();
    expect(systemd.calls.map((c) => c.method)).toEqual(["StartTransientUnit", "ResetFailedUnit", "StartTransientUnit"]);
    await scope.stop();
  });

  it("a live unit with the name: unit-exists after the one retry, nothing else touched", async () => {
    systemd.units.set(UNIT, "active");
    const err = await start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as SystemdError).kind).toBe("unit-exists");
    expect((err as SystemdError).message).toMatch(/already exists and is not a failed leftover: choose another unit name/);
    expect(systemd.calls.filter((c) => c.method === "StartTransientUnit")).toHaveLength(2);
    expect(fs.existsSync(`${tree.root}/system.slice/${UNIT}`)).toBe(false);
  });

  it("an older systemd: a limit property it lacks moves into the leaf, an optional one is dropped; both reported", async () => {
    systemd.unknown = new Set(["CPUQuotaPeriodUSec", "CollectMode"]);
    const scope = await start({ limits: { cpu: { quota: 50_000n, period: 100_000n } } });
    expect(scope.dropped).toEqual([
      { property: "CollectMode", outcome: "dropped" },
      { property: "CPUQuotaPeriodUSec", outcome: "leaf" },
      { property: "CPUQuotaPerSecUSec", outcome: "leaf" },
    ]);
    expect(sent(2).CPUQuotaPerSecUSec).toBeUndefined();
    expect(read(`system.slice/${UNIT}/${PAYLOAD_LEAF}/cpu.max`)).toBe("50000 100000");
    await scope.stop();
  });

  it("a property the user asked for with -p and systemd does not know: refused, not dropped", async () => {
    systemd.unknown = new Set(["MemoryMin"]);
    const err = await start({ properties: [["MemoryMin", { signature: "t", value: 1n }]] }).catch((e: unknown) => e);
    expect((err as SystemdError).kind).toBe("unknown-property");
    expect((err as SystemdError).message).toMatch(/MemoryMin.*leave it out or upgrade systemd/);
  });

  it("a start job that fails: unit-failed, the failed unit reset, nothing left", async () => {
    systemd.script = [{ job: "failed" }];
    const err = await start().catch((e: unknown) => e);
    expect((err as SystemdError).kind).toBe("unit-failed");
    expect((err as SystemdError).message).toMatch(/start job ended "failed": see journalctl/);
    expect(systemd.units.has(UNIT)).toBe(false);
  });

  it("a start job past its deadline: job-timeout, and the unit is asked to stop", async () => {
    systemd.script = [{ hang: true }];
    const err = await start({ jobTimeoutMs: 50 }).catch((e: unknown) => e);
    expect((err as SystemdError).kind).toBe("job-timeout");
    expect(systemd.calls.map((c) => c.method)).toContain("StopUnit");
  });

  it("access denied and no bus pass through as typed errors", async () => {
    systemd.script = [{ error: new SystemdError("access-denied", "StartTransientUnit x: systemd said org.freedesktop.DBus.Error.AccessDenied") }];
    await expect(start()).rejects.toMatchObject({ kind: "access-denied", code: "ERR_SYSTEMD_ACCESS_DENIED" });
  });

  it("a leaf that cannot be set up stops the scope again (nothing half made)", async () => {
    const err = await start({ limits: { memory: { oomKillDisable: true } } }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/oomKillDisable/);
    expect(systemd.units.has(UNIT)).toBe(false);
    expect(fs.existsSync(`${tree.root}/system.slice/${UNIT}`)).toBe(false);
  });

  it("stop removes sub-groups systemd left behind, bottom-up", async () => {
    systemd.leaveSubgroups = true;
    const scope = await start();
    await scope.stop();
    expect(fs.existsSync(`${scope.dir}/${PAYLOAD_LEAF}`)).toBe(false);
  });

  it("refuses bad unit names, slices and pids before any call", async () => {
    await expect(start({ unit: "bad/name.scope" })).rejects.toThrow(/unit name/);
    await expect(start({ slice: "nope" })).rejects.toThrow(/\.slice/);
    await expect(start({ pids: [] })).rejects.toThrow(/PIDs/);
    expect(systemd.calls).toEqual([]);
    expect(() => checkUnitName("a-b.slice", ".slice")).not.toThrow();
  });
});

describe("the single-writer guard", () => {
  const dir = "/sys/fs/cgroup/system.slice/x.scope";
  it("allows only the scope's delegation files and anything inside its sub-groups", () => {
    expect(writeAllowed(dir, `${dir}/cgroup.procs`, "write")).toBe(true);
    expect(writeAllowed(dir, `${dir}/cgroup.subtree_control`, "write")).toBe(true);
    expect(writeAllowed(dir, `${dir}/payload/memory.max`, "write")).toBe(true);
    expect(writeAllowed(dir, `${dir}/payload`, "mkdir")).toBe(true);
    for (const f of ["memory.max", "pids.max", "cgroup.kill", "cgroup.freeze", "cpu.max"]) expect(writeAllowed(dir, `${dir}/${f}`, "write")).toBe(false);
    expect(writeAllowed(dir, "/sys/fs/cgroup/system.slice/cgroup.subtree_control", "write")).toBe(false);
    expect(writeAllowed(dir, `${dir}/../y.scope/memory.max`, "write")).toBe(false);
    expect(writeAllowed(dir, dir, "rmdir")).toBe(false);
  });

  it("throws SingleWriterError before the write reaches the filesystem", async () => {
    const guard = new ScopeWriteGuard(tree, `${tree.root}/system.slice`);
    await expect(guard.writeFile(`${tree.root}/system.slice/memory.max`, "1")).rejects.toBeInstanceOf(SingleWriterError);
    expect(read("system.slice/memory.max")).toBe("max\n");
    expect(guard.log).toEqual([]);
  });
});

describe("host detection", () => {
  const stat = (uid: number) => ({ isDirectory: true, isSymbolicLink: false, mode: 0o755, uid, gid: uid });
  const files = ["cgroup.procs", "cgroup.subtree_control"];
  it("another uid: delegated when it owns the directory and every delegation file", () => {
    const owned = new Map([["", stat(1000)], ["cgroup.procs", stat(1000)], ["cgroup.subtree_control", stat(1000)]]);
    expect(judgeDelegation("/user.slice/u.scope/a", 1000, "/user.slice/x", files, owned).delegated).toBe(true);
    const partly = new Map([["", stat(1000)], ["cgroup.procs", stat(0)], ["cgroup.subtree_control", stat(1000)]]);
    expect(judgeDelegation("/a", 1000, "/", files, partly)).toEqual({ delegated: false, reason: "/a/cgroup.procs is owned by uid 0, not 1000" });
  });
  it("root: only inside its own, non-root group", () => {
    const any = new Map([["", stat(0)]]);
    expect(judgeDelegation("/system.slice/c.scope/sub", 0, "/system.slice/c.scope", files, any).delegated).toBe(true);
    expect(judgeDelegation("/cgroupkit-run-1", 0, "/system.slice/c.scope", files, any).delegated).toBe(false);
    expect(judgeDelegation("/x", 0, "/", files, any).delegated).toBe(false);
    expect(isWithinGroup("/a/bc", "/a/b")).toBe(false);
  });
  it("auto: systemd on a systemd v2 host unless the target is delegated", () => {
    const v2 = tree.layout();
    expect(chooseDriver("auto", { systemd: true, layout: v2 }, { delegation: { delegated: false, reason: "" } })).toBe("systemd");
    expect(chooseDriver("auto", { systemd: true, layout: v2 }, { delegation: { delegated: true, reason: "" } })).toBe("cgroupfs");
    expect(chooseDriver("auto", { systemd: false, layout: v2 }, undefined)).toBe("cgroupfs");
    expect(chooseDriver("systemd", { systemd: false, layout: v2 }, undefined)).toBe("systemd");
  });
  it("scopeDirOf takes ControlGroup under the mount, refusing a path outside it", () => {
    expect(scopeDirOf(tree.layout(), "/system.slice/a.scope")).toBe(`${tree.root}/system.slice/a.scope`);
    expect(() => scopeDirOf(tree.layout(), "/")).toThrow(/not below/);
  });
});

describe("sliceForGroup", () => {
  it("maps group paths onto systemd's slice names, escaping as systemd-escape does", async () => {
    const { sliceForGroup } = await import("../../src/systemd/scope.js");
    expect(sliceForGroup("batch/job1")).toBe("batch-job1.slice");
    expect(sliceForGroup("web")).toBe("web.slice");
    expect(sliceForGroup("cgroupkit-test-1")).toBe("cgroupkit\\x2dtest\\x2d1.slice");
    expect(sliceForGroup("my-app.slice")).toBe("my-app.slice");
    expect(sliceForGroup(".hidden")).toBe("\\x2ehidden.slice");
  });
});
