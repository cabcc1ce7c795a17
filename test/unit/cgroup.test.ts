// The Cgroup handle on a fake cgroupfs: a temp dir laid out like the kernel's, driven through FaultInjectingFs.
import { WaitTimeoutError } from "../../src/events/wait.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { CoreV2, CpuV2, MemoryV1, MemoryV2, PidsV2, V2_CONTROLLERS } from "../../generated/index.js";
import { ControllerNotEnabledError, UnknownControllerError } from "../../src/cgroup/controllers.js";
import { Cgroup, CgroupBusyError, type CgroupOptions } from "../../src/cgroup/cgroup.js";
import { discoverHierarchies, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { CgroupIoError, InvalidNameError, InvalidValueError, UnsupportedError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { NodeCgroupFs } from "../../src/runtime/fs.js";

type Kind = { version: "v1"; controllers: string[] } | { version: "v2"; controllers: string[] };

/**
 * cgroupfs semantics over plain directories: mkdir populates control files, rmdir refuses a
 * populated group or one with children (EBUSY) and removes the files, writes to cgroup.procs
 * migrate a pid, subtree_control checks availability, cgroup.kill empties the subtree.
 */
class FakeCgroupFs extends NodeCgroupFs {
  readonly chowned: string[] = [];
  delegateList: string | undefined = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\n";
  constructor(private readonly mounts: Map<string, Kind>) {
    super();
    for (const [mountPoint, kind] of mounts) {
      fs.mkdirSync(mountPoint, { recursive: true });
      this.populate(mountPoint, kind, undefined);
      if (kind.version === "v2") fs.writeFileSync(`${mountPoint}/cgroup.controllers`, kind.controllers.join(" ") + "\n");
      if (kind.controllers.includes("cpuset")) {
        fs.writeFileSync(`${mountPoint}/cpuset.cpus`, "0-3\n");
        fs.writeFileSync(`${mountPoint}/cpuset.mems`, "0\n");
      }
    }
  }

  private kindOf(p: string): [string, Kind] {
    for (const [mountPoint, kind] of this.mounts) if (p === mountPoint || p.startsWith(`${mountPoint}/`)) return [mountPoint, kind];
    throw new Error(`fake cgroupfs: ${p} is outside every mount`);
  }

  private populate(dir: string, kind: Kind, parent: string | undefined): void {
    const files: Record<string, string> = { "cgroup.procs": "" };
    if (kind.version === "v1") {
      files.tasks = "";
      if (kind.controllers.includes("freezer") && parent) files["freezer.state"] = "THAWED\n";
      if (kind.controllers.includes("cpuset")) Object.assign(files, { "cpuset.cpus": "\n", "cpuset.mems": "\n" });
      if (kind.controllers.includes("memory")) files["memory.limit_in_bytes"] = "9223372036854771712\n";
    } else {
      Object.assign(files, { "cgroup.threads": "", "cgroup.subtree_control": "\n" });
      if (parent) {
        files["cgroup.controllers"] = ""; // read live from the parent's subtree_control, as the kernel does
        Object.assign(files, { "cgroup.freeze": "0\n", "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.kill": "" });
      }
    }
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  }

  override async mkdir(p: string): Promise<void> {
    await super.mkdir(p);
    this.populate(p, this.kindOf(p)[1], path.dirname(p));
  }

  override async rmdir(p: string): Promise<void> {
    if (!fs.existsSync(p)) throw new CgroupIoError("rmdir", p, "ENOENT");
    const entries = fs.readdirSync(p, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory()) || fs.readFileSync(`${p}/cgroup.procs`, "utf8").trim() !== "") throw new CgroupIoError("rmdir", p, "EBUSY");
    for (const e of entries) fs.unlinkSync(path.join(p, e.name));
    await super.rmdir(p);
  }

  /** Every fake mount is cgroupfs (its tmp directories are not, as the real statfs would say). */
  override async statfs(p: string): Promise<{ readonly type: number }> {
    this.kindOf(p);
    if (!fs.existsSync(p)) throw new CgroupIoError("statfs", p, "ENOENT");
    return { type: 0x27e0eb };
  }

  override async readFile(p: string): Promise<string> {
    if (p.startsWith("/proc/")) throw new CgroupIoError("read", p, "ENOENT"); // fake pids have no /proc entry
    if (p === "/sys/kernel/cgroup/delegate") {
      if (this.delegateList === undefined) throw new CgroupIoError("read", p, "ENOENT");
      return this.delegateList;
    }
    const [mountPoint] = this.kindOf(p);
    if (path.basename(p) === "cgroup.controllers" && path.dirname(p) !== mountPoint && fs.existsSync(p)) {
      return super.readFile(`${path.dirname(path.dirname(p))}/cgroup.subtree_control`);
    }
    return super.readFile(p);
  }

  /** cgroup.controllers below the root is the parent's subtree_control, read live (Cgroup.v2 reads it synchronously). */
  override readFileSync(p: string): string {
    const [mountPoint] = this.kindOf(p);
    if (path.basename(p) === "cgroup.controllers" && path.dirname(p) !== mountPoint && fs.existsSync(p)) {
      return super.readFileSync(`${path.dirname(path.dirname(p))}/cgroup.subtree_control`);
    }
    return super.readFileSync(p);
  }

  override async writeFile(p: string, data: string): Promise<void> {
    if (!fs.existsSync(p)) throw new CgroupIoError("write", p, "ENOENT", data);
    const dir = path.dirname(p);
    const [mountPoint] = this.kindOf(p);
    switch (path.basename(p)) {
      case "cgroup.procs":
        this.removePid(mountPoint, Number(data));
        fs.appendFileSync(p, `${data}\n`);
        return;
      case "cgroup.subtree_control": {
        const available = (await this.readFile(`${dir}/cgroup.controllers`)).split(/\s+/).filter(Boolean);
        const enabled = new Set(fs.readFileSync(p, "utf8").split(/\s+/).filter(Boolean));
        for (const token of data.split(" ")) {
          const name = token.slice(1);
          if (!available.includes(name)) throw new CgroupIoError("write", p, "ENOENT", data);
          if (token.startsWith("+")) enabled.add(name);
          else enabled.delete(name);
        }
        fs.writeFileSync(p, [...enabled].join(" ") + "\n");
        return;
      }
      case "cgroup.kill":
        this.clearTree(dir);
        return;
      case "cgroup.freeze":
        fs.writeFileSync(p, `${data}\n`);
        fs.writeFileSync(`${dir}/cgroup.events`, `populated 0\nfrozen ${data}\n`);
        return;
      default:
        fs.writeFileSync(p, `${data}\n`);
    }
  }

  override async chown(p: string, _uid: number, _gid: number): Promise<void> {
    if (!fs.existsSync(p)) throw new CgroupIoError("chown", p, "ENOENT");
    this.chowned.push(p);
  }

  /** What a process exiting does: leave every group of every hierarchy. */
  exit(pid: number): void {
    for (const mountPoint of this.mounts.keys()) this.removePid(mountPoint, pid);
  }

  private removePid(dir: string, pid: number): void {
    const file = `${dir}/cgroup.procs`;
    const pids = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
    if (pids.includes(String(pid))) fs.writeFileSync(file, pids.filter((x) => x !== String(pid)).map((x) => `${x}\n`).join(""));
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) this.removePid(path.join(dir, e.name), pid);
  }

  private clearTree(dir: string): void {
    fs.writeFileSync(`${dir}/cgroup.procs`, "");
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) this.clearTree(path.join(dir, e.name));
  }
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-fake-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const V1 = { memory: ["memory"], freezer: ["freezer"], cpuset: ["cpuset"] } as const;

