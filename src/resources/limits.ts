// One cross-version way to say "memory limit", "cpu weight", "pids limit": planned, validated, then written.
import type { Cgroup } from "../cgroup/cgroup.js";
import type { ReadWriteFile } from "../runtime/accessor.js";
import { CgroupError, CgroupIoError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { blkioWeightToIoWeight, cpuSharesToWeightOci, cpuWeightToShares, ioWeightToBlkioWeight } from "./conversions.js";

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
    /** 10..1000 (v1 blkio.weight; v2 io.weight via blkioWeightToIoWeight). */
    readonly blkioWeight?: number;
  };
  /** Huge page limits in bytes by page size (`2MB`, `1GB`). */
  readonly hugetlb?: Readonly<Record<string, bigint | "max">>;
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
  /** Each file written, in write order, with the text written. */
  readonly written: ReadonlyArray<{
    /** The control file. */
    readonly path: string;
    /** The text written to it. */
    readonly value: string;
  }>;
  /** Each file left out (`missing: "skip"`), with why. */
  readonly skipped: ReadonlyArray<{
    /** The control file. */
    readonly path: string;
    /** Why it was not written. */
    readonly reason: string;
  }>;
}

/** A write that failed after others succeeded; those were restored. @public */
export class ResourceApplyError extends CgroupError {
  constructor(
    /** The write that failed. */
    readonly failed: CgroupError,
    /** Files put back to their earlier value. */
    readonly restored: readonly string[],
    /** Files that could not be put back, with the error. */
    readonly restoreFailures: readonly string[],
  ) {
    super(failed.code, `${failed.message}; ${restoreFailures.length === 0 ? `restored ${restored.length} earlier writes` : `could not restore ${restoreFailures.join(", ")}`}`, { cause: failed });
  }
}

interface PlannedWrite {
  readonly file: AnyFile;
  readonly value: unknown;
  readonly text: string;
}

type AnyFile = ReadWriteFile<unknown, any>;

function plan(file: AnyFile | undefined, value: unknown, label: string, out: PlannedWrite[]): void {
  if (file === undefined) throw new UnsupportedError(`${label}: no hierarchy of this group holds the controller`);
  out.push({ file, value, text: file.format(value) });
}

function versionOf(cg: Cgroup, controller: string): "v1" | "v2" | undefined {
  return cg.placement(controller)?.hierarchy.version;
}

