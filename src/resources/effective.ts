// The limits that really bind a group: the tightest of its own and every visible ancestor's, each
// figure naming the file and group it came from. For programs sizing themselves inside a container.
import * as os from "node:os";
import { CpuV1, CpuV2, CpusetV1, CpusetV2, MemoryV1, MemoryV2, PidsV1, PidsV2 } from "../../generated/index.js";
import { Cgroup, type CgroupPlacement } from "../cgroup/cgroup.js";
import { visibleLevels, type GroupLevel } from "../cgroup/self.js";
import type { ReadableFile } from "../runtime/accessor.js";
import { codecs } from "../runtime/codecs/index.js";
import { CgroupError, UnsupportedError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";

/**
 * One limit and where it came from. `value` is `"none"` when nothing limits it (never the
 * kernel's "unlimited" number, never the host's size); `file`, `group` and `path` name the file
 * that set it: `memory.max` of group `/web` at `/sys/fs/cgroup/web/memory.max`.
 * @public
 */
export interface LimitFigure<T> {
  /** The limit (bytes, CPUs, tasks), or `"none"`. */
  readonly value: T | "none";
  /** The control file (or proc file) the value was read from. */
  readonly file?: string;
  /** The group that holds it, as `/proc/<pid>/cgroup` prints it. */
  readonly group?: string;
  /** Absolute path of the file. */
  readonly path?: string;
}

/**
 * What binds a group (by default this process's own), as {@link effectiveLimits} reads it.
 * @public
 */
export interface EffectiveLimits {
  /** Memory limits, in bytes. */
  readonly memory: {
    /** The lowest hard limit of the group and its ancestors: v2 `memory.max`, v1 `memory.limit_in_bytes`. Bytes. */
    readonly max: LimitFigure<bigint>;
    /** The lowest throttle point (v2 `memory.high`; v1 has none). Reported apart: past it the kernel reclaims hard but does not OOM-kill. */
    readonly high: LimitFigure<bigint>;
  };
  /** CPU limits, in CPUs. */
  readonly cpu: {
    /** CPUs as a fraction (1.5): the tightest of `quota`, `cpuset` and `affinity`; `"none"` when none of them is below the online CPUs. */
    readonly max: LimitFigure<number>;
    /** The lowest quota/period of the group and its ancestors: v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`. */
    readonly quota: LimitFigure<number> & {
      /** The quota of that level, in microseconds per period. */
      readonly quotaUs?: bigint;
      /** The period of that level, in microseconds. */
      readonly periodUs?: bigint;
    };
    /** How many CPUs the group may run on: `cpuset.cpus.effective` (v1 `cpuset.effective_cpus`), ancestors already folded in by the kernel. */
    readonly cpuset: LimitFigure<number> & {
      /** The CPU list as the kernel shows it (`0-3,6`). */
      readonly cpus?: string;
    };
    /** How many CPUs this process may run on (sched_getaffinity, from `Cpus_allowed_list` of `/proc/self/status`). */
    readonly affinity: LimitFigure<number>;
    /** What a thread pool should be sized by: the tightest of the three, or the online CPUs; never `"none"`. */
    readonly available: number;
    /** Online CPUs of the machine (`/sys/devices/system/cpu/online`). */
    readonly online: number;
  };
  /** Task limits. */
  readonly pids: {
    /** The lowest `pids.max` of the group and its ancestors. */
    readonly max: LimitFigure<bigint>;
  };
  /**
   * Where a limit could exist that this process cannot see: the topmost visible group of a
   * hierarchy is not its root (a bind-mounted subtree, a cgroup namespace), so ancestors above
   * it are hidden. Each entry names the hierarchy and the topmost group read.
   */
  readonly hidden: readonly string[];
  /** Files that exist but could not be read, with the error; the figure was computed without them. */
  readonly unreadable: readonly string[];
}

/** Options of {@link effectiveLimits}. @public */
export interface EffectiveLimitsOptions {
  /** Where to read; default {@link nodeCgroupFs} (ignored when a group is given: its own fs is used). */
  readonly fs?: CgroupFs;
}

type Source = Omit<LimitFigure<never>, "value">;

function sourceOf(file: string, level: GroupLevel): Source {
  return { file, group: level.path, path: `${level.dir === "/" ? "" : level.dir}/${file}` };
}

const NONE = Object.freeze({ value: "none" as const });

class Reader {
  readonly unreadable: string[] = [];
  /** The file's value, or undefined where this level lacks it (controller not enabled there) or it cannot be read. */
  async read<R>(file: ReadableFile<R>): Promise<R | undefined> {
    try {
      return await file.read();
    } catch (err) {
      if (!(err instanceof CgroupError)) throw err;
      if ((err as { errno?: string }).errno !== "ENOENT") this.unreadable.push(`${file.path}: ${err.message}`);
      return undefined;
    }
  }
}

/** The lowest bounded value over the levels, and where it was. */
async function lowest<T extends bigint | number, R>(
  levels: readonly GroupLevel[],
  open: (dir: string) => ReadableFile<R>,
  valueOf: (read: R) => T | undefined,
  reader: Reader,
): Promise<{ value: T; level: GroupLevel; read: R } | undefined> {
  let best: { value: T; level: GroupLevel; read: R } | undefined;
  for (const level of levels) {
    const read = await reader.read(open(level.dir));
    if (read === undefined) continue;
    const value = valueOf(read);
    if (value !== undefined && (best === undefined || value < best.value)) best = { value, level, read };
  }
  return best;
}

function placementFor(cg: Cgroup | undefined, controller: string): (CgroupPlacement & { levels: GroupLevel[] }) | undefined {
  const p = cg?.placement(controller);
  return p && { ...p, levels: visibleLevels(p) };
}

async function readText(fs: CgroupFs, file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (err instanceof CgroupError) return undefined;
    throw err;
  }
}

