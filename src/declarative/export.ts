// A live subtree as a tree document (`cgroupkit export`), and a document as YAML or JSON text. What `apply`
// writes is what `export` reads, so export → apply → export gives the same text.
import type { Cgroup } from "../cgroup/cgroup.js";
import { readDevicePolicy } from "../devices/apply.js";
import { DEVICE_PRESET_NAMES, devicePreset } from "../devices/presets.js";
import type { ResourceLimits } from "../resources/limits.js";
import { CgroupIoError } from "../runtime/errors.js";
import type { TreeDevices, TreeDocument, TreeGroup } from "./document.js";

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** The value, or undefined when this kernel or hierarchy lacks the file. */
async function optional<T>(read: (() => Promise<T>) | undefined): Promise<T | undefined> {
  if (read === undefined) return undefined;
  try {
    return await read();
  } catch (err) {
    if (err instanceof CgroupIoError && (err.errno === "ENOENT" || err.errno === "EOPNOTSUPP")) return undefined;
    throw err;
  }
}

function version(cg: Cgroup, controller: string): "v1" | "v2" | undefined {
  return cg.placement(controller)?.hierarchy.version;
}

/** The limits the ResourceLimits model can express, read from one group. hugetlb is left out (sizes vary by host). */
async function readLimits(cg: Cgroup): Promise<ResourceLimits> {
  const memory: Mutable<NonNullable<ResourceLimits["memory"]>> = {};
  const cpu: Mutable<NonNullable<ResourceLimits["cpu"]>> = {};
  const limits: Mutable<ResourceLimits> = {};
  if (version(cg, "memory") === "v1") {
    const m = cg.v1.memory!;
    const max = await m.limitInBytes.read();
    memory.max = max;
    const memsw = await optional(() => m.memswLimitInBytes.read());
    if (memsw !== undefined) memory.swap = memsw === "max" || max === "max" ? "max" : memsw - max;
    const low = await m.softLimitInBytes.read();
    if (low !== "max") memory.low = low;
    const swappiness = await optional(() => m.swappiness.read());
    if (swappiness !== undefined) memory.swappiness = Number(swappiness);
    const oom = await optional(() => m.oomControl.readRaw());
    if (oom !== undefined && /^oom_kill_disable 1$/m.test(oom)) memory.oomKillDisable = true;
  } else if (version(cg, "memory") === "v2" && cg.v2.memory) {
    // not enabled for the group (undefined): it has no memory limit of its own to export
    const m = cg.v2.memory;
    memory.max = await m.max.read();
    const swap = await optional(() => m.swapMax.read());
    if (swap !== undefined) memory.swap = swap;
    const low = await m.low.read();
    if (low !== "max" && low !== 0n) memory.low = low;
    memory.high = await m.high.read();
  }
  if (version(cg, "cpu") === "v1") {
    const c = cg.v1.cpu!;
    cpu.shares = await c.shares.read();
    const quota = await optional(() => c.cfsQuotaUs.read());
    if (quota !== undefined) {
      cpu.quota = quota < 0n ? "max" : quota;
      cpu.period = await c.cfsPeriodUs.read();
    }
  } else if (version(cg, "cpu") === "v2" && cg.v2.cpu) {
    const c = cg.v2.cpu;
    cpu.weight = Number(await c.weight.read());
    const max = await optional(() => c.max.read());
    if (max !== undefined) {
      cpu.quota = max.quota;
      cpu.period = max.period;
    }
  }
  const cpuset = version(cg, "cpuset") === "v1" ? cg.v1.cpuset : version(cg, "cpuset") === "v2" ? cg.v2.cpuset : undefined;
  if (cpuset) {
    const mems = (await cpuset.mems.readRaw()).trim();
    const cpus = (await cpuset.cpus.readRaw()).trim();
    if (mems !== "") cpu.mems = mems;
    if (cpus !== "") cpu.cpus = cpus;
  }
  const pids = version(cg, "pids") === "v1" ? cg.v1.pids : version(cg, "pids") === "v2" ? cg.v2.pids : undefined;
  if (pids) limits.pids = { max: await pids.max.read() };
  if (version(cg, "blkio") === "v1") {
    const weight = await optional(() => cg.v1.blkio!.weight.read());
    if (weight !== undefined) limits.io = { blkioWeight: Number(weight) };
  } else if (version(cg, "io") === "v2" && cg.v2.io) {
    const io = cg.v2.io;
    const weight = await optional(() => io.weight.read());
    const value = (weight as { default?: bigint } | undefined)?.default;
    if (value !== undefined) limits.io = { weight: Number(value) };
  }
  if (Object.keys(memory).length > 0) limits.memory = memory;
  if (Object.keys(cpu).length > 0) limits.cpu = cpu;
  return limits as ResourceLimits;
}