/** Every write the limits need, validated and formatted, in a safe order; nothing is written. */
function planWrites(cg: Cgroup, limits: ResourceLimits, options: ApplyResourcesOptions, currentMemsw: bigint | "max" | undefined): PlannedWrite[] {
  const out: PlannedWrite[] = [];
  const { memory, cpu, pids, io, hugetlb } = limits;
  if (memory) {
    if (versionOf(cg, "memory") === "v1") {
      const m = cg.v1.memory!;
      const limit = memory.max !== undefined ? () => plan(m.limitInBytes, memory.max, "memory.max", out) : () => {};
      if (memory.swap !== undefined) {
        const max = memory.max;
        if (max === undefined) throw new InvalidValueError("memory.swap", memory.swap, "on cgroup v1 a swap limit needs memory.max in the same call");
        const memsw = max === "max" || memory.swap === "max" ? "max" : max + memory.swap;
        // memsw must stay >= the memory limit at every step: raise memsw first when the new limit exceeds the current memsw.
        const raiseFirst = currentMemsw !== undefined && currentMemsw !== "max" && (max === "max" || max > currentMemsw);
        if (raiseFirst) plan(m.memswLimitInBytes, memsw, "memory.swap", out);
        limit();
        if (!raiseFirst) plan(m.memswLimitInBytes, memsw, "memory.swap", out);
      } else limit();
      if (memory.low !== undefined) plan(m.softLimitInBytes, memory.low, "memory.low", out);
      if (memory.swappiness !== undefined) plan(m.swappiness, memory.swappiness, "memory.swappiness", out);
      if (memory.oomKillDisable !== undefined) plan(m.oomControl, memory.oomKillDisable, "memory.oomKillDisable", out);
      if (memory.high !== undefined) throw new UnsupportedError("memory.high: cgroup v1 has no such limit");
    } else {
      const m = versionOf(cg, "memory") === "v2" ? cg.v2.memory : undefined;
      if (memory.max !== undefined) plan(m?.max, memory.max, "memory.max", out);
      if (memory.swap !== undefined) plan(m?.swapMax, memory.swap, "memory.swap", out);
      if (memory.low !== undefined) plan(m?.low, memory.low, "memory.low", out);
      if (memory.high !== undefined) plan(m?.high, memory.high, "memory.high", out);
      if (memory.swappiness !== undefined) throw new UnsupportedError("memory.swappiness: cgroup v2 has no per-group swappiness");
      if (memory.oomKillDisable !== undefined) throw new UnsupportedError("memory.oomKillDisable: cgroup v2 cannot disable the OOM killer");
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
    } else {
      const c = cpuVersion === "v2" ? cg.v2.cpu : undefined;
      if (cpu.weight !== undefined) plan(c?.weight, cpu.weight, "cpu.weight", out);
      if (cpu.shares !== undefined) {
        const weight = (options.sharesToWeight ?? cpuSharesToWeightOci)(cpu.shares);
        if (weight !== 0) plan(c?.weight, weight, "cpu.shares", out);
      }
      if (cpu.quota !== undefined || cpu.period !== undefined) plan(c?.max, { quota: cpu.quota ?? "max", period: cpu.period ?? 100000n }, "cpu.quota", out);
    }
    if (cpu.cpus !== undefined || cpu.mems !== undefined) {
      const set = versionOf(cg, "cpuset") === "v1" ? cg.v1.cpuset : versionOf(cg, "cpuset") === "v2" ? cg.v2.cpuset : undefined;
      if (cpu.mems !== undefined) plan(set?.mems, cpu.mems, "cpu.mems", out);
      if (cpu.cpus !== undefined) plan(set?.cpus, cpu.cpus, "cpu.cpus", out);
    }
  }
  if (pids?.max !== undefined) {
    const p = versionOf(cg, "pids") === "v1" ? cg.v1.pids : versionOf(cg, "pids") === "v2" ? cg.v2.pids : undefined;
    plan(p?.max, pids.max, "pids.max", out);
  }
  if (io) {
    if (io.weight !== undefined && io.blkioWeight !== undefined) throw new InvalidValueError("io", io, "give weight or blkioWeight, not both");
    if (versionOf(cg, "blkio") === "v1") {
      const weight = io.blkioWeight ?? (io.weight !== undefined ? ioWeightToBlkioWeight(io.weight) : undefined);
      if (weight !== undefined) plan(cg.v1.blkio!.weight, weight, "io.weight", out);
    } else {
      const weight = io.weight ?? (io.blkioWeight !== undefined ? blkioWeightToIoWeight(io.blkioWeight) : undefined);
      if (weight !== undefined) plan(versionOf(cg, "io") === "v2" ? cg.v2.io.weight : undefined, { device: "default", value: BigInt(weight) }, "io.weight", out);
    }
  }
  for (const [size, limit] of Object.entries(hugetlb ?? {})) {
    const version = versionOf(cg, "hugetlb");
    const file = version === "v1" ? cg.v1.hugetlb!.limitInBytes(size) : version === "v2" ? cg.v2.hugetlb.max(size) : undefined;
    plan(file, version === "v1" && limit === "max" ? "max" : limit, `hugetlb.${size}`, out);
  }
  return out;
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
  const memswFile = limits.memory?.swap !== undefined && versionOf(cg, "memory") === "v1" ? cg.v1.memory!.memswLimitInBytes : undefined;
  const currentMemsw = memswFile && (await memswFile.read().catch((err: unknown) => (err instanceof CgroupIoError && err.errno === "ENOENT" ? undefined : Promise.reject(err))));
  const planned = planWrites(cg, limits, options, currentMemsw);

  // Every file is checked before the first write: a missing one stops the apply with nothing written.
  // The old value is what a failed later write restores; the last write has no later one, so its file
  // is only checked to exist (one stat, not a read).
  const skipped: Array<{ path: string; reason: string }> = [];
  const toWrite: Array<PlannedWrite & { before: string }> = [];
  const lastPath = planned.at(-1)?.file.path;
  const restoredLater = new Set(planned.slice(0, -1).map((w) => w.file.path));
  for (const w of planned) {
    const onlyCheck = w.file.path === lastPath && !restoredLater.has(w.file.path) && !oldText.has(w.file.path);
    const before = onlyCheck ? ((await w.file.exists()) ? "" : undefined) : await readOld(w.file);
    if (before !== undefined) toWrite.push({ ...w, before: before.trim() });
    else if (options.missing === "skip") skipped.push({ path: w.file.path, reason: "the running kernel does not show this file" });
    else throw new UnsupportedError(`${w.file.path}: the running kernel does not show this file (pass missing: "skip" to go on without it); nothing was written`);
  }

  const written: Array<{ file: AnyFile; value: string; before: string }> = [];
  for (const w of toWrite) {
    const { before } = w;
    try {
      await w.file.write(w.value);
    } catch (err) {
      if (!(err instanceof CgroupError)) throw err;
      const restored: string[] = [];
      const restoreFailures: string[] = [];
      for (const done of written.reverse()) {
        try {
          await done.file.writeRaw(done.before);
          restored.push(done.file.path);
        } catch (restoreErr) {
          restoreFailures.push(`${done.file.path} (${restoreErr instanceof CgroupIoError ? restoreErr.errno : String(restoreErr)})`);
        }
      }
      throw new ResourceApplyError(err, restored, restoreFailures);
    }
    written.push({ file: w.file, value: w.text, before });
  }
  return { written: written.map(({ file, value }) => ({ path: file.path, value })), skipped };
}