/** Online CPUs: the kernel's list, else what Node counts. */
async function onlineCpus(fs: CgroupFs): Promise<number> {
  const text = await readText(fs, "/sys/devices/system/cpu/online");
  try {
    if (text !== undefined) return codecs.rangeList().parse(text, "/sys/devices/system/cpu/online").length;
  } catch {
    /* fall through to Node's count */
  }
  return Math.max(1, os.cpus().length);
}

const STATUS = "/proc/self/status";

/** sched_getaffinity of this process, as the kernel prints it in /proc/self/status; else os.availableParallelism(). */
async function affinity(fs: CgroupFs): Promise<LimitFigure<number>> {
  const text = await readText(fs, STATUS);
  const line = text?.split("\n").find((l) => l.startsWith("Cpus_allowed_list:"));
  if (line !== undefined) {
    try {
      return { value: codecs.rangeList().parse(line.slice(line.indexOf(":") + 1).trim(), STATUS).length, file: "Cpus_allowed_list", path: STATUS };
    } catch {
      /* fall through */
    }
  }
  const parallelism = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return { value: parallelism, file: "os.availableParallelism()" };
}

/** v2 groups lack `cgroup.type` only at the root; v1 hierarchies have `release_agent` only at the root. */
async function isHierarchyRoot(fs: CgroupFs, p: CgroupPlacement, top: GroupLevel): Promise<boolean> {
  if (!/^(\/\.\.)*\/?$/.test(p.mount.root)) return false; // a bind mount of a subtree: what is above it is not shown
  const marker = p.hierarchy.version === "v2" ? "cgroup.type" : "release_agent";
  const stat = await fs.stat(`${top.dir === "/" ? "" : top.dir}/${marker}`).catch(() => undefined);
  return p.hierarchy.version === "v2" ? stat === undefined : stat !== undefined;
}

/**
 * The limits that bind a group, by default the caller's own ({@link Cgroup.self}): memory is the
 * lowest `memory.max` (v1 `memory.limit_in_bytes`) of the group and every ancestor this process
 * can see, `memory.high` apart; CPUs the tightest of the ancestors' quota/period, the count of
 * `cpuset.cpus.effective` and the process's CPU affinity, as a fraction; and the lowest `pids.max`.
 * Each figure names its file and group; an unlimited one is `"none"`. Never throws for an odd host:
 * a figure it cannot read is `"none"` with the reason in `unreadable`.
 *
 * Compared with `os.availableParallelism()`: that is the affinity count (an integer; from Node 22.x
 * with libuv 1.49 also rounded down by the process's own cgroup v2 `cpu.max`, not its ancestors').
 * `cpu.available` here is the same idea with every ancestor's quota, v1 quotas and cpusets folded in,
 * as a fraction: round it down (at least 1) for a thread pool.
 * @public
 */
