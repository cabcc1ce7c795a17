// `cgroupkit top` and `tree -p` as a user runs them: the built CLI, spawned, on the host's real
// hierarchies (as root), its figures checked against the raw control files; and `top` in a real
// terminal (tmux at 80×24), driven by keys while a group appears and goes away.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { MAIN as CLI_MAIN, ensureBuilt } from "../support/cli.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MAIN = CLI_MAIN;
const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
/** The hierarchies the groups of these tests live in. */
const CONTROLLERS = ["memory", "pids", "cpuacct", "cpu"] as const;
const mountOf = (c: string) => hierarchyFor(layout!, c)?.mountPoint;
const usable = isRoot && layout !== undefined && CONTROLLERS.every((c) => mountOf(c)) && layout.v2?.mountPoint !== undefined;
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const dirs = (group: string) => [...new Set([...CONTROLLERS.map((c) => mountOf(c)!), layout!.v2!.mountPoint!])].map((m) => `${m}/${group}`);
const raw = (controller: string, group: string, file: string) => fs.readFileSync(`${controller === "cgroup2" ? layout!.v2!.mountPoint : mountOf(controller)}/${group}/${file}`, "utf8").trim();
const writeRaw = (controller: string, group: string, file: string, value: string) => fs.writeFileSync(`${mountOf(controller)}/${group}/${file}`, value);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A test-owned group in every hierarchy above (and cgroup2), removed (its processes killed) when the test ends. */
function makeGroup(name: string): string {
  for (const d of dirs(name)) fs.mkdirSync(d, { recursive: true });
  if (!name.includes("/")) cleanups.push(() => dirs(name).forEach(removeTree));
  return name;
}

/** A shell that joins `group` in every hierarchy, then execs `script`; resolves once it has joined. */
async function startIn(group: string, script: string): Promise<ChildProcess> {
  const procs = dirs(group).map((d) => `${d}/cgroup.procs`);
  const child = spawn("sh", ["-c", `for f in "$@"; do echo $$ > "$f" || exit 9; done; echo joined; exec sh -c '${script}'`, "sh", ...procs], { stdio: ["ignore", "pipe", "ignore"] });
  cleanups.push(() => child.kill("SIGKILL"));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`joining ${group} failed: exit ${code}`)));
  });
  return child;
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI with its stdout collected line by line (stdout is a pipe: batch mode). */
function cgk(args: readonly string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { lines: () => stdout.split("\n").filter(Boolean), done, out: () => stdout, err: () => stderr };
}

