// Failure paths found under attack (#11 part 3), each against the host's real hierarchies under a test-owned prefix.
import * as fs from "node:fs";
import * as os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources, ResourceApplyError } from "../../src/resources/limits.js";
import { ReadWriteFile } from "../../src/runtime/accessor.js";
import { InvalidValueError } from "../../src/runtime/errors.js";
import { CGROUP_ROOT, isRoot, removeTree, testName, v1Hierarchy, v2Mount } from "../support/host.js";

const V1 = ["memory", "cpu", "cpuset", "pids", "blkio", "freezer", "devices"];
const usable = isRoot && V1.every((c) => v1Hierarchy(c));
const createdTops: string[] = [];

afterEach(() => {
  for (const top of createdTops.splice(0)) {
    for (const h of fs.readdirSync(CGROUP_ROOT)) if (fs.existsSync(`${CGROUP_ROOT}/${h}/${top}`)) removeTree(`${CGROUP_ROOT}/${h}/${top}`);
  }
});

/** A fresh group `<test prefix>/c1` in the given hierarchies (cgroup2 too when `v2`). */
async function group(controllers: readonly string[] = V1, v2 = false): Promise<Cgroup> {
  const top = testName();
  createdTops.push(top);
  const layout = await readCgroupLayout();
  const only = v2 ? layout : { ...layout, v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") };
  return Cgroup.create(`${top}/c1`, { controllers, layout: only });
}

const read = (controller: string, name: string, file: string) => fs.readFileSync(`${CGROUP_ROOT}/${controller}/${name}/${file}`, "utf8");

/** Every read-write control file (not templated) of every accessor of the group. */
function readWriteFiles(cg: Cgroup): ReadWriteFile<unknown, unknown>[] {
  const out: ReadWriteFile<unknown, unknown>[] = [];
  const visit = (accessor: object | undefined) => {
    if (accessor === undefined) return;
    for (let proto = Object.getPrototypeOf(accessor); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (!d.get || key === "constructor") continue;
        const file: unknown = d.get.call(accessor);
        if (file instanceof ReadWriteFile && !out.some((f) => f.path === file.path)) out.push(file);
      }
    }
  };
  for (const accessor of Object.values(cg.v1)) visit(accessor as object | undefined);
  if (cg.v2Placement) for (const accessor of Object.values(cg.v2)) visit(accessor as object);
  return out;
}

describe.runIf(usable)("3.2 restore writes what each file accepts", () => {
  it("oomKillDisable then a refused write: memory.oom_control is back at oom_kill_disable 0", async () => {
    const cg = await group(["memory", "cpuset"]);
    const missingCpu = String(os.cpus().length + 60);
    const err = await applyResources(cg, { memory: { oomKillDisable: true }, cpu: { cpus: missingCpu } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceApplyError);
    expect((err as ResourceApplyError).restoreFailures).toEqual([]);
    expect((err as ResourceApplyError).restored).toEqual([`${cg.placement("memory")!.dir}/memory.oom_control`]);
    expect(read("memory", cg.name, "memory.oom_control")).toMatch(/^oom_kill_disable 0\n/);
  });

  it("every limit applyResources writes is restored exactly after a kernel refusal at the end", async () => {
    const cg = await group(["memory", "cpu", "cpuset", "pids", "blkio"]);
    const files = ["memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "memory/memory.soft_limit_in_bytes", "memory/memory.swappiness", "memory/memory.oom_control", "cpu/cpu.shares", "cpu/cpu.cfs_period_us", "cpu/cpu.cfs_quota_us", "pids/pids.max", "blkio/blkio.weight", "cpuset/cpuset.mems"]
      .filter((f) => fs.existsSync(`${CGROUP_ROOT}/${f.split("/")[0]}/${cg.name}/${f.split("/")[1]}`));
    const before = files.map((f) => read(f.split("/")[0]!, cg.name, f.split("/")[1]!));
    const err = await applyResources(
      cg,
      {
        memory: { max: 64n << 20n, swap: 16n << 20n, low: 32n << 20n, swappiness: 10, oomKillDisable: true },
        cpu: { shares: 512n, quota: 20000n, period: 50000n, mems: "0", cpus: String(os.cpus().length + 60) },
        pids: { max: 33n },
        io: { blkioWeight: 300 },
      },
      { missing: "skip" },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceApplyError);
    expect((err as ResourceApplyError).restoreFailures).toEqual([]);
    expect(files.map((f) => read(f.split("/")[0]!, cg.name, f.split("/")[1]!))).toEqual(before);
  });

  it("every read-write file of a fresh group, v1 and cgroup2: what restoreTexts gives the kernel takes back unchanged, or it refuses before writing", async () => {
    const cg = await group(V1, v2Mount() !== undefined);
    const restorable: string[] = [];
    const refused: string[] = [];
    for (const file of readWriteFiles(cg)) {
      let printed: string;
      try {
        printed = await file.readRaw();
      } catch {
        continue; // not shown or not readable by this kernel here
      }
      let texts: string[];
      try {
        texts = file.restoreTexts(printed);
      } catch (err) {
        expect(err, file.path).toBeInstanceOf(InvalidValueError);
        refused.push(file.name);
        continue;
      }
      for (const text of texts) await file.writeRaw(text);
      expect(await file.readRaw(), file.path).toBe(printed);
      restorable.push(file.name);
    }
    expect(restorable).toEqual(expect.arrayContaining(["memory.oom_control", "memory.limit_in_bytes", "cpu.cfs_quota_us", "pids.max", "cpuset.cpus"]));
    expect(refused).toEqual(expect.arrayContaining(["cgroup.procs", "tasks", "cgroup.subtree_control"]));
    expect(restorable.length).toBeGreaterThan(20);
  });
});