async function readDevices(cg: Cgroup): Promise<TreeDevices | undefined> {
  if (cg.placement("devices")?.hierarchy.version !== "v1") return undefined; // a cgroup2 program cannot be read back as rules
  const { policy } = await readDevicePolicy(cg);
  if (!policy) return undefined;
  const preset = DEVICE_PRESET_NAMES.find((name) => devicePreset(name).equals(policy));
  return preset ? { preset, policy } : { policy };
}

async function readGroup(cg: Cgroup, open: (name: string) => Promise<Cgroup>): Promise<TreeGroup> {
  const stat = await cg.fs.stat(cg.placements[0]!.dir);
  const groups = new Map<string, TreeGroup>();
  for (const child of await cg.children()) groups.set(child.slice(cg.name.length + 1), await readGroup(await open(child), open));
  const devices = await readDevices(cg);
  return {
    ...(stat && (stat.uid !== 0 || stat.gid !== 0) ? { owner: { uid: stat.uid, gid: stat.gid } } : {}),
    limits: await readLimits(cg),
    ...(devices ? { devices } : {}),
    groups,
  };
}

/**
 * A live group and its descendants as a document whose one top-level group is the group's last name component
 * (so `apply --parent P` recreates it as P/NAME). `open` opens a descendant by full name.
 * @internal
 */
export async function exportTree(cg: Cgroup, open: (name: string) => Promise<Cgroup>): Promise<TreeDocument> {
  return { groups: new Map([[cg.name.split("/").at(-1) as string, await readGroup(cg, open)]]) };
}

const UNITS: ReadonlyArray<[string, bigint]> = [["E", 1n << 60n], ["P", 1n << 50n], ["T", 1n << 40n], ["G", 1n << 30n], ["M", 1n << 20n], ["K", 1n << 10n]];

/** A byte count as the largest unit that divides it exactly (64M, 1536K), else the integer. */
function sizeText(v: bigint | "max"): string | number {
  if (v === "max") return "max";
  if (v === 0n) return 0;
  for (const [unit, scale] of UNITS) if (v % scale === 0n) return `${v / scale}${unit}`;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
}

function intText(v: bigint | "max"): string | number {
  return v === "max" ? "max" : v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
}

function plainGroup(g: TreeGroup): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (g.owner) out.owner = `${g.owner.uid}:${g.owner.gid}`;
  const { memory, cpu, pids, io, hugetlb } = g.limits;
  const put = (key: string, entries: Array<[string, unknown]>) => {
    const section = Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    if (Object.keys(section).length > 0) out[key] = section;
  };
  if (memory) {
    put("memory", [
      ["max", memory.max === undefined ? undefined : sizeText(memory.max)],
      ["swap", memory.swap === undefined ? undefined : sizeText(memory.swap)],
      ["low", memory.low === undefined ? undefined : sizeText(memory.low)],
      ["high", memory.high === undefined ? undefined : sizeText(memory.high)],
      ["swappiness", memory.swappiness],
      ["oomKillDisable", memory.oomKillDisable],
    ]);
  }
  if (cpu) {
    put("cpu", [
      ["weight", cpu.weight],
      ["shares", cpu.shares === undefined ? undefined : intText(cpu.shares)],
      ["quota", cpu.quota === undefined ? undefined : intText(cpu.quota)],
      ["period", cpu.period === undefined ? undefined : intText(cpu.period)],
      ["cpus", cpu.cpus],
      ["mems", cpu.mems],
    ]);
  }
  if (pids) put("pids", [["max", pids.max === undefined ? undefined : intText(pids.max)]]);
  if (io) put("io", [["weight", io.weight], ["blkioWeight", io.blkioWeight]]);
  if (hugetlb) put("hugetlb", Object.entries(hugetlb).map(([size, v]) => [size, sizeText(v)]));
  if (g.devices) out.devices = g.devices.preset ?? g.devices.policy.toJSON();
  if (g.groups.size > 0) out.groups = plainGroups(g.groups);
  return out;
}

function plainGroups(groups: ReadonlyMap<string, TreeGroup>): Record<string, unknown> {
  return Object.fromEntries([...groups].map(([name, g]) => [name, plainGroup(g)]));
}

/** A document as plain data, in the form `apply` reads (sizes as 64M, owners as UID:GID). @internal */
export function treeToPlain(doc: TreeDocument): Record<string, unknown> {
  return { version: 1, groups: plainGroups(doc.groups) };
}

/** A document as YAML (the `yaml` package, loaded here) or JSON text. @internal */
export async function formatTreeDocument(doc: TreeDocument, format: "yaml" | "json"): Promise<string> {
  const plain = treeToPlain(doc);
  if (format === "json") return `${JSON.stringify(plain, null, 2)}\n`;
  const { stringify } = await import("yaml");
  return stringify(plain, { lineWidth: 0 });
}
