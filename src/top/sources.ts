// Which version (v1 or cgroup2) each figure of a listing comes from. On a hybrid host a column can
// hold both (a group only in cgroup2 reads CPU from cpu.stat while its v1 siblings read cpuacct): the
// most common version is named, and cells from the other are to be marked `*`.
import type { UsageSources } from "../resources/usage.js";

/** A part of a group's usage. @internal */
export type UsagePart = keyof UsageSources;

const PART_NAMES: Record<UsagePart, string> = { memory: "mem", cpu: "cpu", pids: "pids", io: "io", pressure: "PSI" };
const label = (v: "v1" | "v2") => (v === "v2" ? "cgroup2" : "v1");

/** @internal */
export interface SourcePlan {
  /** `from: mem v1 · cpu v1 (*=cgroup2) · PSI cgroup2`. */
  readonly note: string;
  /** Parts whose rows come from both versions. */
  readonly mixed: ReadonlySet<UsagePart>;
  /** Whether this row's figure for `part` is from the version the note does not name. */
  marked(sources: UsageSources | undefined, part: UsagePart): boolean;
}

/** The plan for a listing's rows (undefined: a row without usage). @internal */
export function planSources(rows: ReadonlyArray<UsageSources | undefined>): SourcePlan {
  const primary = new Map<UsagePart, "v1" | "v2">();
  const mixed = new Set<UsagePart>();
  for (const part of Object.keys(PART_NAMES) as UsagePart[]) {
    const counts = { v1: 0, v2: 0 };
    for (const r of rows) {
      const v = r?.[part];
      if (v) counts[v]++;
    }
    if (counts.v1 + counts.v2 === 0) continue;
    primary.set(part, counts.v1 >= counts.v2 ? "v1" : "v2");
    if (counts.v1 > 0 && counts.v2 > 0) mixed.add(part);
  }
  const parts = [...primary].map(([part, v]) => `${PART_NAMES[part]} ${label(v)}${mixed.has(part) ? ` (*=${label(v === "v1" ? "v2" : "v1")})` : ""}`);
  return {
    note: parts.length > 0 ? `from: ${parts.join(" · ")}` : "from: no usage files",
    mixed,
    marked: (sources, part) => mixed.has(part) && sources?.[part] !== undefined && sources[part] !== primary.get(part),
  };
}
