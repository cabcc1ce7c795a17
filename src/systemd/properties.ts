// cgroupkit's ResourceLimits as systemd unit properties, one named row per limit, with systemd's own
// rounding and refusals stated where they differ from writing the cgroup file (systemd.resource-control(5),
// src/core/dbus-cgroup.c). A limit without a property stays in `leaf`: cgroupkit writes it into the
// delegated scope's leaf group. Nothing here talks to D-Bus.
import { InvalidValueError } from "../runtime/errors.js";
import { blkioWeightToIoWeight, cpuSharesToWeightOci, CPU_WEIGHT_RANGE } from "../resources/conversions.js";
import type { ResourceLimits } from "../resources/limits.js";

/** A D-Bus variant: its signature and a value of that type (u64 as bigint). @public */
export interface UnitPropertyValue {
  /** The D-Bus type signature (`t`, `b`, `a(st)`, …). */
  readonly signature: string;
  /** The value, of that type. */
  readonly value: unknown;
}

/** One `(sv)` of StartTransientUnit's property array. @public */
export type UnitProperty = readonly [name: string, value: UnitPropertyValue];

/** systemd's "infinity" for limits (CGROUP_LIMIT_MAX) and times (USEC_INFINITY): UINT64_MAX. @internal */
export const SYSTEMD_INFINITY = 2n ** 64n - 1n;

const USEC_PER_SEC = 1_000_000n;
/** systemd saves CPUQuotaPerSecUSec into the transient unit's drop-in as a whole percent (CPUQuota=N%). */
const CPU_QUOTA_STEP_USEC = 10_000n;
const DEFAULT_CPU_PERIOD = 100_000n;

function u64(value: bigint): UnitPropertyValue {
  return { signature: "t", value };
}
function limitValue(value: bigint | "max"): UnitPropertyValue {
  return u64(value === "max" ? SYSTEMD_INFINITY : value);
}

/**
 * systemd's CPU quota: microseconds of CPU time per wall-clock second, from cgroupkit's quota per period.
 * Rounded **up** to a whole percent (10 ms per second): systemd writes the quota into the transient
 * unit's drop-in as `CPUQuota=N%` and truncates to whole percent, so after `daemon-reload` an unrounded
 * value would come back smaller than asked (runc rounds the same way). The cgroup's `cpu.max` quota
 * systemd then writes is `perSec * period / 1 s`, so it can exceed the requested quota by < 1% of a CPU.
 * `max` is infinity.
 * @internal
 */
export function cpuQuotaPerSecUSec(quota: bigint | "max", period: bigint): bigint {
  if (quota === "max") return SYSTEMD_INFINITY;
  if (typeof quota !== "bigint" || quota <= 0n) throw new InvalidValueError("cpu.quota", quota, "a positive number of microseconds per period, or max");
  if (typeof period !== "bigint" || period < 1000n || period > 1_000_000n) throw new InvalidValueError("cpu.period", period, "1000..1000000 microseconds (the kernel's range)");
  const perSec = (quota * USEC_PER_SEC + period - 1n) / period;
  return ((perSec + CPU_QUOTA_STEP_USEC - 1n) / CPU_QUOTA_STEP_USEC) * CPU_QUOTA_STEP_USEC;
}

/**
 * A cpuset list (`0-3,8`) as systemd's AllowedCPUs/AllowedMemoryNodes byte array: bit `n % 8` of byte
 * `n / 8` is CPU (node) `n`, as systemd's cpu_set_to_dbus() lays it out.
 * @internal
 */
export function cpuListToMask(list: string, what: string): number[] {
  const bytes: number[] = [];
  const text = list.trim();
  if (text === "") throw new InvalidValueError(what, list, "a non-empty list like 0-3,8 (systemd treats an empty mask as no restriction)");
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || !(to >= from) || to > 8191) throw new InvalidValueError(what, list, "a list of numbers and ranges like 0-3,8 (at most 8191)");
    for (let n = from; n <= to; n++) {
      while (bytes.length <= n >> 3) bytes.push(0);
      bytes[n >> 3] = (bytes[n >> 3] as number) | (1 << (n & 7));
    }
  }
  return bytes;
}

