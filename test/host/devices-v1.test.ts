// The v1 device ACL on the real kernel: the model against the kernel on random write
// sequences, containment of a process in a group, updates under load, and failing closed.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DeviceAclError,
  DevicePolicy,
  applyV1DevicePolicy,
  devicePreset,
  formatDeviceRule,
  simulateV1Propagation,
  simulateV1Write,
  type DeviceRule,
  type V1Write,
} from "../../src/devices/index.js";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { isRoot, removeTree, testName, v1Hierarchy } from "../support/host.js";

const hierarchy = v1Hierarchy("devices");
const REPO = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

// mknod(2) through koffi (a dependency already), for nodes the tests create outside any group.
const koffi = require("koffi") as typeof import("koffi");
const libc = koffi.load("libc.so.6");
const mknod = libc.func("int mknod(const char *path, uint32_t mode, uint64_t dev)");
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const makedev = (major: number, minor: number) => (BigInt(major) << 8n) | BigInt(minor);

function makeNode(file: string, type: "b" | "c", major: number, minor: number): void {
  if (mknod(file, (type === "b" ? S_IFBLK : S_IFCHR) | 0o600, makedev(major, minor)) !== 0) {
    throw new Error(`mknod ${file}: errno ${koffi.errno()}`);
  }
}

/**
 * A process that moves itself into a group on request and reports what the kernel lets it do:
 * open (and read or write a byte) or mknod, each answered with "OK" or the errno name.
 */
const PROBE_SCRIPT = String.raw`
const fs = require("fs");
const koffi = require("koffi");
const libc = koffi.load("libc.so.6");
const mknod = libc.func("int mknod(const char *path, uint32_t mode, uint64_t dev)");
const ERRNO = { 1: "EPERM", 2: "ENOENT", 6: "ENXIO", 13: "EACCES", 17: "EEXIST", 19: "ENODEV" };
const FLAGS = { r: fs.constants.O_RDONLY, w: fs.constants.O_WRONLY, rw: fs.constants.O_RDWR };
function attempt(check) {
  try {
    if (check.kind === "mknod") {
      const mode = (check.type === "b" ? 0o060000 : 0o020000) | 0o600;
      if (mknod(check.path, mode, (BigInt(check.major) << 8n) | BigInt(check.minor)) !== 0) {
        const n = koffi.errno();
        return ERRNO[n] || "errno " + n;
      }
      fs.unlinkSync(check.path);
      return "OK";
    }
    const fd = fs.openSync(check.path, FLAGS[check.flags] | fs.constants.O_NONBLOCK);
    try {
      if (check.io === "read") fs.readSync(fd, Buffer.alloc(1), 0, 1, null);
      if (check.io === "write") fs.writeSync(fd, Buffer.from("x"));
    } finally {
      fs.closeSync(fd);
    }
    return "OK";
  } catch (err) {
    return err.code || String(err);
  }
}
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const msg = JSON.parse(line);
  let reply;
  try {
    if (msg.op === "join") { fs.writeFileSync(msg.procs, String(process.pid)); reply = { ok: true }; }
    else if (msg.op === "probe") reply = { ok: true, results: msg.checks.map(attempt) };
    else if (msg.op === "exit") { process.stdout.write(JSON.stringify({ ok: true }) + "\n"); process.exit(0); }
  } catch (err) { reply = { ok: false, error: String(err) }; }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
`;

type Check =
  | { kind: "open"; path: string; flags: "r" | "w" | "rw"; io?: "read" | "write" }
  | { kind: "mknod"; path: string; type: "b" | "c"; major: number; minor: number };

class Probe {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: Array<(line: string) => void> = [];
  constructor() {
    this.child = spawn(process.execPath, ["-e", PROBE_SCRIPT], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.replies.shift()?.(line));
  }
  get pid(): number {
    return this.child.pid as number;
  }
  private async send(msg: object): Promise<{ ok: boolean; error?: string; results?: string[] }> {
    const reply = new Promise<string>((resolve) => this.replies.push(resolve));
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    const parsed = JSON.parse(await reply);
    if (!parsed.ok) throw new Error(`probe: ${parsed.error}`);
    return parsed;
  }
  async join(group: string): Promise<void> {
    await this.send({ op: "join", procs: path.join(group, "cgroup.procs") });
  }
  async run(checks: readonly Check[]): Promise<string[]> {
    return (await this.send({ op: "probe", checks })).results as string[];
  }
  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.send({ op: "exit" }).catch(() => undefined);
    await exited;
  }
}

