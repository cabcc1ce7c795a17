// The eBPF device filter on the host's kernel, as root, in cgroupkit-test-* groups under the
// cgroup2 mount: a process inside the group is refused what the policy denies (and the same
// operation outside the group succeeds), the kernel's open()/mknod() decisions equal
// DevicePolicy.allows on random policies, replacement leaves no window, failures fail closed.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BPF_F_ALLOW_MULTI, BPF_F_REPLACE, loadDeviceProgram } from "../../src/devices/ebpf/bpf.js";
import { applyV2DevicePolicy, DEVICE_PROGRAM_NAME, kernelBpfOps, queryV2DevicePrograms, removeV2DevicePolicy, type BpfDeviceOps } from "../../src/devices/ebpf/apply.js";
import { BpfError } from "../../src/devices/ebpf/errors.js";
import { DeviceAclError } from "../../src/devices/errors.js";
import { encodeInsns, BPF } from "../../src/devices/ebpf/insn.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { devicePreset } from "../../src/devices/presets.js";
import { InvalidValueError, UnsupportedError } from "../../src/runtime/errors.js";
import { isRoot, removeTree, testName, v2Mount } from "../support/host.js";

const mount = v2Mount();
const usable = isRoot && mount !== undefined && process.platform === "linux" && process.arch === "x64";
const require = createRequire(import.meta.url);
const KOFFI = require.resolve("koffi");

type Access = "r" | "w" | "rw" | "m";
interface Node {
  readonly type: "b" | "c";
  readonly major: number;
  readonly minor: number;
  readonly path: string;
}

// Device numbers whose open() and mknod() only the device cgroup can refuse with EPERM: the
// memory devices root may open, tty/ptmx/pts, loop, and majors no driver has (ENXIO when allowed).
const DEVICES: readonly (readonly ["b" | "c", number, number])[] = [
  ["c", 1, 3], ["c", 1, 5], ["c", 1, 7], ["c", 1, 8], ["c", 1, 9], ["c", 1, 11],
  ["c", 5, 0], ["c", 5, 2], ["c", 136, 0], ["c", 136, 1],
  ["b", 7, 0], ["b", 7, 1],
  ...[240, 241, 242].flatMap((major) => [0, 1, 2, 3, 5].flatMap((minor) => [["c", major, minor] as const, ["b", major, minor] as const])),
];

const makedev = (major: number, minor: number): bigint =>
  ((BigInt(major) & 0xfffff000n) << 32n) | ((BigInt(major) & 0xfffn) << 8n) | ((BigInt(minor) & 0xffffff00n) << 12n) | (BigInt(minor) & 0xffn);

let mknodFn: ((path: string, mode: number, dev: bigint) => number) | undefined;
function mknod(file: string, type: "b" | "c", major: number, minor: number): void {
  if (!mknodFn) {
    const koffi = require("koffi") as typeof import("koffi");
    const f = koffi.load("libc.so.6").func("int mknod(const char *path, uint32_t mode, uint64_t dev)");
    mknodFn = (p, mode, dev) => Number(f(p, mode, dev));
  }
  if (mknodFn(file, (type === "b" ? 0o060000 : 0o020000) | 0o600, makedev(major, minor)) !== 0) throw new Error(`mknod ${file} failed`);
}

