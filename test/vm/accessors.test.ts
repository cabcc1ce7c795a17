// Every v2 control file the VM's kernel shows, through the generated accessors (generated/v2/*.ts):
// each rw file written with a valid value and read back, each ro file read and parsed by its codec,
// the wo files (cgroup.kill, memory.reclaim) exercised. Driven by generated/manifest.json, so a new
// spec entry the kernel shows fails here until it has a valid value below.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as generated from "../../generated/index.js";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { ReadOnlyFile, ReadWriteFile, WriteOnlyFile, type ReadableFile } from "../../src/runtime/accessor.js";
import { kernelAtLeast, listControlFiles, specMatcher, v2Records, WRITABLE_SINCE, type SpecRecord } from "./support/manifest.js";
import { cleanupGroups, enableAll, exited, newGroup, procs, read, readWords, ROOT, rootControllers, spawnIn, until, write } from "./support/v2.js";

type AccessorClass = new (dir: string, fs: CgroupFs) => Record<string, unknown>;
const classes = generated as unknown as Record<string, AccessorClass>;

/** The accessor member for one control file of one group, through the generated class. */
function accessor(record: SpecRecord, dir: string, param: string | undefined): ReadableFile<unknown> | WriteOnlyFile<unknown> {
  const Class = classes[record.className];
  if (!Class) throw new Error(`generated/index.ts exports no ${record.className}`);
  const instance = new Class(dir, nodeCgroupFs);
  const member = instance[record.property];
  const file = record.param ? (member as (p: string) => unknown).call(instance, param!) : member;
  return file as ReadableFile<unknown> | WriteOnlyFile<unknown>;
}

// What the kernel shows, found before the tests are declared: the root, and a leaf whose parent enables everything.
const MiB = 1024n * 1024n;
const specRecords = v2Records();
const match = specMatcher(specRecords);
const shown = (() => {
  enableAll(ROOT);
  const probe = newGroup();
  enableAll(probe);
  const leaf = path.join(probe, "leaf");
  fs.mkdirSync(leaf);
  const files = { root: listControlFiles(ROOT), leaf: listControlFiles(leaf) };
  cleanupGroups();
  return files;
})();

interface Shown {
  name: string;
  record: SpecRecord;
  param: string | undefined;
  /** Access by the kernel's mode bits. */
  kernelAccess: string;
  level: "root" | "leaf";
}

