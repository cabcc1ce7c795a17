// `cgroupkit serve-metrics` as a user runs it: the built CLI spawned on the host's real hierarchies,
// scraped with fetch and by a real Prometheus (Debian's package, /usr/bin/prometheus), whose
// PromQL answers must match the raw control files. Groups live under a test-owned prefix.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import type { ControllerName } from "../../src/cgroup/controllers.js";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { openMetricsCollector, type Scrape } from "../../src/metrics/collector.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { MAIN as CLI_MAIN, ensureBuilt } from "../support/cli.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const mounted = (c: string) => (layout ? hierarchyFor(layout, c)?.mountPoint !== undefined : false);
const usable = isRoot && layout !== undefined && ["memory", "pids"].every(mounted);
const PROMETHEUS = "/usr/bin/prometheus";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A test-owned parent, removed from every hierarchy after the test (processes killed first). */
function testParent(): string {
  const prefix = testName();
  cleanups.push(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

/** The raw files the assertions compare with, by the version that holds memory. */
function memoryFiles(cg: Cgroup) {
  const p = cg.placement("memory")!;
  const v2 = p.hierarchy.version === "v2";
  return {
    hierarchy: v2 ? "unified" : p.hierarchy.controllers.join(","),
    limit: () => fs.readFileSync(`${p.dir}/${v2 ? "memory.max" : "memory.limit_in_bytes"}`, "utf8").trim(),
    oomKills: () => Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(`${p.dir}/${v2 ? "memory.events" : "memory.oom_control"}`, "utf8"))?.[1]),
  };
}

async function limitMemory(cg: Cgroup, bytes: bigint): Promise<void> {
  if (cg.placement("memory")!.hierarchy.version === "v2") {
    await cg.requireV2("memory").max.write(bytes);
    await cg.requireV2("memory").swapMax.write(0n).catch(() => undefined); // no swap accounting: nothing to limit
  } else {
    await cg.v1.memory!.limitInBytes.write(bytes);
    // With swap, a v1 group over its limit swaps instead of OOMing: bound memory+swap too where accounted.
    await cg.v1.memory!.memswLimitInBytes.write(bytes).catch(() => undefined);
  }
}

