// libcgroup's habits (cgcreate, cgset, cgget, cgexec, cgclassify, cgdelete) and the device-flag fixes, as a user
// types them: the built CLI spawned as root on the host's real hierarchies. The libcgroup forms must leave the
// same files as cgroupkit's own forms; every refused form must say what to type instead.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { hostFileName } from "../../src/cli/control-files.js";
import { ensureBuilt, MAIN, spawnCollect, type Result } from "../support/cli.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && layout.kind !== "none" && ["memory", "pids", "devices"].every((c) => layout && hierarchyFor(layout, c)?.mountPoint);
const mountOf = (controller: string) => hierarchyFor(layout!, controller)!.mountPoint!;
/** The memory limit file where this host binds memory (memory.limit_in_bytes on v1, memory.max on cgroup2). */
const MEMORY_LIMIT = layout ? hostFileName(layout, "memory.max") : "memory.max";


const cgk = (...args: string[]): Promise<Result> => spawnCollect(process.execPath, [MAIN, ...args]);

/** A usage error: exit 2, one line on stderr, nothing on stdout. */
function expectRefused(r: Result, pattern: RegExp): void {
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: "" });
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
}

/** The mounted hierarchies in which a group's directory exists. */
function placedIn(group: string): string[] {
  return layout!.hierarchies.filter((h) => h.mountPoint && fs.existsSync(`${h.mountPoint}/${group}`)).map((h) => h.mountPoint!);
}

/** A file of a group where the controller's hierarchy is mounted, read raw. */
function raw(controller: string, group: string, file: string): string {
  return fs.readFileSync(`${mountOf(controller)}/${group}/${file}`, "utf8");
}

/** /proc/PID/cgroup without the hierarchy ids, sorted: what a process's placement is. */
function placementOf(text: string, prefix: string): string[] {
  return text.trim().split("\n").map((l) => l.slice(l.indexOf(":") + 1)).filter((l) => l.includes(prefix)).sort();
}