/** One row of {@link SYSTEMD_RESOURCE_TABLE}. @internal */
export interface ResourcePropertyRow {
  /** The ResourceLimits field (`memory.max`). */
  readonly limit: string;
  /** The unit property, or `leaf` when cgroupkit writes the file in the scope's leaf group itself. */
  readonly property: string;
  /** How the value is converted, and where systemd differs from the cgroup file. */
  readonly note: string;
}

/**
 * Every ResourceLimits field and where it goes under the systemd driver. The code below follows it row by
 * row; a test checks that each row is exercised.
 * @internal
 */
export const SYSTEMD_RESOURCE_TABLE: readonly ResourcePropertyRow[] = [
  { limit: "memory.max", property: "MemoryMax", note: "bytes (t); max → infinity" },
  { limit: "memory.high", property: "MemoryHigh", note: "bytes (t); max → infinity" },
  { limit: "memory.low", property: "MemoryLow", note: "bytes (t)" },
  { limit: "memory.swap", property: "MemorySwapMax", note: "swap alone in bytes (t), like memory.swap.max; max → infinity" },
  { limit: "memory.swappiness", property: "leaf", note: "v1 only: refused on cgroup2 as with cgroupfs" },
  { limit: "memory.oomKillDisable", property: "leaf", note: "v1 only: refused on cgroup2 as with cgroupfs" },
  { limit: "cpu.weight", property: "CPUWeight", note: "1..10000 (t), unchanged" },
  { limit: "cpu.shares", property: "CPUWeight", note: "shares → weight by the apply option's conversion (default cpuSharesToWeightOci); 0 = unset" },
  { limit: "cpu.quota", property: "CPUQuotaPerSecUSec", note: "quota·1e6/period µs per s (t), rounded up to a whole percent (systemd keeps CPUQuota=N%); max → infinity" },
  { limit: "cpu.period", property: "CPUQuotaPeriodUSec", note: "µs (t), systemd ≥ 242 (dropped and reported on older ones); default 100000 with a quota" },
  { limit: "cpu.cpus", property: "AllowedCPUs", note: "cpuset list → bitmask (ay), systemd ≥ 244" },
  { limit: "cpu.mems", property: "AllowedMemoryNodes", note: "cpuset list → bitmask (ay), systemd ≥ 244" },
  { limit: "pids.max", property: "TasksMax", note: "count (t); max → infinity. 0 → leaf pids.max: systemd refuses TasksMax=0 (out of range)" },
  { limit: "io.weight", property: "IOWeight", note: "1..10000 (t), the default weight (io.weight default)" },
  { limit: "io.blkioWeight", property: "IOWeight", note: "blkio 10..1000 → io 1..10000 by blkioWeightToIoWeight" },
  { limit: "hugetlb.<size>", property: "leaf", note: "systemd has no hugetlb property: hugetlb.<size>.max in the leaf" },
];

/** What the systemd driver does with a set of limits. @internal */
export interface SystemdResourcePlan {
  /** Properties for StartTransientUnit. */
  readonly properties: UnitProperty[];
  /** The rest, written by cgroupkit into the leaf group with applyResources. */
  readonly leaf: ResourceLimits;
  /** The table rows used, in order (for reports and tests). */
  readonly rows: readonly string[];
}

/**
 * Split `limits` into unit properties and what the leaf group gets. Validates every value first, so a
 * bad one is refused before any D-Bus call.
 * @throws {@link InvalidValueError}
 * @internal
 */
