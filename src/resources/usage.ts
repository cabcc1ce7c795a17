// Typed usage snapshots of groups, whichever version holds each controller, read through the
// snapshot reader (src/runtime/snapshot.ts): one pread per file once open.
import type { Cgroup } from "../cgroup/cgroup.js";
import type { Pressure } from "../runtime/codecs/index.js";
import { CgroupError, CgroupIoError } from "../runtime/errors.js";
import { openSnapshot, type SnapshotCost, type SnapshotFiles, type SnapshotGroup } from "../runtime/snapshot.js";

/** Memory use of a group (v2 memory.*, or v1 memory.*_in_bytes). @public */
export interface MemoryUsage {
  /** Bytes in use now. */
  readonly current: bigint;
  /** Highest usage seen, where the kernel tracks it (v2 memory.peak, v1 max_usage_in_bytes). */
  readonly peak?: bigint;
  /** The hard limit in bytes (v2 memory.max, v1 memory.limit_in_bytes). */
  readonly max: bigint | "max";
  /** Swap in use, where accounted. */
  readonly swap?: bigint;
  /** Processes the OOM killer killed in this group. */
  readonly oomKills: bigint;
}

/** CPU time of a group (v2 cpu.stat, or v1 cpuacct.usage, cpuacct.stat and cpu.stat), in microseconds. @public */
export interface CpuUsage {
  /** Total CPU time used. */
  readonly usageUsec: bigint;
  /** Of it, in user mode (v1: from USER_HZ ticks, so 10 ms steps). */
  readonly userUsec?: bigint;
  /** Of it, in the kernel (v1: 10 ms steps, as userUsec). */
  readonly systemUsec?: bigint;
  /** Periods in which the CFS quota throttled the group. */
  readonly throttledPeriods?: bigint;
  /** Time the group spent throttled. */
  readonly throttledUsec?: bigint;
}

/** Task count of a group (pids.current, pids.max, pids.peak). @public */
export interface PidsUsage {
  /** Tasks in the group and its descendants now. */
  readonly current: bigint;
  /** The limit. */
  readonly max: bigint | "max";
  /** Most tasks held at once, where the kernel tracks it. */
  readonly peak?: bigint;
}

/** Block I/O of a group summed over its devices (v2 io.stat, v1 blkio.throttle.io_service*_recursive). @public */
export interface IoUsage {
  /** Bytes read. */
  readonly readBytes: bigint;
  /** Bytes written. */
  readonly writeBytes: bigint;
  /** Read operations. */
  readonly readOps: bigint;
  /** Write operations. */
  readonly writeOps: bigint;
}

/** A group's usage; a controller the group has no hierarchy for is absent. @public */
export interface UsageSnapshot {
  /** Memory use. */
  readonly memory?: MemoryUsage;
  /** CPU time. */
  readonly cpu?: CpuUsage;
  /** Task count. */
  readonly pids?: PidsUsage;
  /** Block I/O. */
  readonly io?: IoUsage;
  /** Pressure stall information (cgroup v2 only). */
  readonly pressure?: {
    /** cpu.pressure. */
    readonly cpu?: Pressure;
    /** memory.pressure. */
    readonly memory?: Pressure;
    /** io.pressure. */
    readonly io?: Pressure;
  };
}

const sum = (values: Iterable<bigint | undefined>) => [...values].reduce<bigint>((a, b) => a + (b ?? 0n), 0n);
// cpuacct.stat counts USER_HZ ticks, which Linux fixes at 100 for userspace.
const USEC_PER_USER_HZ_TICK = 10_000n;

/** The files a usage snapshot reads in one group, chosen by the version that holds each controller. */
function usageFiles(cg: Cgroup) {
  const versionOf = (controller: string) => cg.placement(controller)?.hierarchy.version;
  const memory = versionOf("memory");
  const m2 = memory === "v2" ? cg.v2.memory : undefined;
  const m1 = memory === "v1" ? cg.v1.memory : undefined;
  // cpu.stat is a cgroup2 base file: usage is there even without the cpu controller, unless v1 cpuacct holds it.
  const cpuOnV2 = cg.v2Placement !== undefined && versionOf("cpuacct") !== "v1";
  const acct = !cpuOnV2 && versionOf("cpuacct") === "v1" ? cg.v1.cpuacct : undefined;
  const cpu1 = acct && versionOf("cpu") === "v1" ? cg.v1.cpu : undefined;
  const pids = versionOf("pids");
  const p = pids === "v2" ? cg.v2.pids : pids === "v1" ? cg.v1.pids : undefined;
  const io = versionOf(versionOf("blkio") === "v1" ? "blkio" : "io");
  const io2 = io === "v2" ? cg.v2.io : undefined;
  const blkio = io === "v1" ? cg.v1.blkio : undefined;
  const psi = cg.v2Placement ? cg.v2 : undefined;
  return {
    memoryCurrent: m2?.current,
    memoryPeak: m2?.peak,
    memoryMax: m2?.max,
    memorySwapCurrent: m2?.swapCurrent,
    memoryEvents: m2?.events,
    memoryUsageInBytes: m1?.usageInBytes,
    memoryMaxUsageInBytes: m1?.maxUsageInBytes,
    memoryLimitInBytes: m1?.limitInBytes,
    memoryMemswUsageInBytes: m1?.memswUsageInBytes,
    memoryOomControl: m1?.oomControl,
    cpuStatV2: cpuOnV2 ? cg.v2.base.cpu.stat : undefined,
    cpuacctUsage: acct?.usage,
    cpuacctStat: acct?.stat,
    cpuStatV1: cpu1?.stat,
    pidsCurrent: p?.current,
    pidsMax: p?.max,
    pidsPeak: p?.peak,
    ioStat: io2?.stat,
    blkioServiceBytes: blkio?.throttleIoServiceBytesRecursive,
    blkioServiced: blkio?.throttleIoServicedRecursive,
    cpuPressure: psi?.base.cpu.pressure,
    memoryPressure: psi?.base.memory.pressure,
    ioPressure: psi?.base.io.pressure,
  } satisfies SnapshotFiles;
}