/** Run `tail /dev/zero` (it keeps its one endless line in memory) inside `cg` until the OOM killer ends it. */
async function oomKillIn(cg: Cgroup): Promise<void> {
  const procs = cg.placements.map((p) => `${p.dir}/cgroup.procs`);
  const child = spawn("sh", ["-c", `for f in ${procs.join(" ")}; do echo $$ > "$f"; done; exec tail /dev/zero`], { stdio: "ignore" });
  const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child.on("close", (code, signal) => resolve(signal ?? code)));
  expect(exit).toBe("SIGKILL");
}

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `cgroupkit serve-metrics --listen 127.0.0.1:0 ...` until it prints its URL; stopped after the test if still running. */
async function serve(...args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI_MAIN, "serve-metrics", "--listen", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    return { code: await closed, stdout, stderr };
  };
  cleanups.push(async () => void (await stop("SIGKILL")));
  const deadline = Date.now() + 15_000;
  while (!/http:\/\/\S+\/metrics/.test(stdout)) {
    if (child.exitCode !== null) throw new Error(`serve-metrics exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`serve-metrics printed no URL: ${stdout}${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: /http:\/\/\S+\/metrics/.exec(stdout)![0], child, stop };
}

/** Samples of one exposition text: `name{labels}` → value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.set(m[1]!, m[2] === "+Inf" ? Infinity : Number(m[2]));
  }
  return out;
}

const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

describe.runIf(usable)("serve-metrics on the host (spawned, as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("exports limits, OOM kills, pids and the scrape's cost as the raw files say; new groups appear, removed ones drop out; SIGINT stops it", async () => {
    const prefix = testParent();
    const controllers: ControllerName[] = ["memory", "pids", ...(["cpuacct", "cpu"] as const).filter(mounted)];
    const steady = await Cgroup.create(`${prefix}/steady`, { controllers, layout });
    const hog = await Cgroup.create(`${prefix}/hog`, { controllers, layout });
    await limitMemory(steady, 64n << 20n);
    await limitMemory(hog, 16n << 20n);
    const pidsDir = steady.placement("pids")!;
    fs.writeFileSync(`${pidsDir.dir}/pids.max`, "37");
    await oomKillIn(hog);
    const mem = memoryFiles(hog);
    expect(mem.oomKills()).toBeGreaterThanOrEqual(1);

    const server = await serve("--root", prefix);
    const first = await scrape(server.url);
    const label = (group: string, hierarchy: string) => ({ group: `/${prefix}/${group}`, hierarchy });
    const pidsLabel = pidsDir.hierarchy.version === "v2" ? "unified" : pidsDir.hierarchy.controllers.join(",");

    expect(first.get(series("cgroupkit_memory_limit_bytes", label("hog", mem.hierarchy)))).toBe(Number(mem.limit()));
    expect(first.get(series("cgroupkit_memory_limit_bytes", label("steady", mem.hierarchy)))).toBe(Number(memoryFiles(steady).limit()));
    expect(first.get(series("cgroupkit_memory_events_total", { ...label("hog", mem.hierarchy), event: "oom_kill" }))).toBe(mem.oomKills());
    expect(first.get(series("cgroupkit_memory_events_total", { ...label("steady", mem.hierarchy), event: "oom_kill" }))).toBe(0);
    expect(first.get(series("cgroupkit_pids_limit", label("steady", pidsLabel)))).toBe(37);
    expect(first.get(series("cgroupkit_pids_limit", label("hog", pidsLabel)))).toBe(Infinity);
    expect(first.get(series("cgroupkit_pids_current", label("steady", pidsLabel)))).toBe(Number(fs.readFileSync(`${pidsDir.dir}/pids.current`, "utf8")));
    // Each hierarchy's figure from its own file: hog has no process left, so its CPU totals are still.
    const cpuacct = hog.placement("cpuacct");
    if (cpuacct?.hierarchy.version === "v1") {
      const cpuLabel = cpuacct.hierarchy.controllers.join(",");
      expect(first.get(series("cgroupkit_cpu_usage_seconds_total", label("hog", cpuLabel)))).toBe(Number(fs.readFileSync(`${cpuacct.dir}/cpuacct.usage`, "utf8")) / 1e9);
    }
    const unified = hog.v2Placement;
    if (unified) {
      const usec = Number(/^usage_usec (\d+)$/m.exec(fs.readFileSync(`${unified.dir}/cpu.stat`, "utf8"))![1]);
      expect(first.get(series("cgroupkit_cpu_usage_seconds_total", label("hog", "unified")))).toBe(usec / 1e6);
    }
    // The parent (the root given) is exported too, and nothing outside it.
    expect(first.has(series("cgroupkit_memory_usage_bytes", { group: `/${prefix}`, hierarchy: mem.hierarchy }))).toBe(true);
    expect([...first.keys()].filter((k) => /group="/.test(k) && !k.includes(`group="/${prefix}`))).toEqual([]);
    // On a host with a cgroup2 mount, its groups are labelled unified, with PSI totals where the kernel has PSI.
    const v2 = layout!.v2?.mountPoint;
    if (v2) {
      expect(first.has(series("cgroupkit_cpu_usage_seconds_total", label("hog", "unified")))).toBe(true);
      if (fs.existsSync(`${v2}/${prefix}/hog/cpu.pressure`)) expect(first.get(series("cgroupkit_pressure_stall_seconds_total", { ...label("hog", "unified"), resource: "cpu", kind: "some" }))).toBeGreaterThanOrEqual(0);
    }
    // The scrape's own cost.
    expect(first.get("cgroupkit_scrape_files_read")).toBeGreaterThan(0);
    // Opening listed every directory; the first scrape only lstats them (their link counts are unchanged).
    expect(first.get("cgroupkit_scrape_directories_checked")).toBeGreaterThanOrEqual(3 * 2);
    expect(first.get("cgroupkit_scrape_directories_listed")).toBe(0);
    expect(first.get("cgroupkit_scrape_duration_seconds")).toBeGreaterThan(0);
    expect(first.get("cgroupkit_scrape_file_errors")).toBe(0);
    expect(first.get(series("cgroupkit_scrape_groups", { hierarchy: mem.hierarchy }))).toBe(3);

    // A group made after the first scrape appears; a removed one drops out.
    const late = await Cgroup.create(`${prefix}/late`, { controllers, layout });
    await limitMemory(late, 48n << 20n);
    await steady.remove();
    const second = await scrape(server.url);
    expect(second.get(series("cgroupkit_memory_limit_bytes", label("late", mem.hierarchy)))).toBe(48 * 2 ** 20);
    expect([...second.keys()].filter((k) => k.includes(`group="/${prefix}/steady"`))).toEqual([]);
    expect(second.get(series("cgroupkit_scrape_groups", { hierarchy: mem.hierarchy }))).toBe(3);
    // The parent's link count changed (one child out, one in) and late is new: both listed, in each hierarchy.
    expect(second.get("cgroupkit_scrape_directories_listed")).toBeGreaterThanOrEqual(2 * 2);
    expect(second.get("cgroupkit_scrape_open_files")).toBe(first.get("cgroupkit_scrape_open_files"));
    // Files stay open between scrapes: the server holds hog's limit file, and a scrape with nothing new opens nothing.
    const fds = () => fs.readdirSync(`/proc/${server.child.pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${server.child.pid}/fd/${fd}`); } catch { return ""; } });
    const limitFile = `${hog.placement("memory")!.dir}/${mem.hierarchy === "unified" ? "memory.max" : "memory.limit_in_bytes"}`;
    const held = fds();
    expect(held).toContain(limitFile);
    const third = await scrape(server.url);
    expect(third.get("cgroupkit_scrape_files_read")).toBe(second.get("cgroupkit_scrape_files_read"));
    expect(third.get("cgroupkit_scrape_directories_listed")).toBe(0);
    expect(fds().filter((l) => l.startsWith("/sys/fs/cgroup")).sort()).toEqual(held.filter((l) => l.startsWith("/sys/fs/cgroup")).sort());

    const stopped = await server.stop("SIGINT");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopped \(SIGINT\)\n$/);
    expect(stopped.stderr).toBe("");
  });

  it("the collector through a CgroupFs that is not node's (reads by path, lists every directory) gives the same samples", async () => {
    const prefix = testParent();
    const a = await Cgroup.create(`${prefix}/a`, { controllers: ["memory", "pids"], layout });
    await limitMemory(a, 32n << 20n);
    const sampleText = (s: Scrape) => s.samples.filter((x) => !x.family.name.startsWith("cgroupkit_scrape_") && !/usage_bytes|peak_bytes|seconds_total/.test(x.family.name)).map((x) => `${x.family.name}${JSON.stringify(x.labels)} ${x.value}`).sort();
    const direct = await openMetricsCollector({ layout: layout!, root: prefix });
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const viaFs = await openMetricsCollector({ layout: layout!, root: prefix, fs: faulty });
    try {
      const [d, f] = [await direct.scrape(), await viaFs.scrape()];
      expect(sampleText(f)).toEqual(sampleText(d));
      expect(sampleText(d).some((l) => l.startsWith(`cgroupkit_memory_limit_bytes{"group":"/${prefix}/a"`) && l.endsWith(` ${32 * 2 ** 20}`))).toBe(true);
      expect(f.cost.files).toBe(d.cost.files);
      expect(f.cost.directories).toBeGreaterThan(0); // no link counts through another CgroupFs: every directory is listed
      // A failing file is counted and the rest still exported.
      faulty.inject({ op: "read", path: new RegExp(`${prefix}/a/memory\\.(limit_in_bytes|max)$`), errno: "EIO", times: Infinity });
      const broken = await viaFs.scrape();
      expect(broken.cost.errors).toBe(1);
      expect(sampleText(broken).filter((l) => l.startsWith(`cgroupkit_memory_limit_bytes{"group":"/${prefix}/a"`))).toEqual([]);
      expect(sampleText(broken).some((l) => l.startsWith(`cgroupkit_memory_events_total{"group":"/${prefix}/a"`))).toBe(true);
    } finally {
      direct.close();
      viaFs.close();
    }
  });

  it("negotiates OpenMetrics, and answers 404 off /metrics", async () => {
    const prefix = testParent();
    await Cgroup.create(`${prefix}/a`, { controllers: ["memory"], layout });
    const server = await serve("--root", prefix);
    const res = await fetch(server.url, { headers: { accept: "application/openmetrics-text; version=1.0.0" } });
    expect(res.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE cgroupkit_memory_events counter$/m);
    expect(text).toMatch(/\n# EOF\n$/);
    expect((await fetch(server.url.replace(/\/metrics$/, "/nope"))).status).toBe(404);
    expect((await server.stop("SIGTERM")).code).toBe(0);
  });

  it("refuses bad --listen values and a missing root with one line", async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI_MAIN, "serve-metrics", ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d));
        child.stderr.on("data", (d: Buffer) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    for (const [value, why] of [
      ["9464", /--listen "9464": expected HOST:PORT/],
      ["127.0.0.1:70000", /port 70000 is out of range/],
      ["127.0.0.1:", /expected HOST:PORT/],
    ] as const) {
      const r = await run("--listen", value);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      expect(r.stderr).toMatch(why);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
    const missing = await run("--listen", "127.0.0.1:0", "--root", `${testName()}/none`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cgroupkit serve-metrics: no such group: \/cgroupkit-test-\S+\/none /);
    expect(missing.stderr.trimEnd().split("\n")).toHaveLength(1);
    // An address in use: one line, exit 1.
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const r = await run("--listen", `127.0.0.1:${(busy.address() as net.AddressInfo).port}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the address is in use\n$/);
    } finally {
      busy.close();
    }
  });
});

/** A port free on 127.0.0.1 now (the kernel's choice). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe.runIf(usable && fs.existsSync(PROMETHEUS))("serve-metrics scraped by a real Prometheus", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("PromQL returns the test group's memory limit and OOM-kill count", async () => {
    const prefix = testParent();
    const hog = await Cgroup.create(`${prefix}/hog`, { controllers: ["memory", "pids"], layout });
    await limitMemory(hog, 16n << 20n);
    await oomKillIn(hog);
    const mem = memoryFiles(hog);
    const kills = mem.oomKills();
    expect(kills).toBeGreaterThanOrEqual(1);

    const server = await serve("--root", prefix);
    const target = new URL(server.url).host;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-prometheus-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: cgroupkit\n    static_configs:\n      - targets: ["${target}"]\n`);
    const port = await freePort();
    const prom = spawn(PROMETHEUS, [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let promLog = "";
    prom.stderr!.setEncoding("utf8").on("data", (d: string) => (promLog += d));
    const promClosed = new Promise<number | NodeJS.Signals | null>((resolve) => prom.on("close", (code, signal) => resolve(signal ?? code)));
    cleanups.push(async () => {
      if (prom.exitCode === null && prom.signalCode === null) process.kill(prom.pid!, "SIGKILL");
      await promClosed;
    });

    const query = async (promql: string): Promise<number | undefined> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
      expect(body.status).toBe("success");
      const [first] = body.data.result;
      return first === undefined ? undefined : Number(first.value[1]);
    };
    const selector = `group="/${prefix}/hog",hierarchy="${mem.hierarchy}"`;
    let limit: number | undefined;
    const deadline = Date.now() + 60_000;
    while (limit === undefined) {
      if (prom.exitCode !== null) throw new Error(`prometheus exited ${prom.exitCode}: ${promLog}`);
      if (Date.now() > deadline) throw new Error(`prometheus never returned the series: ${promLog}`);
      await new Promise((r) => setTimeout(r, 500));
      limit = await query(`cgroupkit_memory_limit_bytes{${selector}}`).catch(() => undefined); // not up yet
    }
    expect(limit).toBe(Number(mem.limit()));
    expect(await query(`cgroupkit_memory_events_total{${selector},event="oom_kill"}`)).toBe(kills);
    // Prometheus itself saw the target up and the scrape's cost.
    expect(await query(`up{job="cgroupkit"}`)).toBe(1);
    expect(await query(`cgroupkit_scrape_files_read{job="cgroupkit"}`)).toBeGreaterThan(0);

    process.kill(prom.pid!, "SIGTERM");
    expect(await promClosed).toBe(0);
    expect((await server.stop("SIGTERM")).code).toBe(0);
  });
});
