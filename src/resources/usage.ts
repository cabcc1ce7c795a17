// Typed usage snapshots of a group, whichever version holds each controller.
import type { Cgroup } from "../cgroup/cgroup.js";
import type { ReadableFile } from "../runtime/accessor.js";
import type { Pressure } from "../runtime/codecs/index.js";
import { CgroupIoError } from "../runtime/errors.js";

/** @public */
export interface MemoryUsage {
  /** Bytes in use now. */
  readonly current: bigint;
  /** Highest usage seen, where the kernel tracks it (v2 memory.peak, v1 max_usage_in_bytes). */
  readonly peak?: bigint;
  readonly max: bigint | "max";
  /** Swap in use, where accounted. */
  readonly swap?: bigint;
  /** Processes the OOM killer killed in this group. */
  readonly oomKills: bigint;
}

/** @public */
export interface CpuUsage {
  readonly usageUsec: bigint;
  readonly userUsec?: bigint;
  readonly systemUsec?: bigint;
  readonly throttledPeriods?: bigint;
  readonly throttledUsec?: bigint;
}

/** @public */
export interface PidsUsage {
  readonly current: bigint;
  readonly max: bigint | "max";
  readonly peak?: bigint;
}

/** @public */
export interface IoUsage {
  readonly readBytes: bigint;
  readonly writeBytes: bigint;
  readonly readOps: bigint;
  readonly writeOps: bigint;
}

/** A group's usage; a controller the group has no hierarchy for is absent. @public */
export interface UsageSnapshot {
  readonly memory?: MemoryUsage;
  readonly cpu?: CpuUsage;
  readonly pids?: PidsUsage;
  readonly io?: IoUsage;
  readonly pressure?: { readonly cpu?: Pressure; readonly memory?: Pressure; readonly io?: Pressure };
}

/** Read a file the running kernel may lack; a missing file is `undefined`, any other failure throws. */
async function optional<T>(file: ReadableFile<T> | undefined): Promise<T | undefined> {
  if (file === undefined) return undefined;
  try {
    return await file.read();
  } catch (err) {
    if (err instanceof CgroupIoError && (err.errno === "ENOENT" || err.errno === "EOPNOTSUPP")) return undefined;
    throw err;
  }
}

const sum = (values: Iterable<bigint | undefined>) => [...values].reduce<bigint>((a, b) => a + (b ?? 0n), 0n);
// cpuacct.stat counts USER_HZ ticks, which Linux fixes at 100 for userspace.
const USEC_PER_USER_HZ_TICK = 10_000n;

async function memoryUsage(cg: Cgroup): Promise<MemoryUsage | undefined> {
  const version = cg.placement("memory")?.hierarchy.version;
  if (version === "v2") {
    const m = cg.v2.memory;
    const [current, peak, max, swap, events] = await Promise.all([m.current.read(), optional(m.peak), m.max.read(), optional(m.swapCurrent), m.events.read()]);
    return { current, peak, max, swap, oomKills: events.oom_kill ?? 0n };
  }
  if (version === "v1") {
    const m = cg.v1.memory!;
    const [current, peak, max, memsw, oom] = await Promise.all([m.usageInBytes.read(), m.maxUsageInBytes.read(), m.limitInBytes.read(), optional(m.memswUsageInBytes), m.oomControl.read()]);
    return { current, peak, max, swap: memsw === undefined ? undefined : memsw - current, oomKills: oom.oom_kill ?? 0n };
  }
  return undefined;
}

async function cpuUsage(cg: Cgroup): Promise<CpuUsage | undefined> {
  if (cg.v2Placement && cg.placement("cpuacct")?.hierarchy.version !== "v1") {
    // cpu.stat is a cgroup2 base file: usage is there even without the cpu controller.
    const s = await optional(cg.v2.cpu.stat);
    if (s?.usage_usec !== undefined) {
      return { usageUsec: s.usage_usec, userUsec: s.user_usec, systemUsec: s.system_usec, throttledPeriods: s.nr_throttled, throttledUsec: s.throttled_usec };
    }
  }
  const acct = cg.placement("cpuacct")?.hierarchy.version === "v1" ? cg.v1.cpuacct : undefined;
  if (acct === undefined) return undefined;
  const cpu = cg.placement("cpu")?.hierarchy.version === "v1" ? cg.v1.cpu : undefined;
  const [usage, stat, throttle] = await Promise.all([acct.usage.read(), optional(acct.stat), optional(cpu?.stat)]);
  return {
    usageUsec: usage / 1000n,
    userUsec: stat?.user === undefined ? undefined : stat.user * USEC_PER_USER_HZ_TICK,
    systemUsec: stat?.system === undefined ? undefined : stat.system * USEC_PER_USER_HZ_TICK,
    throttledPeriods: throttle?.nr_throttled,
    throttledUsec: throttle?.throttled_time === undefined ? undefined : throttle.throttled_time / 1000n,
  };
}

async function pidsUsage(cg: Cgroup): Promise<PidsUsage | undefined> {
  const version = cg.placement("pids")?.hierarchy.version;
  const p = version === "v2" ? cg.v2.pids : version === "v1" ? cg.v1.pids : undefined;
  if (p === undefined || !(await p.current.exists())) return undefined;
  const [current, max, peak] = await Promise.all([p.current.read(), p.max.read(), optional(p.peak)]);
  return { current, max, peak };
}

async function ioUsage(cg: Cgroup): Promise<IoUsage | undefined> {
  const version = cg.placement(cg.placement("blkio")?.hierarchy.version === "v1" ? "blkio" : "io")?.hierarchy.version;
  if (version === "v2") {
    const stat = await optional(cg.v2.io.stat);
    if (stat === undefined) return undefined;
    const devices = Object.values(stat);
    return {
      readBytes: sum(devices.map((d) => d.rbytes)),
      writeBytes: sum(devices.map((d) => d.wbytes)),
      readOps: sum(devices.map((d) => d.rios)),
      writeOps: sum(devices.map((d) => d.wios)),
    };
  }
  if (version === "v1") {
    const b = cg.v1.blkio!;
    const [bytes, ops] = await Promise.all([optional(b.throttleIoServiceBytesRecursive), optional(b.throttleIoServicedRecursive)]);
    if (bytes === undefined || ops === undefined) return undefined;
    const total = (stat: typeof bytes, op: string) => sum(Object.values(stat.devices).map((d) => d[op]));
    return { readBytes: total(bytes, "Read"), writeBytes: total(bytes, "Write"), readOps: total(ops, "Read"), writeOps: total(ops, "Write") };
  }
  return undefined;
}

async function pressure(cg: Cgroup): Promise<UsageSnapshot["pressure"]> {
  if (!cg.v2Placement) return undefined;
  const [cpu, memory, io] = await Promise.all([optional(cg.v2.cpu.pressure), optional(cg.v2.memory.pressure), optional(cg.v2.io.pressure)]);
  return cpu || memory || io ? { cpu, memory, io } : undefined;
}

/**
 * A typed usage snapshot of memory, cpu, pids, io and pressure, read in parallel from whichever version holds each.
 * @public
 */
export async function readUsage(cg: Cgroup): Promise<UsageSnapshot> {
  const [memory, cpu, pids, io, psi] = await Promise.all([memoryUsage(cg), cpuUsage(cg), pidsUsage(cg), ioUsage(cg), pressure(cg)]);
  return { memory, cpu, pids, io, pressure: psi };
}
