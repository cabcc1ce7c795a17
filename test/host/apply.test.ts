// `cgroupkit apply`, `export` and `import-cgconfig` as a user runs them: the built CLI, spawned, on the host's real
// hierarchies, as root, under a test-owned parent. Writes are counted with strace (every O_WRONLY open of a cgroup
// file), and raw control files are read back directly.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(ROOT, "dist/cli/cgroupkit.cjs");
const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const v1 = (controller: string) => {
  const h = layout && hierarchyFor(layout, controller);
  return h?.version === "v1" ? h.mountPoint : undefined;
};
// This suite's documents set v1 limits (cpu.shares, memory.memsw, devices.list): it runs where those controllers are v1.
const usable = isRoot && ["memory", "cpu", "cpuset", "pids", "devices"].every((c) => v1(c) !== undefined) && fs.existsSync(`${v1("memory")}/memory.memsw.limit_in_bytes`);
const hasStrace = spawnSync("strace", ["-V"]).status === 0;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Cgroup files this run opened for writing (strace), in order. */
  readonly writes: readonly string[];
}

/** The built CLI under strace: every successful openat of a /sys/fs/cgroup path with O_WRONLY is a write. */
function cgk(...args: string[]): Run {
  const log = path.join(os.tmpdir(), `cgroupkit-apply-strace-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=openat", "-o", log, process.execPath, MAIN, ...args], { cwd: ROOT, encoding: "utf8" });
  const trace = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
  fs.rmSync(log, { force: true });
  const writes = [...trace.matchAll(/openat\([^,]+, "(\/sys\/fs\/cgroup\/[^"]+)", [^)]*O_WRONLY[^)]*\) = \d+/g)].map((m) => m[1] as string);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, writes };
}

function ensureBuilt(): void {
  const newest = (dir: string): number => Math.max(0, ...fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs));
  const built = fs.existsSync(MAIN) ? fs.statSync(MAIN).mtimeMs : 0;
  if (built >= newest(path.join(ROOT, "src"))) return;
  const r = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

/** A test-owned parent group in every hierarchy, removed when the test ends. */
function testParent(context: TestContext): string {
  const prefix = testName();
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  const r = cgk("create", prefix);
  expect(r.status, r.stderr).toBe(0);
  return prefix;
}

function writeDoc(context: TestContext, name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-apply-"));
  context.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const raw = (controller: string, group: string, file: string) => fs.readFileSync(`${v1(controller)}/${group}/${file}`, "utf8").trim();

/** The control files the documents below touch, as raw text, for every group under a parent (and the group list). */
function snapshotTree(parent: string): Record<string, string> {
  const out: Record<string, string> = {};
  const files: Record<string, string[]> = {
    memory: ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness"],
    cpu: ["cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"],
    cpuset: ["cpuset.cpus", "cpuset.mems"],
    pids: ["pids.max"],
    devices: ["devices.list"],
  };
  for (const [controller, names] of Object.entries(files)) {
    const base = `${v1(controller)}/${parent}`;
    const walk = (dir: string) => {
      const rel = path.relative(base, dir) || ".";
      const stat = fs.statSync(dir);
      out[`${controller}:${rel}:owner`] = `${stat.uid}:${stat.gid}`;
      for (const name of names) out[`${controller}:${rel}/${name}`] = fs.readFileSync(`${dir}/${name}`, "utf8");
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(`${dir}/${e.name}`);
    };
    walk(base);
  }
  return out;
}

const TREE = `
version: 1
groups:
  web:
    owner: "1000:1000"
    memory: {max: 64M, swap: 16M, low: 8M, swappiness: 10}
    cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0"}
    pids: {max: 50}
    devices: libvirt-lxc
    groups:
      worker:
        memory: {max: 32M}
        pids: {max: 10}
        devices: {default: deny, exceptions: ["c 1:3 rwm", "c 1:5 r"]}
`;

describe.runIf(usable && hasStrace)("cgroupkit apply / export / import-cgconfig on the host (spawned, as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("--dry-run prints the plan and writes nothing; apply writes it; a second apply writes nothing", (context) => {
    const prefix = testParent(context);
    const doc = writeDoc(context, "tree.yaml", TREE);

    const dry = cgk("apply", "--dry-run", "--parent", prefix, doc);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`create ${prefix}/web\n`);
    expect(dry.stdout).toContain(`write ${v1("memory")}/${prefix}/web/memory.limit_in_bytes: (new) → "67108864"`);
    expect(dry.stdout).toContain(`write ${v1("pids")}/${prefix}/web/worker/pids.max: (new) → "10"`);
    expect(dry.stdout).toMatch(new RegExp(`chown ${v1("memory")}/${prefix}/web: \\(new\\) → 1000:1000`));
    expect(dry.writes).toEqual([]);
    expect(fs.existsSync(`${v1("memory")}/${prefix}/web`)).toBe(false);

    const first = cgk("apply", "--parent", prefix, doc);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: created 2 groups, wrote \d+ files/m);
    expect(first.writes.length).toBeGreaterThan(10);
    expect(raw("memory", `${prefix}/web`, "memory.limit_in_bytes")).toBe("67108864");
    expect(raw("memory", `${prefix}/web`, "memory.memsw.limit_in_bytes")).toBe(String(80 << 20));
    expect(raw("memory", `${prefix}/web`, "memory.soft_limit_in_bytes")).toBe(String(8 << 20));
    expect(raw("cpu", `${prefix}/web`, "cpu.shares")).toBe("512");
    expect(raw("cpu", `${prefix}/web`, "cpu.cfs_quota_us")).toBe("50000");
    expect(raw("cpuset", `${prefix}/web`, "cpuset.cpus")).toBe("0");
    expect(raw("cpuset", `${prefix}/web/worker`, "cpuset.cpus")).toBe("0"); // made after its parent's cpus were set
    expect(raw("pids", `${prefix}/web/worker`, "pids.max")).toBe("10");
    expect(raw("devices", `${prefix}/web/worker`, "devices.list")).toBe("c 1:3 rwm\nc 1:5 r");
    expect(fs.statSync(`${v1("pids")}/${prefix}/web`).uid).toBe(1000);
    expect(fs.statSync(`${v1("pids")}/${prefix}/web/cgroup.procs`).gid).toBe(1000);

    const before = snapshotTree(prefix);
    const second = cgk("apply", "--parent", prefix, doc);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe("nothing to change\n");
    expect(second.writes).toEqual([]);
    expect(snapshotTree(prefix)).toEqual(before);
  });

  it("export → apply to a fresh tree → export gives identical output (YAML and JSON)", (context) => {
    const prefix = testParent(context);
    expect(cgk("apply", "--parent", prefix, writeDoc(context, "tree.yaml", TREE)).status).toBe(0);
    for (const format of ["yaml", "json"] as const) {
      const flag = format === "json" ? ["--json"] : [];
      const exported = cgk("export", ...flag, `${prefix}/web`);
      expect(exported.status, exported.stderr).toBe(0);
      expect(exported.writes).toEqual([]);
      expect(exported.stdout).toContain(format === "json" ? '"owner": "1000:1000"' : "owner: 1000:1000");
      const fresh = `${prefix}/copy-${format}`;
      expect(cgk("create", fresh).status).toBe(0);
      const applied = cgk("apply", "--parent", fresh, writeDoc(context, `web.${format}`, exported.stdout));
      expect(applied.status, applied.stderr).toBe(0);
      expect(applied.writes.length).toBeGreaterThan(0);
      const again = cgk("export", ...flag, `${fresh}/web`);
      expect(again.stdout).toBe(exported.stdout);
      expect(raw("memory", `${fresh}/web/worker`, "memory.limit_in_bytes")).toBe(String(32 << 20));
      expect(raw("devices", `${fresh}/web`, "devices.list")).toBe(raw("devices", `${prefix}/web`, "devices.list"));
    }
  });

  it("a write the kernel refuses in the middle restores every earlier write and removes the groups it created", (context) => {
    const prefix = testParent(context);
    expect(cgk("apply", "--parent", prefix, writeDoc(context, "tree.yaml", TREE)).status).toBe(0);
    const before = snapshotTree(prefix);
    const beyond = os.cpus().length + 64;
    // web changes (memory, cpu, pids), then a new group is made and written, then worker's memory and cpu.shares
    // are written before its cpuset.cpus names CPUs this machine lacks: the kernel refuses that one.
    const failing = writeDoc(
      context,
      "failing.yaml",
      `groups:
  web:
    memory: {max: 96M, swap: 16M}
    cpu: {shares: 700}
    pids: {max: 60}
    groups:
      newbie:
        pids: {max: 5}
      worker:
        memory: {max: 48M}
        cpu: {shares: 300, cpus: "0-${beyond}"}
`,
    );
    const r = cgk("apply", "--parent", prefix, failing);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit apply: write ${v1("cpuset")}/${prefix}/web/worker/cpuset.cpus value "0-${beyond}": (EINVAL|ERANGE).*; restored \\d+ files, removed 1 created group\\n$`));
    expect(r.stdout).toContain(`create ${prefix}/web/newbie`);
    // It did write before failing: the restore is what put the files back.
    expect(r.writes).toContain(`${v1("memory")}/${prefix}/web/memory.limit_in_bytes`);
    expect(r.writes).toContain(`${v1("cpu")}/${prefix}/web/worker/cpu.shares`);
    expect(r.writes.filter((w) => w.endsWith("/cpuset.cpus")).length).toBeGreaterThan(0);
    expect(snapshotTree(prefix)).toEqual(before);
    for (const h of layout!.hierarchies) if (h.mountPoint) expect(fs.existsSync(`${h.mountPoint}/${prefix}/web/newbie`)).toBe(false);
  });

  it("imports a cgconfig.conf with 3 groups, perms and cpu/memory/devices settings, and applies it", (context) => {
    const prefix = testParent(context);
    const conf = writeDoc(
      context,
      "cgconfig.conf",
      `# libcgroup configuration
group daemons {
    perm {
        task { uid = 1000; gid = 1000; }
        admin { uid = 1000; gid = 1000; }
    }
    cpu { cpu.shares = 512; }
    memory { memory.limit_in_bytes = 128M; }
}
group daemons/www {
    cpu {
        cpu.shares = "256";
        cpu.cfs_quota_us = 20000;
        cpu.cfs_period_us = 100000;
    }
    memory {
        memory.limit_in_bytes = 67108864;
        memory.memsw.limit_in_bytes = 100663296;
    }
    devices {
        devices.deny = "a";
        devices.allow = "c 1:3 rwm";
        devices.allow = "c 1:5 rw";
    }
}
group batch {
    perm { task { uid = 1001; gid = 1002; } }
    memory { memory.soft_limit_in_bytes = 32M; memory.swappiness = 0; }
    pids { pids.max = 64; }
}
`,
    );
    const imported = cgk("import-cgconfig", conf);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.writes).toEqual([]);
    expect(imported.stdout).toMatch(/daemons:\n {4}owner: 1000:1000\n/);
    expect(imported.stdout).toContain("swap: 32M");

    const applied = cgk("apply", "--from-cgconfig", "--parent", prefix, conf);
    expect(applied.status, applied.stderr).toBe(0);
    expect(raw("cpu", `${prefix}/daemons`, "cpu.shares")).toBe("512");
    expect(raw("memory", `${prefix}/daemons`, "memory.limit_in_bytes")).toBe(String(128 << 20));
    expect(fs.statSync(`${v1("cpu")}/${prefix}/daemons`).uid).toBe(1000);
    expect(fs.statSync(`${v1("cpu")}/${prefix}/daemons/tasks`).gid).toBe(1000);
    expect(raw("cpu", `${prefix}/daemons/www`, "cpu.shares")).toBe("256");
    expect(raw("cpu", `${prefix}/daemons/www`, "cpu.cfs_quota_us")).toBe("20000");
    expect(raw("memory", `${prefix}/daemons/www`, "memory.limit_in_bytes")).toBe("67108864");
    expect(raw("memory", `${prefix}/daemons/www`, "memory.memsw.limit_in_bytes")).toBe("100663296");
    expect(raw("devices", `${prefix}/daemons/www`, "devices.list")).toBe("c 1:3 rwm\nc 1:5 rw");
    expect(raw("memory", `${prefix}/batch`, "memory.soft_limit_in_bytes")).toBe(String(32 << 20));
    expect(raw("memory", `${prefix}/batch`, "memory.swappiness")).toBe("0");
    expect(raw("pids", `${prefix}/batch`, "pids.max")).toBe("64");
    expect(fs.statSync(`${v1("pids")}/${prefix}/batch/cgroup.procs`).uid).toBe(1001);

    // The imported document applies to the same state: nothing to change.
    const same = cgk("apply", "--parent", prefix, writeDoc(context, "imported.yaml", imported.stdout));
    expect(same.stdout).toBe("nothing to change\n");
    expect(same.writes).toEqual([]);

    // What cgconfig.conf can say but the document cannot is refused, naming the line.
    const modes = cgk("import-cgconfig", writeDoc(context, "modes.conf", "group x {\n  perm {\n    task { uid = 1; gid = 1; fperm = 770; }\n  }\n}\n"));
    expect(modes.status).toBe(2);
    expect(modes.stderr).toMatch(/^cgroupkit import-cgconfig: .*modes\.conf:3: fperm = 770: file and directory modes \(fperm\) cannot be expressed/);
    const param = cgk("apply", "--from-cgconfig", "--parent", prefix, writeDoc(context, "param.conf", "group y {\n  net_cls {\n    net_cls.classid = 0x100001;\n  }\n}\n"));
    expect(param.status).toBe(2);
    expect(param.stderr).toMatch(/param\.conf:3: net_cls\.classid = "0x100001": cgroupkit cannot express net_cls\.classid/);
    expect(param.writes).toEqual([]);
    const range = cgk("import-cgconfig", writeDoc(context, "range.conf", "group z {\n  cpu {\n    cpu.shares = 1;\n  }\n}\n"));
    expect(range.stderr).toMatch(/range\.conf:3: groups\.z\.cpu\.shares: "1" is out of range: expected an integer from 2 to 262144/);
  });

  it("bad documents are refused naming the path and the value, with nothing written", (context) => {
    const prefix = testParent(context);
    expect(cgk("apply", "--parent", prefix, writeDoc(context, "tree.yaml", TREE)).status).toBe(0);
    const before = snapshotTree(prefix);
    const cases: Array<[string, string, RegExp]> = [
      ["size.yaml", "groups:\n  web:\n    memory: {max: 12X}\n", /: groups\.web\.memory\.max: "12X" is not a size/],
      ["unknown.yaml", "groups:\n  web:\n    memroy: {max: 1G}\n", /: groups\.web: unknown key "memroy" \(expected: owner, memory, cpu/],
      ["nested-unknown.json", '{"groups": {"web": {"groups": {"worker": {"pids": {"maximum": 3}}}}}}', /: groups\.web\.groups\.worker\.pids: unknown key "maximum"/],
      ["range.yaml", "groups:\n  web:\n    cpu: {shares: 1}\n", /: groups\.web\.cpu\.shares: 1 is out of range: expected an integer from 2 to 262144/],
      ["weight.json", '{"groups": {"web": {"io": {"weight": 20000}}}}', /: groups\.web\.io\.weight: 20000 is out of range/],
      ["owner.yaml", "groups:\n  web:\n    owner: bob\n", /: groups\.web\.owner: "bob" is not an owner/],
      ["preset.yaml", "groups:\n  web:\n    devices: none\n", /: groups\.web\.devices: "none" is not a device preset/],
      ["name.yaml", "groups:\n  a/b: {}\n", /: groups: "a\/b" is not a group name/],
      ["malformed.yaml", "groups:\n  web:\n    memory: {max: 1G\n", /is not valid YAML: .*line \d+/],
      ["malformed.json", '{"groups": {"web": }}', /is not JSON/],
    ];
    for (const [name, text, pattern] of cases) {
      const r = cgk("apply", "--parent", prefix, writeDoc(context, name, text));
      expect({ name, status: r.status, stdout: r.stdout }).toEqual({ name, status: 2, stdout: "" });
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.writes).toEqual([]);
    }
    // A valid document the host cannot carry out (memory.high on v1) is refused before any write too.
    const high = cgk("apply", "--parent", prefix, writeDoc(context, "high.yaml", "groups:\n  web:\n    memory: {max: 32M, high: 16M}\n  extra: {}\n"));
    expect(high.status).toBe(1);
    expect(high.stderr).toMatch(/groups\.web: memory\.high: cgroup v1 has no such limit/);
    expect(high.writes).toEqual([]);
    expect(snapshotTree(prefix)).toEqual(before);
  });
});