/** A hybrid host (v1 memory, freezer, cpuset; cgroup2 with pids) or a pure v2 one, under `tmp`. */
function fakeHost(kind: "hybrid" | "v2", v2Controllers = kind === "v2" ? ["cpu", "memory", "pids"] : ["pids"]) {
  const mounts = new Map<string, Kind>();
  const mountinfo: string[] = [];
  const procCgroup: string[] = [];
  let id = 30;
  if (kind === "hybrid") {
    for (const [hierarchyId, [name, controllers]] of Object.entries(V1).entries()) {
      mounts.set(`${tmp}/${name}`, { version: "v1", controllers: [...controllers] });
      mountinfo.push(`${id} 1 0:${id} / ${tmp}/${name} rw,relatime - cgroup cgroup rw,${controllers.join(",")}`);
      procCgroup.push(`${hierarchyId + 1}:${controllers.join(",")}:/`);
      id++;
    }
  }
  const v2Dir = kind === "hybrid" ? `${tmp}/unified` : `${tmp}/v2`;
  mounts.set(v2Dir, { version: "v2", controllers: v2Controllers });
  mountinfo.push(`${id} 1 0:${id} / ${v2Dir} rw,relatime - cgroup2 cgroup2 rw`);
  procCgroup.push("0::/");
  const fake = new FakeCgroupFs(mounts);
  const layout = discoverHierarchies({ mountinfo: mountinfo.join("\n"), procCgroup: procCgroup.join("\n"), v2Controllers: v2Controllers.join(" ") });
  const cgfs = new FaultInjectingFs(fake);
  const signals: number[] = [];
  const options: CgroupOptions = {
    layout,
    fs: cgfs,
    signal: (pid) => {
      signals.push(pid);
      fake.exit(pid);
    },
  };
  return { fake, fs: cgfs, layout, options, signals, v2Dir };
}

