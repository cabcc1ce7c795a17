// Per-group metrics for a scraper: every group under a root, in every hierarchy that holds a
// controller we export, read through the snapshot reader (one pread per open file per scrape).
// Each (hierarchy, group) pair is its own series set: on a hybrid host a v1 memory group and the
// cgroup2 group of the same name are different groups, and the `hierarchy` label says which is which.
import * as nodeFs from "node:fs";
import { performance } from "node:perf_hooks";
import { BlkioV1, CpuacctV1, CpuV1, CpuV2, IoV2, MemoryV1, MemoryV2, PidsV1, PidsV2 } from "../../generated/index.js";
import type { CgroupHierarchy, CgroupLayout } from "../cgroup/mounts.js";
import type { ReadableFile } from "../runtime/accessor.js";
import { CgroupError } from "../runtime/errors.js";
import { NodeCgroupFs, nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { openSnapshot, type Snapshot, type SnapshotFiles, type SnapshotGroup } from "../runtime/snapshot.js";

/** A metric family as the exposition writes it. @internal */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly labelNames: readonly string[];
}

/** One sample: a family, its labels (in the family's labelNames order) and a value. @internal */
export interface MetricSample {
  readonly family: MetricFamily;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What one scrape cost (also exported as metrics). @internal */
export interface ScrapeCost {
  /** Control files read (one pread each). */
  readonly files: number;
  readonly bytes: number;
  /** Group directories listed (those whose link count changed, and new ones). */
  readonly directories: number;
  /** Group directories stat'd to see whether their subdirectories changed. */
  readonly stats: number;
  /** Files that failed to read or parse (the rest are still exported). */
  readonly errors: number;
  /** Series exported. */
  readonly series: number;
  /** Groups exported, all hierarchies together. */
  readonly groups: number;
  /** Control files held open between scrapes (a file a v2 group does not show is counted but not open). */
  readonly openFiles: number;
  /** Wall time of the walk, the reads and the conversion to samples, in seconds. */
  readonly seconds: number;
}

/** One scrape's samples and cost. @internal */
export interface Scrape {
  readonly samples: readonly MetricSample[];
  readonly cost: ScrapeCost;
}

const GROUP_LABELS = ["group", "hierarchy"] as const;
const family = (name: string, type: MetricFamily["type"], help: string, extra: readonly string[] = []): MetricFamily => ({ name, type, help, labelNames: [...GROUP_LABELS, ...extra] });

/** Every family the collector exports, in exposition order. @internal */
export const FAMILIES = {
  memoryUsage: family("cgroupkit_memory_usage_bytes", "gauge", "Memory in use (v2 memory.current, v1 memory.usage_in_bytes)."),
  memoryLimit: family("cgroupkit_memory_limit_bytes", "gauge", "Memory limit (v2 memory.max, v1 memory.limit_in_bytes); +Inf when unlimited."),
  memoryPeak: family("cgroupkit_memory_peak_bytes", "gauge", "Highest memory use recorded (v2 memory.peak, v1 memory.max_usage_in_bytes)."),
  memorySwap: family("cgroupkit_memory_swap_usage_bytes", "gauge", "Swap in use (v2 memory.swap.current)."),
  memoryEvents: family("cgroupkit_memory_events_total", "counter", "Memory events by kind (v2 memory.events; v1 memory.oom_control oom_kill).", ["event"]),
  memoryFailcnt: family("cgroupkit_memory_failcnt_total", "counter", "Times memory use hit the v1 limit (memory.failcnt)."),
  memoryUnderOom: family("cgroupkit_memory_under_oom", "gauge", "1 while the v1 group is under OOM (memory.oom_control under_oom)."),
  cpuUsage: family("cgroupkit_cpu_usage_seconds_total", "counter", "CPU time used (v2 cpu.stat usage_usec, v1 cpuacct.usage)."),
  cpuUser: family("cgroupkit_cpu_user_seconds_total", "counter", "CPU time in user mode (v2 cpu.stat user_usec, v1 cpuacct.stat user)."),
  cpuSystem: family("cgroupkit_cpu_system_seconds_total", "counter", "CPU time in kernel mode (v2 cpu.stat system_usec, v1 cpuacct.stat system)."),
  cpuPeriods: family("cgroupkit_cpu_periods_total", "counter", "CFS bandwidth periods elapsed (cpu.stat nr_periods)."),
  cpuThrottledPeriods: family("cgroupkit_cpu_throttled_periods_total", "counter", "CFS bandwidth periods in which the group was throttled (cpu.stat nr_throttled)."),
  cpuThrottled: family("cgroupkit_cpu_throttled_seconds_total", "counter", "Time the group was throttled (v2 cpu.stat throttled_usec, v1 cpu.stat throttled_time)."),
  ioReadBytes: family("cgroupkit_io_read_bytes_total", "counter", "Bytes read, by device (v2 io.stat rbytes, v1 blkio.throttle.io_service_bytes_recursive Read).", ["device"]),
  ioWriteBytes: family("cgroupkit_io_write_bytes_total", "counter", "Bytes written, by device (v2 io.stat wbytes, v1 blkio.throttle.io_service_bytes_recursive Write).", ["device"]),
  ioReads: family("cgroupkit_io_reads_total", "counter", "Read operations, by device (v2 io.stat rios, v1 blkio.throttle.io_serviced_recursive Read).", ["device"]),
  ioWrites: family("cgroupkit_io_writes_total", "counter", "Write operations, by device (v2 io.stat wios, v1 blkio.throttle.io_serviced_recursive Write).", ["device"]),
  pidsCurrent: family("cgroupkit_pids_current", "gauge", "Tasks in the group (pids.current)."),
  pidsLimit: family("cgroupkit_pids_limit", "gauge", "Task limit (pids.max); +Inf when unlimited."),
  pidsEvents: family("cgroupkit_pids_events_total", "counter", "pids events by kind (pids.events: max is forks refused by pids.max).", ["event"]),
  pressure: family("cgroupkit_pressure_stall_seconds_total", "counter", "PSI stall time (cpu|memory|io.pressure total), by resource and some/full.", ["resource", "kind"]),
} as const;

const SCRAPE_FAMILY = (name: string, help: string, labels: readonly string[] = []): MetricFamily => ({ name, type: "gauge", help, labelNames: labels });
/** The scrape's own cost. @internal */
export const SCRAPE_FAMILIES = {
  files: SCRAPE_FAMILY("cgroupkit_scrape_files_read", "Control files read by this scrape (one pread each)."),
  bytes: SCRAPE_FAMILY("cgroupkit_scrape_bytes_read", "Bytes the kernel returned to this scrape."),
  directories: SCRAPE_FAMILY("cgroupkit_scrape_directories_listed", "Group directories listed by this scrape (new ones, and those whose subdirectories changed)."),
  stats: SCRAPE_FAMILY("cgroupkit_scrape_directories_checked", "Group directories this scrape lstat'd to see whether their subdirectories changed."),
  errors: SCRAPE_FAMILY("cgroupkit_scrape_file_errors", "Control files that failed to read or parse in this scrape."),
  groups: SCRAPE_FAMILY("cgroupkit_scrape_groups", "Groups exported by this scrape, by hierarchy.", ["hierarchy"]),
  openFiles: SCRAPE_FAMILY("cgroupkit_scrape_open_files", "Control files held open for the next scrape (past the descriptor budget, groups are read by path)."),
  duration: SCRAPE_FAMILY("cgroupkit_scrape_duration_seconds", "Wall time of this scrape: the walk, the reads and the conversion (not the text formatting)."),
} as const;

/** The label a hierarchy's figures carry: the v1 controllers it holds (`memory`, `cpu,cpuacct`), or `unified` for cgroup2. @internal */
export function metricsHierarchyLabel(h: CgroupHierarchy): string {
  return h.version === "v2" ? "unified" : h.controllers.join(",");
}

const V1_EXPORTED = ["memory", "cpu", "cpuacct", "pids", "blkio"];

/** The hierarchies with something to export, mounted at their root (a bind of a subtree shows other names). */
function exportedHierarchies(layout: CgroupLayout): CgroupHierarchy[] {
  return layout.hierarchies.filter((h) => h.mountPoint !== undefined && h.root === "/" && (h.version === "v2" || h.controllers.some((c) => V1_EXPORTED.includes(c))));
}

interface Target {
  readonly hierarchy: CgroupHierarchy;
  readonly label: string;
  readonly mountPoint: string;
}

/** One (hierarchy, group) pair. */
interface Entry {
  readonly key: string;
  readonly target: Target;
  /** Group name without the leading `/`; `""` is the hierarchy root. */
  readonly name: string;
  readonly dir: string;
  /** No longer found by the walk, or found gone by a read: not exported (the snapshot closes a gone group's files). */
  dead: boolean;
  /** Control files tracked for it. */
  files: number;
  /** Its files are held open between scrapes (false: read by path, past the descriptor budget). */
  held: boolean;
}

/**
 * The files one group offers in one hierarchy. On cgroup2 a controller's files exist only where the
 * parent enables it: `controllers` is the group's cgroup.controllers (read once, when it is opened).
 */
function filesOf(entry: Entry, fs: CgroupFs, controllers: ReadonlySet<string>) {
  const { hierarchy } = entry.target;
  const dir = entry.dir;
  if (hierarchy.version === "v2") {
    const cpu = new CpuV2(dir, fs);
    const memory = controllers.has("memory") ? new MemoryV2(dir, fs) : undefined;
    const pids = controllers.has("pids") ? new PidsV2(dir, fs) : undefined;
    const io = new IoV2(dir, fs);
    return {
      cpuStatV2: cpu.stat,
      memoryCurrent: memory?.current,
      memoryMax: memory?.max,
      memoryPeak: memory?.peak,
      memoryEvents: memory?.events,
      memorySwapCurrent: memory?.swapCurrent,
      pidsCurrent: pids?.current,
      pidsMax: pids?.max,
      pidsEvents: pids?.events,
      ioStat: controllers.has("io") ? io.stat : undefined,
      // PSI files are cgroup2 core files: present in every group when the kernel has PSI.
      cpuPressure: cpu.pressure,
      memoryPressure: new MemoryV2(dir, fs).pressure,
      ioPressure: io.pressure,
    } satisfies SnapshotFiles;
  }
  const has = (c: string) => hierarchy.controllers.includes(c);
  const memory = has("memory") ? new MemoryV1(dir, fs) : undefined;
  const cpu = has("cpu") ? new CpuV1(dir, fs) : undefined;
  const cpuacct = has("cpuacct") ? new CpuacctV1(dir, fs) : undefined;
  const pids = has("pids") ? new PidsV1(dir, fs) : undefined;
  const blkio = has("blkio") ? new BlkioV1(dir, fs) : undefined;
  return {
    memoryUsageInBytes: memory?.usageInBytes,
    memoryLimitInBytes: memory?.limitInBytes,
    memoryMaxUsageInBytes: memory?.maxUsageInBytes,
    memoryFailcnt: memory?.failcnt,
    memoryOomControl: memory?.oomControl,
    cpuStatV1: cpu?.stat,
    cpuacctUsage: cpuacct?.usage,
    cpuacctStat: cpuacct?.stat,
    pidsCurrent: pids?.current,
    pidsMax: pids?.max,
    pidsEvents: pids?.events,
    blkioServiceBytes: blkio?.throttleIoServiceBytesRecursive,
    blkioServiced: blkio?.throttleIoServicedRecursive,
  } satisfies SnapshotFiles;
}

type AnyFiles = Readonly<Record<string, ReadableFile<unknown> | undefined>>;
type Values = Readonly<Record<string, unknown>>;

interface Batch {
  readonly entries: Entry[];
  readonly snapshot: Snapshot<Entry, AnyFiles>;
}

const NS_PER_S = 1e9;
const US_PER_S = 1e6;
// cpuacct.stat counts USER_HZ ticks, which Linux fixes at 100 for userspace.
const USER_HZ = 100;
const limitValue = (v: bigint | "max") => (v === "max" ? Infinity : Number(v));

/** Convert one group's reading to samples. */
function samplesOf(entry: Entry, v: Values, out: MetricSample[]): void {
  const base = { group: `/${entry.name}`, hierarchy: entry.target.label };
  const push = (f: MetricFamily, value: unknown, extra?: Record<string, string>) => {
    if (value === undefined) return;
    out.push({ family: f, labels: extra ? { ...base, ...extra } : base, value: typeof value === "bigint" ? Number(value) : (value as number) });
  };
  const F = FAMILIES;
  type Keyed = Readonly<Record<string, bigint | undefined>>;
  // v2 memory
  push(F.memoryUsage, v.memoryCurrent);
  if (v.memoryMax !== undefined) push(F.memoryLimit, limitValue(v.memoryMax as bigint | "max"));
  push(F.memoryPeak, v.memoryPeak);
  push(F.memorySwap, v.memorySwapCurrent);
  for (const [event, count] of Object.entries((v.memoryEvents as Keyed | undefined) ?? {})) push(F.memoryEvents, count, { event });
  // v1 memory
  push(F.memoryUsage, v.memoryUsageInBytes);
  if (v.memoryLimitInBytes !== undefined) push(F.memoryLimit, limitValue(v.memoryLimitInBytes as bigint | "max"));
  push(F.memoryPeak, v.memoryMaxUsageInBytes);
  push(F.memoryFailcnt, v.memoryFailcnt);
  const oom = v.memoryOomControl as Keyed | undefined;
  if (oom) {
    push(F.memoryEvents, oom.oom_kill, { event: "oom_kill" });
    push(F.memoryUnderOom, oom.under_oom);
  }
  // cpu
  const s2 = v.cpuStatV2 as Keyed | undefined;
  if (s2) {
    if (s2.usage_usec !== undefined) push(F.cpuUsage, Number(s2.usage_usec) / US_PER_S);
    if (s2.user_usec !== undefined) push(F.cpuUser, Number(s2.user_usec) / US_PER_S);
    if (s2.system_usec !== undefined) push(F.cpuSystem, Number(s2.system_usec) / US_PER_S);
    push(F.cpuPeriods, s2.nr_periods);
    push(F.cpuThrottledPeriods, s2.nr_throttled);
    if (s2.throttled_usec !== undefined) push(F.cpuThrottled, Number(s2.throttled_usec) / US_PER_S);
  }
  if (v.cpuacctUsage !== undefined) push(F.cpuUsage, Number(v.cpuacctUsage as bigint) / NS_PER_S);
  const acct = v.cpuacctStat as Keyed | undefined;
  if (acct?.user !== undefined) push(F.cpuUser, Number(acct.user) / USER_HZ);
  if (acct?.system !== undefined) push(F.cpuSystem, Number(acct.system) / USER_HZ);
  const s1 = v.cpuStatV1 as Keyed | undefined;
  if (s1) {
    push(F.cpuPeriods, s1.nr_periods);
    push(F.cpuThrottledPeriods, s1.nr_throttled);
    if (s1.throttled_time !== undefined) push(F.cpuThrottled, Number(s1.throttled_time) / NS_PER_S);
  }
  // pids (either version)
  push(F.pidsCurrent, v.pidsCurrent);
  if (v.pidsMax !== undefined) push(F.pidsLimit, limitValue(v.pidsMax as bigint | "max"));
  for (const [event, count] of Object.entries((v.pidsEvents as Keyed | undefined) ?? {})) push(F.pidsEvents, count, { event });
  // io
  const ioStat = v.ioStat as Readonly<Record<string, Keyed>> | undefined;
  for (const [device, d] of Object.entries(ioStat ?? {})) {
    push(F.ioReadBytes, d.rbytes, { device });
    push(F.ioWriteBytes, d.wbytes, { device });
    push(F.ioReads, d.rios, { device });
    push(F.ioWrites, d.wios, { device });
  }
  type BlkioStat = { readonly devices: Readonly<Record<string, Keyed>> };
  for (const [device, d] of Object.entries((v.blkioServiceBytes as BlkioStat | undefined)?.devices ?? {})) {
    push(F.ioReadBytes, d.Read, { device });
    push(F.ioWriteBytes, d.Write, { device });
  }
  for (const [device, d] of Object.entries((v.blkioServiced as BlkioStat | undefined)?.devices ?? {})) {
    push(F.ioReads, d.Read, { device });
    push(F.ioWrites, d.Write, { device });
  }
  // PSI
  for (const [resource, key] of [["cpu", "cpuPressure"], ["memory", "memoryPressure"], ["io", "ioPressure"]] as const) {
    const p = v[key] as { some?: { total: bigint }; full?: { total: bigint } } | undefined;
    if (p?.some) push(F.pressure, Number(p.some.total) / US_PER_S, { resource, kind: "some" });
    if (p?.full) push(F.pressure, Number(p.full.total) / US_PER_S, { resource, kind: "full" });
  }
}

/**
 * Descriptors the collector may hold: the process's soft RLIMIT_NOFILE (node raises it to the hard
 * limit at start) less 1024 for sockets and everything else; 4096 when /proc does not say.
 */
function descriptorBudget(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(nodeFs.readFileSync("/proc/self/limits", "utf8"));
    const soft = m?.[1] === "unlimited" ? 1 << 20 : Number(m?.[1] ?? 4096);
    return Math.max(0, soft - 1024);
  } catch {
    return 4096;
  }
}

