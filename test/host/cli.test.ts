// cgroupkit as a user runs it: the built executable, spawned, on the host's real hierarchies, as root.
// Every group lives under a random cgroupkit-test-* parent that is removed after each test.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { accessOfMode } from "../../src/cli/commands/spec-scan.js";
import { loadManifest, matchFileName } from "../../src/cli/control-files.js";
import { ensureBuilt } from "../support/build.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The package's bin: the launcher of the bundled CLI. */
const MAIN = path.join(ROOT, "dist/cli/cgroupkit.cjs");
const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && layout.kind !== "none" && ["memory", "pids", "devices", "cpuacct"].every((c) => layout && hierarchyFor(layout, c));
const mountOf = (controller: string) => hierarchyFor(layout!, controller)!.mountPoint!;

interface Result {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built CLI (or another command line) and collect its output. */
function spawnCollect(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, uid: options.uid, gid: options.gid, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

const cgk = (...args: string[]) => spawnCollect(process.execPath, [MAIN, ...args]);

/** A user error: one line on stderr naming the verb, no stack, nothing on stdout. */
function expectOneLineError(r: Result, status: number, pattern: RegExp): void {
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status, stdout: "" });
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Child groups of a test parent in one hierarchy. */
/** `cgroupkit run -- sh -c SCRIPT` in the background, once SCRIPT (which echoes its pid, then execs sleep) has exec'd sleep. */
async function startRun(prefix: string, script: string) {
  const child = spawn(process.execPath, [MAIN, "run", "--parent", prefix, "--", "sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await until("the command to start", () => /^\d+\n/.test(stdout));
  const pid = Number(stdout.trim());
  await until("exec of sleep", () => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep"));
  return { child, pid, exited, stderr: () => stderr };
}

function childrenOf(controller: string, group: string): string[] {
  const dir = `${mountOf(controller)}/${group}`;
  return fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

/** A fresh test-owned parent group name, removed from every hierarchy when the test ends. */
function testParent(context: TestContext): string {
  const prefix = testName();
  // The context's hook: with concurrent tests the global onTestFinished could attach to another test.
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

// Concurrent: each test owns its parent group; the spawned CLIs mostly wait on process start-up.
describe.runIf(usable).concurrent("cgroupkit CLI on the host (spawned, as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("README Quick start, verbatim: /dev/zero is readable, /dev/tty denied, then the summary", async (context) => {
    const prefix = testParent(context);
    // The command as the README gives it; the test parent comes from CGROUPKIT_PARENT so the group is test-owned.
    const quickStart = "npx cgroupkit run --memory 64M --devices libvirt-lxc -- sh -c 'head -c 1 /dev/zero | od -c; head -c 1 /dev/tty'";
    const r = await spawnCollect("sh", ["-c", quickStart], { env: { ...process.env, CGROUPKIT_PARENT: prefix } });
    expect(r.stdout).toBe("0000000  \\0\n0000001\n");
    expect(r.stderr).toMatch(/head: cannot open '\/dev\/tty' for reading: Operation not permitted/);
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit run: ${prefix}/cgroupkit-run-[0-9a-f]{8} exited 1: wall [0-9.]+ s, cpu .+, peak memory .+ of 64\\.0 MiB, OOM kills 0, pids peak \\d+$`, "m"));
    expect(r.status).toBe(1);
    expect(childrenOf("memory", prefix)).toEqual([]); // removed
  });

  it("the denial comes from the device policy: under the container preset /dev/tty is allowed (ENXIO: no terminal)", async (context) => {
    const prefix = testParent(context);
    const r = await cgk("run", "--parent", prefix, "--devices", "container", "--", "sh", "-c", "head -c 1 /dev/tty");
    expect(r.stderr).toMatch(/\/dev\/tty.*No such device or address/);
    expect(r.stderr).not.toMatch(/Operation not permitted/);
  });

  it("run: the command is in the group in every hierarchy, stdio is relayed, the exit status is the command's", async (context) => {
    const prefix = testParent(context);
    const r = await spawnCollect(process.execPath, [MAIN, "run", "--parent", prefix, "--name", "job", "--pids", "50", "--", "sh", "-c", "cat /proc/self/cgroup; cat; exit 3"], { input: "from stdin\n" });
    expect(r.status).toBe(3);
    const lines = r.stdout.split("\n");
    for (const controller of ["memory", "pids", "devices", "cpuacct", "freezer"]) {
      expect(lines.some((l) => new RegExp(`^\\d+:([^:]*,)?${controller}(,[^:]*)?:/${prefix}/job$`).test(l))).toBe(true);
    }
    if (layout!.v2?.mountPoint) expect(lines).toContain(`0::/${prefix}/job`);
    expect(r.stdout).toContain("from stdin\n");
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit run: ${prefix}/job exited 3: `, "m"));
    expect(childrenOf("pids", prefix)).toEqual([]);
  });

  it("run --json --keep: the summary is one JSON line with typed figures, and the group stays with its limits", async (context) => {
    const prefix = testParent(context);
    const r = await cgk("run", "--json", "--keep", "--parent", prefix, "--name", "kept", "--memory", "48M", "--cpu-quota", "50%", "--pids", "20", "--", "sh", "-c", "sleep 0.05 & wait");
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stderr.trimEnd().split("\n").pop()!);
    expect(summary).toMatchObject({ group: `${prefix}/kept`, status: 0, signal: null, kept: true, oomKilled: false, memory: { max: 48 * 1024 * 1024, oomKills: 0 }, pids: { max: 20 } });
    expect(summary.memory.peak).toBeGreaterThan(0);
    expect(summary.cpu.usageUsec).toBeGreaterThan(0);
    expect(childrenOf("memory", prefix)).toEqual(["kept"]);
    expect(fs.readFileSync(`${mountOf("memory")}/${prefix}/kept/memory.limit_in_bytes`, "utf8").trim()).toBe(String(48 * 1024 * 1024));
    expect(fs.readFileSync(`${mountOf("pids")}/${prefix}/kept/pids.max`, "utf8").trim()).toBe("20");
    if (hierarchyFor(layout!, "cpu")?.version === "v1") expect(fs.readFileSync(`${mountOf("cpu")}/${prefix}/kept/cpu.cfs_quota_us`, "utf8").trim()).toBe("50000");
    expect(fs.readFileSync(`${mountOf("devices")}/${prefix}/kept/devices.list`, "utf8")).toBe("c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 5:1 rwm\nc 1:8 rwm\nc 1:9 rwm\n");
    // Running it again under the same name is refused: run never reuses a group.
    expectOneLineError(await cgk("run", "--parent", prefix, "--name", "kept", "--", "true"), 1, /^cgroupkit run: group .*kept already exists/);
  });

  it("run of a command that does not exist: exit 127, one line, group removed", async (context) => {
    const prefix = testParent(context);
    const r = await cgk("run", "--parent", prefix, "--", "no-such-command-cgroupkit");
    expectOneLineError(r, 127, /^cgroupkit run: no-such-command-cgroupkit: command not found\n$/);
    expect(childrenOf("memory", prefix)).toEqual([]);
    expect(childrenOf("devices", prefix)).toEqual([]);
  });

  it("run killed by SIGINT: the signal reaches the command, exit 130, group removed", async (context) => {
    const prefix = testParent(context);
    const { child, pid, exited, stderr } = await startRun(prefix, "echo $$; exec sleep 30");
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(alive(pid)).toBe(false);
    expect(stderr()).toMatch(/exited|killed by SIGINT/);
    expect(childrenOf("memory", prefix)).toEqual([]);
    expect(childrenOf("freezer", prefix)).toEqual([]);
  });

  it("run: a command that ignores SIGINT is killed with its group on the second signal", async (context) => {
    const prefix = testParent(context);
    const { child, pid, exited, stderr } = await startRun(prefix, "trap '' INT; echo $$; exec sleep 30");
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true); // ignored, as the command asked
    child.kill("SIGINT");
    expect(await exited).toBe(137);
    expect(alive(pid)).toBe(false);
    expect(stderr()).toMatch(/killed by SIGKILL/);
    expect(childrenOf("memory", prefix)).toEqual([]);
  });