const read = (p: string) => fs.readFileSync(p, "utf8");

describe("Cgroup.create / open", () => {
  it("creates the group and its parents in every hierarchy, idempotently", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("libvirt/lxc/web1", host.options);
    expect(cg.path).toBe("/libvirt/lxc/web1");
    expect(cg.placements.map((p) => p.dir)).toEqual([`${tmp}/memory`, `${tmp}/freezer`, `${tmp}/cpuset`, `${tmp}/unified`].map((d) => `${d}/libvirt/lxc/web1`));
    for (const p of cg.placements) expect(fs.statSync(p.dir).isDirectory()).toBe(true);
    expect(host.fs.calls("mkdir")).toHaveLength(12);

    host.fs.clearLog();
    const again = await Cgroup.create("libvirt/lxc/web1", host.options);
    expect(again.placements.map((p) => p.dir)).toEqual(cg.placements.map((p) => p.dir));
    // The leaf is not looked up before its mkdir (a new group's usual case costs a call less); here each mkdir finds it (EEXIST) and nothing changes.
    expect(host.fs.calls("mkdir").map((c) => c.path)).toEqual(cg.placements.map((p) => p.dir));
    expect(host.fs.writes).toHaveLength(0);
  });

  it("create refuses a leaf that is a symlink or a file, without following it", async () => {
    const host = fakeHost("hybrid");
    const first = await Cgroup.create("a", host.options);
    // In the last hierarchy, so the earlier ones have had their mkdir: those are removed again.
    const last = first.placements.at(-1)!.dir;
    fs.symlinkSync("/tmp", `${last}/link`);
    fs.writeFileSync(`${last}/file`, "");
    host.fs.clearLog();
    await expect(Cgroup.create("a/link", host.options)).rejects.toThrow(/a\/link is a symbolic link; cgroupkit does not follow links/);
    await expect(Cgroup.create("a/file", host.options)).rejects.toThrow(/a\/file exists and is not a directory/);
    for (const p of first.placements.slice(0, -1)) expect(fs.readdirSync(p.dir).filter((e) => e === "link" || e === "file")).toEqual([]);
    expect(fs.lstatSync(`${last}/link`).isSymbolicLink()).toBe(true); // never followed, never touched
    expect(host.fs.writes.filter((w) => !w.path.includes("cpuset."))).toEqual([]);
  });

  it("v1 cpuset: new levels inherit cpus and mems from their parent", async () => {
    const host = fakeHost("hybrid");
    await Cgroup.create("a/b", { ...host.options, controllers: ["cpuset"] });
    expect(read(`${tmp}/cpuset/a/b/cpuset.cpus`).trim()).toBe("0-3");
    expect(read(`${tmp}/cpuset/a/b/cpuset.mems`).trim()).toBe("0");
  });

  it("cgroup2: enables the requested controllers top-down, mount root to parent, only where missing", async () => {
    const host = fakeHost("v2");
    await Cgroup.create("a/b/c", { ...host.options, controllers: ["memory", "pids"] });
    expect(read(`${host.v2Dir}/cgroup.subtree_control`).trim()).toBe("memory pids");
    expect(read(`${host.v2Dir}/a/cgroup.subtree_control`).trim()).toBe("memory pids");
    expect(read(`${host.v2Dir}/a/b/cgroup.subtree_control`).trim()).toBe("memory pids");
    expect(read(`${host.v2Dir}/a/b/c/cgroup.subtree_control`).trim()).toBe("");
    expect((await host.fake.readFile(`${host.v2Dir}/a/b/c/cgroup.controllers`)).trim()).toBe("memory pids");
    expect(host.fs.writes.map((w) => w.data)).toEqual(["+memory +pids", "+memory +pids", "+memory +pids"]);

    host.fs.clearLog();
    await Cgroup.create("a/b/d", { ...host.options, controllers: ["memory", "pids", "cpu"] });
    expect(host.fs.writes.map((w) => [path.relative(host.v2Dir, w.path), w.data])).toEqual([
      ["cgroup.subtree_control", "+cpu"],
      ["a/cgroup.subtree_control", "+cpu"],
      ["a/b/cgroup.subtree_control", "+cpu"],
    ]);
  });

  it("a controller held by v1 goes to its v1 hierarchy and is not enabled on cgroup2", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("x", { ...host.options, controllers: ["memory", "pids"] });
    expect(cg.placements.map((p) => p.hierarchy.version)).toEqual(["v1", "v2"]);
    expect(cg.placement("memory")?.dir).toBe(`${tmp}/memory/x`);
    expect(cg.placement("pids")?.dir).toBe(`${tmp}/unified/x`);
    expect(read(`${tmp}/unified/cgroup.subtree_control`).trim()).toBe("pids");
  });

  it("refuses a controller the host lacks, before touching anything", async () => {
    const host = fakeHost("hybrid");
    await expect(Cgroup.create("x", { ...host.options, controllers: ["rdma"] })).rejects.toThrow(UnsupportedError);
    expect(host.fs.log).toHaveLength(0);
  });

  it("a kernel refusal of subtree_control surfaces as a typed error naming the file and value", async () => {
    const host = fakeHost("v2");
    host.fs.failNext("write", "cgroup.subtree_control", "EBUSY");
    const err = await Cgroup.create("busy", { ...host.options, controllers: ["memory"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupIoError);
    expect(err).toMatchObject({ errno: "EBUSY", path: `${host.v2Dir}/cgroup.subtree_control`, value: "+memory" });
  });

  it("open takes the hierarchies that hold the group; with controllers each of theirs must; nowhere is ENOENT", async () => {
    const host = fakeHost("hybrid");
    await Cgroup.create("g", host.options);
    await expect(Cgroup.open("g", host.options)).resolves.toBeInstanceOf(Cgroup);
    fs.rmSync(`${tmp}/freezer/g`, { recursive: true });
    // without controllers: the group is where it is (no freezer placement now)
    const partial = await Cgroup.open("g", host.options);
    expect(partial.placements.map((p) => p.dir)).toEqual([`${tmp}/memory/g`, `${tmp}/cpuset/g`, `${host.v2Dir}/g`]);
    // asked for the freezer: it must be there
    const err = await Cgroup.open("g", { ...host.options, controllers: ["memory", "freezer"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupIoError);
    expect(err).toMatchObject({ errno: "ENOENT", path: `${tmp}/freezer/g` });
    const nowhere = await Cgroup.open("nope", host.options).catch((e: unknown) => e);
    expect(nowhere).toMatchObject({ errno: "ENOENT" });
  });
});

describe("names and paths", () => {
  const escapes = ["..", "../x", "a/../../etc", "/etc", "a//b", "a/", "./a", "a/./b", "a\0b", "a\nb", "a\rb", "", "x".repeat(256), `a/${"é".repeat(128)}`];
  it.each(escapes)("refuses %j before any filesystem call", async (name) => {
    const host = fakeHost("hybrid");
    await expect(Cgroup.create(name, host.options)).rejects.toThrow(InvalidNameError);
    await expect(Cgroup.open(name, host.options)).rejects.toThrow(InvalidNameError);
    expect(host.fs.log).toHaveLength(0);
  });

  it("accepts a 255-byte component", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("y".repeat(255), host.options);
    expect(fs.existsSync(cg.placements[0]!.dir)).toBe(true);
  });

  it("refuses a symlink on the way and creates nothing behind it", async () => {
    const host = fakeHost("hybrid");
    const elsewhere = path.join(tmp, "elsewhere");
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, `${tmp}/memory/evil`);
    const err = await Cgroup.create("evil/x", host.options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidNameError);
    expect((err as InvalidNameError).message).toMatch(/evil is a symbolic link/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(host.fs.calls("mkdir")).toHaveLength(0);
  });

  it("refuses a name that is an existing control file", async () => {
    const host = fakeHost("hybrid");
    await expect(Cgroup.create("cgroup.procs/x", host.options)).rejects.toThrow(/is not a directory/);
  });

  it("bind mount with a non-/ root: names map below it; others are unreachable", async () => {
    const mountPoint = `${tmp}/pids`;
    const fake = new FakeCgroupFs(new Map([[mountPoint, { version: "v1", controllers: ["pids"] }]]));
    const layout: CgroupLayout = discoverHierarchies({ mountinfo: `50 1 0:50 /lxc/c1 ${mountPoint} rw - cgroup cgroup rw,pids`, procCgroup: "2:pids:/lxc/c1" });
    const cg = await Cgroup.create("lxc/c1/sub", { layout, fs: fake });
    expect(cg.placements[0]?.dir).toBe(`${mountPoint}/sub`);
    await expect(Cgroup.create("other", { layout, fs: fake })).rejects.toThrow(UnsupportedError);
    const root = await Cgroup.open("lxc/c1", { layout, fs: fake });
    expect(root.placements[0]?.dir).toBe(mountPoint);
    await expect(root.remove()).rejects.toThrow(/root of the mount/);
    expect(fs.existsSync(mountPoint)).toBe(true);
  });
});

describe("processes", () => {
  it("attach writes the pid to cgroup.procs in every hierarchy; procs and children read back", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("p", { ...host.options, controllers: ["memory"] });
    const child = await Cgroup.create("p/c", { ...host.options, controllers: ["memory"] });
    await cg.attach(4242);
    await child.attach(4343);
    expect(read(`${tmp}/memory/p/cgroup.procs`)).toBe("4242\n");
    expect(read(`${tmp}/unified/p/cgroup.procs`)).toBe("4242\n");
    expect(await cg.procs()).toEqual([4242]);
    expect(await cg.procs({ recursive: true })).toEqual([4242, 4343]);
    expect(await cg.children()).toEqual(["p/c"]);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53, "12" as unknown as number])("attach refuses pid %j before any write", async (pid) => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("p", host.options);
    host.fs.clearLog();
    await expect(cg.attach(pid)).rejects.toThrow(InvalidValueError);
    expect(host.fs.writes).toHaveLength(0);
  });

  it("a group that vanished mid-operation gives ENOENT naming the file", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("gone", host.options);
    fs.rmSync(`${tmp}/memory/gone`, { recursive: true });
    const err = await cg.attach(77).catch((e: unknown) => e);
    expect(err).toMatchObject({ errno: "ENOENT", path: `${tmp}/memory/gone/cgroup.procs` });
    await expect(cg.procs()).rejects.toMatchObject({ errno: "ENOENT" });
  });

  it("freeze and thaw: cgroup.freeze on cgroup2, waiting for cgroup.events", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("f", host.options);
    await cg.freeze();
    expect(read(`${host.v2Dir}/f/cgroup.events`)).toMatch(/^frozen 1$/m);
    await cg.thaw();
    expect(read(`${host.v2Dir}/f/cgroup.freeze`).trim()).toBe("0");
  });

  it("freeze and thaw: the v1 freezer when cgroup2 is not selected", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("f", { ...host.options, layout });
    await cg.freeze();
    expect(read(`${tmp}/freezer/f/freezer.state`).trim()).toBe("FROZEN");
    await cg.thaw();
    expect(read(`${tmp}/freezer/f/freezer.state`).trim()).toBe("THAWED");
  });

  it("freeze without any freezer is unsupported", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("f", { ...host.options, layout, controllers: ["memory"] });
    await expect(cg.freeze()).rejects.toThrow(UnsupportedError);
  });

  it("freeze that never completes times out with a typed error", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("f", host.options);
    host.fs.inject({ op: "write", path: "cgroup.freeze", errno: "EAGAIN" });
    await expect(cg.freeze()).rejects.toMatchObject({ errno: "EAGAIN" });
    // a freeze the kernel never completes: the write goes nowhere, cgroup.events keeps "frozen 0"
    const stuck = Object.assign(Object.create(host.fake) as FakeCgroupFs, { writeFile: async () => {} });
    const cgStuck = await Cgroup.open("f", { ...host.options, fs: stuck });
    await expect(cgStuck.freeze({ timeoutMs: 30 })).rejects.toMatchObject({ errno: "ETIMEDOUT", path: `${host.v2Dir}/f/cgroup.events` });
  });

  it("a v1 freezer stuck in FREEZING times out with the same typed error as cgroup2, naming the pids", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("f", { ...host.options, layout });
    await cg.attach(4242);
    // the kernel takes the write and stays in FREEZING (a task that cannot be frozen)
    const stuck = Object.assign(Object.create(host.fake) as FakeCgroupFs, {
      writeFile: async (p: string, data: string) => (p.endsWith("freezer.state") ? fs.writeFileSync(p, "FREEZING\n") : host.fake.writeFile(p, data)),
    });
    const cgStuck = await Cgroup.open("f", { ...host.options, layout, fs: stuck });
    const err = await cgStuck.freeze({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err).toMatchObject({ errno: "ETIMEDOUT", path: `${tmp}/freezer/f/freezer.state`, condition: "freezer.state = FROZEN", pids: [4242] });
  });
});

