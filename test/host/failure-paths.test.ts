// Failure paths found under attack (#11 part 3), each against the host's real hierarchies under a test-owned prefix.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup, CgroupAttachError } from "../../src/cgroup/cgroup.js";
import type { ControllerName } from "../../src/cgroup/controllers.js";
import { main } from "../../src/cli/cli.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources, ResourceApplyError } from "../../src/resources/limits.js";
import { ReadWriteFile } from "../../src/runtime/accessor.js";
import { InvalidValueError } from "../../src/runtime/errors.js";
import { CGROUP_ROOT, isRoot, removeTree, testName, v1Hierarchy, v2Mount } from "../support/host.js";

const V1 = ["memory", "cpu", "cpuset", "pids", "blkio", "freezer", "devices"] as const;
const usable = isRoot && V1.every((c) => v1Hierarchy(c));
const createdTops: string[] = [];

afterEach(() => {
  for (const top of createdTops.splice(0)) {
    for (const h of fs.readdirSync(CGROUP_ROOT)) if (fs.existsSync(`${CGROUP_ROOT}/${h}/${top}`)) removeTree(`${CGROUP_ROOT}/${h}/${top}`);
  }
});

/** A fresh group `<test prefix>/c1` in the given hierarchies (cgroup2 too when `v2`). */
async function group(controllers: readonly ControllerName[] = V1, v2 = false): Promise<Cgroup> {
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

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

/** A sleeping child of this process, killed after the test. */
const sleepers: number[] = [];
afterEach(() => {
  for (const pid of sleepers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});
function sleeper(): number {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  sleepers.push(child.pid!);
  return child.pid!;
}

describe.runIf(usable)("3.6 a move is all hierarchies or none", () => {
  it("attach to a group whose v1 cpuset is empty: refused, moved back everywhere, CgroupAttachError names it", async () => {
    const cg = await group(V1, v2Mount() !== undefined);
    const cpusetDir = cg.placement("cpuset")!.dir;
    expect(cg.placements.indexOf(cg.placement("cpuset")!)).toBeGreaterThan(0); // some hierarchies are written before it
    fs.writeFileSync(`${cpusetDir}/cpuset.cpus`, "\n");
    const pid = sleeper();
    const before = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
    const err = await cg.attach(pid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupAttachError);
    expect(err).toMatchObject({ code: "ENOSPC", pid, refusedAt: cpusetDir, stuck: [] });
    expect((err as CgroupAttachError).movedBack).toHaveLength(cg.placements.indexOf(cg.placement("cpuset")!));
    expect((err as Error).message).toMatch(/cpuset\.cpus or cpuset\.mems is empty.*moved back/);
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8")).toBe(before);
    for (const p of cg.placements) expect(fs.readFileSync(`${p.dir}/cgroup.procs`, "utf8")).toBe("");
  });

  it("set G cgroup.procs=PID moves the process in every hierarchy (it wrote one before)", async () => {
    const cg = await group(V1);
    const pid = sleeper();
    const r = await cli("set", cg.name, `cgroup.procs=${pid}`);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    for (const p of cg.placements) expect(fs.readFileSync(`${p.dir}/cgroup.procs`, "utf8")).toBe(`${pid}\n`);
  });

  it("set G cgroup.procs=PID and classify against an empty cpuset: exit 1, one line, the process is where it was", async () => {
    const cg = await group(V1);
    fs.writeFileSync(`${cg.placement("cpuset")!.dir}/cpuset.cpus`, "\n");
    const pid = sleeper();
    const before = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
    for (const argv of [["set", cg.name, `cgroup.procs=${pid}`], ["classify", cg.name, String(pid)]]) {
      const r = await cli(...argv);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/ENOSPC.*moved back in the \d+ hierarchies/);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8")).toBe(before);
    }
  });
});

describe.runIf(usable)("3.9 set checks the kernel's fixed bounds first and restores on a kernel refusal", () => {
  it.each([["cpu.cfs_quota_us=500", /at least 1 ms/], ["cpu.cfs_quota_us=17592186044416", /17592186044415/], ["pids.max=4194305", /PID_MAX_LIMIT/], ["cpu.cfs_period_us=999", /1000/], ["cpu.cfs_period_us=1000001", /1000000/]])(
    "%s is refused before any write, the earlier file of the same set untouched",
    async (assignment, why) => {
      const cg = await group(["memory", "cpu", "pids"]);
      const r = await cli("set", cg.name, "memory.limit_in_bytes=64M", assignment);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(BigInt(read("memory", cg.name, "memory.limit_in_bytes"))).toBeGreaterThan(1n << 60n);
    },
  );

  it("a value the kernel refuses (a cpu this host lacks) undoes the earlier writes of the same set", async () => {
    const cg = await group(["memory", "cpu", "cpuset"]);
    const before = ["memory.limit_in_bytes", "memory.oom_control"].map((f) => read("memory", cg.name, f));
    const r = await cli("set", cg.name, "memory.limit_in_bytes=64M", "memory.oom_control=1", "cpu.shares=512", `cpuset.cpus=${os.cpus().length + 60}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cpuset\.cpus.*(EINVAL|ERANGE).*restored 3 earlier writes/);
    expect(["memory.limit_in_bytes", "memory.oom_control"].map((f) => read("memory", cg.name, f))).toEqual(before);
    expect(read("cpu", cg.name, "cpu.shares")).toBe("1024\n");
  });
});

describe.runIf(usable && spawnSync("unshare", ["--version"]).status === 0)("3.7 remove walks cgroupfs only", () => {
  it("delete -r --kill with a plain directory bind-mounted inside the group (private mount namespace): refused, the directory untouched", async () => {
    const cg = await group(["memory", "pids"]);
    const inner = `${cg.placement("memory")!.dir}/inner`;
    fs.mkdirSync(inner);
    const plain = fs.mkdtempSync("/tmp/cgroupkit-test-plain-");
    try {
      fs.mkdirSync(`${plain}/keep/deeper`, { recursive: true });
      fs.writeFileSync(`${plain}/keep/file`, "data");
      fs.writeFileSync(`${plain}/cgroup.procs`, `${process.pid}\n`); // a kill that trusted it would signal this test
      const step = `
        import { execFileSync } from "node:child_process";
        import * as fs from "node:fs";
        import { main } from "./src/cli/cli.ts";
        if (fs.readlinkSync("/proc/self/ns/mnt") === process.env.HOST_MNT_NS) throw new Error("not in a private mount namespace");
        execFileSync("mount", ["--bind", process.env.PLAIN, process.env.INNER]);
        let err = "";
        const status = await main(["delete", "-r", "--kill", process.env.GROUP], { stdout: () => {}, stderr: (t) => (err += t) });
        console.log(JSON.stringify({ status, err }));
      `;
      const result = spawnSync("unshare", ["-m", "--propagation", "private", process.execPath, "--import", "tsx", "--input-type=module", "-e", step], {
        encoding: "utf8",
        env: { ...process.env, HOST_MNT_NS: fs.readlinkSync("/proc/self/ns/mnt"), PLAIN: plain, INNER: inner, GROUP: cg.name },
        timeout: 60_000,
      });
      expect(result.stderr).toBe("");
      const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as { status: number; err: string };
      expect(out.status).toBe(1);
      expect(out.err).toMatch(new RegExp(`${inner}.* is not on a cgroup filesystem \\(statfs type 0x[0-9a-f]+; a bind mount\\?\\); nothing under it was walked or removed`));
      expect(fs.existsSync(`${plain}/keep/deeper`)).toBe(true);
      expect(fs.readFileSync(`${plain}/keep/file`, "utf8")).toBe("data");
      // Outside the namespace the mount never existed: the group is removed as usual.
      await cg.remove({ kill: true });
      for (const p of cg.placements) expect(fs.existsSync(p.dir)).toBe(false);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe.runIf(usable)("3.8 policy input is bounded", () => {
  const tmpFiles: string[] = [];
  afterEach(() => {
    for (const f of tmpFiles.splice(0)) fs.rmSync(f, { recursive: true, force: true });
  });
  const policyFile = (content: string) => {
    const dir = fs.mkdtempSync("/tmp/cgroupkit-test-policy-");
    tmpFiles.push(dir);
    fs.writeFileSync(`${dir}/p.json`, content);
    return `${dir}/p.json`;
  };
  const rules = (n: number) => Array.from({ length: n }, (_, i) => `c ${Math.floor(i / 200) + 1}:${i % 200} rw`);

  it.each([["/dev/zero", /must be a regular file/], ["/proc/self", /must be a regular file/]])("devices apply G %s is refused at once, nothing written", async (file, why) => {
    const cg = await group(["devices"]);
    const started = Date.now();
    const r = await cli("devices", "apply", cg.name, file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(read("devices", cg.name, "devices.list")).toBe("a *:* rwm\n");
  });

  it("a FIFO is refused without waiting for a writer", async () => {
    const dir = fs.mkdtempSync("/tmp/cgroupkit-test-policy-");
    tmpFiles.push(dir);
    expect(spawnSync("mkfifo", [`${dir}/fifo`]).status).toBe(0);
    const r = await cli("devices", "check", `${dir}/fifo`, "c", "1:3", "r");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/must be a regular file/);
  });

  it("a 19,900-rule policy (state form and OCI form) is refused with the bound, in well under a second", async () => {
    const cg = await group(["devices"]);
    for (const content of [JSON.stringify({ default: "deny", exceptions: rules(19_900) }), JSON.stringify(rules(19_900).map((r) => ({ allow: true, type: "c", major: Number(r.split(/[ :]/)[1]), minor: Number(r.split(/[ :]/)[2]), access: "rw" })))]) {
      const started = Date.now();
      const r = await cli("devices", "apply", cg.name, policyFile(content));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/19900 rules.*at most 1024 rules|at most 1048576 bytes/); // the OCI form is 1.2 MB
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(read("devices", cg.name, "devices.list")).toBe("a *:* rwm\n");
  });

  it("a file over 1 MiB is refused before it is parsed", async () => {
    const r = await cli("devices", "check", policyFile(" ".repeat((1 << 20) + 1) + "[]"), "c", "1:3", "r");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at most 1048576 bytes/);
  });

  it("a long policy within the bound is applied, and the CLI says it is working first", async () => {
    const cg = await group(["devices"]);
    const r = await cli("devices", "apply", cg.name, policyFile(JSON.stringify({ default: "deny", exceptions: rules(300) })));
    expect(r.stderr).toMatch(/^cgroupkit devices apply: 300 rules; planning and writing them can take a few seconds…\n$/);
    expect(r.status).toBe(0);
    expect(read("devices", cg.name, "devices.list").trimEnd().split("\n")).toHaveLength(300);
  });
});

const ROOT = path.resolve(import.meta.dirname, "../..");

describe.runIf(usable)("3.10 small holes in the CLI", () => {
  it.each(["   ", "a/ /b", "\t"])("group name %j (only whitespace in a component) is refused before any syscall", async (name) => {
    const r = await cli("create", name);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is only whitespace/);
    expect(fs.readdirSync(`${CGROUP_ROOT}/memory`).filter((n) => /^\s*$/.test(n))).toEqual([]);
  });

  it.each(["0", "1", "5M"])("run --memory %s is refused with the reason, nothing created", async (size) => {
    const name = testName();
    createdTops.push(name);
    const r = await cli("run", "--name", name, "--memory", size, "--", "true");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/below 6M the command is OOM-killed as it starts/);
    expect(fs.existsSync(`${CGROUP_ROOT}/memory/${name}`)).toBe(false);
  });

  it("run --memory 6M (the floor) runs a shell to completion", async () => {
    const name = testName();
    createdTops.push(name);
    const r = await cli("run", "--name", name, "--memory", "6M", "--", "sh", "-c", "exit 7");
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/OOM kills 0/);
  });

  it("devices show as a non-root user on a v1 devices host: the v1 policy, and a note where the BPF query needs CAP_SYS_ADMIN", async () => {
    const cg = await group(["devices"], v2Mount() !== undefined);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-cli-"));
    try {
      fs.chmodSync(copy, 0o755);
      fs.cpSync(path.join(ROOT, "dist"), path.join(copy, "dist"), { recursive: true });
      fs.cpSync(path.join(ROOT, "package.json"), path.join(copy, "package.json"));
      fs.cpSync(path.join(ROOT, "generated/manifest.json"), path.join(copy, "generated/manifest.json"));
      // the BPF binding and its native part
      for (const pkg of ["koffi", "@koromix"]) if (fs.existsSync(path.join(ROOT, "node_modules", pkg))) fs.cpSync(path.join(ROOT, "node_modules", pkg), path.join(copy, "node_modules", pkg), { recursive: true });
      const r = spawnSync(process.execPath, [path.join(copy, "dist/src/cli/main.js"), "devices", "show", cg.name], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH }, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^v1 devices \(.*\):\n  default: allow/);
      if (cg.v2Placement) expect(r.stdout).toMatch(/cgroup2 device programs \(.*\): not shown \(EPERM: listing them needs CAP_SYS_ADMIN\)/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("deny -> allow with exceptions: exit 2 naming the CLI's own flag, nothing written; with the flag it applies", async () => {
    const cg = await group(["devices"]);
    const dir = fs.mkdtempSync("/tmp/cgroupkit-test-policy-");
    try {
      fs.writeFileSync(`${dir}/allow.json`, JSON.stringify({ default: "allow", exceptions: ["c 5:0 rwm"] }));
      expect((await cli("devices", "apply", cg.name, "libvirt-lxc")).status).toBe(0);
      const held = read("devices", cg.name, "devices.list");
      const refused = await cli("devices", "apply", cg.name, `${dir}/allow.json`);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/nothing was written\. --allow-transient-allow-all accepts that window/);
      expect(refused.stderr).not.toMatch(/allowTransientAllowAll/);
      expect(read("devices", cg.name, "devices.list")).toBe(held);
      const applied = await cli("devices", "apply", "--allow-transient-allow-all", cg.name, `${dir}/allow.json`);
      expect(applied).toMatchObject({ status: 0 });
      expect(read("devices", cg.name, "devices.list")).toBe("a *:* rwm\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
