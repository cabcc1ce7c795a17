// Shapes shared by the cases, the runner and the report.
import type { BenchGroups, HostHierarchies } from "./groups.js";
import type { ContenderResult } from "./harness.js";
import type { LibcgroupTools } from "./tools.js";

export interface BenchContext {
  readonly host: HostHierarchies;
  readonly groups: BenchGroups;
  readonly libcgroup: LibcgroupTools;
  /** Fewer rounds and smaller N: a smoke run, not for publishing. */
  readonly quick: boolean;
  /** Run `cgroupkit get` over all 200 groups for real (200 processes) instead of estimating it. */
  readonly cliAll: boolean;
  /** Repository root. */
  readonly root: string;
  /** The compiled package (tsc output) the import and CLI cases run. */
  readonly distDir: string;
  /** Seconds tsc took to compile the package, when this run compiled it. */
  readonly buildSeconds?: number;
  progress(message: string): void;
}

/** A contender a case could not run, and why (never a made-up number). */
export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

export interface CaseRow {
  readonly subject: string;
  readonly file?: string;
  readonly results: readonly ContenderResult[];
  readonly skipped?: readonly Skipped[];
  /** Facts about the row that are not timings (files per group, instruction counts). */
  readonly facts?: Readonly<Record<string, string | number>>;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  /** Unit of the per-operation times: "µs/read", "ms/group", "µs/file", "ms/run". */
  readonly unit: string;
  /** Show operations per second next to the time (files/s). */
  readonly throughputUnit?: string;
  readonly target?: { readonly contenders: readonly string[]; readonly maxRatio: number };
  /** Several targets in one case (each its own contenders and bound); rows of the verdict table like `target`. */
  readonly targets?: ReadonlyArray<{ readonly contenders: readonly string[]; readonly maxRatio: number }>;
  readonly rows: readonly CaseRow[];
  /** Tables of facts that are not timed comparisons (device writes, eBPF sizes). */
  readonly tables?: ReadonlyArray<{ readonly title: string; readonly header: readonly string[]; readonly rows: ReadonlyArray<readonly (string | number)[]> }>;
  readonly notes: readonly string[];
  readonly skipped?: string;
}