describe("kill and remove", () => {
  it("kill on cgroup2 writes cgroup.kill and sends no signal", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("k", host.options);
    const sub = await Cgroup.create("k/sub", host.options);
    await cg.attach(10);
    await sub.attach(11);
    await cg.kill();
    expect(host.fs.calls("write", "cgroup.kill").map((w) => w.data)).toEqual(["1"]);
    expect(host.signals).toEqual([]);
    expect(await cg.procs({ recursive: true })).toEqual([]);
  });

  it("kill on v1: freeze, SIGKILL every pid in the subtree, thaw", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("k", { ...host.options, layout });
    const sub = await Cgroup.create("k/sub", { ...host.options, layout });
    await cg.attach(20);
    await sub.attach(21);
    host.fs.clearLog();
    await cg.kill();
    expect(host.signals).toEqual([20, 21]);
    const states = host.fs.calls("write", "freezer.state").map((w) => w.data);
    expect(states).toEqual(["FROZEN", "THAWED"]);
    expect(await cg.procs({ recursive: true })).toEqual([]);
  });

  it("kill gives up with CgroupBusyError naming the survivors", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("k", { ...host.options, layout, signal: () => {} });
    await cg.attach(30);
    const err = await cg.kill({ timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupBusyError);
    expect(err).toMatchObject({ errno: "EBUSY", pids: [30], group: "k" });
  });

  it("remove refuses live processes by default and removes nothing", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("r/leaf", host.options);
    const parent = await Cgroup.open("r", host.options);
    await cg.attach(40);
    const err = await parent.remove().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupBusyError);
    expect(err).toMatchObject({ pids: [40], code: "EBUSY" });
    expect(host.fs.calls("rmdir")).toHaveLength(0);
    expect(host.signals).toEqual([]);
  });

  it("remove({ kill: true }) kills, then removes bottom-up in every hierarchy", async () => {
    const host = fakeHost("hybrid");
    const leaf = await Cgroup.create("r/mid/leaf", host.options);
    const top = await Cgroup.open("r", host.options);
    await leaf.attach(50);
    host.fs.clearLog();
    await top.remove({ kill: true });
    for (const mount of ["memory", "freezer", "cpuset", "unified"]) {
      expect(fs.existsSync(`${tmp}/${mount}/r`)).toBe(false);
      const order = host.fs.calls("rmdir", new RegExp(`^${tmp}/${mount}/`)).map((c) => path.relative(`${tmp}/${mount}`, c.path));
      // One plain rmdir of the group first (refused: it holds a process and subgroups), then bottom-up.
      expect(order).toEqual(["r", "r/mid/leaf", "r/mid", "r"]);
    }
    expect(fs.readdirSync(`${tmp}/memory`).filter((n) => !n.includes("."))).toEqual(["tasks"]);
  });

  it("remove({ kill: true }) of an empty leaf: one rmdir per hierarchy, nothing else", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("lone", host.options);
    host.fs.clearLog();
    await cg.remove({ kill: true });
    expect(host.fs.log.map((c) => `${c.op} ${path.relative(tmp, c.path)}`)).toEqual(cg.placements.map((p) => `rmdir ${path.relative(tmp, p.dir)}`));
    for (const p of cg.placements) expect(fs.existsSync(p.dir)).toBe(false);
  });

  it("retries EBUSY from rmdir, then succeeds", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("b", host.options);
    host.fs.inject({ op: "rmdir", path: `${tmp}/memory/b`, errno: "EBUSY", times: 3 });
    await cg.remove();
    expect(host.fs.calls("rmdir", `${tmp}/memory/b`)).toHaveLength(4);
    expect(fs.existsSync(`${tmp}/memory/b`)).toBe(false);
  });

  it("bounded retry: EBUSY that never clears fails with the rmdir's error, other hierarchies still removed", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("b", host.options);
    host.fs.inject({ op: "rmdir", path: `${tmp}/memory/b`, errno: "EBUSY", times: Infinity });
    const err = await cg.remove({ attempts: 4, delayMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupIoError);
    expect(err).toMatchObject({ op: "rmdir", errno: "EBUSY", path: `${tmp}/memory/b` });
    expect(host.fs.calls("rmdir", `${tmp}/memory/b`)).toHaveLength(4);
    expect(fs.existsSync(`${tmp}/freezer/b`)).toBe(false);
    host.fs.clearFaults();
    await cg.remove();
    expect(fs.existsSync(`${tmp}/memory/b`)).toBe(false);
  });

  it("other rmdir errors are not retried", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("e", host.options);
    host.fs.failNext("rmdir", `${host.v2Dir}/e`, "EPERM");
    await expect(cg.remove()).rejects.toMatchObject({ errno: "EPERM" });
    expect(host.fs.calls("rmdir")).toHaveLength(1);
  });

  it("remove({ kill: true }) still kills processes in the hierarchies where the group survives", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("half", { ...host.options, layout });
    await cg.attach(60);
    fs.rmSync(`${tmp}/freezer/half`, { recursive: true }); // the freezer group vanished: no freezing possible
    await cg.remove({ kill: true });
    expect(host.signals).toEqual([60]);
    for (const mount of ["memory", "freezer", "cpuset"]) expect(fs.existsSync(`${tmp}/${mount}/half`)).toBe(false);
  });

  it("a group that vanished (ENOENT) mid-remove counts as removed", async () => {
    const host = fakeHost("hybrid");
    await Cgroup.create("v/w", host.options);
    // someone else removes the whole group in one hierarchy, and v/w in another between our readdir and our descent
    fs.rmSync(`${tmp}/freezer/v`, { recursive: true });
    let listings = 0;
    const racing = Object.assign(Object.create(host.fake) as FakeCgroupFs, {
      readdir: async (p: string) => {
        const entries = await host.fake.readdir(p);
        // the second listing of cpuset/v is remove's own walk: w vanishes right after it
        if (p === `${tmp}/cpuset/v` && ++listings === 2) await host.fake.rmdir(`${tmp}/cpuset/v/w`);
        return entries;
      },
    });
    const fsSpy = new FaultInjectingFs(racing);
    const top = await Cgroup.open("v", { ...host.options, controllers: ["memory", "cpuset"], fs: fsSpy });
    fsSpy.clearLog();
    await top.remove();
    for (const mount of ["memory", "cpuset", "unified"]) expect([mount, fs.existsSync(`${tmp}/${mount}/v`)]).toEqual([mount, false]);
    expect(listings).toBe(2);
    expect(fsSpy.calls("rmdir", /\/cpuset\//).map((c) => c.path)).toEqual([`${tmp}/cpuset/v`]);
  });
});

