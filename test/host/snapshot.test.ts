// The snapshot reader on the host's real hierarchies: fresh values from one pread per file, groups
// that go away mid-snapshot, missing files, its cost report, closing, and the same results through
// a non-node CgroupFs. The syscall count is checked with strace on a child process.
import { MemoryV2 } from "../../generated/index.js";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { openUsageSnapshot, readUsage } from "../../src/resources/usage.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { openSnapshot } from "../../src/runtime/snapshot.js";
import { isRoot, removeTree, testName, v1Hierarchy, v2Mount } from "../support/host.js";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"] as const;
const usable = isRoot && CONTROLLERS.every((c) => v1Hierarchy(c));
const ROOT = path.resolve(import.meta.dirname, "../..");
const prefixes: string[] = [];

afterEach(() => {
  for (const prefix of prefixes.splice(0)) {
    for (const c of CONTROLLERS) removeTree(`${v1Hierarchy(c)}/${prefix}`);
    const v2 = v2Mount();
    if (v2) removeTree(`${v2}/${prefix}`);
  }
});

let layout: CgroupLayout | undefined;
async function groups(n: number, fsImpl: CgroupFs = nodeCgroupFs): Promise<Cgroup[]> {
  layout ??= await readCgroupLayout();
  const prefix = testName();
  prefixes.push(prefix);
  const out: Cgroup[] = [];
  for (let i = 0; i < n; i++) out.push(await Cgroup.create(`${prefix}/g${i}`, { controllers: CONTROLLERS, layout, fs: fsImpl }));
  return out;
}

const openFds = () => fs.readdirSync("/proc/self/fd").length;