type UsageFiles = ReturnType<typeof usageFiles>;

/** Which version each part of a group's usage is read from; absent: the group has no hierarchy for it. @public */
export interface UsageSources {
  /** Memory usage and events. */
  readonly memory?: "v1" | "v2";
  /** CPU time. */
  readonly cpu?: "v1" | "v2";
  /** Task count. */
  readonly pids?: "v1" | "v2";
  /** Block I/O. */
  readonly io?: "v1" | "v2";
  /** PSI is a cgroup2 file only. */
  readonly pressure?: "v2";
}

/**
 * Where {@link readUsage} and {@link openUsageSnapshot} read each part of a group's usage (derived from
 * the very files they pick), so a display can say when figures of one group come from both versions.
 * @public
 */
export function usageSources(cg: Cgroup): UsageSources {
  const f = usageFiles(cg);
  const pick = (v2: unknown, v1: unknown) => (v2 ? "v2" : v1 ? "v1" : undefined);
  const pidsVersion = f.pidsCurrent ? cg.placement("pids")?.hierarchy.version : undefined;
  return {
    memory: pick(f.memoryCurrent, f.memoryUsageInBytes),
    cpu: pick(f.cpuStatV2, f.cpuacctUsage),
    pids: pidsVersion,
    io: pick(f.ioStat, f.blkioServiceBytes),
    pressure: f.cpuPressure || f.memoryPressure || f.ioPressure ? "v2" : undefined,
  };
}

/**
 * A group's usage from one snapshot reading. A file the group has no hierarchy for, or that the
 * kernel does not show, leaves its part out; a required file that is missing or failed throws.
 */
function assembleUsage(files: UsageFiles, reading: SnapshotGroup<unknown, UsageFiles>): UsageSnapshot {
  const v = reading.values;
  const required = <K extends keyof UsageFiles>(key: K): NonNullable<(typeof v)[K]> => {
    const value = v[key];
    if (value !== undefined) return value as NonNullable<(typeof v)[K]>;
    throw reading.errors[key] ?? new CgroupIoError("read", files[key]?.path ?? String(key), "ENOENT");
  };
  const optional = <K extends keyof UsageFiles>(key: K): (typeof v)[K] => {
    // Absent (no hierarchy, or the kernel does not show it): undefined. A read or parse failure is not an absence.
    const error = reading.errors[key];
    if (error !== undefined) throw error;
    return v[key];
  };

  let memory: MemoryUsage | undefined;
  if (files.memoryCurrent) {
    memory = { current: required("memoryCurrent"), peak: optional("memoryPeak"), max: required("memoryMax"), swap: optional("memorySwapCurrent"), oomKills: required("memoryEvents").oom_kill ?? 0n };
  } else if (files.memoryUsageInBytes) {
    const current = required("memoryUsageInBytes");
    const memsw = optional("memoryMemswUsageInBytes");
    memory = { current, peak: required("memoryMaxUsageInBytes"), max: required("memoryLimitInBytes"), swap: memsw === undefined ? undefined : memsw - current, oomKills: required("memoryOomControl").oom_kill ?? 0n };
  }

  let cpu: CpuUsage | undefined;
  const s = files.cpuStatV2 ? optional("cpuStatV2") : undefined;
  if (s?.usage_usec !== undefined) {
    cpu = { usageUsec: s.usage_usec, userUsec: s.user_usec, systemUsec: s.system_usec, throttledPeriods: s.nr_throttled, throttledUsec: s.throttled_usec };
  } else if (files.cpuacctUsage) {
    const stat = optional("cpuacctStat");
    const throttle = optional("cpuStatV1");
    cpu = {
      usageUsec: required("cpuacctUsage") / 1000n,
      userUsec: stat?.user === undefined ? undefined : stat.user * USEC_PER_USER_HZ_TICK,
      systemUsec: stat?.system === undefined ? undefined : stat.system * USEC_PER_USER_HZ_TICK,
      throttledPeriods: throttle?.nr_throttled,
      throttledUsec: throttle?.throttled_time === undefined ? undefined : throttle.throttled_time / 1000n,
    };
  }

  // pids.current is absent on a kernel (or a group) without pids accounting: no pids part then.
  const pids: PidsUsage | undefined = files.pidsCurrent && !reading.missing.includes("pidsCurrent") ? { current: required("pidsCurrent"), max: required("pidsMax"), peak: optional("pidsPeak") } : undefined;

  let io: IoUsage | undefined;
  const ioStat = files.ioStat ? optional("ioStat") : undefined;
  if (ioStat !== undefined) {
    const devices = Object.values(ioStat);
    io = { readBytes: sum(devices.map((d) => d.rbytes)), writeBytes: sum(devices.map((d) => d.wbytes)), readOps: sum(devices.map((d) => d.rios)), writeOps: sum(devices.map((d) => d.wios)) };
  } else if (files.blkioServiceBytes) {
    const bytes = optional("blkioServiceBytes");
    const ops = optional("blkioServiced");
    if (bytes !== undefined && ops !== undefined) {
      const total = (stat: typeof bytes, op: string) => sum(Object.values(stat.devices).map((d) => d[op]));
      io = { readBytes: total(bytes, "Read"), writeBytes: total(bytes, "Write"), readOps: total(ops, "Read"), writeOps: total(ops, "Write") };
    }
  }

  const [cpuPsi, memoryPsi, ioPsi] = [optional("cpuPressure"), optional("memoryPressure"), optional("ioPressure")];
  const pressure = cpuPsi || memoryPsi || ioPsi ? { cpu: cpuPsi, memory: memoryPsi, io: ioPsi } : undefined;
  return { memory, cpu, pids, io, pressure };
}