describe("delegate", () => {
  it("chowns the directory and the delegatable files the kernel lists (present ones only)", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("d", { ...host.options, controllers: ["memory"] });
    const changed = await cg.delegate(1000, 1000);
    expect(changed).toEqual([
      `${tmp}/memory/d`,
      `${tmp}/memory/d/cgroup.procs`,
      `${tmp}/memory/d/tasks`,
      `${tmp}/unified/d`,
      `${tmp}/unified/d/cgroup.procs`,
      `${tmp}/unified/d/cgroup.threads`,
      `${tmp}/unified/d/cgroup.subtree_control`,
    ]);
    expect(host.fake.chowned).toEqual(changed);
  });

  it("falls back to the documented three files without /sys/kernel/cgroup/delegate", async () => {
    const host = fakeHost("v2");
    host.fake.delegateList = undefined;
    const cg = await Cgroup.create("d", host.options);
    expect((await cg.delegate(0, 0)).map((p) => path.basename(p))).toEqual(["d", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"]);
  });

  it.each([[-1, 0], [0, 2 ** 32], [1.5, 0], [0, Number.NaN]])("refuses uid/gid %j/%j", async (uid, gid) => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("d", host.options);
    await expect(cg.delegate(uid, gid)).rejects.toThrow(InvalidValueError);
    expect(host.fake.chowned).toEqual([]);
  });
});

