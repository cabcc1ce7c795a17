// Cross-version limits and usage on the host's real hierarchies (v1 here), under a test-owned prefix.
import { spawn } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources, ResourceApplyError } from "../../src/resources/limits.js";
import { readUsage } from "../../src/resources/usage.js";
import { InvalidValueError, UnsupportedError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { isRoot, removeTree, testName, v1Hierarchy } from "../support/host.js";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"] as const;
const usable = isRoot && CONTROLLERS.every((c) => v1Hierarchy(c));
const created: string[] = [];

afterEach(() => {
  for (const name of created.splice(0)) for (const c of CONTROLLERS) removeTree(`/sys/fs/cgroup/${c}/${name.split("/")[0]}`);
});

async function group(fs = nodeCgroupFs): Promise<Cgroup> {
  const name = `${testName()}/c1`;
  created.push(name);
  const layout = await readCgroupLayout();
  return Cgroup.create(name, { controllers: CONTROLLERS, fs, layout: { ...layout, v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") } });
}

const read = (controller: string, name: string, file: string) => fs.readFileSync(`/sys/fs/cgroup/${controller}/${name}/${file}`, "utf8").trim();

describe.runIf(usable)("applyResources on cgroup v1", () => {
  it("costs one read (the old value, which also proves the file is there) and one write per file, all checks first; the last file is only stat'ed (nothing after it can fail)", async () => {
    const spy = new FaultInjectingFs(nodeCgroupFs);
    const cg = await group(spy);
    spy.clearLog();
    await applyResources(cg, { memory: { max: 64n << 20n }, cpu: { weight: 200 } });
    expect(spy.log.map((c) => `${c.op} ${c.path.split("/").pop()}`)).toEqual([
      "read memory.limit_in_bytes",
      "stat cpu.shares",
      "write memory.limit_in_bytes",
      "write cpu.shares",
    ]);
  });

  it("writes memory, memory+swap, cpu weight as shares, quota and pids, converted", async () => {
    const cg = await group();
    const result = await applyResources(cg, {
      memory: { max: 64n << 20n, swap: 32n << 20n },
      cpu: { weight: 200, quota: 50000n, period: 100000n },
      pids: { max: 100n },
    });
    expect(read("memory", cg.name, "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(read("memory", cg.name, "memory.memsw.limit_in_bytes")).toBe(String(96 << 20));
    expect(read("cpu", cg.name, "cpu.shares")).toBe("2048");
    expect(read("cpu", cg.name, "cpu.cfs_quota_us")).toBe("50000");
    expect(read("pids", cg.name, "pids.max")).toBe("100");
    // memsw was unlimited, so the memory limit could go first.
    expect(result.written.map((w) => w.path.split("/").pop())).toEqual([
      "memory.limit_in_bytes",
      "memory.memsw.limit_in_bytes",
      "cpu.shares",
      "cpu.cfs_period_us",
      "cpu.cfs_quota_us",
      "pids.max",
    ]);
    // Raising the limit above the current memsw must raise memsw first, or the kernel refuses limit > memsw.
    const raised = await applyResources(cg, { memory: { max: 128n << 20n, swap: 0n } });
    expect(raised.written.map((w) => w.path.split("/").pop())).toEqual(["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]);
    expect(read("memory", cg.name, "memory.limit_in_bytes")).toBe(String(128 << 20));
    // Lowering goes limit first, or memsw would drop below the limit.
    const lowered = await applyResources(cg, { memory: { max: 16n << 20n, swap: 0n } });
    expect(lowered.written.map((w) => w.path.split("/").pop())).toEqual(["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]);
    expect(read("memory", cg.name, "memory.memsw.limit_in_bytes")).toBe(String(16 << 20));
  });

  it("refuses an invalid value before any write", async () => {
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const cg = await group(faulty);
    faulty.clearLog();
    await expect(applyResources(cg, { memory: { max: 64n << 20n }, cpu: { weight: 0 } })).rejects.toThrow(InvalidValueError);
    expect(faulty.writes).toEqual([]);
  });

  it("a file the kernel lacks is an error before any write, or skipped on request", async () => {
    const cg = await group();
    await expect(applyResources(cg, { pids: { max: 5n }, hugetlb: { "2MB": 0n } })).rejects.toThrow(UnsupportedError);
    expect(read("pids", cg.name, "pids.max")).toBe("max");
  });

  it("a write failing midway restores the earlier writes", async () => {
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const cg = await group(faulty);
    faulty.failNext("write", /pids\.max$/, "EINVAL");
    const err = await applyResources(cg, { memory: { max: 64n << 20n }, cpu: { shares: 512n }, pids: { max: 10n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceApplyError);
    expect((err as ResourceApplyError).code).toBe("EINVAL");
    expect((err as ResourceApplyError).restored).toHaveLength(2);
    expect(BigInt(read("memory", cg.name, "memory.limit_in_bytes"))).toBeGreaterThan(1n << 60n);
    expect(read("cpu", cg.name, "cpu.shares")).toBe("1024");
  });
});

describe.runIf(usable)("readUsage on cgroup v1", () => {
  it("reports memory, cpu and pids of a process that ran in the group", async () => {
    const cg = await group();
    await applyResources(cg, { pids: { max: 50n } });
    const child = spawn("sh", ["-c", 'read _; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; x=$(head -c 8000000 /dev/zero | tr "\\0" a); echo ${#x}'], { stdio: ["pipe", "pipe", "inherit"] });
    await cg.attach(child.pid!);
    child.stdin!.end("go\n");
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    await once(child, "exit");
    expect(out.trim()).toBe("8000000");
    const usage = await readUsage(cg);
    expect(usage.memory!.peak!).toBeGreaterThan(8_000_000n);
    expect(usage.memory!.oomKills).toBe(0n);
    expect(usage.cpu!.usageUsec).toBeGreaterThan(10_000n);
    expect(usage.pids!.max).toBe(50n);
    expect(usage.pids!.peak!).toBeGreaterThanOrEqual(1n);
  });
});
