// The spec against a kernel's listing of control files: which listed files the spec lacks or names
// twice, whose access (mode bits) or placement (root / children) differs, and which entries the
// kernel should show but does not. One comparator for `spec scan` and the host and VM coverage
// tests; each says which findings matter to it and words them.
import type { ManifestRecord } from "../runtime/manifest.js";

/** Access as the owner's mode bits say (cgroupfs sets them from the file's read/write handlers). @internal */
export type ModeAccess = "ro" | "rw" | "wo" | "none";

/** Access as the owner's mode bits say. @internal */
export function accessOfMode(mode: number): ModeAccess {
  const r = (mode & 0o400) !== 0;
  const w = (mode & 0o200) !== 0;
  return r && w ? "rw" : r ? "ro" : w ? "wo" : "none";
}

/** Where a file exists, from whether it is at the root and in children; undefined when in neither. @internal */
export function whereOf(atRoot: boolean, inChildren: boolean): "root" | "non-root" | "all" | undefined {
  return atRoot && inChildren ? "all" : atRoot ? "root" : inChildren ? "non-root" : undefined;
}

/** The regular expression of a templated entry (`hugetlb.<size>.max`), capturing its parameter. @internal */
export function templatePattern(record: Pick<ManifestRecord, "file" | "param">): RegExp | undefined {
  if (record.param === undefined) return undefined;
  const [before = "", after = ""] = record.file.split(/<[a-z_]+>/);
  return new RegExp(`^${escapeRegex(before)}(${record.param.pattern ?? "[^/]+"})${escapeRegex(after)}$`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A spec record that names a file, with the template's parameter. @internal */
export interface SpecMatch<R> {
  /** The record. */
  readonly record: R;
  /** The template parameter (`2MB`), for a templated record. */
  readonly param?: string;
}

/** The records naming a file on disk: the exact name, else every template whose pattern matches. @internal */
export function specMatcher<R extends Pick<ManifestRecord, "file" | "param">>(records: readonly R[]): (file: string) => SpecMatch<R>[] {
  const exact = new Map(records.filter((r) => !r.param).map((r) => [r.file, r]));
  const templates = records.filter((r) => r.param).map((record) => ({ record, regex: templatePattern(record) as RegExp }));
  return (file) => {
    const hit = exact.get(file);
    if (hit) return [{ record: hit }];
    return templates.flatMap(({ record, regex }) => {
      const m = regex.exec(file);
      return m ? [{ record, param: m[1] as string }] : [];
    });
  };
}

/** The fields of a spec record the comparator reads (a ManifestRecord has them). @internal */
export type CoverageRecord = Pick<ManifestRecord, "controller" | "file" | "access" | "where" | "since" | "param"> & {
  readonly requires?: string | undefined;
  readonly core?: boolean | undefined;
};

/** Control files of one directory: name → access by mode bits. @internal */
export type FileListing = ReadonlyMap<string, string>;

/** The listings compared: the hierarchy's root, and one or more levels below it (a child, a grandchild). @internal */
export interface SpecListing {
  /** The root's files. */
  readonly root: FileListing;
  /** The files of each level below the root, named (`child`, `grandchild`). */
  readonly below: readonly { readonly level: string; readonly files: FileListing }[];
  /** A child of a group that enables no controller: where present, the spec's `core` flag is checked against it. */
  readonly bare?: FileListing;
}

/** One difference between the spec and the listing. @internal */
export type CoverageFinding<R> =
  | {
      /** A listed file no spec record names. */
      readonly kind: "unknown";
      /** The file. */
      readonly file: string;
    }
  | {
      /** A listed file several records name. */
      readonly kind: "ambiguous";
      /** The file. */
      readonly file: string;
      /** The records. */
      readonly records: readonly R[];
    }
  | {
      /** The mode bits at one level give other access than the spec. */
      readonly kind: "access";
      /** The file. */
      readonly file: string;
      /** Its record. */
      readonly record: R;
      /** `root` or a level below. */
      readonly level: string;
      /** Access by the mode bits there. */
      readonly access: string;
    }
  | {
      /** Present at some levels below the root and not at others. */
      readonly kind: "uneven";
      /** The file. */
      readonly file: string;
      /** Its record. */
      readonly record: R;
      /** The levels below the root that have it. */
      readonly levels: readonly string[];
    }
  | {
      /** It exists at the root only, below only, or both, unlike the spec's `where`. */
      readonly kind: "where";
      /** The file. */
      readonly file: string;
      /** Its record. */
      readonly record: R;
      /** Where it exists. */
      readonly where: "root" | "non-root" | "all";
    }
  | {
      /** Its presence in a group whose parent enables nothing differs from the spec's `core`. */
      readonly kind: "core";
      /** The file. */
      readonly file: string;
      /** Its record. */
      readonly record: R;
      /** Whether that group has it. */
      readonly present: boolean;
    }
  | {
      /** A record the kernel should show (no `requires:`, old enough) and does not. */
      readonly kind: "absent";
      /** The record. */
      readonly record: R;
    };

/** How to compare. @internal */
export interface CoverageOptions {
  /** Visit files in name order rather than as listed (root first). */
  readonly sorted?: boolean;
  /** A file several records name: report it (`report`), or compare it with the first (`first`). Default `report`. */
  readonly ambiguous?: "report" | "first";
  /** Report records the kernel does not show; `kernelAtLeast` says whether the running kernel is at least a version, `controllers` limits which controllers' records count (core always does). */
  readonly absent?: { readonly kernelAtLeast: (version: string) => boolean; readonly controllers?: readonly string[] };
}

/** Compare spec records with a kernel's listing; findings per file in visiting order, then absent records. @internal */
export function compareSpecWithListing<R extends CoverageRecord>(records: readonly R[], listing: SpecListing, options: CoverageOptions = {}): CoverageFinding<R>[] {
  const find = specMatcher(records);
  const findings: CoverageFinding<R>[] = [];
  const matched = new Set<R>();
  const levels = [{ level: "root", files: listing.root }, ...listing.below];
  const listed = new Set(levels.flatMap((l) => [...l.files.keys()]));
  const files = options.sorted ? [...listed].sort() : [...listed];
  for (const file of files) {
    const hits = find(file);
    if (hits.length === 0) {
      findings.push({ kind: "unknown", file });
      continue;
    }
    if (hits.length > 1 && options.ambiguous !== "first") {
      findings.push({ kind: "ambiguous", file, records: hits.map((h) => h.record) });
      continue;
    }
    const record = (hits[0] as SpecMatch<R>).record;
    matched.add(record);
    for (const { level, files: levelFiles } of levels) {
      const access = levelFiles.get(file);
      if (access !== undefined && access !== record.access) findings.push({ kind: "access", file, record, level, access });
    }
    const present = listing.below.filter((l) => l.files.has(file)).map((l) => l.level);
    if (present.length !== 0 && present.length !== listing.below.length) findings.push({ kind: "uneven", file, record, levels: present });
    else {
      const where = whereOf(listing.root.has(file), present.length !== 0) as "root" | "non-root" | "all";
      if (where !== record.where) findings.push({ kind: "where", file, record, where });
    }
    const firstBelow = listing.below[0]?.files;
    if (listing.bare && firstBelow?.has(file) && record.core !== listing.bare.has(file)) findings.push({ kind: "core", file, record, present: listing.bare.has(file) });
  }
  if (options.absent) {
    const { kernelAtLeast, controllers } = options.absent;
    for (const record of records) {
      if (matched.has(record) || record.requires !== undefined) continue;
      if (controllers && record.controller !== "core" && !controllers.includes(record.controller)) continue;
      if (record.since !== null && !kernelAtLeast(record.since)) continue;
      findings.push({ kind: "absent", record });
    }
  }
  return findings;
}

/** Whether the running kernel release (`6.12.3-foo`) is at least `version` (`6.12`). @internal */
export function kernelReleaseAtLeast(release: string, version: string): boolean {
  const running = (release.split(/[^0-9.]/)[0] ?? "").split(".").map(Number);
  const wanted = version.split(".").map(Number);
  for (let i = 0; i < wanted.length; i++) {
    const a = running[i] ?? 0;
    const b = wanted[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
