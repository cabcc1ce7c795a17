// The figures behind `cgroupkit top`: the groups under a root, re-discovered on every refresh, each
// read through a kept-open usage snapshot, with rates (CPU %, io/s) from the deltas between refreshes
// and event counters (OOM kills, pids.max hits) against their value when the group was first seen.
import type { Cgroup } from "../cgroup/cgroup.js";
import { openUsageSnapshot, usageSources, type UsageSnapshot, type UsageSnapshotReader, type UsageSources } from "../resources/usage.js";
import { CgroupError } from "../runtime/errors.js";
import { openSnapshot, type Snapshot } from "../runtime/snapshot.js";

/** A group as the discovery found it: its name, the hierarchies that have it, and how to open it. @internal */
export interface TopTarget {
  /** Full name without the leading `/`. */
  readonly name: string;
  /** The hierarchies that have it, as the CLI names them (`memory`, `cgroup2`). */
  readonly hierarchies: readonly string[];
  /** Open a handle over those hierarchies; undefined when the group went away meanwhile. */
  open(): Promise<Cgroup | undefined>;
}

/** some/full avg10 of one PSI file, in percent. @internal */
export interface PressureAvg10 {
  readonly some?: number;
  readonly full?: number;
}

/** One group in one refresh. @internal */
export interface TopRow {
  readonly name: string;
  readonly hierarchies: readonly string[];
  /** The version each part below was read from. */
  readonly sources: UsageSources;
  readonly pids?: { readonly current: bigint; readonly max: bigint | "max"; readonly maxHits?: bigint; readonly maxHitsDelta?: bigint };
  /** `percent` is undefined on a group's first refresh (no delta yet); 100 is one CPU busy. */
  readonly cpu?: { readonly usageUsec: bigint; readonly percent?: number };
  /** `fraction`: current / max, where there is a limit. */
  readonly memory?: { readonly current: bigint; readonly max: bigint | "max"; readonly fraction?: number; readonly oomKills: bigint; readonly oomKillsDelta: bigint };
  /** `bytesPerSecond`: read + write, undefined on the first refresh. */
  readonly io?: { readonly readBytes: bigint; readonly writeBytes: bigint; readonly bytesPerSecond?: number };
  readonly pressure?: { readonly cpu?: PressureAvg10; readonly memory?: PressureAvg10; readonly io?: PressureAvg10 };
  /** Why the group's usage could not be read this time (the other groups are unaffected). */
  readonly error?: string;
}

/** One refresh of every group. @internal */
export interface TopFrame {
  readonly time: Date;
  readonly rows: readonly TopRow[];
  /** Groups seen for the first time / gone since the previous refresh. */
  readonly appeared: number;
  readonly vanished: number;
  /** Files read by the snapshots in this refresh, and the refresh's wall time (discovery included). */
  readonly cost: { readonly files: number; readonly micros: number };
}

interface Tracked {
  readonly target: TopTarget;
  readonly key: string;
  readonly sources: UsageSources;
  readonly usage: UsageSnapshotReader;
  /** pids.events of the version pids is read from, where the group has it. */
  readonly events: Snapshot<Cgroup, { pidsEvents: ReturnType<typeof pidsEventsFile> }>;
  firstOomKills?: bigint;
  firstPidsMaxHits?: bigint;
  last?: { readonly at: number; readonly cpuUsec?: bigint; readonly ioBytes?: bigint };
}

function pidsEventsFile(cg: Cgroup, version: "v1" | "v2" | undefined) {
  return version === "v2" ? cg.v2.pids?.events : version === "v1" ? cg.v1.pids?.events : undefined;
}

const avg10 = (p: { some?: { avg10: number }; full?: { avg10: number } } | undefined): PressureAvg10 | undefined => (p ? { some: p.some?.avg10, full: p.full?.avg10 } : undefined);

/**
 * A live sampler: each {@link TopSampler.sample} re-runs the discovery, opens snapshots for groups that
 * appeared (or whose set of hierarchies changed), closes those of groups that went away, and reads all.
 * @internal
 */
export class TopSampler {
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;

  constructor(private readonly discover: () => Promise<readonly TopTarget[]>) {}

  async sample(): Promise<TopFrame> {
    if (this.closed) throw new CgroupError("ERR_CLOSED", "top: sample after close");
    const start = performance.now();
    const targets = await this.discover();
    const wanted = new Map(targets.map((t) => [t.name, t]));
    let vanished = 0;
    let appeared = 0;
    for (const [name, t] of this.tracked) {
      const now = wanted.get(name);
      if (now === undefined || keyOf(now) !== t.key) {
        this.drop(name);
        if (now === undefined) vanished++;
      }
    }
    for (const target of targets) {
      if (this.tracked.has(target.name)) continue;
      const opened = await this.track(target);
      if (opened) appeared++;
    }
    const rows: TopRow[] = [];
    let files = 0;
    for (const [name, t] of this.tracked) {
      const [usage, events] = [await t.usage.refresh(), await t.events.refresh()];
      const at = performance.now();
      files += usage.cost.files + events.cost.files;
      const reading = usage.groups[0]!;
      if (reading.gone) {
        this.drop(name);
        vanished++;
        continue;
      }
      const pidsMaxHits = events.groups[0]?.values.pidsEvents?.max;
      rows.push(this.row(t, reading.usage, pidsMaxHits, at, reading.error?.message));
    }
    return { time: new Date(), rows, appeared, vanished, cost: { files, micros: Math.round((performance.now() - start) * 1000) } };
  }