function writeRule(group: string, write: V1Write): string {
  try {
    nodeCgroupFs.writeFileSync(path.join(group, write.file), write.rule.type === "a" ? "a" : formatDeviceRule(write.rule));
    return "OK";
  } catch (err) {
    if (err instanceof CgroupIoError) return err.errno;
    throw err;
  }
}

const readList = (group: string) => fs.readFileSync(path.join(group, "devices.list"), "latin1");

describe.skipIf(!isRoot || !hierarchy)("v1 devices on the real kernel", () => {
  let top: string;
  let home: string;
  let nodes: string;
  let probe: Probe;

  beforeEach(async () => {
    top = path.join(hierarchy as string, testName());
    fs.mkdirSync(top);
    home = path.join(top, "home"); // an allow-all group the probe waits in between tests
    fs.mkdirSync(home);
    nodes = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-devnodes-"));
    probe = new Probe();
    await probe.join(home);
  });

  afterEach(async () => {
    try {
      await probe.exit();
    } finally {
      removeTree(top);
      fs.rmSync(nodes, { recursive: true, force: true });
    }
  });

  describe("differential: DevicePolicy against the kernel", () => {
    // Majors 240-254 are reserved for local use, so no driver answers: an allowed open fails
    // with ENXIO, a denied one with EPERM, and nothing real is touched.
    const MAJORS = [240, 241] as const;
    const MINORS = [3, 4] as const;
    const number = <T extends number>(values: readonly T[]) => fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, { arbitrary: fc.constant("*" as const), weight: 1 });
    const rule: fc.Arbitrary<DeviceRule> = fc.oneof(
      { arbitrary: fc.constant<DeviceRule>({ type: "a", major: "*", minor: "*", access: "rwm" }), weight: 1 },
      {
        arbitrary: fc.record({
          type: fc.constantFrom("b" as const, "c" as const),
          major: number(MAJORS),
          minor: number(MINORS),
          access: fc.subarray(["r", "w", "m"], { minLength: 1 }).map((l) => l.join("")),
        }),
        weight: 8,
      },
    );
    const write: fc.Arbitrary<V1Write> = fc.record({ file: fc.constantFrom("devices.allow" as const, "devices.deny" as const), rule });
    const op = fc.record({ target: fc.constantFrom("parent" as const, "child" as const), write });

    it("predicts every write's result and devices.list, and every access decision, on random sequences", async () => {
      // Every device of the universe plus unnamed numbers (242, 5), as nodes to open and mknod.
      const devices: Array<{ type: "b" | "c"; major: number; minor: number; file: string }> = [];
      for (const type of ["b", "c"] as const)
        for (const major of [...MAJORS, 242])
          for (const minor of [...MINORS, 5]) {
            const file = path.join(nodes, `${type}-${major}-${minor}`);
            makeNode(file, type, major, minor);
            devices.push({ type, major, minor, file });
          }
      const checks: Check[] = [];
      const expectations: Array<{ type: "b" | "c"; major: number; minor: number; access: string }> = [];
      for (const d of devices) {
        for (const flags of ["r", "w", "rw"] as const) {
          checks.push({ kind: "open", path: d.file, flags });
          expectations.push({ ...d, access: flags });
        }
        checks.push({ kind: "mknod", path: path.join(nodes, `new-${d.type}-${d.major}-${d.minor}`), type: d.type, major: d.major, minor: d.minor });
        expectations.push({ ...d, access: "m" });
      }

      let run = 0;
      let writes = 0;
      let refused = 0;
      let decisions = 0;
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(fc.array(write, { maxLength: 6 }), fc.array(op, { minLength: 1, maxLength: 14 }), async (setup, ops) => {
          const parentDir = path.join(top, `p${run++}`);
          const childDir = path.join(parentDir, "g");
          fs.mkdirSync(parentDir);
          try {
            // The top group is allow-all with no exceptions; a new group copies its parent.
            let parent = DevicePolicy.allowAll();
            const topState = DevicePolicy.allowAll();
            const step = (label: string, dir: string, w: V1Write, state: DevicePolicy, context: Parameters<typeof simulateV1Write>[2]) => {
              const predicted = simulateV1Write(state, w, context);
              const actual = writeRule(dir, w);
              writes++;
              if (!predicted.ok) refused++;
              expect(actual, `${label}: ${w.file} ${formatDeviceRule(w.rule)}`).toBe(predicted.ok ? "OK" : predicted.errno);
              return predicted.ok ? predicted.policy : state;
            };
            for (const w of setup) {
              parent = step("setup", parentDir, w, parent, { parent: topState });
              expect(readList(parentDir)).toBe(parent.toDevicesList());
            }
            fs.mkdirSync(childDir);
            let child = parent;
            expect(readList(childDir)).toBe(child.toDevicesList());
            for (const { target, write: w } of ops) {
              if (target === "parent") {
                const next = step("parent", parentDir, w, parent, { parent: topState, hasChildren: true });
                if (next !== parent && w.file === "devices.deny") child = simulateV1Propagation(child, next, w.rule);
                parent = next;
              } else {
                child = step("child", childDir, w, child, { parent });
              }
              expect(readList(parentDir), "parent devices.list").toBe(parent.toDevicesList());
              expect(readList(childDir), "child devices.list").toBe(child.toDevicesList());
            }
            // What a process in the child may do, device by device (default-allow exceptions are not listed, so this is their only check).
            await probe.join(childDir);
            const results = await probe.run(checks);
            await probe.join(home);
            for (const [i, e] of expectations.entries()) {
              const allowed = child.allows(e.type, e.major, e.minor, e.access);
              const result = results[i] as string;
              decisions++;
              expect(result === "EPERM" ? "denied" : "allowed", `${e.type} ${e.major}:${e.minor} ${e.access} gave ${result}`).toBe(allowed ? "allowed" : "denied");
              if (result !== "EPERM") expect(["OK", "ENXIO"]).toContain(result);
            }
          } finally {
            await probe.join(home);
            removeTree(parentDir);
          }
        }),
        { seed: 20240601, numRuns: 300, endOnFailure: true },
      );
      console.info(`differential: ${run} sequences, ${writes} writes (${refused} refused as predicted), ${decisions} access decisions, ${Date.now() - started} ms`);
      expect(refused).toBeGreaterThan(50); // EPERM/EINVAL paths were exercised
    }, 120_000);
  });

  it("contains a process in a libvirt-lxc group: allowed devices work, others fail with EPERM, each against a control", async () => {
    const group = path.join(top, "lxc");
    fs.mkdirSync(group);
    const result = await applyV1DevicePolicy(group, devicePreset("libvirt-lxc"));
    expect(readList(group)).toBe(devicePreset("libvirt-lxc").toDevicesList());
    expect(result.writes.length).toBe(7);

    const loop = "/dev/loop0";
    let loopNode = loop;
    const loopStat = fs.existsSync(loop) ? fs.statSync(loop) : undefined;
    if (!loopStat?.isBlockDevice()) {
      loopNode = path.join(nodes, "loop0");
      makeNode(loopNode, "b", 7, 0);
    }
    const allowed: Check[] = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"].map((p) => ({ kind: "open", path: p, flags: "r", io: "read" }));
    allowed.push({ kind: "open", path: "/dev/null", flags: "w", io: "write" });
    allowed.push({ kind: "mknod", path: path.join(nodes, "null-copy"), type: "c", major: 1, minor: 3 });
    const denied: Check[] = [
      { kind: "open", path: "/dev/kmsg", flags: "r" },
      { kind: "open", path: loopNode, flags: "r" },
      { kind: "mknod", path: path.join(nodes, "loop-new"), type: "b", major: 7, minor: 200 },
      { kind: "mknod", path: path.join(nodes, "kmsg-new"), type: "c", major: 1, minor: 11 },
    ];

    await probe.join(group);
    const inside = await probe.run([...allowed, ...denied]);
    await probe.join(home);
    const outside = await probe.run([...allowed, ...denied]);

    expect(inside.slice(0, allowed.length)).toEqual(allowed.map(() => "OK"));
    expect(inside.slice(allowed.length)).toEqual(denied.map(() => "EPERM"));
    // the control: the same operations from a process outside the group all succeed
    expect(outside).toEqual([...allowed, ...denied].map(() => "OK"));
  });

  it("keeps /dev/null working for a process in the group while the policy switches back and forth under it", async () => {
    const group = path.join(top, "load");
    fs.mkdirSync(group);
    await applyV1DevicePolicy(group, devicePreset("libvirt-lxc"));
    const stopFile = path.join(nodes, "stop");
    const loopScript = String.raw`
      const fs = require("fs");
      fs.writeFileSync(process.argv[1], String(process.pid));
      let iterations = 0, errors = 0, firstError = null;
      const buf = Buffer.alloc(1);
      const started = Date.now();
      process.stdout.write("ready\n");
      for (;;) {
        try {
          const fd = fs.openSync("/dev/null", "r+");
          fs.readSync(fd, buf, 0, 1, null);
          fs.writeSync(fd, buf);
          fs.closeSync(fd);
        } catch (err) { errors++; firstError ??= err.code; }
        iterations++;
        if (iterations % 512 === 0 && (fs.existsSync(process.argv[2]) || Date.now() - started > 60000)) break;
      }
      process.stdout.write(JSON.stringify({ iterations, errors, firstError }) + "\n");
    `;
    const child = spawn(process.execPath, ["-e", loopScript, path.join(group, "cgroup.procs"), stopFile], { cwd: REPO });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe("ready");
    expect(fs.readFileSync(path.join(group, "cgroup.procs"), "utf8").split("\n")).toContain(String(child.pid));

    let switches = 0;
    let writes = 0;
    for (let i = 0; i < 20; i++) {
      for (const name of ["container", "libvirt-lxc"] as const) {
        const result = await applyV1DevicePolicy(group, devicePreset(name));
        expect(result.after.equals(devicePreset(name))).toBe(true);
        switches++;
        writes += result.writes.length;
      }
    }
    fs.writeFileSync(stopFile, "");
    const report = JSON.parse((await lines.next()).value as string);
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
    console.info(`under load: ${switches} switches, ${writes} writes, ${report.iterations} /dev/null round trips, ${report.errors} errors`);
    expect(report.errors, `first error: ${report.firstError}`).toBe(0);
    expect(report.iterations).toBeGreaterThan(1000);
    expect(writes).toBe(switches * 6);
  });

  it("fails closed: a write failing midway leaves the group deny-all and says so", async () => {
    const group = path.join(top, "fail");
    fs.mkdirSync(group);
    await applyV1DevicePolicy(group, devicePreset("libvirt-lxc"));
    const faulty = new FaultInjectingFs(nodeCgroupFs).inject({ op: "write", path: /devices\.(allow|deny)$/, errno: "EIO", nth: 3 });
    let error: unknown;
    try {
      await applyV1DevicePolicy(group, devicePreset("container"), faulty);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeviceAclError);
    expect((error as DeviceAclError).deniedAll).toBe(true);
    expect((error as DeviceAclError).message).toMatch(/write 3 of 6 .*EIO.*deny-all/);
    expect(faulty.writes.map((w) => w.data).at(-1)).toBe("a *:* rwm");
    expect(readList(group)).toBe("");

    await probe.join(group);
    const inside = await probe.run([{ kind: "open", path: "/dev/null", flags: "r" }]);
    await probe.join(home);
    expect(inside).toEqual(["EPERM"]);
    expect(await probe.run([{ kind: "open", path: "/dev/null", flags: "r" }])).toEqual(["OK"]);
  });

  it("fails closed when the kernel itself refuses a write (the parent does not allow it)", async () => {
    const parentDir = path.join(top, "parent");
    fs.mkdirSync(parentDir);
    await applyV1DevicePolicy(parentDir, devicePreset("libvirt-lxc"));
    const childDir = path.join(parentDir, "child");
    fs.mkdirSync(childDir);
    expect(readList(childDir)).toBe(devicePreset("libvirt-lxc").toDevicesList());
    let error: unknown;
    try {
      await applyV1DevicePolicy(childDir, devicePreset("container"));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeviceAclError);
    expect((error as DeviceAclError).message).toMatch(/EPERM.*deny-all/);
    expect((error as DeviceAclError).cause).toBeInstanceOf(CgroupIoError);
    expect(readList(childDir)).toBe("");
    expect(readList(parentDir)).toBe(devicePreset("libvirt-lxc").toDevicesList());
  });
});