function testParent(context: TestContext): string {
  const prefix = testName();
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

describe.runIf(usable).concurrent("libcgroup's forms and the device flags (spawned CLI, as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("create -g / set -r / set -g / get -n -v -r -g leave and show the same files as cgroupkit's own forms", async (context) => {
    const p = testParent(context);
    const [lib, own] = [`${p}/lib`, `${p}/own`];
    expect((await cgk("create", "-g", "memory,pids:" + lib)).status).toBe(0);
    expect((await cgk("create", "--controllers", "memory,pids", own)).status).toBe(0);
    expect(placedIn(lib).map((m) => m.replace(lib, ""))).toEqual(placedIn(own).map((m) => m.replace(own, "")));
    expect(placedIn(lib)).toContain(mountOf("memory"));

    expect(await cgk("set", "-r", `${MEMORY_LIMIT}=64M`, "-r", "pids.max=7", lib)).toMatchObject({ status: 0, stderr: "" });
    expect(await cgk("set", own, `${MEMORY_LIMIT}=64M`, "pids.max=7")).toMatchObject({ status: 0, stderr: "" });
    for (const g of [lib, own]) expect([raw("memory", g, MEMORY_LIMIT), raw("pids", g, "pids.max")]).toEqual(["67108864\n", "7\n"]);
    expect((await cgk("set", "-g", `pids:${lib}`, "pids.max=9")).status).toBe(0);
    expect(raw("pids", lib, "pids.max")).toBe("9\n");
    expect((await cgk("set", `${lib}`, "pids.max=7")).status).toBe(0);

    expect(await cgk("get", "-nv", "-r", MEMORY_LIMIT, "-r", "pids.max", lib, own)).toMatchObject({ status: 0, stdout: "67108864\n7\n67108864\n7\n" });
    expect((await cgk("get", "-n", "-r", "pids.max", lib, own)).stdout).toBe("pids.max: 7\npids.max: 7\n");
    expect((await cgk("get", "-r", "pids.max", lib, own)).stdout).toBe(`${lib}: 7\n${own}: 7\n`);
    expect((await cgk("get", "-v", "-r", "pids.max", "-r", MEMORY_LIMIT, lib)).stdout).toBe("7\n67108864\n");
    expect((await cgk("get", "-g", `memory:${lib}`, MEMORY_LIMIT)).stdout).toBe("67108864\n");
    expect((await cgk("get", "-g", `memory:${lib}`, "-r", MEMORY_LIMIT)).stdout).toBe((await cgk("get", own, MEMORY_LIMIT)).stdout);
    // -g CTRL alone: a whole-group read of that controller's files only.
    const pidsOnly = await cgk("get", "-g", "pids", lib);
    expect(pidsOnly.status).toBe(0);
    const names = pidsOnly.stdout.trim().split("\n").map((l) => l.split(":")[0]);
    expect(names).toContain("pids.max");
    expect(names.every((n) => n?.startsWith("pids."))).toBe(true);
  });

  it("set --copy-from writes what differs, the same values as the source's files; a second run writes nothing", async (context) => {
    const p = testParent(context);
    const [src, dst] = [`${p}/src`, `${p}/dst`];
    for (const g of [src, dst]) expect((await cgk("create", "--controllers", "memory,pids", g)).status).toBe(0);
    expect((await cgk("set", src, `${MEMORY_LIMIT}=32M`, "pids.max=11")).status).toBe(0);
    expect((await cgk("set", dst, "pids.max=3")).status).toBe(0);
    const first = await cgk("set", "--copy-from", src, dst);
    expect(first).toMatchObject({ status: 0, stderr: "" });
    expect(first.stdout).toContain("pids.max = 11");
    expect(first.stdout).toContain(`${MEMORY_LIMIT} = 33554432`);
    for (const [c, f] of [["memory", MEMORY_LIMIT], ["pids", "pids.max"]] as const) expect(raw(c, dst, f)).toBe(raw(c, src, f));
    expect(await cgk("set", "--copy-from", src, dst)).toMatchObject({ status: 0, stdout: "" });
    expectRefused(await cgk("set", "--copy-from", src, dst, "pids.max=1"), /give --copy-from or FILE=VALUE, not both/);
  });

  it("set: a write the kernel refuses sets the files written before it back to their old values", async (context) => {
    const p = testParent(context);
    const g = `${p}/undo`;
    expect((await cgk("create", "--controllers", "pids,cpuset", g)).status).toBe(0);
    expect((await cgk("set", g, "pids.max=5")).status).toBe(0);
    const cpus = hierarchyFor(layout!, "cpuset")!.version === "v1" ? raw("cpuset", g, "cpuset.cpus") : undefined;
    // CPU 4095 passes the codec (a range list) but no such CPU is online: the kernel refuses the second write.
    const r = await cgk("set", "-r", "pids.max=9", "-r", "cpuset.cpus=4095", g);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cpuset\.cpus.*ERANGE; restored 1 earlier writes\n$/);
    expect(raw("pids", g, "pids.max")).toBe("5\n");
    if (cpus !== undefined) expect(raw("cpuset", g, "cpuset.cpus")).toBe(cpus);
  });

  it("create -a UID:GID -t UID:GID: admin owns the directory and its files, tasks the membership files (fs.statSync)", async (context) => {
    const p = testParent(context);
    const g = `${p}/owned`;
    const r = await cgk("create", "-a", "1000:1001", "-t", "1002:1003", "-g", `memory,pids:${g}`);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    const owner = (file: string) => {
      const st = fs.statSync(file);
      return `${st.uid}:${st.gid}`;
    };
    for (const c of ["memory", "pids"]) {
      const dir = `${mountOf(c)}/${g}`;
      expect(owner(dir)).toBe("1000:1001");
      expect(owner(`${dir}/${c === "memory" ? MEMORY_LIMIT : "pids.max"}`)).toBe("1000:1001");
      for (const f of ["cgroup.procs", "tasks"]) if (fs.existsSync(`${dir}/${f}`)) expect(owner(`${dir}/${f}`)).toBe("1002:1003");
    }
    if (layout!.v2?.mountPoint) {
      const dir = `${layout!.v2.mountPoint}/${g}`;
      expect(owner(dir)).toBe("1000:1001");
      expect(owner(`${dir}/cgroup.procs`)).toBe("1002:1003");
      expect(owner(`${dir}/cgroup.threads`)).toBe("1002:1003");
    }
    // The parent the call made on the way is not handed over.
    expect(owner(`${mountOf("memory")}/${p}`)).toBe("0:0");
    expectRefused(await cgk("create", "-a", "alice:staff", `${p}/x`), /-a "alice:staff": expected UID:GID as numbers .*\$\(id -u USER\)/);
    expectRefused(await cgk("create", "-d", "775", `${p}/x`), /option -d is not taken: cgroupkit create sets owners \(-a UID:GID, -t UID:GID\), not modes; .*chmod/);
    expect(placedIn(`${p}/x`)).toEqual([]);
  });

  it("exec -g and classify -g join the same hierarchies as cgroupkit's own forms; delete -g removes the group", async (context) => {
    const p = testParent(context);
    const g = `${p}/job`;
    expect((await cgk("create", "-g", `memory,pids:${g}`)).status).toBe(0);
    const viaSpec = await cgk("exec", "-g", `memory,pids:${g}`, "cat", "/proc/self/cgroup");
    const viaOwn = await cgk("exec", g, "cat", "/proc/self/cgroup");
    expect(viaSpec.status).toBe(0);
    expect(placementOf(viaSpec.stdout, g)).toEqual(placementOf(viaOwn.stdout, g));
    expect(placementOf(viaSpec.stdout, g).some((l) => /(^|,)memory(,|:)/.test(l))).toBe(true);
    // Only memory (and cgroup2): not the pids hierarchy, which has the group too.
    const memoryOnly = placementOf((await cgk("exec", "-g", `memory:${g}`, "--", "cat", "/proc/self/cgroup")).stdout, g);
    expect(memoryOnly.some((l) => /(^|,)pids(,|:)/.test(l))).toBe(false);
    expect(memoryOnly.some((l) => /(^|,)memory(,|:)/.test(l))).toBe(true);

    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      expect(await cgk("classify", "-g", `memory,pids:${g}`, String(sleeper.pid))).toMatchObject({ status: 0, stdout: `moved ${sleeper.pid} into ${g}\n` });
      expect(placementOf(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, "utf8"), g)).toEqual(placementOf(viaOwn.stdout, g));
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((r) => sleeper.once("exit", r));
    }
    expectRefused(await cgk("exec", "-g", `memory:${g}`, "-g", `pids:${p}/other`, "true"), /-g names 2 groups .*give one -g, e.g. -g memory,cpu:/);
    const wrong = await cgk("delete", `memory:${g}`);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`for libcgroup's CONTROLLERS:PATH type -g memory:${g}`);
    expect(await cgk("delete", "-g", `memory,pids:${g}`)).toMatchObject({ status: 0, stdout: `removed ${g}\n` });
    expect(placedIn(g)).toEqual([]);
  });

  it("refused forms say what to type instead", async () => {
    expectRefused(await cgk("set", "-r", "pids.max", "web"), /-r "pids.max": expected FILE=VALUE .*to read a file, type cgroupkit get GROUP pids.max/);
    expectRefused(await cgk("get", "-r", "pids.max=1", "web"), /get reads a file; to write it, type cgroupkit set -r pids.max=1 GROUP/);
    expectRefused(await cgk("exec", "-g", "web", "true"), /-g "web": expected CONTROLLERS:PATH, e.g. -g memory,cpu:web/);
    expectRefused(await cgk("create", "-g", ":web"), /no controller before ":"; e.g. -g memory:web, or -g '\*:web'/);
    expectRefused(await cgk("set", "pids.max=1"), /missing group: type cgroupkit set GROUP FILE=VALUE/);
    expectRefused(await cgk("get", "-a", "web"), /option -a is not taken: every controller's files are read by default: type cgroupkit get GROUP/);
    expectRefused(await cgk("get", "-m"), /option -m is not taken: .*cgroupkit mounts/);
  });

  it("--devices none is refused; allow-all is explicit, opens the ACL, and the summary says so", async (context) => {
    const p = testParent(context);
    expectRefused(await cgk("run", "--parent", p, "--devices", "none", "--", "true"), /device policy "none" is ambiguous: type allow-all to allow every device .*or a preset \(libvirt-lxc, container\)/);
    expect(placedIn(p).filter((m) => fs.readdirSync(`${m}/${p}`, { withFileTypes: true }).some((e) => e.isDirectory()))).toEqual([]);
    const devicesV1 = hierarchyFor(layout!, "devices")!.version === "v1";
    const open = await cgk("run", "--parent", p, "--name", "open", "--devices", "allow-all", "--", "sh", "-c", devicesV1 ? `cat ${mountOf("devices")}/${p}/open/devices.list` : "true");
    expect(open.status).toBe(0);
    if (devicesV1) expect(open.stdout).toBe("a *:* rwm\n");
    expect(open.stderr).toMatch(/exited 0: .*; device ACL open: every device allowed \(allow-all\)\n$/);
    const closed = await cgk("run", "--parent", p, "--", "true");
    expect(closed.status).toBe(0);
    expect(closed.stderr).not.toMatch(/ACL open/);
    const json = await cgk("run", "--json", "--parent", p, "--devices", "allow-all", "--", "true");
    expect(JSON.parse(json.stderr).devices).toEqual({ policy: "allow-all", open: true });
  });

  it("devices --help and spec --help list their sub-verbs; set's help examples work on this host; a missing file says where its controller is", async (context) => {
    for (const [group, subs] of [["devices", ["show", "apply", "check"]], ["spec", ["scan"]]] as const) {
      const r = await cgk(group, "--help");
      expect(r).toMatchObject({ status: 0, stderr: "" });
      for (const s of subs) expect(r.stdout).toContain(`cgroupkit ${group} ${s}`);
    }
    const p = testParent(context);
    const g = `${p}/web`;
    expect((await cgk("create", g)).status).toBe(0);
    const help = (await cgk("set", "--help")).stdout;
    const example = help.split("\n").map((l) => l.trim()).find((l) => l.startsWith("cgroupkit set web "));
    expect(example).toContain(`${MEMORY_LIMIT}=512M`);
    const argv = example!.split(" ").slice(1).map((a) => (a === "web" ? g : a));
    expect(await cgk(...argv)).toMatchObject({ status: 0, stderr: "" });
    expect(raw("memory", g, MEMORY_LIMIT)).toBe("536870912\n");
    const memory = hierarchyFor(layout!, "memory")!;
    if (memory.version === "v1" && layout!.v2?.mountPoint) {
      const r = await cgk("set", g, "memory.max=1M");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`memory is bound to the v1 hierarchy at ${memory.mountPoint}; its file there is memory.limit_in_bytes`);
      expect(raw("memory", g, MEMORY_LIMIT)).toBe("536870912\n");
    } else {
      expect((await cgk("set", g, "memory.limit_in_bytes=1M")).stderr).toMatch(/this group has no hierarchy for v1 memory/);
    }
  });
});