/** Options of {@link openMetricsCollector}. @internal */
export interface MetricsCollectorOptions {
  readonly layout: CgroupLayout;
  /** The group whose subtree (itself included) is exported; `""` (default) is every group. */
  readonly root?: string;
  readonly fs?: CgroupFs;
}

/** A collector: scrape as often as needed, then close. @internal */
export interface MetricsCollector {
  /** Hierarchy labels the collector walks. */
  readonly hierarchies: readonly string[];
  scrape(): Promise<Scrape>;
  close(): void;
}

// Reopen everything as one snapshot when this many batches have piled up, or when dead entries
// (removed groups, still walked over by each refresh) outnumber a quarter of the live ones.
const MAX_BATCHES = 8;
const MIN_DEAD_TO_COMPACT = 64;

/**
 * Open a collector over every group at and under `root` in each hierarchy that holds memory, cpu,
 * cpuacct, pids or blkio (v1) and in cgroup2. Files stay open between scrapes; each scrape lists the
 * group directories to pick up new groups (opened then) and drop removed ones. It only reads.
 * @throws CgroupError when no exported hierarchy has `root`
 * @internal
 */
export async function openMetricsCollector(options: MetricsCollectorOptions): Promise<MetricsCollector> {
  const fs = options.fs ?? nodeCgroupFs;
  const root = options.root ?? "";
  const targets: Target[] = exportedHierarchies(options.layout).map((h) => ({ hierarchy: h, label: metricsHierarchyLabel(h), mountPoint: h.mountPoint as string }));
  const known = new Map<string, Entry>();
  let batches: Batch[] = [];
  let closed = false;

  // A cgroupfs directory's link count is 2 + its subdirectories (kernfs keeps it so): a directory
  // whose count is unchanged since it was listed still has the same children, unless one of them
  // was removed and another made meanwhile; a removed child shows up as a gone group, and then its
  // parent is listed again (`relist`). So a scrape lstats each directory and lists only those that changed.
  const listed = new Map<string, { readonly nlink: number; readonly children: readonly string[] }>();
  const relist = new Set<string>();
  const canStat = fs instanceof NodeCgroupFs;

  type Found = Map<string, { target: Target; name: string; dir: string }>;
  /** Every group directory at and under root, by key; counts the directories listed and stat'd. */
  const walk = async (): Promise<{ found: Found; directories: number; stats: number }> => {
    const found: Found = new Map();
    const seen = new Set<string>();
    let directories = 0;
    let stats = 0;
    const list = async (dir: string, nlink: number): Promise<readonly string[] | undefined> => {
      try {
        const children = (await fs.readdir(dir)).filter((e) => e.isDirectory).map((e) => e.name);
        directories++;
        if (nlink >= 0) listed.set(dir, { nlink, children });
        return children;
      } catch (err) {
        if (err instanceof CgroupError && (err.code === "ENOENT" || err.code === "ENODEV")) return undefined;
        throw err;
      }
    };
    /** False when the directory is gone. */
    const visit = async (target: Target, dir: string, name: string): Promise<boolean> => {
      let nlink = -1;
      if (canStat) {
        try {
          nlink = nodeFs.lstatSync(dir).nlink;
          stats++;
        } catch {
          return false; // removed while we looked
        }
      }
      found.set(`${target.label}\0${name}`, { target, name, dir });
      seen.add(dir);
      const before = listed.get(dir);
      const cached = before !== undefined && nlink >= 0 && before.nlink === nlink && !relist.has(dir);
      const children = cached ? before.children : await list(dir, nlink);
      if (children === undefined) return true;
      const childName = (child: string) => (name === "" ? child : `${name}/${child}`);
      let vanished = false;
      for (const child of children) if (!(await visit(target, `${dir}/${child}`, childName(child)))) vanished = true;
      // A listed child is gone while the link count stayed: another was made in its place. List again.
      if (cached && vanished) {
        for (const child of (await list(dir, nlink)) ?? []) if (!children.includes(child)) await visit(target, `${dir}/${child}`, childName(child));
      }
      return true;
    };
    for (const target of targets) {
      const dir = root === "" ? target.mountPoint : `${target.mountPoint}/${root}`;
      const stat = await fs.stat(dir);
      if (stat?.isDirectory && !stat.isSymbolicLink) await visit(target, dir, root);
    }
    relist.clear();
    for (const dir of listed.keys()) if (!seen.has(dir)) listed.delete(dir);
    return { found, directories, stats };
  };

  const budget = descriptorBudget();
  const v2Controllers = async (e: Entry): Promise<ReadonlySet<string>> => {
    if (e.target.hierarchy.version !== "v2") return new Set();
    try {
      return new Set((await fs.readFile(`${e.dir}/cgroup.controllers`)).split(/\s+/).filter(Boolean));
    } catch {
      return new Set(); // removed meanwhile: the snapshot finds it gone
    }
  };
  /** Open snapshots of new entries: one descriptor per file while they fit the budget; the rest read by path (open, pread, close). */
  const openBatches = async (entries: Entry[]): Promise<Batch[]> => {
    const filesBy = new Map<Entry, AnyFiles>();
    let room = budget - heldFiles();
    const held: Entry[] = [];
    const byPath: Entry[] = [];
    for (const e of entries) {
      const files = filesOf(e, fs, await v2Controllers(e));
      filesBy.set(e, files);
      e.files = Object.values(files).filter((f) => f !== undefined).length;
      e.held = e.files <= room;
      if (e.held) room -= e.files;
      (e.held ? held : byPath).push(e);
    }
    const out: Batch[] = [];
    for (const [list, keepOpen] of [[held, true], [byPath, false]] as const) {
      if (list.length > 0) out.push({ entries: list, snapshot: await openSnapshot<Entry, AnyFiles>(list, (e) => filesBy.get(e)!, { fs, keepOpen }) });
    }
    return out;
  };

  const heldFiles = () => batches.reduce((n, b) => n + b.entries.reduce((m, e) => m + (e.held && !e.dead ? e.files : 0), 0), 0);
  const closeAll = () => {
    for (const b of batches) b.snapshot.close();
    batches = [];
  };

  const first = await walk();
  if (first.found.size === 0) throw new CgroupError("ENOENT", `no such group: /${root} (in none of the hierarchies cgroupkit exports: ${targets.map((t) => t.label).join(" ") || "none mounted"})`);

  const scrape = async (): Promise<Scrape> => {
    if (closed) throw new CgroupError("ERR_CLOSED", "metrics collector: scrape after close");
    const start = performance.now();
    const samples: MetricSample[] = [];
    let files = 0;
    let bytes = 0;
    let errors = 0;
    let directories = 0;
    let stats = 0;
    const groupsBy = new Map<string, number>(targets.map((t) => [t.label, 0]));

    /** Walk, drop what the walk no longer finds, open what it finds new; returns the new batches. */
    const discover = async (mayCompact: boolean): Promise<Batch[]> => {
      const w = await walk();
      directories += w.directories;
      stats += w.stats;
      for (const [key, entry] of known) {
        if (!w.found.has(key)) {
          entry.dead = true;
          known.delete(key);
        }
      }
      const fresh: Entry[] = [];
      for (const [key, f] of w.found) {
        if (known.has(key)) continue;
        const entry: Entry = { key, target: f.target, name: f.name, dir: f.dir, dead: false, files: 0, held: false };
        known.set(key, entry);
        fresh.push(entry);
      }
      const dead = batches.reduce((n, b) => n + b.entries.filter((e) => e.dead).length, 0);
      if (mayCompact && (batches.length >= MAX_BATCHES || (dead >= MIN_DEAD_TO_COMPACT && dead > known.size / 4))) {
        closeAll();
        if (known.size > 0) batches.push(...(await openBatches([...known.values()])));
        return batches;
      }
      const opened = fresh.length > 0 ? await openBatches(fresh) : [];
      batches.push(...opened);
      return opened;
    };
    /** Refresh batches into samples; true when a group was found gone (its parent is listed again). */
    const read = async (list: readonly Batch[]): Promise<boolean> => {
      let goneSeen = false;
      for (const b of list) {
        const reading = await b.snapshot.refresh();
        files += reading.cost.files;
        bytes += reading.cost.bytes;
        for (const r of reading.groups) {
          const entry = r.group;
          if (entry.dead) continue;
          if (r.gone) {
            entry.dead = true;
            known.delete(entry.key);
            relist.add(entry.dir.slice(0, entry.dir.lastIndexOf("/")));
            relist.add(entry.dir);
            goneSeen = true;
            continue;
          }
          errors += Object.keys(r.errors).length;
          groupsBy.set(entry.target.label, (groupsBy.get(entry.target.label) ?? 0) + 1);
          samplesOf(entry, r.values as Values, samples);
        }
      }
      return goneSeen;
    };

    await discover(true);
    // A group gone since the walk: list its parent again now, so a group made in its place (or
    // beside it, leaving the link count as it was) is in this scrape, not the next.
    if (await read(batches)) await read(await discover(false));
    const seconds = (performance.now() - start) / 1000;
    const cost: ScrapeCost = {
      files,
      bytes,
      directories,
      stats,
      errors,
      series: samples.length,
      groups: [...groupsBy.values()].reduce((a, b) => a + b, 0),
      openFiles: heldFiles(),
      seconds,
    };
    const S = SCRAPE_FAMILIES;
    samples.push(
      { family: S.files, labels: {}, value: cost.files },
      { family: S.bytes, labels: {}, value: cost.bytes },
      { family: S.directories, labels: {}, value: cost.directories },
      { family: S.stats, labels: {}, value: cost.stats },
      { family: S.errors, labels: {}, value: cost.errors },
      ...[...groupsBy].map(([hierarchy, n]) => ({ family: S.groups, labels: { hierarchy }, value: n })),
      { family: S.openFiles, labels: {}, value: cost.openFiles },
      { family: S.duration, labels: {}, value: seconds },
    );
    return { samples, cost };
  };

  return {
    hierarchies: targets.map((t) => t.label),
    scrape,
    close() {
      if (closed) return;
      closed = true;
      closeAll();
      known.clear();
    },
  };
}
