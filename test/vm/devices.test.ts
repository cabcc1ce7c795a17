// The eBPF device ACL (src/devices/ebpf) on the VM's pure cgroup v2 kernel, where a BPF program is the
// only device control there is: a process inside the group is refused (EPERM) what the policy denies
// and gets what it allows, for open() and mknod(); the same probes outside the group are never
// refused; the kernel agrees with DevicePolicy.allows on random policies; a parent's program also
// contains its children; query and remove see exactly our program.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyV2DevicePolicy, queryV2DevicePrograms, removeV2DevicePolicy } from "../../src/devices/ebpf/apply.js";
import { BPF_F_ALLOW_MULTI } from "../../src/devices/ebpf/bpf.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { devicePreset } from "../../src/devices/presets.js";
import { cleanupGroups, newGroup } from "./support/v2.js";

const requireHere = createRequire(import.meta.url);
const koffiPath = requireHere.resolve("koffi");

type Op = "r" | "w" | "rw" | "m";
interface DeviceNode {
  type: "b" | "c";
  major: number;
  minor: number;
  /** A node for open() probes: in the scratch dir (made with mknod outside any group), or a /dev path. */
  file: string;
}
interface Probe {
  node: DeviceNode;
  op: Op;
}

// Runs in a fresh node process (inside the group or not): each probe's result, "ok" or an errno name.
const PROBE_PROGRAM = String.raw`
const fs = require("node:fs");
const { errno } = require("node:os").constants;
const byNumber = new Map(Object.entries(errno).map(([name, n]) => [n, name]));
const { probes, scratch, koffiPath } = JSON.parse(process.env.CGK_PROBES);
let mknod;
const results = probes.map((p, i) => {
  if (p.op !== "m") {
    const flags = { r: fs.constants.O_RDONLY, w: fs.constants.O_WRONLY, rw: fs.constants.O_RDWR }[p.op] | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
    try { fs.closeSync(fs.openSync(p.node.file, flags)); return "ok"; } catch (e) { return e.code ?? "uncoded: " + e.message; }
  }
  if (!mknod) { const koffi = require(koffiPath); mknod = [koffi, koffi.load("libc.so.6").func("int mknod(const char *path, uint32_t mode, uint64_t dev)")]; }
  const [koffi, fn] = mknod;
  const M = BigInt(p.node.major), m = BigInt(p.node.minor);
  const dev = ((M & 0xfffff000n) << 32n) | ((M & 0xfffn) << 8n) | ((m & 0xffffff00n) << 12n) | (m & 0xffn);
  const target = scratch + "/probe-" + process.pid + "-" + i;
  if (Number(fn(target, (p.node.type === "b" ? 0o060000 : 0o020000) | 0o600, dev)) !== 0) return byNumber.get(koffi.errno()) ?? String(koffi.errno());
  fs.unlinkSync(target);
  return "ok";
});
process.stdout.write(JSON.stringify(results));
`;

let scratch: string;
let nodes: DeviceNode[];
/** A node for the VM's null_blk disk. */
let diskNode: DeviceNode;