export async function effectiveLimits(cg?: Cgroup, options: EffectiveLimitsOptions = {}): Promise<EffectiveLimits> {
  const fs = cg?.fs ?? options.fs ?? nodeCgroupFs;
  const reader = new Reader();
  const hidden: string[] = [];
  let group = cg;
  if (group === undefined) {
    try {
      group = await Cgroup.self({ fs });
    } catch (err) {
      // no cgroupfs, or none that shows this process: every cgroup figure is "none", and says why
      if (!(err instanceof CgroupError)) throw err;
      hidden.push(err instanceof UnsupportedError ? err.message : `the cgroup layout could not be read: ${err.message}`);
    }
  }

  const memory = placementFor(group, "memory");
  let memoryMax: LimitFigure<bigint> = NONE;
  let memoryHigh: LimitFigure<bigint> = NONE;
  if (memory?.hierarchy.version === "v2") {
    const bounded = (v: bigint | "max") => (v === "max" ? undefined : v);
    const max = await lowest(memory.levels, (d) => new MemoryV2(d, fs).max, bounded, reader);
    const high = await lowest(memory.levels, (d) => new MemoryV2(d, fs).high, bounded, reader);
    if (max) memoryMax = { value: max.value, ...sourceOf("memory.max", max.level) };
    if (high) memoryHigh = { value: high.value, ...sourceOf("memory.high", high.level) };
  } else if (memory) {
    // v1Bytes reads the kernel's "unlimited" (9223372036854771712 with 4 KiB pages) as "max"
    const max = await lowest(memory.levels, (d) => new MemoryV1(d, fs).limitInBytes, (v) => (v === "max" ? undefined : v), reader);
    if (max) memoryMax = { value: max.value, ...sourceOf("memory.limit_in_bytes", max.level) };
  }

  const cpu = placementFor(group, "cpu");
  let quota: EffectiveLimits["cpu"]["quota"] = NONE;
  if (cpu?.hierarchy.version === "v2") {
    const q = await lowest(cpu.levels, (d) => new CpuV2(d, fs).max, (v) => (v.quota === "max" || v.period === 0n ? undefined : Number(v.quota) / Number(v.period)), reader);
    if (q && q.read.quota !== "max") quota = { value: q.value, quotaUs: q.read.quota, periodUs: q.read.period, ...sourceOf("cpu.max", q.level) };
  } else if (cpu) {
    let best: { value: number; level: GroupLevel; quotaUs: bigint; periodUs: bigint } | undefined;
    for (const level of cpu.levels) {
      const core = new CpuV1(level.dir, fs);
      const quotaUs = await reader.read(core.cfsQuotaUs);
      if (quotaUs === undefined || quotaUs < 0n) continue; // -1: no quota
      const periodUs = await reader.read(core.cfsPeriodUs);
      if (periodUs === undefined || periodUs === 0n) continue;
      const value = Number(quotaUs) / Number(periodUs);
      if (best === undefined || value < best.value) best = { value, level, quotaUs, periodUs };
    }
    if (best) quota = { value: best.value, quotaUs: best.quotaUs, periodUs: best.periodUs, ...sourceOf("cpu.cfs_quota_us", best.level) };
  }

  const cpusetPlacement = placementFor(group, "cpuset");
  let cpuset: EffectiveLimits["cpu"]["cpuset"] = NONE;
  for (const level of cpusetPlacement?.levels ?? []) {
    // the nearest level that has the file: the kernel's effective list already folds in every ancestor
    const v2 = cpusetPlacement?.hierarchy.version === "v2";
    const file = v2 ? new CpusetV2(level.dir, fs).cpusEffective : new CpusetV1(level.dir, fs).effectiveCpus;
    const cpus = await reader.read(file);
    if (cpus === undefined || cpus.length === 0) continue;
    cpuset = { value: cpus.length, cpus: codecs.rangeList().format(cpus), ...sourceOf(v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus", level) };
    break;
  }

  const [online, affinityFigure] = await Promise.all([onlineCpus(fs), affinity(fs)]);
  const candidates = [quota, cpuset, affinityFigure].filter((f): f is LimitFigure<number> & { value: number } => f.value !== "none");
  const tightest = candidates.reduce<(LimitFigure<number> & { value: number }) | undefined>((best, f) => (best === undefined || f.value < best.value ? f : best), undefined);
  const limiting = tightest !== undefined && (tightest === quota || tightest.value < online) ? tightest : undefined;
  const cpuMax: LimitFigure<number> = limiting ? { value: limiting.value, file: limiting.file, group: limiting.group, path: limiting.path } : NONE;

  const pids = placementFor(group, "pids");
  let pidsMax: LimitFigure<bigint> = NONE;
  if (pids) {
    const open = pids.hierarchy.version === "v2" ? (d: string) => new PidsV2(d, fs).max : (d: string) => new PidsV1(d, fs).max;
    const max = await lowest(pids.levels, open, (v) => (v === "max" ? undefined : v), reader);
    if (max) pidsMax = { value: max.value, ...sourceOf("pids.max", max.level) };
  }

  for (const p of [memory, cpu, cpusetPlacement, pids]) {
    if (!p) continue;
    const top = p.levels[p.levels.length - 1] as GroupLevel;
    const label = p.hierarchy.version === "v2" ? "cgroup2" : `v1 ${p.hierarchy.controllers.join(",")}`;
    if (!(await isHierarchyRoot(fs, p, top)) && !hidden.some((h) => h.startsWith(`${label}:`))) hidden.push(`${label}: ancestors above ${top.path} (${top.dir}) are not visible`);
  }

  return {
    memory: { max: memoryMax, high: memoryHigh },
    cpu: { max: cpuMax, quota, cpuset, affinity: affinityFigure, available: tightest?.value ?? online, online },
    pids: { max: pidsMax },
    hidden,
    unreadable: reader.unreadable,
  };
}