  it("run --memory 32M: a memory-hungry command is OOM-killed and the summary says so", async (context) => {
    const prefix = testParent(context);
    // tail keeps the whole never-ending line of /dev/zero in memory.
    const json = await cgk("run", "--json", "--parent", prefix, "--memory", "32M", "--memory-swap", "32M", "--", "tail", "/dev/zero");
    expect(json.status).toBe(137);
    const summary = JSON.parse(json.stderr.trimEnd().split("\n").pop()!);
    expect(summary).toMatchObject({ signal: "SIGKILL", oomKilled: true, memory: { max: 32 * 1024 * 1024 } });
    expect(summary.memory.oomKills).toBeGreaterThanOrEqual(1);
    expect(summary.memory.peak).toBeGreaterThan(30 * 1024 * 1024);
    const human = await cgk("run", "--parent", prefix, "--memory", "32M", "--memory-swap", "32M", "--", "tail", "/dev/zero");
    expect(human.status).toBe(137);
    expect(human.stderr).toMatch(/killed by SIGKILL \(the OOM killer\): .*peak memory 3\d\.\d MiB of 32\.0 MiB, OOM kills [1-9]/);
    expect(childrenOf("memory", prefix)).toEqual([]);
  });

  it("create, set, get: typed values round the kernel", async (context) => {
    const prefix = testParent(context);
    const g = `${prefix}/web`;
    expect(await cgk("create", g)).toMatchObject({ status: 0, stdout: expect.stringMatching(new RegExp(`^created ${g}: /sys/fs/cgroup/`)) });
    const set = await cgk("set", g, "memory.limit_in_bytes=64M", "pids.max=100");
    expect(set).toMatchObject({ status: 0, stdout: "memory.limit_in_bytes = 67108864\npids.max = 100\n" });
    expect(fs.readFileSync(`${mountOf("memory")}/${g}/memory.limit_in_bytes`, "utf8")).toBe("67108864\n");
    const [one, json, all] = await Promise.all([
      cgk("get", g, "memory.limit_in_bytes"),
      cgk("get", "--json", `/${g}`, "pids.max", "memory.oom_control", "devices.list"),
      cgk("get", g), // every file the group has, typed
    ]);
    expect(one).toMatchObject({ status: 0, stdout: "67108864\n" });
    const files = JSON.parse(json.stdout).files;
    expect(files["pids.max"]).toBe(100);
    expect(files["memory.oom_control"]).toMatchObject({ oom_kill_disable: 0, under_oom: 0 });
    expect(files["devices.list"]).toEqual([{ type: "a", major: "*", minor: "*", access: "rwm" }]);
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/^memory\.limit_in_bytes: 67108864$/m);
    expect(all.stdout).toMatch(/^memory\.stat:\n\tcache \d+\n/m);
  });

  it("get over many groups in one process: several GROUP arguments, patterns, JSON, a typo'd file, groups first", async (context) => {
    const prefix = testParent(context);
    for (const n of ["a1", "a2", "b1"]) expect((await cgk("create", `${prefix}/lxc/${n}`)).status).toBe(0);
    fs.writeFileSync(`${mountOf("pids")}/${prefix}/lxc/a2/pids.max`, "7");
    const [pattern, several, json, blocks, none, typo, order] = await Promise.all([
      cgk("get", `${prefix}/lxc/a*`, "pids.max"),
      cgk("get", `${prefix}/lxc/b1`, `/${prefix}/lxc/a2`, "pids.max"),
      cgk("get", "--json", `${prefix}/lxc/*`, "pids.max", "memory.limit_in_bytes"),
      cgk("get", `${prefix}/lxc/[ab]1`, "pids.max", "pids.current"),
      cgk("get", `${prefix}/lxc/z*`, "pids.max"),
      cgk("get", `${prefix}/lxc/a1`, `${prefix}/lxc/a2`, "pids.mux"),
      cgk("get", `${prefix}/lxc/a1`, "pids.max", `${prefix}/lxc/a2`),
    ]);
    expect(pattern).toMatchObject({ status: 0, stderr: "", stdout: `${prefix}/lxc/a1: max\n${prefix}/lxc/a2: 7\n` });
    expect(several).toMatchObject({ status: 0, stdout: `${prefix}/lxc/b1: max\n${prefix}/lxc/a2: 7\n` });
    const parsed = JSON.parse(json.stdout) as Array<{ group: string; files: Record<string, unknown> }>;
    expect(parsed.map((g) => [g.group, g.files["pids.max"]])).toEqual([
      [`${prefix}/lxc/a1`, "max"],
      [`${prefix}/lxc/a2`, 7],
      [`${prefix}/lxc/b1`, "max"],
    ]);
    expect(String(parsed[0]!.files["memory.limit_in_bytes"])).toMatch(/^(max|\d+)$/);
    expect(blocks.stdout).toBe(`${prefix}/lxc/a1:\n\tpids.max: max\n\tpids.current: 0\n${prefix}/lxc/b1:\n\tpids.max: max\n\tpids.current: 0\n`);
    expectOneLineError(none, 1, /^cgroupkit get: no group matches ".*\/lxc\/z\*" \(in none of the mounted hierarchies\)\n$/);
    expectOneLineError(typo, 2, /^cgroupkit get: unknown control file "pids\.mux": not in the spec \(did you mean pids\.max\?\)/);
    expectOneLineError(order, 2, /groups come first/);
  });

  it("get over many groups: a file one group lacks is reported on stderr, exit 1, and the others still print", async (context) => {
    const prefix = testParent(context);
    expect((await cgk("create", `${prefix}/full`)).status).toBe(0);
    expect((await cgk("create", "-g", "memory", `${prefix}/memonly`)).status).toBe(0);
    const r = await cgk("get", `${prefix}/*`, "memory.limit_in_bytes", "pids.max");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${prefix}/full:\n\tmemory\.limit_in_bytes: (max|\\d+)\n\tpids\.max: max\n${prefix}/memonly:\n\tmemory\.limit_in_bytes: (max|\\d+)\n$`));
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit get: pids\\.max: this kernel does not show the file in ${prefix}/memonly `));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("set: an unknown file, a value out of range, a read-only file, a name with '..' change nothing (exit 2); the kernel's refusal is exit 1", async (context) => {
    const prefix = testParent(context);
    const g = `${prefix}/web`;
    await cgk("create", g);
    const pidsMax = `${mountOf("pids")}/${g}/pids.max`;
    const before = fs.readFileSync(pidsMax, "utf8");
    const memsw = fs.existsSync(`${mountOf("memory")}/${g}/memory.memsw.limit_in_bytes`);
    const [unknown, range, syntax, readOnly, dotdot, kernel] = await Promise.all([
      cgk("set", g, "pids.max=5", "memory.limit_in_bytez=1M"),
      cgk("set", g, "pids.max=5", "cpu.shares=1"),
      cgk("set", g, "memory.limit_in_bytes=lots"),
      cgk("set", g, "memory.usage_in_bytes=0"),
      cgk("set", `${prefix}/../x`, "pids.max=5"),
      memsw ? cgk("set", g, "memory.memsw.limit_in_bytes=1M") : undefined, // memory+swap below the memory limit
    ]);
    expectOneLineError(unknown, 2, /^cgroupkit set: unknown control file "memory.limit_in_bytez": not in the spec \(did you mean memory.limit_in_bytes\?\)/);
    expectOneLineError(range, 2, /^cgroupkit set: cpu\.shares: invalid value "1": must be at least 2\n$/);
    expectOneLineError(syntax, 2, /memory\.limit_in_bytes: invalid value "lots": expected "max" \(or -1\) or a byte count/);
    expectOneLineError(readOnly, 2, /memory\.usage_in_bytes is read-only/);
    expectOneLineError(dotdot, 2, /invalid cgroup name .*path component "\.\." is not allowed/);
    expect(fs.readFileSync(pidsMax, "utf8")).toBe(before);
    if (kernel) expectOneLineError(kernel, 1, /^cgroupkit set: write .*memory\.memsw\.limit_in_bytes value "1048576": EINVAL \(the kernel refused the value\)\n$/);
  });

  it("every verb that opens a group says so in one line when it is missing; delete needs -r for children", async (context) => {
    const prefix = testParent(context);
    const missing = `${prefix}/nope`;
    const verbs = [["get", missing, "pids.max"], ["set", missing, "pids.max=1"], ["delete", missing], ["devices", "show", missing], ["devices", "apply", missing, "container"], ["exec", missing, "true"], ["classify", missing, "1"], ["tree", missing], ["ls", missing]];
    const results = await Promise.all(verbs.map((argv) => cgk(...argv)));
    results.forEach((r) => expectOneLineError(r, 1, new RegExp(`^cgroupkit [a-z ]+: no such group: ${missing}`)));
    const g = `${prefix}/web`;
    expect((await cgk("create", `${g}/child`)).status).toBe(0);
    expectOneLineError(await cgk("delete", g), 1, /has child groups .*use -r/);
    expect(await cgk("delete", "-r", g)).toMatchObject({ status: 0, stdout: `removed ${g}\n` });
    expect(childrenOf("memory", prefix)).toEqual([]);
  });

  it("create -g and exec: a group in some hierarchies only; exec joins exactly those, relays the status", async (context) => {
    const prefix = testParent(context);
    const g = `${prefix}/m`;
    expect((await cgk("create", "-g", "memory", g)).status).toBe(0);
    expect(fs.existsSync(`${mountOf("memory")}/${g}`)).toBe(true);
    expect(fs.existsSync(`${mountOf("pids")}/${g}`)).toBe(false);
    const r = await cgk("exec", g, "--", "sh", "-c", "cat /proc/self/cgroup; exit 4");
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(new RegExp(`^\\d+:memory:/${g}$`, "m"));
    expect(r.stdout).not.toMatch(new RegExp(`pids:/${g}`));
    expectOneLineError(await cgk("create", "-g", "nosuchcontroller", g), 2, /controller "nosuchcontroller" is not available on this host/);
  });

  it("exec into a group the command cannot join: it is never started", async (context) => {
    const prefix = testParent(context);
    if (hierarchyFor(layout!, "cpuset")?.version !== "v1") return;
    const g = `${prefix}/nocpus`;
    expect((await cgk("create", "-g", "cpuset", g)).status).toBe(0);
    fs.writeFileSync(`${mountOf("cpuset")}/${g}/cpuset.cpus`, "\n"); // no CPU: the v1 kernel refuses every task (ENOSPC)
    const marker = path.join(os.tmpdir(), `${prefix}-marker`);
    const r = await cgk("exec", g, "--", "touch", marker);
    expectOneLineError(r, 1, new RegExp(`^cgroupkit exec: could not move the command into ${g}: write /sys/fs/cgroup/cpuset/${g}/cgroup.procs value "\\d+": ENOSPC .*; it was not started\n$`));
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("classify moves a running process; bad pids are refused", async (context) => {
    const prefix = testParent(context);
    const g = `${prefix}/c`;
    await cgk("create", g);
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const r = await cgk("classify", g, String(sleeper.pid));
      expect(r).toMatchObject({ status: 0, stdout: `moved ${sleeper.pid} into ${g}\n` });
      expect(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, "utf8")).toMatch(new RegExp(`:memory:/${g}$`, "m"));
      expectOneLineError(await cgk("classify", g, "4194304999"), 2, /^cgroupkit classify: cgroup\.procs: invalid value 4194304999: must be at most 2147483647\n$/);
      let gone = 4_000_000;
      while (fs.existsSync(`/proc/${gone}`)) gone++;
      expectOneLineError(await cgk("classify", g, String(gone)), 1, new RegExp(`^cgroupkit classify: no such process: ${gone}\n$`));
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("ls and tree show the hierarchy with figures, in text and JSON", async (context) => {
    const prefix = testParent(context);
    await cgk("create", `${prefix}/x/y`, `${prefix}/z`);
    const tree = await cgk("tree", prefix);
    expect(tree.status).toBe(0);
    const lines = tree.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^GROUP\s+MEMORY\s+CPU\s+PIDS$/);
    expect(lines[1]).toMatch(new RegExp(`^/${prefix}\\s+[0-9.]+ (B|KiB|MiB)\\s+\\S+ (µs|ms|s)\\s+0$`));
    expect(lines.slice(2).map((l) => /^(.*?[a-z])\s{2,}\d/.exec(l)?.[1])).toEqual(["├─ x", "│  └─ y", "└─ z"]);
    const nested = JSON.parse((await cgk("tree", "--json", prefix)).stdout);
    expect(nested.children.map((c: { group: string }) => c.group)).toEqual([`${prefix}/x`, `${prefix}/z`]);
    expect(nested.children[0].children[0]).toMatchObject({ group: `${prefix}/x/y`, usage: { memory: { current: expect.any(Number) }, pids: { current: 0 } } });
    const flat = JSON.parse((await cgk("ls", "--json", prefix)).stdout);
    expect(flat.map((n: { group: string }) => n.group)).toEqual([prefix, `${prefix}/x`, `${prefix}/x/y`, `${prefix}/z`]);
    expect((await cgk("ls", "-d", "1", prefix)).stdout.trimEnd().split("\n")).toHaveLength(4); // header, prefix, x, z
  });

  it("mounts reports the layout readCgroupLayout sees", async () => {
    const json = JSON.parse((await cgk("mounts", "--json")).stdout);
    expect(json.kind).toBe(layout!.kind);
    expect(json.hierarchies.filter((h: { mountPoint?: string }) => h.mountPoint).map((h: { mountPoint: string }) => h.mountPoint).sort()).toEqual(
      layout!.hierarchies.filter((h) => h.mountPoint).map((h) => h.mountPoint).sort(),
    );
    expect((await cgk("mounts")).stdout).toMatch(new RegExp(`^layout: ${layout!.kind}\n`));
  });

  it("devices apply, show and check; a bad policy file changes nothing", async (context) => {
    const prefix = testParent(context);
    const g = `${prefix}/d`;
    await cgk("create", g);
    const list = `${mountOf("devices")}/${g}/devices.list`;
    const bad = path.join(os.tmpdir(), `${prefix}-bad.json`);
    fs.writeFileSync(bad, JSON.stringify({ default: "deny", exceptions: ["c 1:3 rwx"] }));
    try {
      expectOneLineError(await cgk("devices", "apply", g, bad), 2, /c 1:3 rwx/);
      expect(fs.readFileSync(list, "utf8")).toBe("a *:* rwm\n");
      expectOneLineError(await cgk("devices", "apply", g, "no-such-preset"), 2, /neither a preset \(libvirt-lxc, container\) nor a policy file/);
    } finally {
      fs.rmSync(bad, { force: true });
    }
    expect(await cgk("devices", "apply", g, "container")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^applied preset container to .* through v1 devices: \d+ writes, devices\.list verified\n$/) });
    const shown = JSON.parse((await cgk("devices", "show", "--json", g)).stdout);
    expect(shown).toMatchObject({ mechanism: "v1", default: "deny", presets: ["container"] });
    expect((await cgk("devices", "show", g)).stdout).toMatch(/default: deny \(preset container\)\n\s+allow:\n\s+c \*:\* m/);
    const good = path.join(os.tmpdir(), `${prefix}-good.json`);
    fs.writeFileSync(good, JSON.stringify({ default: "deny", exceptions: ["c 1:3 rw"] }));
    try {
      expect((await cgk("devices", "check", good, "c", "1:3", "w")).stdout).toBe("allowed: the allow list has c 1:3 rw, which grants write on c 1:3\n");
      expect((await cgk("devices", "check", good, "c", "1:3", "m")).stdout).toMatch(/^denied: default deny; the allow list names c 1:3 only as c 1:3 rw/);
      expect((await cgk("devices", "apply", g, good)).status).toBe(0);
      expect(fs.readFileSync(list, "utf8")).toBe("c 1:3 rw\n");
    } finally {
      fs.rmSync(good, { force: true });
    }
  });

  it("spec scan: lists what the spec lacks, with the kernel's real access, and removes its probe", async (context) => {
    const prefix = testParent(context);
    const r = await cgk("spec", "scan", "--json", "--parent", prefix);
    expect(r.status).toBe(0);
    const scan = JSON.parse(r.stdout);
    expect(scan.scanned).toBeGreaterThan(100);
    expect(childrenOf("memory", prefix)).toEqual([]); // probe removed
    const manifest = loadManifest();
    // Independently: every root file the spec has no entry for (right version, controller or core) is reported.
    for (const h of layout!.hierarchies.filter((x) => x.mountPoint && x.root === "/")) {
      const label = h.version === "v2" ? "cgroup2" : h.name !== undefined ? `name=${h.name}` : h.controllers.join(",");
      for (const e of fs.readdirSync(h.mountPoint!, { withFileTypes: true })) {
        if (e.isDirectory()) continue;
        const known = matchFileName(e.name).some((m) => m.entry.version === h.version && (h.version === "v2" || m.entry.controller === "core" || h.controllers.includes(m.entry.controller)));
        const reported = scan.missing.some((f: { hierarchy: string; file: string }) => f.hierarchy === label && f.file === e.name);
        expect({ file: `${label}:${e.name}`, reported }).toEqual({ file: `${label}:${e.name}`, reported: !known });
      }
    }
    for (const f of scan.accessDiffers) {
      expect(manifest.some((m) => m.file === f.spec.file && m.access === f.spec.access)).toBe(true);
      expect(f.kernel.access).not.toBe(f.spec.access);
      const h = layout!.hierarchies.find((x) => (x.version === "v2" ? "cgroup2" : x.name !== undefined ? `name=${x.name}` : x.controllers.join(",")) === f.hierarchy)!;
      if (f.kernel.where !== "non-root") expect(accessOfMode(fs.statSync(`${h.mountPoint}/${f.file}`).mode)).toBe(f.kernel.access);
    }
    expect((await cgk("spec", "scan", "--parent", prefix)).stdout).toMatch(/^kernel \S+ \((v1|v2|hybrid)\): \d+ control files seen; \d+ not in the spec, \d+ with other access, \d+ placed otherwise\n/);
  });

  it("not root: one clear line saying so", async (context) => {
    const prefix = testParent(context);
    // The checkout may sit in a directory only root can enter (CI clones anywhere): run a world-readable copy of the build.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-cli-"));
    try {
      fs.chmodSync(copy, 0o755);
      fs.cpSync(path.join(ROOT, "dist"), path.join(copy, "dist"), { recursive: true });
      fs.cpSync(path.join(ROOT, "package.json"), path.join(copy, "package.json"));
      fs.cpSync(path.join(ROOT, "generated/manifest.json"), path.join(copy, "generated/manifest.json"));
      const main = path.join(copy, path.relative(ROOT, MAIN));
      const r = await spawnCollect(process.execPath, [main, "create", `${prefix}/u`], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH } });
      expectOneLineError(r, 1, /^cgroupkit create: mkdir .*: EACCES \(permission denied\); cgroupkit needs root \(or a group delegated to this user\) for this\n$/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("no cgroup filesystem: one clear line (in a private mount namespace with /sys/fs/cgroup unmounted)", async () => {
    const r = await spawnCollect("unshare", ["-m", "--propagation", "private", "sh", "-c", `umount -R /sys/fs/cgroup && exec "${process.execPath}" "${MAIN}" get some-group memory.max`]);
    expectOneLineError(r, 1, /^cgroupkit get: no cgroup filesystem is mounted \(nothing of type cgroup or cgroup2 in \/proc\/self\/mountinfo\); mount one first/);
  });
});
