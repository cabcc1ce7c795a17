// The package as a user gets it: `npm pack`, installed into a fresh project with strict TypeScript
// (module/moduleResolution NodeNext, skipLibCheck off, so our .d.ts files are checked too), a small
// launcher and the launcher guide's program (docs/guides/container-launcher.md) typechecked against it and run as
// root on the host's real hierarchies.
//
// Offline: the consumer's lockfile pins cgroupkit's dependencies (and typescript, @types/node) to the
// repository's package-lock.json entries, so `npm ci --offline` takes every tarball from the npm cache
// the repository's own `npm ci` filled; no registry metadata is needed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { ensureBuilt, ROOT } from "../support/cli.js";
import { guideSteps, matchOutput, normaliseOutput, parseGuide } from "../support/guides.js";
import { isRoot, removeTree, testName } from "../support/host.js";

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as T;
/** The tools the consumer compiles with, at the versions the repository uses. */
const CONSUMER_TOOLS = ["typescript", "@types/node", "undici-types"];

/** package.json and package-lock.json of a consumer that depends on the tarball, typescript and @types/node. */
function writeConsumer(dir: string, tarball: string, guidePrefix: string): void {
  const lock = readJson<{ packages: Record<string, LockEntry> }>(path.join(ROOT, "package-lock.json")).packages;
  const pkg = readJson<{ version: string; license: string; dependencies: Record<string, string>; bin: unknown; engines: unknown }>(path.join(ROOT, "package.json"));
  const file = `file:${path.basename(tarball)}`;
  const dependencies = { cgroupkit: file, typescript: lock["node_modules/typescript"]!.version!, "@types/node": lock["node_modules/@types/node"]!.version! };
  const packages: Record<string, unknown> = {
    "": { name: "consumer", dependencies },
    "node_modules/cgroupkit": {
      version: pkg.version,
      resolved: file,
      integrity: `sha512-${createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // cgroupkit's dependency tree is the repository's non-dev entries, laid out as the repository has them.
  for (const [key, entry] of Object.entries(lock)) {
    if (key === "" || (entry.dev && !CONSUMER_TOOLS.some((t) => key === `node_modules/${t}`))) continue;
    const { dev: _dev, devOptional: _devOptional, ...rest } = entry;
    packages[key] = rest;
  }
  fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }, null, 2));
  // koffi's install script only locates the prebuilt binary its @koromix/koffi-<platform> package already holds;
  // npm >= 11 blocks dependency scripts by default and asks about it, so the project records its decision (README, Install).
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies, allowScripts: { koffi: false } }, null, 2));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2023", lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", types: ["node"], strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, outDir: "out" }, include: ["launcher.ts", "subpaths.ts", "guide-launcher.ts"] }, null, 2),
  );
  fs.writeFileSync(path.join(dir, "launcher.ts"), LAUNCHER);
  fs.writeFileSync(path.join(dir, "subpaths.ts"), SUBPATHS);
  fs.writeFileSync(path.join(dir, "guide-launcher.ts"), guideLauncher().code.replace(/\bdemo-/g, `${guidePrefix}-`));
}

const LAUNCHER_GUIDE = path.join(ROOT, "docs/guides/container-launcher.md");

/** The launcher guide's `launcher.ts`, as its blocks build it, and the output its `libvirt-lxc` run shows. */
function guideLauncher(): { code: string; expected: string } {
  const steps = guideSteps(parseGuide(fs.readFileSync(LAUNCHER_GUIDE, "utf8")));
  const code = steps.filter((s) => s.block.attrs.file === "launcher.ts").map((s) => s.block.code).join("");
  const run = steps.find((s) => s.block.code.trim() === "npx tsx launcher.ts libvirt-lxc");
  if (!code || !run?.expected) throw new Error(`${LAUNCHER_GUIDE}: no launcher.ts blocks, or no libvirt-lxc run with its output`);
  return { code, expected: run.expected.code };
}

/**
 * A container launcher: a group with a memory and pids limit and the libvirt-lxc device preset, a child
 * placed in it before it does anything; the child reads /dev/zero (allowed) and opens /dev/kmsg (not in
 * the preset). Prints what it saw as JSON; removes the group.
 */
const LAUNCHER = `import { spawn } from "node:child_process";
import { Cgroup, DEVICE_PRESET_NAMES, applyDevicePolicy, applyResources, devicePreset, type DevicePresetName, type ManifestRecord } from "cgroupkit";
import manifest from "cgroupkit/manifest.json" with { type: "json" };

const records: readonly ManifestRecord[] = manifest as ManifestRecord[];

const name = process.argv[2];
if (name === undefined) throw new Error("usage: launcher <group>");
const preset: DevicePresetName = "libvirt-lxc";
if (!DEVICE_PRESET_NAMES.includes(preset)) throw new Error("no libvirt-lxc preset");

const cg = await Cgroup.create(name);
try {
  const applied = await applyResources(cg, { memory: { max: 64n * 1024n * 1024n }, pids: { max: 32n } });
  const devices = await applyDevicePolicy(cg, devicePreset(preset));
  const child = spawn("sh", ["-c", "read go; head -c 1 /dev/zero | od -An -c; exec 3</dev/kmsg && echo kmsg-opened"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  if (child.pid === undefined) throw new Error("spawn failed");
  await cg.attach(child.pid);
  const procs = await cg.procs();
  child.stdin.end("go\\n");
  const code = await exited;
  const memoryOnV2 = cg.placement("memory")?.hierarchy.version === "v2";
  const memoryMax = memoryOnV2 ? await cg.requireV2("memory").max.read() : await cg.v1.memory?.limitInBytes.read();
  console.log(JSON.stringify({ written: applied.written.length, mechanism: devices.mechanism, childInGroup: procs.includes(child.pid), code, stdout, stderr, memoryMax: String(memoryMax), manifestFiles: records.filter((r) => r.className.length > 0).length }));
} finally {
  await cg.remove({ kill: true });
}
`;

/**
 * The subpath entry points as a user imports them: a preset compiled to an eBPF program and run in the interpreter
 * (`cgroupkit/ebpf`), and a read through a FaultInjectingFs that then fails on purpose (`cgroupkit/testing`).
 * Pure user space: no privilege, no group.
 */
const SUBPATHS = `import { CgroupIoError, devicePreset, nodeCgroupFs, type BpfInsn, type CompiledDeviceFilter } from "cgroupkit";
import { compileDeviceFilter, decodeInsns, deviceFilterContext, disassemble, runDeviceFilter } from "cgroupkit/ebpf";
import { FaultInjectingFs, discoverHierarchies, type FaultSpec } from "cgroupkit/testing";

const program: CompiledDeviceFilter = compileDeviceFilter(devicePreset("libvirt-lxc"));
const insns: BpfInsn[] = decodeInsns(program.bytecode);
const zero = runDeviceFilter(insns, deviceFilterContext("c", "rw", 1, 5));
const kmsg = runDeviceFilter(insns, deviceFilterContext("c", "r", 1, 11));

const fault: FaultSpec = { op: "read", path: "/proc/self/cgroup", errno: "EIO" };
const fs = new FaultInjectingFs(nodeCgroupFs).inject(fault);
const mountinfo = await fs.readFile("/proc/self/mountinfo");
let failed = "";
try {
  await fs.readFile("/proc/self/cgroup");
} catch (err) {
  if (err instanceof CgroupIoError) failed = err.code;
}
const layout = discoverHierarchies({ mountinfo, procCgroup: "0::/\\n" });
console.log(JSON.stringify({ zero, kmsg, first: disassemble(insns[0]!, 0), count: program.count, logged: fs.log.map((e) => e.op), failed, kind: layout.kind }));
`;

function run(command: string, args: string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", npm_config_update_notifier: "false" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

const layout = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const usable = isRoot && layout !== undefined && layout.kind !== "none";

describe.runIf(usable)("npm pack, installed into a fresh strict-TypeScript project (as root)", { timeout: 300_000 }, () => {
  let dir = "";
  let install: ReturnType<typeof run>;
  const group = testName();

  beforeAll(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-consumer-"));
    // --ignore-scripts: dist/ is fresh from ensureBuilt; prepack would build it a second time.
    const packed = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], ROOT);
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
    const [info] = JSON.parse(packed.stdout) as { filename: string }[];
    writeConsumer(dir, path.join(dir, info!.filename), group);
    install = run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], dir);
  }, 300_000);

  afterAll(() => {
    for (const h of layout?.hierarchies ?? []) {
      if (!h.mountPoint) continue;
      removeTree(path.join(h.mountPoint, group));
      for (const e of fs.existsSync(h.mountPoint) ? fs.readdirSync(h.mountPoint) : []) if (e.startsWith(`${group}-`)) removeTree(path.join(h.mountPoint, e));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("installs offline from the tarball with nothing on npm's stderr (no warnings, no install-time build)", () => {
    expect(install.status, install.output).toBe(0);
    expect(install.stderr).toBe("");
    const installed = path.join(dir, "node_modules/cgroupkit");
    expect(fs.existsSync(path.join(installed, "dist/src/index.js"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "LICENSE"))).toBe(true);
    // The tarball's package.json as published: no lifecycle script that runs in a consumer's install.
    const scripts = readJson<{ scripts?: Record<string, string> }>(path.join(installed, "package.json")).scripts ?? {};
    expect(Object.keys(scripts).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s))).toEqual([]);
  });

  it("source maps in the installed package resolve: every source is embedded", () => {
    const installed = path.join(dir, "node_modules/cgroupkit");
    const maps: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".map")) maps.push(p);
      }
    };
    walk(path.join(installed, "dist"));
    expect(maps.length).toBeGreaterThan(50);
    const unresolved = maps.filter((m) => {
      const map = readJson<{ sources: string[]; sourcesContent?: (string | null)[] }>(m);
      return map.sources.some((s, i) => typeof map.sourcesContent?.[i] !== "string" && !fs.existsSync(path.resolve(path.dirname(m), s)));
    });
    expect(unresolved.map((m) => path.relative(installed, m))).toEqual([]);
  });

  it("the launcher typechecks under strict NodeNext (our .d.ts included) and runs against a real group", () => {
    expect(install.status, install.output).toBe(0);
    const tsc = run(process.execPath, [path.join(dir, "node_modules/typescript/bin/tsc"), "-p", "."], dir);
    expect(tsc.status, tsc.output).toBe(0);
    const launched = run(process.execPath, ["out/launcher.js", group], dir, 60_000);
    expect(launched.status, launched.output).toBe(0);
    expect(launched.stderr).toBe("");
    const result = JSON.parse(launched.stdout) as { written: number; childInGroup: boolean; code: number; stdout: string; stderr: string; memoryMax: string; manifestFiles: number };
    expect(result.childInGroup).toBe(true);
    expect(result.memoryMax).toBe(String(64 * 1024 * 1024));
    expect(result.written).toBeGreaterThanOrEqual(2);
    // /dev/zero is in the preset; /dev/kmsg (c 1:11) is not, and the kernel refuses the open.
    expect(result.stdout).toMatch(/\\0/);
    expect(result.stdout).not.toContain("kmsg-opened");
    expect(result.stderr).toMatch(/Operation not permitted/);
    expect(result.code).not.toBe(0);
    // The manifest import with { type: "json" } as the README gives it.
    expect(result.manifestFiles).toBe(readJson<unknown[]>(path.join(ROOT, "generated/manifest.json")).length);
    // The subpath entry points resolve, typecheck (above) and work.
    const subpaths = run(process.execPath, ["out/subpaths.js"], dir, 60_000);
    expect(subpaths.status, subpaths.output).toBe(0);
    const used = JSON.parse(subpaths.stdout) as { zero: number; kmsg: number; first: string; count: number; logged: string[]; failed: string; kind: string };
    expect(used).toMatchObject({ zero: 1, kmsg: 0, logged: ["read", "read"], failed: "EIO" });
    expect(used.count).toBeGreaterThan(0);
    expect(used.first).toMatch(/^r\d = \*\(u32 \*\)\(r1 \+ 0\)$/);
    expect(["v1", "v2", "hybrid", "none"]).toContain(used.kind);
    // The launcher guide, compiled against the installed package under the same strict options, prints what it shows.
    // stderr merged into stdout, in the order written, as the reader's terminal shows it.
    const guide = run("sh", ["-c", `exec "$0" out/guide-launcher.js libvirt-lxc 2>&1`, process.execPath], dir, 60_000);
    expect(guide.status, guide.output).toBe(0);
    expect(matchOutput(guideLauncher().expected, normaliseOutput(guide.output, group))).toBeUndefined();
    // The launchers removed their groups.
    for (const h of layout!.hierarchies) {
      if (h.mountPoint) for (const g of [group, `${group}-web1`]) expect(fs.existsSync(path.join(h.mountPoint, g)), `${h.mountPoint}/${g}`).toBe(false);
    }
  });
});