/** A tmux server and session of this test's own (its own socket and name), killed when the test ends. */
function tmuxServer() {
  const name = `cgk-top-${randomBytes(4).toString("hex")}`;
  const tmux = (...args: string[]) => {
    const r = spawnSync("tmux", ["-u", "-L", name, "-f", "/dev/null", ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  cleanups.push(() => {
    spawnSync("tmux", ["-L", name, "kill-session", "-t", name]);
    spawnSync("tmux", ["-L", name, "kill-server"]);
  });
  return { name, tmux };
}

interface JsonRow {
  group: string;
  sources: Record<string, string>;
  pids?: { current: number; max: number | "max"; maxHits?: number; maxHitsDelta?: number };
  cpu?: { usageUsec: number; percent?: number };
  memory?: { current: number; max: number | "max"; fraction?: number; oomKills: number; oomKillsDelta: number };
  pressure?: { memory?: { some?: number; full?: number } };
}

describe.runIf(usable)("cgroupkit top and tree -p on the host (spawned, as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("--json: one object per refresh; figures match the raw files; CPU %, OOM kills and pids.max hits move with the groups", async () => {
    const prefix = makeGroup(testName());
    const [idle, busy, oom, forky] = ["idle", "busy", "oom", "forky"].map((n) => makeGroup(`${prefix}/${n}`)) as [string, string, string, string];
    writeRaw("memory", idle, "memory.limit_in_bytes", String(64 << 20));
    writeRaw("pids", idle, "pids.max", "50");
    writeRaw("memory", oom, "memory.limit_in_bytes", String(16 << 20));
    await startIn(idle, "exec sleep 300");
    await startIn(busy, "while :; do :; done");
    const forker = await startIn(forky, "while :; do sleep 0.1; done");

    const top = cgk(["top", "--json", "-n", "6", "-d", "0.5", "--order", "memory", prefix]);
    await until("the first refresh", () => top.lines().length >= 1);
    // After the first refresh: an OOM kill in `oom`, and forks refused by pids.max in `forky`.
    writeRaw("pids", forky, "pids.max", "1");
    const hog = await startIn(oom, "head -c 256M /dev/zero | tail -n 1 >/dev/null");
    expect(await top.done).toBe(0);
    forker.kill("SIGKILL");
    if (hog.exitCode === null && hog.signalCode === null) await new Promise((r) => hog.once("exit", r));
    const frames = top.lines().map((l) => JSON.parse(l) as { time: string; group: string; order: string; groups: JsonRow[]; cost: { files: number } });
    expect(frames).toHaveLength(6);
    const [first, last] = [frames[0]!, frames[5]!];
    const by = (f: (typeof frames)[number], name: string) => f.groups.find((g) => g.group === name)!;
    expect(first.groups.map((g) => g.group).sort()).toEqual([prefix, busy, forky, idle, oom].sort());
    expect(last).toMatchObject({ group: prefix, order: "memory" });
    expect(last.cost.files).toBeGreaterThan(0);
    // Sorted by memory, largest first.
    const mems = last.groups.map((g) => g.memory!.current);
    expect(mems).toEqual([...mems].sort((a, b) => b - a));

    // Limits and counts as the kernel shows them (v1 memory and pids here).
    const i = by(last, idle);
    expect(i.sources).toMatchObject({ memory: "v1", pids: "v1", cpu: "v1", pressure: "v2" });
    expect(i.memory!.max).toBe(Number(raw("memory", idle, "memory.limit_in_bytes")));
    expect(i.memory!.fraction).toBeCloseTo(i.memory!.current / (64 << 20), 6);
    expect(i.pids).toMatchObject({ current: Number(raw("pids", idle, "pids.current")), max: 50 });
    expect(Math.abs(i.memory!.current - Number(raw("memory", idle, "memory.usage_in_bytes")))).toBeLessThan(1 << 20);
    expect(i.pressure!.memory!.some).toBeGreaterThanOrEqual(0);

    // CPU %: none on the first refresh (no delta yet); a busy loop shows, a sleeper does not.
    expect(by(first, busy).cpu!.percent).toBeUndefined();
    expect(by(last, busy).cpu!.percent).toBeGreaterThan(10);
    expect(by(last, idle).cpu!.percent).toBeLessThan(5);
    expect(by(last, busy).cpu!.usageUsec).toBeLessThanOrEqual(Number(raw("cpuacct", busy, "cpuacct.usage")) / 1000);

    // Deltas since top started, against the kernel's counters.
    expect(by(first, oom).memory!.oomKillsDelta).toBe(0);
    const kills = Number(/oom_kill (\d+)/.exec(raw("memory", oom, "memory.oom_control"))![1]);
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(by(last, oom).memory).toMatchObject({ oomKills: kills, oomKillsDelta: kills - by(first, oom).memory!.oomKills });
    const f0 = by(first, forky).pids!;
    const f5 = by(last, forky).pids!;
    expect(f0.maxHitsDelta).toBe(0);
    expect(f5.maxHitsDelta).toBeGreaterThanOrEqual(1);
    expect(f5.maxHitsDelta).toBe(f5.maxHits! - f0.maxHits!);
    expect(f5.maxHits).toBeLessThanOrEqual(Number(/max (\d+)/.exec(raw("pids", forky, "pids.events"))![1]));
  });

  it("-b: plain frames within 80 columns, no escapes when piped, the source note, paths in order", async () => {
    const prefix = makeGroup(testName());
    const idle = makeGroup(`${prefix}/idle`);
    makeGroup(`${prefix}/other`);
    writeRaw("memory", idle, "memory.limit_in_bytes", String(64 << 20));
    writeRaw("pids", idle, "pids.max", "50");
    await startIn(idle, "exec sleep 300");
    const top = cgk(["top", "-b", "-n", "2", "-d", "0.3", "--order", "path", prefix]);
    expect(await top.done).toBe(0);
    const out = top.out();
    expect(out).not.toMatch(/\x1b/);
    const frames = out.trimEnd().split("\n\n");
    expect(frames).toHaveLength(2);
    for (const frame of frames) {
      const lines = frame.split("\n");
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
      expect(lines[0]).toMatch(new RegExp(`^top /${prefix} {2}every 0\\.3s {2}\\d\\d:\\d\\d:\\d\\d {2}3 groups$`));
      expect(lines[1]).toMatch(/^from: mem v1 · cpu v1 · pids v1 · PSI cgroup2 · PSI=memory avg10$/);
      expect(lines[2]).toMatch(/^GROUP▼\s+PIDS\/MAX\s+CPU%\s+MEM\s+USE% LIMIT\s+IO\/s\s+PSI s\/f\s+OOM\+\s+PMX\+$/);
      expect(lines.slice(3).map((l) => /\/(idle|other)\s/.exec(l)?.[1] ?? "parent")).toEqual(["parent", "idle", "other"]);
      const row = lines.find((l) => /\/idle\s/.test(l))!;
      const pct = Math.round((Number(raw("memory", idle, "memory.usage_in_bytes")) / (64 << 20)) * 100);
      expect(row).toMatch(new RegExp(`\\s${raw("pids", idle, "pids.current")}/50\\s`));
      expect(row).toMatch(/\s(\d+)% {2}64\.0M\s/);
      expect(Math.abs(Number(/\s(\d+)% {2}64\.0M/.exec(row)![1]) - pct)).toBeLessThanOrEqual(1);
    }
    // The first frame has no CPU % yet; the second has.
    expect(frames[0]!.split("\n").find((l) => /\/idle\s/.test(l))).toMatch(/\/50\s+-\s/);
    expect(frames[1]!.split("\n").find((l) => /\/idle\s/.test(l))).toMatch(/\/50\s+\d+\.\d\s/);
  });

  it("bad input: one line, exit 2; a missing group: one line, exit 1", async () => {
    for (const [args, pattern] of [
      [["-d", "0"], /--delay "0": expected seconds/],
      [["--order", "size"], /--order "size": expected one of path, tasks, cpu, memory, io/],
      [["-n", "x"], /--iterations "x": expected a positive integer/],
      [["--psi", "irq"], /--psi "irq": expected one of cpu, memory, io/],
    ] as const) {
      const r = cgk(["top", "-b", ...args]);
      expect(await r.done).toBe(2);
      expect(r.err()).toMatch(pattern);
      expect(r.err().trimEnd().split("\n")).toHaveLength(1);
    }
    const missing = cgk(["top", "-b", "-n", "1", `${testName()}-absent`]);
    expect(await missing.done).toBe(1);
    expect(missing.err()).toMatch(/^cgroupkit top: no such group: cgroupkit-test-\S+-absent\n$/);
  });

  it("tree -p: each group's processes (pid and command line) and its limits, in text and JSON", async () => {
    const prefix = makeGroup(testName());
    const web = makeGroup(`${prefix}/web`);
    makeGroup(`${prefix}/web/inner`);
    writeRaw("memory", web, "memory.limit_in_bytes", String(64 << 20));
    writeRaw("pids", web, "pids.max", "20");
    writeRaw("cpu", web, "cpu.cfs_period_us", "100000");
    writeRaw("cpu", web, "cpu.cfs_quota_us", "50000");
    const child = await startIn(web, "exec sleep 301");
    await until("exec of sleep", () => fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8") === "sleep\u0000301\u0000");
    const text = cgk(["tree", "-p", prefix]);
    expect(await text.done).toBe(0);
    const lines = text.out().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^GROUP\s+MEMORY\s+CPU\s+PIDS\s+LIMITS$/);
    expect(lines[1]).toMatch(new RegExp(`^/${prefix}\\s.*\\s-$`));
    expect(lines[2]).toMatch(/^└─ web\s+\S+ \S+\s+\S+ \S+\s+1\s+mem 64\.0 MiB pids 20 cpu 50%$/);
    expect(lines[3]).toBe(`   │ ${child.pid} sleep 301`);
    expect(lines[4]).toMatch(/^ {3}└─ inner\s.*\s0\s+-$/);
    expect(lines).toHaveLength(5);
    const json = cgk(["tree", "-p", "--json", prefix]);
    expect(await json.done).toBe(0);
    const webNode = JSON.parse(json.out()).children[0];
    expect(webNode).toMatchObject({ group: web, processes: [{ pid: child.pid, command: "sleep 301" }], cpuLimit: { quotaUsec: 50000, periodUsec: 100000, source: "v1" } });
    expect(webNode.children[0]).toMatchObject({ group: `${web}/inner`, processes: [] });
  });

  it("tree: a column whose figures come from v1 and cgroup2 says so (a child only in cgroup2 and memory reads CPU from cpu.stat)", async () => {
    const prefix = makeGroup(testName());
    const only2 = `${prefix}/only2`;
    for (const d of [`${mountOf("memory")}/${only2}`, `${layout!.v2!.mountPoint}/${only2}`]) fs.mkdirSync(d);
    const text = cgk(["tree", prefix]);
    expect(await text.done).toBe(0);
    const lines = text.out().trimEnd().split("\n");
    expect(lines[1]).toMatch(new RegExp(`^/${prefix}\\s+\\S+ \\S+\\s+\\S+ (µs|ms|s)\\s+0$`));
    expect(lines[2]).toMatch(/^└─ only2\s+\S+ \S+\s+\S+ (µs|ms|s)\*\s+-$/);
    expect(lines[3]).toBe("(from: mem v1 · cpu v1 (*=cgroup2) · pids v1: a figure marked * is read from the other version)");
    const json = cgk(["ls", "--json", prefix]);
    expect(await json.done).toBe(0);
    expect(JSON.parse(json.out()).map((n: { sources: unknown }) => n.sources)).toEqual([
      { memory: "v1", cpu: "v1", pids: "v1", pressure: "v2" },
      { memory: "v1", cpu: "v2", pressure: "v2" },
    ]);
  });

  it.runIf(hasTmux)("in a real terminal (tmux 80×24): columns, the memory bar, keys sort and quit, a group appears and goes away", async () => {
    const prefix = makeGroup(testName());
    const alpha = makeGroup(`${prefix}/alpha`);
    const bravo = makeGroup(`${prefix}/bravo`);
    writeRaw("memory", alpha, "memory.limit_in_bytes", String(64 << 20));
    writeRaw("memory", bravo, "memory.limit_in_bytes", String(256 << 20));
    await startIn(alpha, "exec sleep 300");
    // bravo uses more memory than alpha: 24 MiB in a node process.
    await startIn(bravo, `exec ${process.execPath} -e "globalThis.b = Buffer.alloc(24 << 20, 1); setInterval(() => {}, 1000)"`);
    await until("bravo's memory", () => Number(raw("memory", bravo, "memory.usage_in_bytes")) > 20 << 20);

    const { name, tmux } = tmuxServer();
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", "-e", "LANG=C.UTF-8", `${process.execPath} ${MAIN} top -d 0.3 --depth 1 --order path ${prefix}; echo top-exit=$?; sleep 60`);
    const screen = () => tmux("capture-pane", "-p", "-t", name);
    const rowOf = (s: string, group: string) => s.split("\n").find((l) => new RegExp(`/${group}\\s`).test(l));

    let s = await until("the first screen with CPU %", () => {
      const text = screen();
      return /\/alpha\s+\S+\s+\d+\.\d/.test(text) && text;
    });
    const lines = s.split("\n");
    expect(lines[2]).toMatch(/^GROUP▼\s+PIDS\/MAX\s+CPU%\s+MEM\s+LIMIT\s+IO\/s\s+PSI s\/f\s+OOM\+\s+PMX\+/);
    expect(lines[0]).toMatch(/^top …\S+ {2}every 0\.3s {2}\d\d:\d\d:\d\d {2}3 groups {2}q quit · sort p t c m i$/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    // The memory bar: alpha's 64 MiB limit, bravo's 256 MiB with about 24 MiB in use (10%: half a cell of five).
    expect(rowOf(s, "alpha")).toMatch(/[█▏▎▍▌▋▊▉·]{5}\s+64\.0M\s/);
    expect(rowOf(s, "bravo")).toMatch(/\s[█▏▎▍▌▋▊▉][▏▎▍▌▋▊▉·]{4}\s+256M\s/);
    expect(tmux("capture-pane", "-p", "-e", "-t", name)).toMatch(/\x1b\[(7|32|33|31)m/); // colours on a terminal
    const order = (text: string) => text.split("\n").filter((l) => /\/(alpha|bravo|late)\s/.test(l)).map((l) => /\/(alpha|bravo|late)\s/.exec(l)![1]);
    expect(order(s)).toEqual(["alpha", "bravo"]);

    tmux("send-keys", "-t", name, "m");
    s = await until("sorted by memory", () => {
      const text = screen();
      return /MEM▼/.test(text) && text;
    });
    expect(order(s)).toEqual(["bravo", "alpha"]);

    // A group that starts during the run shows up, then goes away when removed.
    const late = `${prefix}/late`;
    for (const d of dirs(late)) fs.mkdirSync(d);
    await until("late to appear", () => order(screen()).includes("late"));
    for (const d of dirs(late).reverse()) fs.rmdirSync(d);
    s = await until("late to go", () => {
      const text = screen();
      return !order(text).includes("late") && text;
    });
    expect(order(s)).toEqual(["bravo", "alpha"]);

    tmux("send-keys", "-t", name, "p");
    await until("sorted by path", () => /GROUP▼/.test(screen()) && order(screen()).join() === "alpha,bravo");

    tmux("send-keys", "-t", name, "q");
    // top exits 0 and leaves the alternate screen: what the shell prints next is on a blank, restored screen.
    s = await until("top to quit", () => {
      const text = screen();
      return /top-exit=/.test(text) && text;
    });
    expect(s.trim()).toBe("top-exit=0");
  });
  it.runIf(hasTmux)("in a real terminal: NO_COLOR leaves out colours; SIGINT ends it with 130 and the terminal restored", async () => {
    const prefix = makeGroup(testName());
    const { name, tmux } = tmuxServer();
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", "-e", "LANG=C.UTF-8", "-e", "NO_COLOR=1", `${process.execPath} ${MAIN} top -d 0.2 ${prefix}; echo top-exit=$?; sleep 60`);
    const screen = (...flags: string[]) => tmux("capture-pane", "-p", ...flags, "-t", name);
    await until("the first screen", () => /PIDS\/MAX/.test(screen()));
    expect(screen("-e")).not.toMatch(/\x1b\[[\d;]*m/);
    const shell = Number(tmux("list-panes", "-t", name, "-F", "#{pane_pid}").trim());
    const top = Number(fs.readFileSync(`/proc/${shell}/task/${shell}/children`, "utf8").trim().split(" ")[0]);
    expect(fs.readFileSync(`/proc/${top}/cmdline`, "utf8")).toContain("top");
    process.kill(top, "SIGINT");
    const s = await until("top to end", () => {
      const text = screen();
      return /top-exit=/.test(text) && text;
    });
    expect(s.trim()).toBe("top-exit=130");
  });
});