/** One entry per spec record the kernel shows (in the leaf; at the root for root-only files). */
const shownRecords: Shown[] = (() => {
  const out: Shown[] = [];
  for (const level of ["leaf", "root"] as const) {
    for (const [name, kernelAccess] of shown[level]) {
      const hits = match(name);
      if (hits.length !== 1) continue; // spec-coverage.test.ts reports gaps and ambiguities
      const { record, param } = hits[0]!;
      if (level === "root" && record.where !== "root") continue;
      out.push({ name, record, param, kernelAccess, level });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
})();

/** What one rw test works with: a fresh leaf under a parent that enables every controller. */
interface Env {
  parent: string;
  leaf: string;
  /** `MAJ:MIN` of the VM's null_blk disk. */
  disk: string;
  /** Name of the VM's soft-RoCE device. */
  rdmaDevice: string;
  /** A `sleep` parked in its own group; its pid. */
  sleeper(): Promise<number>;
}

interface RwCase {
  /** The group to write in; default the leaf (the root for root-only files). */
  target?(env: Env): string | Promise<string>;
  value(env: Env, dir: string): unknown;
  /** What read() must return afterwards (asymmetric matchers allowed). */
  expected(env: Env, written: unknown): unknown;
}

const same = (v: unknown): Pick<RwCase, "value" | "expected"> => ({ value: () => v, expected: () => v });
const psiTrigger = (kind: "some" | "full"): Pick<RwCase, "value" | "expected"> => ({
  value: () => ({ kind, stallUs: 150000n, windowUs: 1000000n }),
  // A trigger lives as long as its open file; reading shows the averages, parsed.
  expected: () => expect.objectContaining({ some: expect.objectContaining({ total: expect.any(BigInt), avg10: expect.any(Number) }) }),
});
const peak: Pick<RwCase, "value" | "expected"> = { value: () => "reset", expected: () => expect.any(BigInt) };

/** A group directly under the root, for files whose rules involve the parent (cpuset partitions, exclusive cpus, thread roots). */
const topLevel = () => newGroup();

/** A valid value for every rw v2 file, keyed by the spec's file name. */
const RW: Record<string, RwCase> = {
  "cgroup.freeze": same(true),
  "cgroup.max.depth": same(3n),
  "cgroup.max.descendants": same(7n),
  "cgroup.pressure": same(false),
  "cgroup.procs": { value: (env) => env.sleeper(), expected: (_env, pid) => [pid] },
  "cgroup.subtree_control": { value: () => ({ enable: ["memory", "pids"] }), expected: () => ["memory", "pids"] },
  "cgroup.threads": {
    async target(env) {
      const domain = topLevel();
      const threaded = path.join(domain, "t");
      fs.mkdirSync(threaded);
      write(threaded, "cgroup.type", "threaded");
      write(domain, "cgroup.procs", String(await env.sleeper()));
      return threaded;
    },
    // The sleeper's only thread, from its threaded domain into the threaded child.
    value: (_env, dir) => procs(path.dirname(dir))[0],
    expected: (_env, tid) => [tid],
  },
  "cgroup.type": {
    target() {
      const domain = topLevel();
      fs.mkdirSync(path.join(domain, "t"));
      return path.join(domain, "t");
    },
    ...same("threaded"),
  },
  "irq.pressure": psiTrigger("full"),
  "cpu.idle": same(true),
  "cpu.max": same({ quota: 50000n, period: 100000n }),
  "cpu.max.burst": same(20000n),
  "cpu.pressure": psiTrigger("some"),
  "cpu.uclamp.max": same(80),
  "cpu.uclamp.min": same(10),
  "cpu.weight": same(250),
  "cpu.weight.nice": same(5),
  "cpuset.cpus": same([1]),
  "cpuset.cpus.exclusive": { target: topLevel, ...same([1]) },
  "cpuset.cpus.partition": {
    target() {
      const group = topLevel();
      write(group, "cpuset.cpus", "1");
      return group;
    },
    value: () => "root",
    expected: () => "root",
  },
  "cpuset.mems": same([0]),
  "hugetlb.<size>.max": same(4n * MiB),
  "hugetlb.<size>.rsvd.max": same(4n * MiB),
  "io.cost.model": {
    value: (env) => ({ [env.disk]: { ctrl: "user", model: "linear", rbps: "2000000000", rseqiops: "50000", rrandiops: "40000", wbps: "1500000000", wseqiops: "40000", wrandiops: "30000" } }),
    expected: (env) => expect.objectContaining({ [env.disk]: { ctrl: "user", model: "linear", rbps: "2000000000", rseqiops: "50000", rrandiops: "40000", wbps: "1500000000", wseqiops: "40000", wrandiops: "30000" } }),
  },
  "io.cost.qos": {
    value: (env) => ({ [env.disk]: { enable: "1", ctrl: "user", rpct: "95.00", rlat: "5000", wpct: "95.00", wlat: "5000", min: "50.00", max: "150.00" } }),
    expected: (env) => expect.objectContaining({ [env.disk]: { enable: "1", ctrl: "user", rpct: "95.00", rlat: "5000", wpct: "95.00", wlat: "5000", min: "50.00", max: "150.00" } }),
  },
  "io.max": {
    value: (env) => ({ [env.disk]: { rbps: 1048576n, wiops: 120n } }),
    expected: (env) => ({ [env.disk]: { rbps: 1048576n, wbps: "max", riops: "max", wiops: 120n } }),
  },
  "io.pressure": psiTrigger("some"),
  "io.weight": { value: () => ({ device: "default", value: 150n }), expected: () => ({ default: 150n }) },
  "memory.high": same(64n * MiB),
  "memory.low": same(16n * MiB),
  "memory.max": same(96n * MiB),
  "memory.min": same(8n * MiB),
  "memory.oom.group": same(true),
  "memory.peak": peak,
  "memory.pressure": psiTrigger("some"),
  "memory.swap.high": same(32n * MiB),
  "memory.swap.max": same(0n),
  "memory.swap.peak": peak,
  "memory.zswap.max": same(1n * MiB),
  "memory.zswap.writeback": same(false),
  "pids.max": same(100n),
  "rdma.max": {
    value: (env) => ({ [env.rdmaDevice]: { hca_handle: 2n, hca_object: 2000n } }),
    expected: (env) => ({ [env.rdmaDevice]: { hca_handle: 2n, hca_object: 2000n } }),
  },
};

const children: ReturnType<typeof spawnIn>[] = [];
async function cleanup(): Promise<void> {
  await killChildren();
  cleanupGroups();
}
async function killChildren(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
}

let disk = "";
const rdmaDevice = "cgk_rxe0";
beforeAll(() => {
  disk = fs.readFileSync("/sys/block/nullb0/dev", "utf8").trim();
  // Soft-RoCE on the dummy netdev the lane created: an RDMA device for rdma.max / rdma.current.
  if (!fs.existsSync(`/sys/class/infiniband/${rdmaDevice}`)) {
    execFileSync("ip", ["link", "set", "dummy0", "up"]);
    execFileSync("rdma", ["link", "add", rdmaDevice, "type", "rxe", "netdev", "dummy0"]);
  }
  expect(fs.existsSync(`/sys/class/infiniband/${rdmaDevice}`)).toBe(true);
});

function newEnv(): Env {
  const parent = newGroup();
  enableAll(parent);
  const leaf = path.join(parent, "leaf");
  fs.mkdirSync(leaf);
  return {
    parent,
    leaf,
    disk,
    rdmaDevice,
    async sleeper() {
      const park = newGroup();
      const child = spawnIn(park, "exec sleep 600");
      children.push(child);
      return until("the sleeper to start", () => procs(park).find((p) => p === child.pid));
    },
  };
}

describe("the kernel's v2 files, as the accessors see them", () => {
  it("covers every controller the VM offers", () => {
    const controllers = new Set(shownRecords.map((s) => s.record.controller));
    for (const c of rootControllers()) expect(controllers, c).toContain(c);
    expect(controllers).toContain("core");
  });

  it("each accessor is of the class its access says, bound to the file's real name", () => {
    for (const { name, record, param, level } of shownRecords) {
      const file = accessor(record, level === "root" ? ROOT : "/nonexistent", param);
      const expectedClass = record.access === "ro" ? ReadOnlyFile : record.access === "rw" ? ReadWriteFile : WriteOnlyFile;
      expect(file, name).toBeInstanceOf(expectedClass);
      expect(file.name).toBe(name);
      expect(file.meta.access).toBe(record.access);
    }
  });
});

describe("rw: every rw file written with a valid value and read back", () => {
  afterEach(cleanup);
  const rw = shownRecords.filter((s) => s.record.access === "rw");
  it("the table has a valid value for every rw file the kernel shows, and names only rw files of the spec", () => {
    expect(rw.length).toBeGreaterThan(30);
    expect(rw.filter((s) => !RW[s.record.file] && s.record.file !== "misc.max").map((s) => s.name)).toEqual([]);
    const specRw = new Set(specRecords.filter((r) => r.access === "rw").map((r) => r.file));
    expect(Object.keys(RW).filter((f) => !specRw.has(f))).toEqual([]);
  });

  for (const { name, record, param, kernelAccess, level } of rw) {
    if (record.file === "misc.max") continue; // below: it needs a misc resource with capacity
    it(`${name} (${record.className}.${record.property})`, async () => {
      const rwCase = RW[record.file];
      expect(rwCase, `no valid value for ${record.file} in the table`).toBeDefined();
      const env = newEnv();
      const dir = rwCase!.target ? await rwCase!.target(env) : level === "root" ? ROOT : env.leaf;
      const file = accessor(record, dir, param) as ReadWriteFile<unknown, unknown>;
      // The default parses before anything is written.
      await file.read();

      if (kernelAccess === "ro") {
        // Writable only on newer kernels: the kernel refuses the write, with a typed error (root passes the
        // mode check; the cgroup core then has no write handler for the file and says EINVAL).
        const since = WRITABLE_SINCE[record.file];
        expect(since !== undefined && !kernelAtLeast(since), `${name} is read-only on ${os.release()} but the spec says rw`).toBe(true);
        await expect(file.write(await rwCase!.value(env, dir))).rejects.toMatchObject({ name: "CgroupIoError", code: "EINVAL", path: path.join(dir, name) });
        return;
      }
      const value = await rwCase!.value(env, dir);
      await file.write(value);
      expect(await file.read()).toEqual(rwCase!.expected(env, value));
    });
  }

  it("misc.max: a resource with capacity takes a limit; with none (no SEV/TDX here) the kernel refuses any", async () => {
    const record = specRecords.find((r) => r.file === "misc.max")!;
    const env = newEnv();
    const file = accessor(record, env.leaf, undefined) as ReadWriteFile<Record<string, unknown>, Record<string, bigint | "max">>;
    const capacity = (await (accessor(specRecords.find((r) => r.file === "misc.capacity")!, ROOT, undefined) as ReadOnlyFile<Record<string, bigint>>).read());
    const resource = Object.keys(capacity).find((k) => capacity[k]! > 0n);
    if (resource) {
      await file.write({ [resource]: 1n });
      expect((await file.read())[resource]).toBe(1n);
    } else {
      expect(await file.read()).toEqual({});
      const refused = await file.write({ sev: 1n }).then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(CgroupIoError);
      expect(refused).toMatchObject({ code: "EINVAL", path: path.join(env.leaf, "misc.max"), value: "sev 1" });
    }
  });
});

describe("ro: every ro file read and parsed by its codec", () => {
  const ro = shownRecords.filter((s) => s.record.access === "ro");
  let env: Env;
  let worker: ReturnType<typeof spawnIn>;
  beforeAll(async () => {
    env = newEnv();
    // A live, busy group: a shell that reads the disk (io.stat), and sleeps.
    worker = spawnIn(env.leaf, `dd if=/dev/nullb0 of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null; exec sleep 600`);
    await until("the worker's reads to show in io.stat", () => read(env.leaf, "io.stat").includes(`${disk} rbytes=`));
  });
  afterAll(async () => {
    worker.kill("SIGKILL");
    await exited(worker);
    cleanupGroups();
  });

  it("there are ro files of every controller", () => {
    expect(new Set(ro.map((s) => s.record.controller)).size).toBeGreaterThanOrEqual(8);
  });

  for (const { name, record, param, level } of ro) {
    it(`${name} (${record.className}.${record.property})`, async () => {
      const file = accessor(record, level === "root" ? ROOT : env.leaf, param) as ReadOnlyFile<unknown>;
      const value = await file.read();
      expect(value).not.toBeUndefined();
      expect(file.readSync()).toBeTypeOf(typeof value);
    });
  }

  it("the parsed values say what the group is doing", async () => {
    const memory = new generated.MemoryV2(env.leaf, nodeCgroupFs);
    const pids = new generated.PidsV2(env.leaf, nodeCgroupFs);
    const core = new generated.CoreV2(env.leaf, nodeCgroupFs);
    const io = new generated.IoV2(env.leaf, nodeCgroupFs);
    const cpuset = new generated.CpusetV2(env.leaf, nodeCgroupFs);
    expect(await memory.current.read()).toBeGreaterThan(0n);
    expect(await pids.current.read()).toBe(1n);
    expect((await core.events.read()).populated).toBe(1n);
    expect((await core.controllers.read()).sort()).toEqual(readWords(path.join(env.parent, "cgroup.subtree_control")).sort());
    expect(await cpuset.cpusEffective.read()).toEqual(Array.from({ length: os.cpus().length }, (_, i) => i));
    expect((await io.stat.read())[disk]?.rbytes).toBe(64n * 65536n);
    expect((await memory.stat.read()).anon).toBeTypeOf("bigint");
  });
});

describe("wo: cgroup.kill and memory.reclaim", () => {
  afterEach(cleanup);
  it("cgroup.kill through CoreV2.kill kills the group's processes", async () => {
    const env = newEnv();
    const child = spawnIn(env.leaf, "sleep 600 & sleep 600 & wait");
    children.push(child);
    await until("three processes", () => procs(env.leaf).length === 3);
    await new generated.CoreV2(env.leaf, nodeCgroupFs).kill.write(1);
    expect((await exited(child)).signal).toBe("SIGKILL");
    await until("the group to empty", () => read(env.leaf, "cgroup.events").includes("populated 0"));
  });

  it("memory.reclaim through MemoryV2.reclaim frees page cache, and says EAGAIN when there is nothing to free", async () => {
    const env = newEnv();
    const memory = new generated.MemoryV2(env.leaf, nodeCgroupFs);
    // Page cache charged to the group: files read for the first time through the 9p share (cache=loose).
    const lib = path.resolve(import.meta.dirname, "../../node_modules/typescript/lib");
    const reader = spawnIn(env.leaf, `cat "$1"/*.js > /dev/null; exec sleep 600`, [lib]);
    children.push(reader);
    // Measure only once cat is done (the shell has exec'd sleep), or the cache would still be growing.
    await until("the reader to finish", () => (fs.readFileSync(`/proc/${reader.pid}/comm`, "utf8").trim() === "sleep" ? true : undefined), 60_000);
    expect((await memory.stat.read()).file).toBeGreaterThan(8n * 1024n * 1024n);
    const before = await memory.current.read();
    await memory.reclaim.write("4M");
    expect(await memory.current.read()).toBeLessThan(before);

    const empty = path.join(env.parent, "empty");
    fs.mkdirSync(empty);
    await expect(new generated.MemoryV2(empty, nodeCgroupFs).reclaim.write("1M")).rejects.toMatchObject({ name: "CgroupIoError", code: "EAGAIN" });
  });
});