export function planSystemdResources(limits: ResourceLimits, options: { readonly sharesToWeight?: (shares: bigint) => number } = {}): SystemdResourcePlan {
  const properties: UnitProperty[] = [];
  const rows: string[] = [];
  const use = (limit: string, name: string, value: UnitPropertyValue) => {
    rows.push(limit);
    properties.push([name, value]);
  };
  const { memory, cpu, pids, io, hugetlb } = limits;
  const leafMemory: { swappiness?: number; oomKillDisable?: boolean } = {};
  if (memory) {
    for (const [key, name] of [["max", "MemoryMax"], ["high", "MemoryHigh"], ["low", "MemoryLow"], ["swap", "MemorySwapMax"]] as const) {
      const v = memory[key];
      if (v === undefined) continue;
      if (v !== "max" && (typeof v !== "bigint" || v < 0n || v >= SYSTEMD_INFINITY)) throw new InvalidValueError(`memory.${key}`, v, "bytes as a bigint from 0 below 2^64-1, or max");
      use(`memory.${key}`, name, limitValue(v));
    }
    if (memory.swappiness !== undefined) (rows.push("memory.swappiness"), (leafMemory.swappiness = memory.swappiness));
    if (memory.oomKillDisable !== undefined) (rows.push("memory.oomKillDisable"), (leafMemory.oomKillDisable = memory.oomKillDisable));
  }
  if (cpu) {
    if (cpu.weight !== undefined && cpu.shares !== undefined) throw new InvalidValueError("cpu", cpu, "give weight or shares, not both");
    if (cpu.weight !== undefined) {
      if (!Number.isInteger(cpu.weight) || cpu.weight < CPU_WEIGHT_RANGE.min || cpu.weight > CPU_WEIGHT_RANGE.max) throw new InvalidValueError("cpu.weight", cpu.weight, "an integer 1..10000");
      use("cpu.weight", "CPUWeight", u64(BigInt(cpu.weight)));
    }
    if (cpu.shares !== undefined) {
      const weight = (options.sharesToWeight ?? cpuSharesToWeightOci)(cpu.shares);
      if (weight !== 0) use("cpu.shares", "CPUWeight", u64(BigInt(weight)));
    }
    if (cpu.quota !== undefined || cpu.period !== undefined) {
      const period = cpu.period ?? DEFAULT_CPU_PERIOD;
      use("cpu.quota", "CPUQuotaPerSecUSec", u64(cpuQuotaPerSecUSec(cpu.quota ?? "max", period)));
      use("cpu.period", "CPUQuotaPeriodUSec", u64(period));
    }
    if (cpu.cpus !== undefined) use("cpu.cpus", "AllowedCPUs", { signature: "ay", value: Buffer.from(cpuListToMask(cpu.cpus, "cpu.cpus")) });
    if (cpu.mems !== undefined) use("cpu.mems", "AllowedMemoryNodes", { signature: "ay", value: Buffer.from(cpuListToMask(cpu.mems, "cpu.mems")) });
  }
  let leafPids: ResourceLimits["pids"];
  if (pids?.max !== undefined) {
    const v = pids.max;
    if (v !== "max" && (typeof v !== "bigint" || v < 0n || v >= SYSTEMD_INFINITY)) throw new InvalidValueError("pids.max", v, "a count as a bigint, or max");
    if (v === 0n) (rows.push("pids.max"), (leafPids = { max: 0n }));
    else use("pids.max", "TasksMax", limitValue(v));
  }
  if (io) {
    if (io.weight !== undefined && io.blkioWeight !== undefined) throw new InvalidValueError("io", io, "give weight or blkioWeight, not both");
    if (io.weight !== undefined) {
      if (!Number.isInteger(io.weight) || io.weight < 1 || io.weight > 10000) throw new InvalidValueError("io.weight", io.weight, "an integer 1..10000");
      use("io.weight", "IOWeight", u64(BigInt(io.weight)));
    }
    if (io.blkioWeight !== undefined) use("io.blkioWeight", "IOWeight", u64(BigInt(blkioWeightToIoWeight(io.blkioWeight))));
  }
  if (hugetlb && Object.keys(hugetlb).length > 0) rows.push("hugetlb.<size>");
  const leaf: ResourceLimits = {
    ...(Object.keys(leafMemory).length > 0 ? { memory: leafMemory } : {}),
    ...(leafPids ? { pids: leafPids } : {}),
    ...(hugetlb && Object.keys(hugetlb).length > 0 ? { hugetlb } : {}),
  };
  return { properties, leaf, rows };
}