/** One group in a usage snapshot refresh. @public */
export interface GroupUsage {
  /** The group, as given. */
  readonly group: Cgroup;
  /** The group was removed (its usage is then undefined). */
  readonly gone: boolean;
  /** What was read, when it could be. */
  readonly usage?: UsageSnapshot;
  /** Why this group's usage could not be read (a required file failed); the other groups are unaffected. */
  readonly error?: CgroupError;
}

/**
 * Usage of a fixed set of groups, kept open for repeated reading (a monitor, a metrics endpoint):
 * each refresh costs one pread per file on the real cgroupfs, and reports that cost.
 * @public
 */
export interface UsageSnapshotReader {
  /** The groups, in the order given. */
  readonly groups: readonly Cgroup[];
  /** Read every group's files once more. */
  refresh(): Promise<{
    /** Each group's usage, in order. */
    readonly groups: readonly GroupUsage[];
    /** What the refresh cost. */
    readonly cost: SnapshotCost;
  }>;
  /** Close every file; idempotent. */
  close(): void;
  /** {@link UsageSnapshotReader.close}, for `using`. */
  [Symbol.dispose](): void;
}

/**
 * Open the usage files (memory, cpu, pids, io, pressure) of every group once; refresh reads them all.
 * A group removed meanwhile is reported `gone`, not an error.
 * @public
 */
export async function openUsageSnapshot(groups: readonly Cgroup[]): Promise<UsageSnapshotReader> {
  const filesOf = new Map<Cgroup, UsageFiles>();
  const snapshot = await openSnapshot(groups, (cg) => {
    const files = usageFiles(cg);
    filesOf.set(cg, files);
    return files;
  });
  return {
    groups,
    async refresh() {
      const reading = await snapshot.refresh();
      const out = reading.groups.map((g): GroupUsage => {
        if (g.gone) return { group: g.group, gone: true };
        try {
          return { group: g.group, gone: false, usage: assembleUsage(filesOf.get(g.group)!, g) };
        } catch (err) {
          if (!(err instanceof CgroupError)) throw err;
          return { group: g.group, gone: false, error: err };
        }
      });
      return { groups: out, cost: reading.cost };
    },
    close: () => snapshot.close(),
    [Symbol.dispose]: () => snapshot.close(),
  };
}

/**
 * A typed usage snapshot of memory, cpu, pids, io and pressure, from whichever version holds each.
 * For repeated reading of many groups, {@link openUsageSnapshot} keeps the files open.
 * @public
 */
export async function readUsage(cg: Cgroup): Promise<UsageSnapshot> {
  const files = usageFiles(cg);
  // One read each: nothing is held open, so many concurrent readUsage calls never pile up descriptors.
  const snapshot = await openSnapshot([cg], () => files, { keepOpen: false });
  try {
    const [reading] = (await snapshot.refresh()).groups;
    if (reading!.gone) throw new CgroupIoError("read", cg.placements[0]?.dir ?? cg.path, "ENOENT");
    return assembleUsage(files, reading!);
  } finally {
    snapshot.close();
  }
}
