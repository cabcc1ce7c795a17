// One cross-version way to say "memory limit", "cpu weight", "pids limit": planned, validated, then written.
import type { Cgroup, V2Accessors } from "../cgroup/cgroup.js";
import type { V2ControllerName } from "../../generated/index.js";
import { explainRefusal, refuseUndelegatedWrites } from "../cgroup/delegation.js";
import { ReadWriteFile } from "../runtime/accessor.js";
import { CgroupError, CgroupIoError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { ResourceApplyError, writeAllOrRestore, type RestorableWrite } from "./restore.js";
import { readFileSync } from "node:fs";
import { blkioWeightToIoWeight, cpuSharesToWeightOci, cpuWeightToShares, ioWeightToBlkioWeight } from "./conversions.js";
import { resolveUnified, unifiedField } from "./unified.js";

/**
 * Resource limits independent of the cgroup version. Each is written to whichever version holds the controller,
 * converted where the versions differ (see the named functions in conversions).
 * @public
 */
export interface ResourceLimits {
  /** Memory limits (the memory controller). */
  readonly memory?: {
    /** Hard limit in bytes (v2 memory.max, v1 memory.limit_in_bytes). */
    readonly max?: bigint | "max";
    /** Swap alone, in bytes (v2 memory.swap.max; v1 memory.memsw.limit_in_bytes = max + swap). */
    readonly swap?: bigint | "max";
    /** Best-effort protection (v2 memory.low, v1 memory.soft_limit_in_bytes). */
    readonly low?: bigint;
    /** Throttle point (v2 memory.high only). */
    readonly high?: bigint | "max";
    /** v1 memory.swappiness only. */
    readonly swappiness?: number;
    /** v1 memory.oom_control only: disable the OOM killer. */
    readonly oomKillDisable?: boolean;
    /** v1 memory.kmem.limit_in_bytes only (deprecated by the kernel since 5.4: accepted, then ignored). */
    readonly kernel?: bigint | "max";
    /** v1 memory.kmem.tcp.limit_in_bytes only. */
    readonly kernelTcp?: bigint | "max";
  };
  /** CPU time and placement (cpu and cpuset controllers). */
  readonly cpu?: {
    /** 1..10000 (v2 cpu.weight; v1 cpu.shares via cpuWeightToShares). */
    readonly weight?: number;
    /** v1 cpu.shares; v2 cpu.weight via the shares conversion in the options (default the OCI curve). */
    readonly shares?: bigint;
    /** Microseconds per period, or "max" (v2 cpu.max, v1 cpu.cfs_quota_us). */
    readonly quota?: bigint | "max";
    /** Period in microseconds (default 100000 where a quota is set). */
    readonly period?: bigint;
    /** CPUs the group may run on, a list such as `0-3,6` (cpuset.cpus). */
    readonly cpus?: string;
    /** Memory nodes the group may allocate from, a list such as `0` (cpuset.mems). */
    readonly mems?: string;
    /** SCHED_IDLE for the group: v1 and v2 cpu.idle. */
    readonly idle?: boolean;
    /** Microseconds of accumulated quota a period may borrow (v2 cpu.max.burst, v1 cpu.cfs_burst_us). */
    readonly burst?: bigint;
    /** Real-time runtime per period in microseconds, -1 unlimited (v1 cpu.rt_runtime_us; cgroup v2 has none). */
    readonly realtimeRuntime?: bigint;
    /** Real-time period in microseconds (v1 cpu.rt_period_us; cgroup v2 has none). */
    readonly realtimePeriod?: bigint;
  };
  /** Task-count limit (the pids controller). */
  readonly pids?: {
    /** Most tasks the group may hold (pids.max). */
    readonly max?: bigint | "max";
  };
  /** Block I/O weight (v2 io, v1 blkio). */
  readonly io?: {
    /** 1..10000 (v2 io.weight default; v1 blkio.weight via ioWeightToBlkioWeight). */
    readonly weight?: number;
    /**
     * 10..1000, OCI's scale. v1: blkio.weight, else blkio.bfq.weight (BFQ-only kernels). v2: io.bfq.weight as is
     * when the kernel shows it, else io.weight via blkioWeightToIoWeight (runc's and crun's order).
     */
    readonly blkioWeight?: number;
    /** v1 blkio.leaf_weight: CFQ only, gone since Linux 5.0 (refused as a missing file on newer kernels). */
    readonly leafWeight?: number;
    /** Per-device weights on the blkio/BFQ scale (see {@link IoDeviceWeight}). */
    readonly deviceWeights?: readonly IoDeviceWeight[];
    /** Per-device caps (v1 blkio.throttle.*_device lines; v2 io.max lines). */
    readonly throttle?: {
      /** Read bytes per second (v1 blkio.throttle.read_bps_device; v2 io.max rbps). */
      readonly readBps?: readonly IoDeviceRate[];
      /** Write bytes per second (v1 blkio.throttle.write_bps_device; v2 io.max wbps). */
      readonly writeBps?: readonly IoDeviceRate[];
      /** Read operations per second (v1 blkio.throttle.read_iops_device; v2 io.max riops). */
      readonly readIops?: readonly IoDeviceRate[];
      /** Write operations per second (v1 blkio.throttle.write_iops_device; v2 io.max wiops). */
      readonly writeIops?: readonly IoDeviceRate[];
    };
  };
  /**
   * Huge page limits in bytes by page size (`2MB`, `1GB`): v1 hugetlb.<size>.limit_in_bytes, v2 hugetlb.<size>.max,
   * and the reservation file (`.rsvd.limit_in_bytes` / `.rsvd.max`) too where the kernel shows it, as runc does.
   */
  readonly hugetlb?: Readonly<Record<string, bigint | "max">>;
  /** rdma.max per device (`mlx5_1`): at most this many HCA handles / objects. */
  readonly rdma?: Readonly<
    Record<
      string,
      {
        /** Most HCA handles (`hca_handle`). */
        readonly hcaHandles?: bigint | "max";
        /** Most HCA objects (`hca_object`). */
        readonly hcaObjects?: bigint | "max";
      }
    >
  >;
  /** v1 only: net_cls.classid and net_prio.ifpriomap (cgroup v2 has neither controller). */
  readonly network?: {
    /** net_cls.classid: the class id tagged on the group's packets. */
    readonly classId?: bigint;
    /** net_prio.ifpriomap: one priority per network interface. */
    readonly priorities?: ReadonlyArray<{
      /** Interface name. */
      readonly name: string;
      /** The priority of the group's traffic on that interface. */
      readonly priority: bigint;
    }>;
  };
  /** cgroup v2 files by name, as kernel text (OCI `unified`); each is checked by the spec's codec of that file. */
  readonly unified?: Readonly<Record<string, string>>;
}

/** One device's weight on the blkio/BFQ scale (OCI `weightDevice`). @public */
export interface IoDeviceWeight {
  /** `MAJ:MIN`. */
  readonly device: string;
  /** v1 blkio.weight_device (else blkio.bfq.weight_device); v2 io.bfq.weight on a BFQ-scheduled device, else io.weight converted. */
  readonly weight?: number;
  /** v1 blkio.leaf_weight_device (CFQ only; gone since Linux 5.0). */
  readonly leafWeight?: number;
}

/** One device's rate cap (OCI `throttle*Device`). @public */
export interface IoDeviceRate {
  /** `MAJ:MIN`. */
  readonly device: string;
  /** The cap: bytes or operations per second. */
  readonly rate: bigint;
}

/** Options of {@link applyResources}. @public */
export interface ApplyResourcesOptions {
  /** A file the running kernel lacks (no swap accounting, no CFS bandwidth): fail before writing anything, or skip it. Default "error". */
  readonly missing?: "error" | "skip";
  /** cpu.shares → cpu.weight on v2; default {@link cpuSharesToWeightOci}. */
  readonly sharesToWeight?: (shares: bigint) => number;
}

/** What an apply wrote and skipped. @public */
export interface ApplyResourcesResult {
  /** The files written, in order. */
  readonly written: ReadonlyArray<{
    /** The control file's path. */
    readonly path: string;
    /** The text written. */
    readonly value: string;
  }>;
  /** The files left alone: missing ones under `missing: "skip"`, optional ones the kernel lacks. */
  readonly skipped: ReadonlyArray<{
    /** The control file's path. */
    readonly path: string;
    /** Why it was skipped. */
    readonly reason: string;
  }>;
  /** Where the kernel decided the file (blkio.weight or blkio.bfq.weight, io.weight or io.bfq.weight): which, and why. */
  readonly chosen?: ReadonlyArray<{
    /** The {@link ResourceLimits} field, e.g. `io.weight`. */
    readonly field: string;
    /** The file chosen. */
    readonly file: string;
    /** Why that file. */
    readonly reason: string;
  }>;
}

/** One write the limits need: the file, the value and its formatted text. @internal */
export interface PlannedResourceWrite {
  readonly file: AnyFile;
  readonly value: unknown;
  readonly text: string;
  /** A file runc writes only where the kernel shows it (hugetlb reservations): skipped quietly when missing. */
  readonly optional?: boolean;
  /** Files that hold one line per device: restore the device's old line, or this text when it had none. */
  readonly deviceLine?: { readonly device: string; readonly clear: string };
}
type PlannedWrite = PlannedResourceWrite;

type AnyFile = ReadWriteFile<unknown, any>;

export { ResourceApplyError };

function plan(file: AnyFile | undefined, value: unknown, label: string, out: PlannedWrite[], extra: Omit<PlannedWrite, "file" | "value" | "text"> = {}): void {
  if (file === undefined) throw new UnsupportedError(`${label}: no hierarchy of this group holds the controller`);
  out.push({ file, value, text: file.format(value), ...extra });
}

function versionOf(cg: Cgroup, controller: string): "v1" | "v2" | undefined {
  return cg.placement(controller)?.hierarchy.version;
}

/**
 * The v2 accessor of a controller a limit needs, where cgroup2 holds it on this host; a group that does not have it
 * enabled is a {@link ControllerNotEnabledError} naming the group and how to enable it, before anything is written.
 */
function neededV2<K extends V2ControllerName>(cg: Cgroup, controller: K): NonNullable<V2Accessors[K]> | undefined {
  return versionOf(cg, controller) === "v2" ? cg.requireV2(controller) : undefined;
}

/** What the kernel shows, learned before planning: it decides between files that say the same thing. */
interface KernelProbe {
  readonly currentMemsw: bigint | "max" | undefined;
  /** v1: blkio.weight (CFQ, or a kernel with both) or blkio.bfq.weight (BFQ-only kernels, 5.0+). */
  readonly v1Weight: "blkio.weight" | "blkio.bfq.weight";
  /** v2: whether io.bfq.weight is there (BFQ built or loaded). */
  readonly v2Bfq: boolean;
  /** v2: devices whose active scheduler is BFQ. */
  readonly bfqDevices: ReadonlySet<string>;
}

/** A device's active I/O scheduler from sysfs (`none [mq-deadline] kyber bfq` → mq-deadline), or undefined. */
function activeScheduler(device: string): string | undefined {
  try {
    return /\[([^\]]+)\]/.exec(readFileSync(`/sys/dev/block/${device}/queue/scheduler`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

const NO_LIMIT_LINE = "rbps=max wbps=max riops=max wiops=max";

/** Every write the limits need, validated and formatted, in a safe order; nothing is written. */
function planWrites(cg: Cgroup, limits: ResourceLimits, options: ApplyResourcesOptions, probe: KernelProbe) {
  const out: PlannedWrite[] = [];
  /** Files the spec (and this kernel) no longer has: treated like a file the kernel does not show. */
  const absent: Array<{ path: string; reason: string }> = [];
  const chosen: Array<{ field: string; file: string; reason: string }> = [];
  const { memory, cpu, pids, io, hugetlb } = limits;
  if (memory) {
    if (versionOf(cg, "memory") === "v1") {
      const m = cg.v1.memory!;
      const limit = memory.max !== undefined ? () => plan(m.limitInBytes, memory.max, "memory.max", out) : () => {};
      // Nothing to order against when only memory+swap is set.
      if (memory.swap !== undefined) {
        const max = memory.max ?? (memory.swap === "max" ? "max" : undefined);
        // Unlimited memory+swap stands alone (it is above any limit); a finite one is counted from the limit.
        if (max === undefined) throw new InvalidValueError("memory.swap", memory.swap, "on cgroup v1 a swap limit needs memory.max in the same call");
        const memsw = max === "max" || memory.swap === "max" ? "max" : max + memory.swap;
        // memsw must stay >= the memory limit at every step: raise memsw first when the new limit exceeds the current memsw.
        const current = probe.currentMemsw;
        const raiseFirst = current !== undefined && current !== "max" && (max === "max" || max > current);
        if (raiseFirst) plan(m.memswLimitInBytes, memsw, "memory.swap", out);
        limit();
        if (!raiseFirst) plan(m.memswLimitInBytes, memsw, "memory.swap", out);
      } else limit();
      if (memory.low !== undefined) plan(m.softLimitInBytes, memory.low, "memory.low", out);
      if (memory.swappiness !== undefined) plan(m.swappiness, memory.swappiness, "memory.swappiness", out);
      if (memory.oomKillDisable !== undefined) plan(m.oomControl, memory.oomKillDisable, "memory.oomKillDisable", out);
      if (memory.kernel !== undefined) plan(m.kmemLimitInBytes, memory.kernel, "memory.kernel", out);
      if (memory.kernelTcp !== undefined) plan(m.kmemTcpLimitInBytes, memory.kernelTcp, "memory.kernelTcp", out);
      if (memory.high !== undefined) throw new UnsupportedError("memory.high: cgroup v1 has no such limit");
    } else {
      const m = neededV2(cg, "memory");
      if (memory.max !== undefined) plan(m?.max, memory.max, "memory.max", out);
      if (memory.swap !== undefined) plan(m?.swapMax, memory.swap, "memory.swap", out);
      if (memory.low !== undefined) plan(m?.low, memory.low, "memory.low", out);
      if (memory.high !== undefined) plan(m?.high, memory.high, "memory.high", out);
      if (memory.swappiness !== undefined) throw new UnsupportedError("memory.swappiness: cgroup v2 has no per-group swappiness");
      if (memory.oomKillDisable !== undefined) throw new UnsupportedError("memory.oomKillDisable: cgroup v2 cannot disable the OOM killer");
      if (memory.kernel !== undefined) throw new UnsupportedError("memory.kernel: cgroup v2 has no separate kernel memory limit");
      if (memory.kernelTcp !== undefined) throw new UnsupportedError("memory.kernelTcp: cgroup v2 has no separate TCP buffer limit");
    }
  }
  if (cpu) {
    if (cpu.weight !== undefined && cpu.shares !== undefined) throw new InvalidValueError("cpu", cpu, "give weight or shares, not both");
    const cpuVersion = versionOf(cg, "cpu");
    if (cpuVersion === "v1") {
      const c = cg.v1.cpu!;
      if (cpu.weight !== undefined) plan(c.shares, cpuWeightToShares(cpu.weight), "cpu.weight", out);
      if (cpu.shares !== undefined) plan(c.shares, cpu.shares, "cpu.shares", out);
      if (cpu.period !== undefined || cpu.quota !== undefined) {
        // The kernel checks quota against period: set the period first.
        if (cpu.period !== undefined || cpu.quota !== "max") plan(c.cfsPeriodUs, cpu.period ?? 100000n, "cpu.period", out);
        if (cpu.quota !== undefined) plan(c.cfsQuotaUs, cpu.quota === "max" ? -1n : cpu.quota, "cpu.quota", out);
      }
      // After the quota: the kernel refuses a burst above the quota in force.
      if (cpu.burst !== undefined) plan(c.cfsBurstUs, cpu.burst, "cpu.burst", out);
      // runc's order: the period first, so a runtime within the new period is accepted.
      if (cpu.realtimePeriod !== undefined) plan(c.rtPeriodUs, cpu.realtimePeriod, "cpu.realtimePeriod", out);
      if (cpu.realtimeRuntime !== undefined) plan(c.rtRuntimeUs, cpu.realtimeRuntime, "cpu.realtimeRuntime", out);
      if (cpu.idle !== undefined) plan(c.idle, cpu.idle, "cpu.idle", out);
    } else {
      const c = neededV2(cg, "cpu");
      if (cpu.weight !== undefined) plan(c?.weight, cpu.weight, "cpu.weight", out);
      if (cpu.shares !== undefined) {
        const weight = (options.sharesToWeight ?? cpuSharesToWeightOci)(cpu.shares);
        if (weight !== 0) plan(c?.weight, weight, "cpu.shares", out);
      }
      if (cpu.quota !== undefined || cpu.period !== undefined) plan(c?.max, { quota: cpu.quota ?? "max", period: cpu.period ?? 100000n }, "cpu.quota", out);
      if (cpu.burst !== undefined) plan(c?.maxBurst, cpu.burst, "cpu.burst", out);
      if (cpu.idle !== undefined) plan(c?.idle, cpu.idle, "cpu.idle", out);
      if (cpu.realtimePeriod !== undefined || cpu.realtimeRuntime !== undefined) throw new UnsupportedError("cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no real-time group scheduling files");
    }
    if (cpu.cpus !== undefined || cpu.mems !== undefined) {
      const set = versionOf(cg, "cpuset") === "v1" ? cg.v1.cpuset : neededV2(cg, "cpuset");
      if (cpu.mems !== undefined) plan(set?.mems, cpu.mems, "cpu.mems", out);
      if (cpu.cpus !== undefined) plan(set?.cpus, cpu.cpus, "cpu.cpus", out);
    }
  }
  if (pids?.max !== undefined) {
    const p = versionOf(cg, "pids") === "v1" ? cg.v1.pids : neededV2(cg, "pids");
    plan(p?.max, pids.max, "pids.max", out);
  }
  if (io) planIo(cg, io, probe, out, absent, chosen);
  for (const [size, limit] of Object.entries(hugetlb ?? {})) {
    const version = versionOf(cg, "hugetlb");
    const h = version === "v1" ? cg.v1.hugetlb! : undefined;
    const h2 = neededV2(cg, "hugetlb");
    plan(h?.limitInBytes(size) ?? h2?.max(size), limit, `hugetlb.${size}`, out);
    // Reservations too, where the kernel accounts them (5.7+): opencontainers/cgroups (runc ≥ 1.2) does the same.
    const rsvd = h?.rsvdLimitInBytes(size) ?? h2?.rsvdMax(size);
    if (rsvd) plan(rsvd, limit, `hugetlb.${size}`, out, { optional: true });
  }
  for (const [device, rdma] of Object.entries(limits.rdma ?? {})) {
    const version = versionOf(cg, "rdma");
    const file = version === "v1" ? cg.v1.rdma?.max : version === "v2" ? cg.requireV2("rdma").max : undefined;
    const values = { ...(rdma.hcaHandles !== undefined ? { hca_handle: rdma.hcaHandles } : {}), ...(rdma.hcaObjects !== undefined ? { hca_object: rdma.hcaObjects } : {}) };
    plan(file, { [device]: values }, `rdma.${device}`, out, { deviceLine: { device, clear: `${device} hca_handle=max hca_object=max` } });
  }
  if (limits.network) {
    const { classId, priorities } = limits.network;
    if (classId !== undefined) plan(versionOf(cg, "net_cls") === "v1" ? cg.v1.net_cls?.classid : undefined, classId, "network.classID (net_cls)", out);
    for (const { name, priority } of priorities ?? []) {
      plan(versionOf(cg, "net_prio") === "v1" ? cg.v1.net_prio?.ifpriomap : undefined, { [name]: priority }, "network.priorities (net_prio)", out, { deviceLine: { device: name, clear: `${name} 0` } });
    }
  }
  for (const [key, text] of Object.entries(limits.unified ?? {})) {
    const probeWrite = resolveUnified(key, text);
    const dir = versionOf(cg, probeWrite.controller) === "v2" ? cg.v2Placement?.dir : undefined;
    if (dir === undefined) throw new UnsupportedError(`${unifiedField(key)}: the ${probeWrite.controller} controller is not on cgroup v2 for this group (layout ${cg.layout.kind})`);
    if (probeWrite.controller !== "core") cg.requireV2(probeWrite.controller as V2ControllerName); // enabled for this group, or a clear error
    const bound = resolveUnified(key, text, dir, cg.fs);
    if (!(bound.file instanceof ReadWriteFile)) throw new UnsupportedError(`${unifiedField(key)}: a write-only file is an action, not a limit`);
    plan(bound.file as AnyFile, bound.value, unifiedField(key), out);
  }
  return { writes: out, absent, chosen };
}

function planIo(cg: Cgroup, io: NonNullable<ResourceLimits["io"]>, probe: KernelProbe, out: PlannedWrite[], absent: Array<{ path: string; reason: string }>, chosen: Array<{ field: string; file: string; reason: string }>): void {
  if (io.weight !== undefined && io.blkioWeight !== undefined) throw new InvalidValueError("io", io, "give weight or blkioWeight, not both");
  const version = versionOf(cg, "blkio") === "v1" ? "v1" : versionOf(cg, "io") === "v2" ? "v2" : undefined;
  const wantsIo = io.weight !== undefined || io.blkioWeight !== undefined || io.leafWeight !== undefined || (io.deviceWeights?.length ?? 0) > 0 || Object.values(io.throttle ?? {}).some((l) => l.length > 0);
  if (!wantsIo) return;
  if (version === undefined) throw new UnsupportedError("io: no hierarchy of this group holds the blkio/io controller");
  const devices = <T>(list: readonly T[] | undefined): readonly T[] => list ?? [];
  if (version === "v1") {
    const b = cg.v1.blkio!;
    const bfq = probe.v1Weight === "blkio.bfq.weight";
    const weight = io.blkioWeight ?? (io.weight !== undefined ? ioWeightToBlkioWeight(io.weight) : undefined);
    if (weight !== undefined || (io.deviceWeights?.length ?? 0) > 0) {
      chosen.push({ field: "io.weight", file: probe.v1Weight, reason: bfq ? "the kernel shows no blkio.weight (no CFQ): BFQ's file, as runc picks it" : "the kernel shows blkio.weight" });
    }
    if (weight !== undefined) plan(bfq ? b.bfqWeight : b.weight, weight, "io.weight", out);
    if (io.leafWeight !== undefined) absent.push({ path: `${b.dir}/blkio.leaf_weight`, reason: "blkio.leaf_weight went with CFQ in Linux 5.0" });
    for (const d of devices(io.deviceWeights)) {
      if (d.weight !== undefined) {
        plan(bfq ? b.bfqWeightDevice : b.weightDevice, { device: d.device, value: BigInt(d.weight) }, `io.deviceWeights ${d.device}`, out, { deviceLine: { device: d.device, clear: `${d.device} 0` } });
      }
      if (d.leafWeight !== undefined) absent.push({ path: `${b.dir}/blkio.leaf_weight_device`, reason: "blkio.leaf_weight_device went with CFQ in Linux 5.0" });
    }
    const t = io.throttle ?? {};
    const lists = [
      [b.throttleReadBpsDevice, t.readBps],
      [b.throttleWriteBpsDevice, t.writeBps],
      [b.throttleReadIopsDevice, t.readIops],
      [b.throttleWriteIopsDevice, t.writeIops],
    ] as const;
    for (const [file, list] of lists) {
      for (const r of devices(list)) plan(file, { device: r.device, value: r.rate }, `io.throttle ${r.device}`, out, { deviceLine: { device: r.device, clear: `${r.device} 0` } });
    }
    return;
  }
  const v = cg.requireV2("io");
  if (io.weight !== undefined) plan(v.weight, { device: "default", value: BigInt(io.weight) }, "io.weight", out);
  if (io.blkioWeight !== undefined) {
    // runc and crun: BFQ's file takes the OCI value as is; else iocost's io.weight, converted.
    if (probe.v2Bfq) plan(v.bfqWeight, { device: "default", value: BigInt(io.blkioWeight) }, "io.weight", out);
    else plan(v.weight, { device: "default", value: BigInt(blkioWeightToIoWeight(io.blkioWeight)) }, "io.weight", out);
    chosen.push({ field: "io.weight", file: probe.v2Bfq ? "io.bfq.weight" : "io.weight", reason: probe.v2Bfq ? "the kernel shows io.bfq.weight: the OCI weight as is" : "no io.bfq.weight: io.weight via blkioWeightToIoWeight" });
  }
  if (io.leafWeight !== undefined) throw new UnsupportedError("io.leafWeight: cgroup v2 has no leaf weight");
  for (const d of devices(io.deviceWeights)) {
    if (d.leafWeight !== undefined) throw new UnsupportedError(`io.deviceWeights ${d.device}: cgroup v2 has no leaf weight`);
    if (d.weight === undefined) continue;
    const onBfq = probe.v2Bfq && probe.bfqDevices.has(d.device);
    if (onBfq) plan(v.bfqWeight, { device: d.device, value: BigInt(d.weight) }, `io.deviceWeights ${d.device}`, out, { deviceLine: { device: d.device, clear: `${d.device} default` } });
    else plan(v.weight, { device: d.device, value: BigInt(blkioWeightToIoWeight(d.weight)) }, `io.deviceWeights ${d.device}`, out, { deviceLine: { device: d.device, clear: `${d.device} default` } });
    chosen.push({ field: `io.deviceWeights ${d.device}`, file: onBfq ? "io.bfq.weight" : "io.weight", reason: onBfq ? "the device's scheduler is BFQ" : "the device is not scheduled by BFQ: iocost's io.weight, converted" });
  }
  const t = io.throttle ?? {};
  const keys = [
    ["rbps", t.readBps],
    ["wbps", t.writeBps],
    ["riops", t.readIops],
    ["wiops", t.writeIops],
  ] as const;
  for (const [key, list] of keys) {
    for (const r of devices(list)) plan(v.max, { [r.device]: { [key]: r.rate } }, `io.throttle ${r.device}`, out, { deviceLine: { device: r.device, clear: `${r.device} ${NO_LIMIT_LINE}` } });
  }
}

/**
 * Apply limits to a group: every value is validated and every file checked to exist before the first write;
 * if a write fails, the earlier ones are restored to what they were and a {@link ResourceApplyError} says so.
 * Cost per file: one read of its old value (the last file: one stat) and one write.
 * @public
 */
export async function applyResources(cg: Cgroup, limits: ResourceLimits, options: ApplyResourcesOptions = {}): Promise<ApplyResourcesResult> {
  // Each file's current text, read once: to restore it if a later write fails, and to learn that the file
  // is missing (the read fails with ENOENT) without a separate stat.
  const oldText = new Map<string, string | undefined>();
  const readOld = async (file: AnyFile): Promise<string | undefined> => {
    if (oldText.has(file.path)) return oldText.get(file.path);
    let text: string | undefined;
    try {
      text = await file.readRaw();
    } catch (err) {
      if (!(err instanceof CgroupIoError && err.errno === "ENOENT")) throw err;
    }
    oldText.set(file.path, text);
    return text;
  };
  const planned = planWrites(cg, limits, options, await probeKernel(cg, limits));

  // Every file is checked before the first write: a missing one stops the apply with nothing written.
  // The old value is what a failed later write restores; the last write has no later one, so its file
  // is only checked to exist (one stat, not a read).
  const skipped: Array<{ path: string; reason: string }> = [];
  const missing = (path: string, reason: string) => {
    if (options.missing === "skip") skipped.push({ path, reason });
    else throw new UnsupportedError(`${path}: ${reason} (pass missing: "skip" to go on without it); nothing was written`);
  };
  for (const a of planned.absent) missing(a.path, a.reason);
  const toWrite: RestorableWrite[] = [];
  const lastPath = planned.writes.at(-1)?.file.path;
  const restoredLater = new Set(planned.writes.slice(0, -1).map((w) => w.file.path));
  for (const w of planned.writes) {
    const last = w.file.path === lastPath && !restoredLater.has(w.file.path) && !oldText.has(w.file.path);
    const before = last ? ((await w.file.exists()) ? null : undefined) : await readOld(w.file);
    if (before === null) toWrite.push({ file: w.file, text: w.text, restore: { cannot: "the last write: nothing after it can fail" } });
    else if (before !== undefined) toWrite.push({ file: w.file, text: w.text, restore: restoreFor(w, before) });
    else if (w.optional) skipped.push({ path: w.file.path, reason: "the running kernel does not show this file (written only where it exists, as runc does)" });
    else missing(w.file.path, "the running kernel does not show this file");
  }
  // A delegatee's write to a file it was not given is refused here, before the first write.
  await refuseUndelegatedWrites(cg.fs, toWrite.map((w) => w.file.path));
  let written: Awaited<ReturnType<typeof writeAllOrRestore>>;
  try {
    written = await writeAllOrRestore(cg.fs, toWrite);
  } catch (err) {
    // a refusal a delegation rule explains is named by that rule
    const explained = err instanceof ResourceApplyError ? await explainRefusal(cg.fs, err.failed) : err;
    if (err instanceof ResourceApplyError && explained !== err.failed && explained instanceof CgroupError) throw new ResourceApplyError(explained, err.restored, err.restoreFailures);
    throw err;
  }
  return { written: written.map(({ file, text }) => ({ path: file.path, value: text })), skipped, chosen: planned.chosen };
}

/**
 * Every write the limits need on a group, validated and formatted, in the order they must be made; nothing is
 * written. For planners that show or diff the writes (`cgroupkit apply`).
 * @throws UnsupportedError for a file the kernel lacks (unless `missing: "skip"`)
 * @internal
 */
export async function planResourceWrites(cg: Cgroup, limits: ResourceLimits, options: ApplyResourcesOptions = {}): Promise<PlannedResourceWrite[]> {
  const planned = planWrites(cg, limits, options, await probeKernel(cg, limits));
  const absent = planned.absent[0];
  if (absent && options.missing !== "skip") throw new UnsupportedError(`${absent.path}: ${absent.reason} (pass missing: "skip" to go on without it); nothing was written`);
  return planned.writes;
}

/** The writes that undo a planned write, from its file's old text. @internal */
export function restoreFor(w: PlannedResourceWrite, before: string): RestorableWrite["restore"] {
  return w.deviceLine ? [restoreLine(before, w.deviceLine)] : w.file.restoreTexts(before);
}

/** The line of a per-device file that puts one device back as it was: its old line, or the text that clears it. */
function restoreLine(before: string, line: { device: string; clear: string }): string {
  return before.split("\n").find((l) => l.startsWith(`${line.device} `))?.trim() ?? line.clear;
}

async function probeKernel(cg: Cgroup, limits: ResourceLimits): Promise<KernelProbe> {
  const orMissing = <T>(p: Promise<T>) => p.catch((err: unknown) => (err instanceof CgroupIoError && err.errno === "ENOENT" ? undefined : Promise.reject(err)));
  const memswFile = limits.memory?.swap !== undefined && versionOf(cg, "memory") === "v1" ? cg.v1.memory!.memswLimitInBytes : undefined;
  const currentMemsw = memswFile && (await orMissing(memswFile.read()));
  const io = limits.io;
  const weighs = io !== undefined && (io.weight !== undefined || io.blkioWeight !== undefined || (io.deviceWeights?.length ?? 0) > 0);
  const v1 = weighs && versionOf(cg, "blkio") === "v1";
  const v2 = weighs && !v1 && versionOf(cg, "io") === "v2";
  const v1Weight = v1 && !(await cg.v1.blkio!.weight.exists()) ? "blkio.bfq.weight" : "blkio.weight";
  const v2Bfq = v2 ? await cg.requireV2("io").bfqWeight.exists() : false;
  const bfqDevices = new Set(v2 ? (io?.deviceWeights ?? []).map((d) => d.device).filter((d) => activeScheduler(d) === "bfq") : []);
  return { currentMemsw, v1Weight, v2Bfq, bfqDevices };
}