// Runs in a child node process: tries each open and mknod, prints one result per probe
// ("ok" or the errno name).
const PROBE_SCRIPT = String.raw`
const fs = require("fs");
const os = require("os");
const spec = JSON.parse(process.env.PROBES);
const out = [];
const C = fs.constants;
for (const p of spec.opens) {
  const flags = { r: C.O_RDONLY, w: C.O_WRONLY, rw: C.O_RDWR }[p.access] | C.O_NONBLOCK | C.O_NOCTTY;
  try { fs.closeSync(fs.openSync(p.path, flags)); out.push("ok"); } catch (e) { out.push(e.code); }
}
if (spec.mknods.length > 0) {
  const koffi = require(process.env.KOFFI);
  const mknod = koffi.load("libc.so.6").func("int mknod(const char *path, uint32_t mode, uint64_t dev)");
  const names = new Map(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));
  for (const m of spec.mknods) {
    const dev = ((BigInt(m.major) & 0xfffff000n) << 32n) | ((BigInt(m.major) & 0xfffn) << 8n) | ((BigInt(m.minor) & 0xffffff00n) << 12n) | (BigInt(m.minor) & 0xffn);
    if (Number(mknod(m.path, (m.type === "b" ? 0o060000 : 0o020000) | 0o600, dev)) === 0) { fs.unlinkSync(m.path); out.push("ok"); }
    else out.push(names.get(koffi.errno()) || String(koffi.errno()));
  }
}
process.stdout.write(JSON.stringify(out));
`;

interface Probe {
  readonly node: Node;
  readonly access: Access;
}

/** Run the probes in a fresh process, inside `group` (its directory) or, for a control, outside. */
function probe(group: string | undefined, probes: readonly Probe[], scratch: string): string[] {
  let mkIndex = 0;
  const spec = {
    opens: probes.filter((p) => p.access !== "m").map((p) => ({ path: p.node.path, access: p.access })),
    mknods: probes
      .filter((p) => p.access === "m")
      .map((p) => ({ path: path.join(scratch, `mk-${process.pid}-${mkIndex++}`), type: p.node.type, major: p.node.major, minor: p.node.minor })),
  };
  const enter = group ? `echo $$ > "$GROUP/cgroup.procs" || exit 97; ` : "";
  const r = spawnSync("sh", ["-c", `${enter}exec "$NODE" -e "$SCRIPT"`], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, GROUP: group ?? "", NODE: process.execPath, SCRIPT: PROBE_SCRIPT, PROBES: JSON.stringify(spec), KOFFI },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`probe process failed (status ${r.status}): ${r.stderr}`);
  const results = JSON.parse(r.stdout) as string[];
  // Results come back opens first, then mknods: put them back in probe order.
  const opens = results.slice(0, spec.opens.length);
  const mknods = results.slice(spec.opens.length);
  return probes.map((p) => (p.access === "m" ? mknods.shift()! : opens.shift()!));
}

let group: string;
let scratch: string;
let nodes: Node[];

beforeEach(() => {
  if (!usable) return;
  group = path.join(mount!, testName());
  fs.mkdirSync(group);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-ebpf-"));
  nodes = DEVICES.map(([type, major, minor]) => {
    const file = path.join(scratch, `${type}-${major}-${minor}`);
    mknod(file, type, major, minor);
    return { type, major, minor, path: file };
  });
});

afterEach(() => {
  if (!usable) return;
  removeTree(group);
  fs.rmSync(scratch, { recursive: true, force: true });
});

const node = (type: "b" | "c", major: number, minor: number): Node => {
  const found = nodes.find((n) => n.type === type && n.major === major && n.minor === minor);
  if (!found) throw new Error(`no test node ${type} ${major}:${minor}`);
  return found;
};

const denied = (result: string) => result === "EPERM";