describe("typed accessors", () => {
  it("cg.v1 binds each controller to its hierarchy's directory; absent ones are undefined", async () => {
    const host = fakeHost("hybrid");
    const cg = await Cgroup.create("acc", host.options);
    expectTypeOf(cg.v1.memory).toEqualTypeOf<MemoryV1 | undefined>();
    const memory = cg.v1.memory;
    expect(memory).toBeInstanceOf(MemoryV1);
    expect(cg.v1.memory).toBe(memory); // constructed once
    await memory!.limitInBytes.write(64n * 1024n * 1024n);
    expect(read(`${tmp}/memory/acc/memory.limit_in_bytes`).trim()).toBe("67108864");
    expect(await memory!.limitInBytes.read()).toBe(67108864n);
    expect(cg.v1.freezer?.dir).toBe(`${tmp}/freezer/acc`);
    expect(cg.v1.pids).toBeUndefined();
    expect(cg.v1.core?.dir).toBe(`${tmp}/memory/acc`);
    await expect(Promise.resolve().then(() => memory!.limitInBytes.write(-1n))).rejects.toThrow(InvalidValueError);
  });

  it("cg.v2 binds the controllers the group's cgroup.controllers lists; the others are undefined, core and base always there", async () => {
    const host = fakeHost("v2"); // cpu, memory, pids available at the root
    const cg = await Cgroup.create("acc", { ...host.options, controllers: ["memory", "pids"] });
    expectTypeOf(cg.v2.memory).toEqualTypeOf<MemoryV2 | undefined>();
    expectTypeOf(cg.v2.core).toEqualTypeOf<CoreV2>();
    expect(cg.v2.memory?.dir).toBe(`${host.v2Dir}/acc`);
    expect(cg.v2.pids).toBeInstanceOf(PidsV2);
    expect(cg.v2.cpu).toBeUndefined(); // available on the host, not enabled in the root's subtree_control
    expect(cg.v2.io).toBeUndefined(); // not on this host at all
    expect(cg.v2.base.cpu.stat.path).toBe(`${host.v2Dir}/acc/cpu.stat`); // cgroup core's file: there without the controller
    expect(cg.v2.core).toBeInstanceOf(CoreV2);
    await cg.attach(99);
    expect(await cg.v2.core.procs.read()).toEqual([99]);
    expect(Object.keys(cg.v2).sort()).toEqual([...Object.keys(V2_CONTROLLERS), "base"].sort());
    expect(cg.v2).toBe(cg.v2); // read once, kept
  });

  it("requireV2 returns an enabled controller's accessor and names the group, the controller and the fix otherwise", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("web", { ...host.options, controllers: ["memory"] });
    expect(cg.requireV2("memory")).toBe(cg.v2.memory);
    const err = (() => {
      try {
        cg.requireV2("cpu");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ControllerNotEnabledError);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err).toMatchObject({ code: "ERR_CONTROLLER_NOT_ENABLED", group: "web", controller: "cpu", enabled: ["memory"], onHost: true });
    expect((err as Error).message).toBe(
      `group web: the cpu controller is not enabled for it on cgroup2 (${host.v2Dir}/web/cgroup.controllers lists memory); enable it in the parent's cgroup.subtree_control (echo +cpu > ${host.v2Dir}/cgroup.subtree_control), or create the group with controllers: ["cpu"]`,
    );
    expect(() => cg.requireV2("io")).toThrow(/this host's cgroup2 has no io controller/);
  });

  it("the answer is kept until refresh(): a controller enabled later appears then", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("late", { ...host.options, controllers: ["memory"] });
    expect(cg.v2.cpu).toBeUndefined();
    await new CoreV2(host.v2Dir, host.fs).subtreeControl.write({ enable: ["cpu"] });
    expect(cg.v2.cpu).toBeUndefined(); // stale by design: one read per handle
    expect(cg.refresh().v2.cpu?.dir).toBe(`${host.v2Dir}/late`);
    expect((await Cgroup.open("late", host.options)).v2.cpu).toBeInstanceOf(CpuV2); // a new handle sees it too
  });

  it("a removed group's v2 has core and base only, and looks again on the next use", async () => {
    const host = fakeHost("v2");
    const cg = await Cgroup.create("gone", { ...host.options, controllers: ["memory"] });
    await cg.remove();
    expect(cg.v2.memory).toBeUndefined();
    expect(cg.v2.core).toBeInstanceOf(CoreV2);
    await Cgroup.create("gone", { ...host.options, controllers: ["memory"] });
    expect(cg.v2.memory).toBeInstanceOf(MemoryV2); // not cached while the directory was missing
  });

  it("a JS caller's misspelled controller is an UnknownControllerError with a suggestion, before anything is made", async () => {
    const host = fakeHost("v2");
    const err = await Cgroup.create("typo", { ...host.options, controllers: ["memroy" as "memory"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownControllerError);
    expect(err).toMatchObject({ code: "ERR_INVALID_VALUE", controller: "memroy", suggestion: "memory" });
    expect((err as Error).message).toMatch(/controllers: invalid value "memroy": not a cgroup controller \(did you mean "memory"\?\)/);
    expect(fs.existsSync(`${host.v2Dir}/typo`)).toBe(false);
    // a known controller the host lacks is still "not available", not a typo
    await expect(Cgroup.create("typo", { ...host.options, controllers: ["rdma"] })).rejects.toThrow(/controller "rdma" is not available on this host/);
  });

  it("cg.v2 on a group without a cgroup2 directory is unsupported", async () => {
    const host = fakeHost("hybrid");
    const layout = { ...host.layout, v2: undefined, hierarchies: host.layout.v1 };
    const cg = await Cgroup.create("acc", { ...host.options, layout });
    expect(() => cg.v2).toThrow(UnsupportedError);
  });
});