/** Run the probes in a new process, inside `group` when given. */
function probe(group: string | undefined, probes: readonly Probe[]): string[] {
  const enter = group ? `echo $$ > "$CGK_GROUP/cgroup.procs" || exit 97; ` : "";
  const run = spawnSync("/bin/sh", ["-c", `${enter}exec "$CGK_NODE" -e "$CGK_PROGRAM"`], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, CGK_GROUP: group ?? "", CGK_NODE: process.execPath, CGK_PROGRAM: PROBE_PROGRAM, CGK_PROBES: JSON.stringify({ probes, scratch, koffiPath }) },
    timeout: 90_000,
  });
  if (run.status !== 0) throw new Error(`probe process exited ${run.status}: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as string[];
  expect(results).toHaveLength(probes.length);
  return results;
}

function makeNode(type: "b" | "c", major: number, minor: number): DeviceNode {
  const file = path.join(scratch, `${type}${major}-${minor}`);
  const koffi = requireHere("koffi") as typeof import("koffi");
  const mknod = koffi.load("libc.so.6").func("int mknod(const char *path, uint32_t mode, uint64_t dev)");
  const M = BigInt(major);
  const m = BigInt(minor);
  const dev = ((M & 0xfffff000n) << 32n) | ((M & 0xfffn) << 8n) | ((m & 0xffffff00n) << 12n) | (m & 0xffn);
  if (Number(mknod(file, (type === "b" ? 0o060000 : 0o020000) | 0o600, dev)) !== 0) throw new Error(`mknod ${file}: errno ${koffi.errno()}`);
  return { type, major, minor, file };
}

const find = (type: "b" | "c", major: number, minor: number): DeviceNode => {
  const n = nodes.find((x) => x.type === type && x.major === major && x.minor === minor);
  if (!n) throw new Error(`no node ${type} ${major}:${minor}`);
  return n;
};
const devNode = (name: string, major: number, minor: number): DeviceNode => ({ type: "c", major, minor, file: `/dev/${name}` });
const isDenied = (result: string) => result === "EPERM";

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-devices-"));
  // Memory devices root may open, a tty, the null_blk disk's major, and numbers no driver has (ENXIO when allowed).
  const disk = fs.readFileSync("/sys/block/nullb0/dev", "utf8").trim().split(":").map(Number) as [number, number];
  diskNode = makeNode("b", disk[0], disk[1]);
  nodes = [
    ...[3, 5, 7, 8, 9, 11].map((minor) => makeNode("c", 1, minor)),
    makeNode("c", 5, 0),
    diskNode,
    ...[240, 241].flatMap((major) => [0, 1, 7].flatMap((minor) => [makeNode("c", major, minor), makeNode("b", major, minor)])),
  ];
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
afterEach(cleanupGroups);

describe("eBPF device programs on pure cgroup v2", () => {
  it("libvirt-lxc: the six allowed devices open; kmsg, the disk and block mknod are refused inside, never outside", () => {
    const group = newGroup();
    const applied = applyV2DevicePolicy(group, devicePreset("libvirt-lxc"));
    expect(applied.method).toBe("attach");
    const probes: Probe[] = [
      ...(["null", "zero", "full", "random", "urandom"] as const).map((name, i) => ({ node: devNode(name, 1, [3, 5, 7, 8, 9][i]!), op: "rw" as const })),
      { node: find("c", 1, 3), op: "m" }, // mknod of null: allowed (rwm)
      { node: find("c", 1, 11), op: "r" }, // kmsg
      { node: diskNode, op: "r" },
      { node: find("b", 240, 1), op: "m" },
      { node: find("c", 5, 0), op: "m" }, // tty: not in libvirt-lxc
    ];
    expect(probe(group, probes)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "EPERM", "EPERM", "EPERM", "EPERM"]);
    expect(probe(undefined, probes).filter(isDenied)).toEqual([]);
  });

  it("container: mknod of any device is allowed, opening one outside its list is not", () => {
    const group = newGroup();
    applyV2DevicePolicy(group, devicePreset("container"));
    const probes: Probe[] = [
      { node: devNode("null", 1, 3), op: "rw" },
      { node: devNode("urandom", 1, 9), op: "r" },
      { node: find("c", 1, 11), op: "r" },
      { node: find("b", 240, 0), op: "r" },
      { node: find("b", 241, 7), op: "m" },
      { node: find("c", 240, 1), op: "m" },
    ];
    expect(probe(group, probes)).toEqual(["ok", "ok", "EPERM", "EPERM", "ok", "ok"]);
  });

  it("a parent's program contains its children too (both must allow)", () => {
    const parent = newGroup();
    const child = path.join(parent, "child");
    fs.mkdirSync(child);
    applyV2DevicePolicy(parent, devicePreset("libvirt-lxc"));
    applyV2DevicePolicy(child, DevicePolicy.fromState(true, []));
    const probes: Probe[] = [
      { node: devNode("zero", 1, 5), op: "r" },
      { node: find("c", 1, 11), op: "r" },
    ];
    expect(probe(child, probes)).toEqual(["ok", "EPERM"]);
  });

  it("query shows exactly our program; a new policy replaces it; remove detaches it and access returns", () => {
    const group = newGroup();
    const first = applyV2DevicePolicy(group, devicePreset("libvirt-lxc"));
    const second = applyV2DevicePolicy(group, devicePreset("container"));
    expect(second.replacedIds).toEqual([first.programId]);
    const q = queryV2DevicePrograms(group);
    expect(q.attachFlags).toBe(BPF_F_ALLOW_MULTI);
    expect(q.programs.map((p) => ({ id: p.id, ours: p.ours }))).toEqual([{ id: second.programId, ours: true }]);
    const kmsg: Probe[] = [{ node: find("c", 1, 11), op: "r" }];
    expect(probe(group, kmsg)).toEqual(["EPERM"]);
    expect(removeV2DevicePolicy(group)).toEqual([second.programId]);
    expect(queryV2DevicePrograms(group).programs).toEqual([]);
    expect(probe(group, kmsg)).toEqual(["ok"]);
  });

  it("the kernel's decisions equal DevicePolicy.allows on random policies (open r, w, rw and mknod)", { timeout: 300_000 }, () => {
    const group = newGroup();
    const majors = [1, 5, 240, 241] as const;
    const minors = [0, 1, 3, 5, 7, 9, 11] as const;
    const rule = fc.record({
      type: fc.constantFrom("b" as const, "c" as const),
      major: fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 5, arbitrary: fc.constantFrom(...majors) }),
      minor: fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 4, arbitrary: fc.constantFrom(...minors) }),
      access: fc.constantFrom("r", "w", "m", "rw", "rm", "wm", "rwm"),
    });
    const policies = fc.sample(
      fc.tuple(fc.boolean(), fc.uniqueArray(rule, { minLength: 1, maxLength: 10, selector: (r) => `${r.type} ${r.major}:${r.minor}` })).map(([defaultAllow, exceptions]) => DevicePolicy.fromState(defaultAllow, exceptions)),
      { numRuns: 6, seed: 0xc6 },
    );
    const probes: Probe[] = nodes.flatMap((node) => (["r", "w", "rw", "m"] as const).map((op) => ({ node, op })));
    let compared = 0;
    for (const policy of policies) {
      applyV2DevicePolicy(group, policy);
      const results = probe(group, probes);
      const mismatches = probes.flatMap((p, i) => {
        const allowed = policy.allows(p.node.type, p.node.major, p.node.minor, p.op);
        return allowed === !isDenied(results[i]!) ? [] : [`${p.node.type} ${p.node.major}:${p.node.minor} ${p.op}: kernel ${results[i]}, policy ${allowed ? "allows" : "denies"}`];
      });
      expect({ policy: policy.toJSON(), mismatches }).toEqual({ policy: policy.toJSON(), mismatches: [] });
      compared += probes.length;
    }
    expect(compared).toBe(6 * probes.length);
  });
});