  private row(t: Tracked, usage: UsageSnapshot | undefined, pidsMaxHits: bigint | undefined, at: number, error: string | undefined): TopRow {
    const last = t.last;
    const seconds = last ? (at - last.at) / 1000 : undefined;
    const rate = (now: bigint | undefined, before: bigint | undefined) => (seconds && seconds > 0 && now !== undefined && before !== undefined && now >= before ? Number(now - before) / seconds : undefined);

    const memory = usage?.memory;
    if (memory) t.firstOomKills ??= memory.oomKills;
    if (pidsMaxHits !== undefined) t.firstPidsMaxHits ??= pidsMaxHits;
    const cpuUsec = usage?.cpu?.usageUsec;
    const io = usage?.io;
    const ioBytes = io ? io.readBytes + io.writeBytes : undefined;
    const cpuRate = rate(cpuUsec, last?.cpuUsec);
    t.last = { at, cpuUsec, ioBytes };
    return {
      name: t.target.name,
      hierarchies: t.target.hierarchies,
      sources: t.sources,
      pids: usage?.pids && { current: usage.pids.current, max: usage.pids.max, maxHits: pidsMaxHits, maxHitsDelta: pidsMaxHits === undefined ? undefined : pidsMaxHits - (t.firstPidsMaxHits ?? pidsMaxHits) },
      cpu: cpuUsec === undefined ? undefined : { usageUsec: cpuUsec, percent: cpuRate === undefined ? undefined : cpuRate / 10_000 },
      memory: memory && {
        current: memory.current,
        max: memory.max,
        fraction: memory.max === "max" || memory.max === 0n ? undefined : Number(memory.current) / Number(memory.max),
        oomKills: memory.oomKills,
        oomKillsDelta: memory.oomKills - (t.firstOomKills ?? memory.oomKills),
      },
      io: io && { readBytes: io.readBytes, writeBytes: io.writeBytes, bytesPerSecond: rate(ioBytes, last?.ioBytes) },
      pressure: usage?.pressure && { cpu: avg10(usage.pressure.cpu), memory: avg10(usage.pressure.memory), io: avg10(usage.pressure.io) },
      error,
    };
  }

  private async track(target: TopTarget): Promise<boolean> {
    let cg: Cgroup | undefined;
    try {
      cg = await target.open();
    } catch (err) {
      if (err instanceof CgroupError) return false; // went away between discovery and open
      throw err;
    }
    if (cg === undefined) return false;
    const sources = usageSources(cg);
    const usage = await openUsageSnapshot([cg]);
    const group = cg;
    const events = await openSnapshot([cg], () => ({ pidsEvents: pidsEventsFile(group, sources.pids) }));
    this.tracked.set(target.name, { target, key: keyOf(target), sources, usage, events });
    return true;
  }

  private drop(name: string): void {
    const t = this.tracked.get(name);
    if (!t) return;
    t.usage.close();
    t.events.close();
    this.tracked.delete(name);
  }

  /** Close every open file. Idempotent. */
  close(): void {
    this.closed = true;
    for (const name of [...this.tracked.keys()]) this.drop(name);
  }
}

const keyOf = (t: TopTarget) => `${t.name}\0${t.hierarchies.join(",")}`;

/** What `top` sorts by (the keys of systemd-cgtop: p t c m i). @internal */
export const TOP_ORDERS = ["path", "tasks", "cpu", "memory", "io"] as const;
/** @internal */
export type TopOrder = (typeof TOP_ORDERS)[number];

/** Rows sorted: path ascending; the figures descending, groups without the figure last, ties by path. @internal */
export function sortRows(rows: readonly TopRow[], order: TopOrder): TopRow[] {
  const figure = (r: TopRow): number | undefined => {
    switch (order) {
      case "tasks":
        return r.pids ? Number(r.pids.current) : undefined;
      case "cpu":
        return r.cpu?.percent;
      case "memory":
        return r.memory ? Number(r.memory.current) : undefined;
      case "io":
        return r.io?.bytesPerSecond;
      case "path":
        return undefined;
    }
  };
  const byPath = (a: TopRow, b: TopRow) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (order === "path") return [...rows].sort(byPath);
  return [...rows].sort((a, b) => {
    const [x, y] = [figure(a), figure(b)];
    if (x === undefined || y === undefined) return x === y ? byPath(a, b) : x === undefined ? 1 : -1;
    return y - x || byPath(a, b);
  });
}