describe.skipIf(!usable)("cgroup v2 device programs on the host kernel", () => {
  it("libvirt-lxc: the memory devices open; kmsg, loop and block mknod are refused inside, not outside", () => {
    const result = applyV2DevicePolicy(group, devicePreset("libvirt-lxc"));
    expect(result.method).toBe("attach");
    expect(result.verifierProcessedInsns).toBeGreaterThan(0);
    const probes: Probe[] = [
      ...["null", "zero", "full", "random", "urandom"].map((name) => ({ node: { type: "c" as const, major: 1, minor: 0, path: `/dev/${name}` }, access: "r" as const })),
      { node: { type: "c", major: 1, minor: 3, path: "/dev/null" }, access: "rw" },
      { node: node("c", 1, 11), access: "r" }, // kmsg
      { node: node("b", 7, 0), access: "r" }, // loop0
      { node: node("b", 7, 1), access: "m" }, // mknod of a block device
      { node: node("c", 1, 3), access: "m" }, // mknod of null: allowed (rwm)
    ];
    const inside = probe(group, probes, scratch);
    const outside = probe(undefined, probes, scratch);
    expect(inside.slice(0, 6)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(inside.slice(6)).toEqual(["EPERM", "EPERM", "EPERM", "ok"]);
    expect(outside.map(denied)).toEqual(probes.map(() => false));
  });

  it("container: mknod of any device is allowed, opening one outside the list is not", () => {
    applyV2DevicePolicy(group, devicePreset("container"));
    const probes: Probe[] = [
      { node: { type: "c", major: 1, minor: 3, path: "/dev/null" }, access: "rw" },
      { node: { type: "c", major: 1, minor: 9, path: "/dev/urandom" }, access: "r" },
      { node: { type: "c", major: 5, minor: 2, path: "/dev/ptmx" }, access: "rw" }, // ptmx finds its devpts next to the node
      { node: node("c", 1, 11), access: "r" }, // kmsg
      { node: node("b", 7, 0), access: "r" }, // loop0
      { node: node("b", 7, 1), access: "m" },
      { node: node("c", 240, 1), access: "m" },
    ];
    const inside = probe(group, probes, scratch);
    expect(inside).toEqual(["ok", "ok", "ok", "EPERM", "EPERM", "ok", "ok"]);
    expect(probe(undefined, probes, scratch).map(denied)).toEqual(probes.map(() => false));
  });

  it("query lists exactly our program; remove detaches it and access returns", () => {
    const applied = applyV2DevicePolicy(group, devicePreset("libvirt-lxc"));
    const q = queryV2DevicePrograms(group);
    expect(q.attachFlags).toBe(BPF_F_ALLOW_MULTI);
    expect(q.programs).toHaveLength(1);
    expect(q.programs[0]).toMatchObject({ id: applied.programId, name: DEVICE_PROGRAM_NAME, ours: true, xlatedInsns: applied.program.count });
    const kmsg: Probe[] = [{ node: node("c", 1, 11), access: "r" }];
    expect(probe(group, kmsg, scratch)).toEqual(["EPERM"]);
    expect(removeV2DevicePolicy(group)).toEqual([applied.programId]);
    expect(queryV2DevicePrograms(group).programs).toEqual([]);
    expect(probe(group, kmsg, scratch)).toEqual(["ok"]);
    expect(removeV2DevicePolicy(group)).toEqual([]);
  });

  it("the kernel's decisions equal DevicePolicy.allows on random policies (opens r, w, rw and mknod)", { timeout: 240_000 }, () => {
    const majors = [1, 5, 7, 136, 240, 241, 242] as const;
    const minors = [0, 1, 2, 3, 5, 8, 9, 11] as const;
    const ruleArb = fc.record({
      type: fc.constantFrom("b" as const, "c" as const),
      major: fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 5, arbitrary: fc.constantFrom(...majors) }),
      minor: fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 4, arbitrary: fc.constantFrom(...minors) }),
      access: fc.constantFrom("r", "w", "m", "rw", "rm", "wm", "rwm"),
    });
    const policyArb = fc
      .tuple(fc.boolean(), fc.uniqueArray(ruleArb, { minLength: 1, maxLength: 12, selector: (r) => `${r.type} ${r.major}:${r.minor}` }))
      .map(([defaultAllow, exceptions]) => DevicePolicy.fromState(defaultAllow, exceptions));
    const policies = [devicePreset("libvirt-lxc"), devicePreset("container"), ...fc.sample(policyArb, { numRuns: 12, seed: 0x5eed })];
    const probes: Probe[] = nodes.flatMap((n) => (["r", "w", "rw", "m"] as const).map((access) => ({ node: n, access })));
    // The control: outside the group the kernel refuses none of these.
    expect(probe(undefined, probes, scratch).filter(denied)).toEqual([]);
    let checked = 0;
    for (const policy of policies) {
      applyV2DevicePolicy(group, policy);
      const results = probe(group, probes, scratch);
      const mismatches = probes.flatMap((p, i) => {
        const want = policy.allows(p.node.type, p.node.major, p.node.minor, p.access === "m" ? "m" : p.access);
        const got = !denied(results[i]!);
        return want === got ? [] : [`${p.node.type} ${p.node.major}:${p.node.minor} ${p.access}: kernel ${got ? "allowed" : "denied"} (${results[i]}), policy ${want ? "allows" : "denies"}`];
      });
      expect({ policy: policy.toJSON(), mismatches }).toEqual({ policy: policy.toJSON(), mismatches: [] });
      checked += probes.length;
    }
    expect(checked).toBe(policies.length * probes.length);
    expect(queryV2DevicePrograms(group).programs.filter((p) => p.ours)).toHaveLength(1);
  });

  it("ranges and 32-wide bitmaps (windows not starting at 0) decide on the kernel as DevicePolicy.allows", () => {
    const minors = [33, 35, 36, 40, 41, 42, 43, 44, 45, 47, 50, 58, 64, 65, 66, 67];
    const policy = DevicePolicy.fromState(false, [
      ...minors.map((minor) => ({ type: "c" as const, major: 240, minor, access: "rw" })),
      ...minors.filter((m) => m % 2 === 1).map((minor) => ({ type: "b" as const, major: 241, minor, access: "r" })),
    ]);
    const applied = applyV2DevicePolicy(group, policy);
    expect(applied.program.listing).toMatch(/<<=/);
    const extra: Node[] = [];
    for (let minor = 30; minor <= 100; minor++) {
      for (const [type, major] of [["c", 240], ["b", 241]] as const) {
        const file = path.join(scratch, `dense-${type}-${major}-${minor}`);
        mknod(file, type, major, minor);
        extra.push({ type, major, minor, path: file });
      }
    }
    const probes: Probe[] = extra.flatMap((n) => (["r", "rw"] as const).map((access) => ({ node: n, access })));
    const results = probe(group, probes, scratch);
    const mismatches = probes.filter((p, i) => policy.allows(p.node.type, p.node.major, p.node.minor, p.access) === denied(results[i]!));
    expect(mismatches).toEqual([]);
    expect(results.filter(denied).length).toBeGreaterThan(0);
  });

  it("the verifier accepts programs with 32-bit jumps for numbers at and above 2^31", () => {
    const policy = DevicePolicy.fromState(false, ["c 2147483648:4294967294 rw", "b 4000000000:* r", "c 1:3 rwm"]);
    const applied = applyV2DevicePolicy(group, policy);
    expect(applied.program.instructions.some((i) => (i.code & 0x07) === BPF.JMP32)).toBe(true);
    expect(applied.verifierProcessedInsns).toBeGreaterThan(0);
    expect(probe(group, [{ node: node("c", 1, 3), access: "rw" }, { node: node("c", 1, 5), access: "r" }], scratch)).toEqual(["ok", "EPERM"]);
  });

  it("replacing the program 50 times leaves no moment without one", { timeout: 120_000 }, async () => {
    applyV2DevicePolicy(group, devicePreset("libvirt-lxc"));
    const stop = path.join(scratch, "stop");
    // Inside the group: open and read /dev/null (allowed by both presets) and open /dev/kmsg
    // (denied by both) in a loop until told to stop. A read error would mean a broken
    // replacement; an allowed kmsg open would mean a moment with no program attached.
    const loop = String.raw`
      const fs = require("fs");
      let opens = 0, nullErrors = [], kmsgAllowed = 0, kmsgOther = [];
      const buf = Buffer.alloc(1);
      process.stdout.write("ready\n");
      while (!fs.existsSync(process.env.STOP)) {
        try { const fd = fs.openSync("/dev/null", "r"); fs.readSync(fd, buf, 0, 1, null); fs.closeSync(fd); opens++; } catch (e) { nullErrors.push(e.code); }
        try { fs.closeSync(fs.openSync(process.env.KMSG, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)); kmsgAllowed++; } catch (e) { if (e.code !== "EPERM") kmsgOther.push(e.code); }
      }
      process.stdout.write(JSON.stringify({ opens, nullErrors, kmsgAllowed, kmsgOther }));
    `;
    const child = spawn("sh", ["-c", `echo $$ > "$GROUP/cgroup.procs" || exit 97; exec "$NODE" -e "$SCRIPT"`], {
      env: { PATH: process.env.PATH, GROUP: group, NODE: process.execPath, SCRIPT: loop, STOP: stop, KMSG: node("c", 1, 11).path },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.setEncoding("utf8");
    const ready = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: string) => {
        output += chunk;
        if (output.startsWith("ready\n")) resolve();
      });
    });
    const exited = once(child, "exit");
    try {
      await ready;
      const ids: number[] = [];
      for (let i = 0; i < 50; i++) {
        const result = applyV2DevicePolicy(group, devicePreset(i % 2 === 0 ? "container" : "libvirt-lxc"));
        expect(result.method).toBe("replace");
        expect(result.replacedIds).toHaveLength(1);
        ids.push(result.programId);
      }
      expect(new Set(ids).size).toBe(50);
    } finally {
      fs.writeFileSync(stop, "");
    }
    const [code] = await exited;
    expect(code).toBe(0);
    const report = JSON.parse(output.slice("ready\n".length)) as { opens: number; nullErrors: string[]; kmsgAllowed: number; kmsgOther: string[] };
    expect(report.nullErrors).toEqual([]);
    expect(report.kmsgAllowed).toBe(0);
    expect(report.kmsgOther).toEqual([]);
    expect(report.opens).toBeGreaterThan(50);
    expect(queryV2DevicePrograms(group).programs.filter((p) => p.ours)).toHaveLength(1);
  });

  describe("fails closed", () => {
    /** kernelBpfOps with one operation failing on its n-th call. */
    function failing(op: keyof BpfDeviceOps, onCall: number, errno = "EINVAL"): BpfDeviceOps {
      let calls = 0;
      const ops = { ...kernelBpfOps };
      const real = kernelBpfOps[op] as (...args: unknown[]) => unknown;
      (ops as Record<string, unknown>)[op] = (...args: unknown[]) => {
        if (++calls === onCall) throw new BpfError(op === "load" ? "BPF_PROG_LOAD" : op === "attach" ? "BPF_PROG_ATTACH" : "BPF_PROG_QUERY", errno);
        return real(...args);
      };
      return ops;
    }

    const nullProbe = (): Probe[] => [{ node: { type: "c", major: 1, minor: 3, path: "/dev/null" }, access: "r" }];

    it("an attach that fails leaves a deny-all program in place of the old one", () => {
      applyV2DevicePolicy(group, devicePreset("container"));
      expect(probe(group, nullProbe(), scratch)).toEqual(["ok"]);
      let error: unknown;
      try {
        applyV2DevicePolicy(group, devicePreset("libvirt-lxc"), { ops: failing("attach", 1, "EPERM") });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DeviceAclError);
      expect(error).toMatchObject({ failed: "attach", deniedAll: true, code: "ERR_DEVICE_ACL" });
      const ours = queryV2DevicePrograms(group).programs.filter((p) => p.ours);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.xlatedInsns).toBe(2);
      expect(probe(group, nullProbe(), scratch)).toEqual(["EPERM"]);
      // The next apply replaces the deny-all program.
      expect(applyV2DevicePolicy(group, devicePreset("libvirt-lxc")).method).toBe("replace");
      expect(probe(group, nullProbe(), scratch)).toEqual(["ok"]);
    });

    it("a program the kernel refuses to load leaves deny-all; a failed first attach too", () => {
      expect(() => applyV2DevicePolicy(group, devicePreset("libvirt-lxc"), { ops: failing("load", 1, "EACCES") })).toThrow(DeviceAclError);
      expect(queryV2DevicePrograms(group).programs.map((p) => p.xlatedInsns)).toEqual([2]);
      expect(probe(group, nullProbe(), scratch)).toEqual(["EPERM"]);
      removeV2DevicePolicy(group);
      expect(() => applyV2DevicePolicy(group, devicePreset("container"), { ops: failing("attach", 1) })).toThrow(/failed at attach.*deny-all device program/s);
      expect(queryV2DevicePrograms(group).programs.map((p) => p.xlatedInsns)).toEqual([2]);
    });

    it("a failed check after attaching leaves deny-all", () => {
      // Query 1 finds our earlier programs, query 2 is the check after the attach.
      expect(() => applyV2DevicePolicy(group, devicePreset("container"), { ops: failing("query", 2) })).toThrow(/failed at verify/);
      expect(queryV2DevicePrograms(group).programs.map((p) => p.xlatedInsns)).toEqual([2]);
      expect(probe(group, nullProbe(), scratch)).toEqual(["EPERM"]);
    });
  });

  it("without BPF_F_REPLACE (kernel < 5.6) the new program goes in next to the old one, which is then detached", () => {
    const first = applyV2DevicePolicy(group, devicePreset("container"));
    const noReplace: BpfDeviceOps = {
      ...kernelBpfOps,
      attach: (cgroupFd, progFd, flags, replaceFd, target) => {
        if (flags & BPF_F_REPLACE) throw new BpfError("BPF_PROG_ATTACH", "EINVAL");
        kernelBpfOps.attach(cgroupFd, progFd, flags, replaceFd, target);
      },
    };
    const second = applyV2DevicePolicy(group, devicePreset("libvirt-lxc"), { ops: noReplace });
    expect(second.method).toBe("attach-then-detach");
    expect(second.replacedIds).toEqual([first.programId]);
    expect(queryV2DevicePrograms(group).programs.map((p) => p.id)).toEqual([second.programId]);
    expect(probe(group, [{ node: node("c", 1, 3), access: "rw" }, { node: node("c", 5, 2), access: "m" }], scratch)).toEqual(["ok", "EPERM"]);
  });

  it("refuses the hierarchy's root group before any syscall", () => {
    const untouchable = new Proxy({} as BpfDeviceOps, {
      get: () => () => {
        throw new Error("bpf(2) must not be called");
      },
    });
    expect(() => applyV2DevicePolicy(mount!, devicePreset("container"), { ops: untouchable })).toThrow(InvalidValueError);
    expect(() => applyV2DevicePolicy(mount!, devicePreset("container"), { ops: untouchable })).toThrow(/root of the cgroup2 hierarchy/);
    expect(() => removeV2DevicePolicy(mount!, { ops: untouchable })).toThrow(InvalidValueError);
  });

  it("refuses bad input before any syscall", () => {
    expect(() => applyV2DevicePolicy(scratch, devicePreset("container"))).toThrow(UnsupportedError);
    const bad = { defaultAllow: false, exceptions: [{ type: "c" as const, major: 1, minor: 3, access: "rwx" }] };
    expect(() => applyV2DevicePolicy(group, bad)).toThrow(InvalidValueError);
    expect(queryV2DevicePrograms(group).programs).toEqual([]);
  });

  it("a program the verifier refuses comes back as BpfError with the verifier log", () => {
    // exit without setting r0
    const bytecode = encodeInsns([{ code: BPF.JMP | BPF.EXIT, dst: 0, src: 0, off: 0, imm: 0 }]);
    let error: unknown;
    try {
      loadDeviceProgram(bytecode, "cgroupkit_bad");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BpfError);
    expect(error).toMatchObject({ command: "BPF_PROG_LOAD", errno: "EACCES" });
    expect((error as BpfError).verifierLog).toMatch(/R0 !read_ok/);
  });
});
