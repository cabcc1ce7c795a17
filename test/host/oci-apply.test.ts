// OCI linux.resources on the host's real v1 hierarchies: the new fields land in their files, the weight
// file is the one the kernel shows (and the result says so), and a refusal writes nothing.
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources, ResourceApplyError } from "../../src/resources/limits.js";
import { resourcesFromOci } from "../../src/resources/oci.js";
import { UnsupportedError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { isRoot, removeTree, testName, v1Hierarchy } from "../support/host.js";

const CONTROLLERS = ["memory", "cpu", "pids", "blkio"] as const;
const usable = isRoot && CONTROLLERS.every((c) => v1Hierarchy(c));
const created: string[] = [];
// A block device the host has (not a loop device), for throttle lines.
const DEVICE = fs.existsSync("/sys/block") ? fs.readdirSync("/sys/block").map((d) => fs.readFileSync(`/sys/block/${d}/dev`, "utf8").trim()).find((d) => !d.startsWith("7:")) : undefined;

afterEach(() => {
  for (const name of created.splice(0)) for (const c of CONTROLLERS) removeTree(`/sys/fs/cgroup/${c}/${name.split("/")[0]}`);
});

async function group(cgfs = nodeCgroupFs): Promise<Cgroup> {
  const name = `${testName()}/oci`;
  created.push(name);
  const layout = await readCgroupLayout();
  return Cgroup.create(name, { controllers: CONTROLLERS, fs: cgfs, layout: { ...layout, v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") } });
}

const read = (controller: string, cg: Cgroup, file: string) => fs.readFileSync(`/sys/fs/cgroup/${controller}/${cg.name}/${file}`, "utf8").trim();

describe.runIf(usable && DEVICE !== undefined)("OCI linux.resources applied on cgroup v1", () => {
  it("writes throttle lines, burst, idle, the real-time period and kernel TCP memory; the weight goes where the kernel shows it", async () => {
    const cg = await group();
    const [major, minor] = DEVICE!.split(":").map(Number) as [number, number];
    const { limits } = resourcesFromOci({
      memory: { limit: 64 << 20, kernelTCP: 16 << 20 },
      cpu: { quota: 50000, period: 100000, burst: 20000, idle: 0, realtimePeriod: 500000 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major, minor, rate: 300 }] },
    });
    const result = await applyResources(cg, limits);
    expect(read("blkio", cg, "blkio.throttle.read_bps_device")).toBe(`${DEVICE} 1048576`);
    expect(read("blkio", cg, "blkio.throttle.write_iops_device")).toBe(`${DEVICE} 300`);
    expect(read("cpu", cg, "cpu.cfs_burst_us")).toBe("20000");
    expect(read("cpu", cg, "cpu.rt_period_us")).toBe("500000");
    expect(read("cpu", cg, "cpu.idle")).toBe("0");
    expect(read("memory", cg, "memory.kmem.tcp.limit_in_bytes")).toBe(String(16 << 20));
    const bfqOnly = !fs.existsSync(`/sys/fs/cgroup/blkio/${cg.name}/blkio.weight`);
    const weightFile = bfqOnly ? "blkio.bfq.weight" : "blkio.weight";
    expect(read("blkio", cg, weightFile)).toBe("300");
    expect(result.chosen).toEqual([{ field: "io.weight", file: weightFile, reason: expect.stringContaining(bfqOnly ? "no blkio.weight" : "shows blkio.weight") }]);
  });

  it("refuses what the host cannot hold before any write: leafWeight (gone with CFQ), an absent controller", async () => {
    const spy = new FaultInjectingFs(nodeCgroupFs);
    const cg = await group(spy);
    spy.clearLog();
    const leaf = resourcesFromOci({ memory: { limit: 64 << 20 }, blockIO: { leafWeight: 500 } }).limits;
    await expect(applyResources(cg, leaf)).rejects.toThrow(/blkio\.leaf_weight: blkio\.leaf_weight went with CFQ in Linux 5\.0 .*nothing was written/);
    await expect(applyResources(cg, resourcesFromOci({ memory: { limit: 64 << 20 }, network: { classID: 1 } }).limits)).rejects.toThrow(UnsupportedError);
    await expect(applyResources(cg, resourcesFromOci({ pids: { limit: 10 }, unified: { "memory.high": "1G" } }).limits)).rejects.toThrow(/unified\["memory\.high"\]: the memory controller is not on cgroup v2/);
    expect(spy.writes).toEqual([]);
    // With missing: "skip" the rest is applied and the skip is reported.
    const skipped = await applyResources(cg, leaf, { missing: "skip" });
    expect(skipped.skipped.map((s) => s.path.split("/").pop())).toEqual(["blkio.leaf_weight"]);
    expect(read("memory", cg, "memory.limit_in_bytes")).toBe(String(64 << 20));
  });

  it("puts an earlier device line back when a later write fails", async () => {
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const cg = await group(faulty);
    const [major, minor] = DEVICE!.split(":").map(Number) as [number, number];
    await applyResources(cg, resourcesFromOci({ blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1000 }] } }).limits);
    faulty.failNext("write", /pids\.max$/, "EINVAL");
    const err = await applyResources(cg, resourcesFromOci({ blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 5000 }] }, pids: { limit: 10 } }).limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceApplyError);
    expect(read("blkio", cg, "blkio.throttle.read_bps_device")).toBe(`${DEVICE} 1000`);
  });
});