describe.runIf(usable)("openSnapshot on the host", () => {
  it("re-reads fresh values with the files kept open, and reports its cost", async () => {
    const gs = await groups(3);
    const snap = await openSnapshot(gs, (cg) => ({ limit: cg.v1.memory!.limitInBytes, shares: cg.v1.cpu!.shares, pids: cg.v1.pids!.current }));
    const first = await snap.refresh();
    expect(first.groups.map((g) => [g.gone, g.values.shares, g.values.pids, g.missing, g.errors])).toEqual(gs.map(() => [false, 1024n, 0n, [], {}]));
    const bytes = gs.flatMap((cg) => [cg.v1.memory!.limitInBytes, cg.v1.cpu!.shares, cg.v1.pids!.current].map((f) => fs.readFileSync(f.path).length)).reduce((a, b) => a + b, 0);
    expect(first.cost).toMatchObject({ files: 9, bytes, gone: 0 });
    expect(first.cost.micros).toBeGreaterThan(0);
    expect(snap.lastCost).toEqual(first.cost);

    // A change between refreshes is seen through the same open descriptor (cgroupfs regenerates at offset 0).
    fs.writeFileSync(gs[1]!.v1.memory!.limitInBytes.path, String(64 << 20));
    fs.writeFileSync(gs[2]!.v1.cpu!.shares.path, "512");
    const second = await snap.refresh();
    expect(second.groups.map((g) => [g.values.limit === BigInt(64 << 20), g.values.shares])).toEqual([
      [false, 1024n],
      [true, 1024n],
      [false, 512n],
    ]);
    snap.close();
    await expect(snap.refresh()).rejects.toThrow(/refresh after close/);
  });

  it("reports a group removed between refreshes as gone, keeps reading the others, and closes the gone group's files", async () => {
    const gs = await groups(3);
    const before = openFds();
    using snap = await openSnapshot(gs, (cg) => ({ usage: cg.v1.memory!.usageInBytes, acct: cg.v1.cpuacct!.usage }));
    expect(openFds()).toBe(before + 6);
    await snap.refresh();
    for (const h of gs[1]!.placements) fs.rmdirSync(h.dir); // rmdir with our descriptors still open: reads now fail ENODEV
    const after = await snap.refresh();
    expect(after.groups.map((g) => g.gone)).toEqual([false, true, false]);
    expect(after.groups[1]).toMatchObject({ values: {}, missing: [], errors: {} });
    expect(after.cost).toMatchObject({ files: 4, gone: 1 });
    expect(openFds()).toBe(before + 4);
    const again = await snap.refresh();
    expect(again.groups.map((g) => g.gone)).toEqual([false, true, false]);
    expect(again.cost).toMatchObject({ files: 4, gone: 0 });
    expect(typeof again.groups[2]!.values.acct).toBe("bigint");
  });

  it("a group already gone at open is gone, not an error; missing files are listed, not thrown", async () => {
    const gs = await groups(2);
    for (const h of gs[0]!.placements) fs.rmdirSync(h.dir);
    const v2 = gs[1]!.v2Placement;
    const snap = await openSnapshot(gs, (cg) => ({
      usage: cg.v1.memory!.usageInBytes,
      // a cgroup2 file of a controller not enabled for this group: the kernel does not show it
      v2memory: v2 && cg.v2Placement ? new MemoryV2(cg.v2Placement.dir, cg.fs).current : undefined, // bound by hand: cg.v2.memory is undefined here
      hugetlb: cg.v1.hugetlb?.usageInBytes("1GB"),
    }));
    const r = await snap.refresh();
    snap[Symbol.dispose]();
    expect(r.groups[0]).toMatchObject({ gone: true });
    expect(r.groups[1]!.gone).toBe(false);
    expect(typeof r.groups[1]!.values.usage).toBe("bigint");
    expect(r.groups[1]!.missing).toEqual(expect.arrayContaining(["v2memory", "hugetlb"]));
    expect(r.cost.files).toBe(1);
  });

  it("keepOpen: false holds no descriptor between refreshes and reads the same values", async () => {
    const gs = await groups(2);
    const before = openFds();
    const snap = await openSnapshot(gs, (cg) => ({ shares: cg.v1.cpu!.shares }), { keepOpen: false });
    expect(openFds()).toBe(before);
    const r = await snap.refresh();
    expect(openFds()).toBe(before);
    expect(r.groups.map((g) => g.values.shares)).toEqual([1024n, 1024n]);
    for (const h of gs[0]!.placements) fs.rmdirSync(h.dir);
    expect((await snap.refresh()).groups.map((g) => g.gone)).toEqual([true, false]);
    snap.close();
  });

  it("reads the same values through a non-node CgroupFs (each refresh reads by path)", async () => {
    const spy = new FaultInjectingFs(nodeCgroupFs);
    const gs = await groups(2, spy);
    spy.clearLog();
    const snap = await openSnapshot(gs, (cg) => ({ shares: cg.v1.cpu!.shares, max: cg.v1.pids!.max }));
    const r = await snap.refresh();
    snap.close();
    expect(r.groups.map((g) => g.values)).toEqual([
      { shares: 1024n, max: "max" },
      { shares: 1024n, max: "max" },
    ]);
    expect(spy.log.filter((c) => c.op === "read").length).toBe(4);
  });

  it("costs one pread64 per file per refresh, and no open, stat or close (strace on a child process)", () => {
    const prefix = testName();
    prefixes.push(prefix);
    const script = `
      import * as fs from "node:fs";
      import { Cgroup } from "./src/cgroup/cgroup.ts";
      import { openSnapshot } from "./src/runtime/snapshot.ts";
      const gs = [];
      for (let i = 0; i < 4; i++) gs.push(await Cgroup.create("${prefix}/g" + i, { controllers: ["memory", "cpu", "cpuacct", "pids"] }));
      const snap = await openSnapshot(gs, (cg) => ({ a: cg.v1.memory.usageInBytes, b: cg.v1.cpuacct.usage, c: cg.v1.memory.stat }));
      await snap.refresh();
      fs.writeSync(2, "MARK-START\\n");
      const r = await snap.refresh();
      fs.writeSync(2, "MARK-END\\n");
      if (r.cost.files !== 12) throw new Error("files " + r.cost.files);
      snap.close();
    `;
    const r = spawnSync("strace", ["-f", "-e", "trace=pread64,read,openat,open,close,fstat,newfstatat,statx,lseek,write", process.execPath, "--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stderr.split("\n");
    const start = lines.findIndex((l) => l.includes("MARK-START") && l.includes("write("));
    const end = lines.findIndex((l) => l.includes("MARK-END") && l.includes("write("));
    expect(start).toBeGreaterThan(0);
    const between = lines.slice(start + 1, end).filter((l) => /(pread64|read|openat|open|close|fstat|newfstatat|statx|lseek)\(/.test(l) && !l.includes("resumed>"));
    const preads = between.filter((l) => /pread64\(\d+, .*, 0\)/.test(l));
    expect(preads).toHaveLength(12);
    expect(between.filter((l) => !/pread64\(/.test(l))).toEqual([]);
  });
});

describe.runIf(usable)("openUsageSnapshot", () => {
  it("gives readUsage's result for each group, and a removed group as gone", async () => {
    const gs = await groups(3);
    using usage = await openUsageSnapshot(gs);
    const first = await usage.refresh();
    const one = await readUsage(gs[0]!);
    expect(first.groups[0]!.usage!.memory!.max).toBe(one.memory!.max);
    expect(first.groups.every((g) => !g.gone && g.error === undefined && g.usage?.pids?.max === "max")).toBe(true);
    for (const h of gs[2]!.placements) fs.rmdirSync(h.dir);
    const second = await usage.refresh();
    expect(second.groups.map((g) => g.gone)).toEqual([false, false, true]);
    expect(second.groups[2]!.usage).toBeUndefined();
    expect(second.cost.gone).toBe(1);
  });
});
