// Control files by the name a user types (`memory.max`, `hugetlb.2MB.max`): the spec's manifest maps
// the name to its generated accessor, so reads parse and writes validate through the file's codec.
import { V2_CONTROLLERS } from "../../generated/index.js";
import type { Cgroup, CgroupPlacement } from "../cgroup/cgroup.js";
import { hierarchyFor, type CgroupHierarchy, type CgroupLayout } from "../cgroup/mounts.js";
import { ReadableFile, ReadWriteFile, WriteOnlyFile, type ControlFile } from "../runtime/accessor.js";
import type { CgroupFs } from "../runtime/fs.js";
import type { ManifestRecord } from "../runtime/manifest.js";
import { UsageError, suggest } from "./args.js";
import { readManifestFile } from "./manifest-file.js";
import { templatePattern } from "./spec-coverage.js";


let manifest: readonly ManifestRecord[] | undefined;

/** The spec's manifest, shipped with the package (`cgroupkit/manifest.json`). @internal */
export function loadManifest(): readonly ManifestRecord[] {
  manifest ??= readManifestFile() as ManifestRecord[];
  return manifest;
}

// Compiled once per entry: `get` of a whole group matches every listed file against every template.
const templatePatterns = new WeakMap<ManifestRecord, RegExp>();

/** The template's regular expression, capturing its parameter. */
function cachedTemplatePattern(entry: ManifestRecord): RegExp | undefined {
  if (entry.param === undefined) return undefined;
  let pattern = templatePatterns.get(entry);
  if (pattern === undefined) {
    pattern = templatePattern(entry) as RegExp;
    templatePatterns.set(entry, pattern);
  }
  return pattern;
}

/** A manifest entry a name matches, with its template parameter. @internal */
export interface FileMatch {
  readonly entry: ManifestRecord;
  readonly param: string | undefined;
}

// One scan of the manifest per name: `get` over many groups resolves the same names for each.
const matchesByName = new Map<string, readonly FileMatch[]>();

/** Every entry (v1 and v2) whose name or template matches `name`. @internal */
export function matchFileName(name: string): FileMatch[] {
  const known = matchesByName.get(name);
  if (known) return [...known];
  const out: FileMatch[] = [];
  for (const entry of loadManifest()) {
    if (entry.file === name) out.push({ entry, param: undefined });
    else {
      const match = cachedTemplatePattern(entry)?.exec(name);
      if (match) out.push({ entry, param: match[1] });
    }
  }
  matchesByName.set(name, out);
  return [...out];
}

/**
 * The entries a name matches; a name the spec does not know is a usage error.
 * @internal
 */
export function assertKnownFile(name: string): FileMatch[] {
  const matches = matchFileName(name);
  if (matches.length === 0) {
    const names = [...new Set(loadManifest().map((e) => e.file))];
    throw new UsageError(`unknown control file ${JSON.stringify(name)}: not in the spec${suggest(name, names, "")}`);
  }
  return matches;
}

/** A control file of one group, bound to its directory and codec. @internal */
export interface BoundFile {
  readonly entry: ManifestRecord;
  readonly file: ControlFile;
  readonly placement: CgroupPlacement;
}

/** The placement whose directory holds an entry's file in this group, if the group has that hierarchy. */
function placementFor(cg: Cgroup, entry: ManifestRecord): CgroupPlacement | undefined {
  if (entry.version === "v2") return cg.v2Placement;
  if (entry.controller === "core") return cg.placements.find((p) => p.hierarchy.version === "v1");
  const h = hierarchyFor(cg.layout, entry.controller);
  return h?.version === "v1" ? cg.placements.find((p) => p.hierarchy === h) : undefined;
}

/**
 * The hierarchies that can hold a file of this name in any group: its controller's (v1 or cgroup2),
 * every v1 hierarchy for a v1 core file (`tasks`), cgroup2 for a cgroup2 one.
 * @internal
 */
export function hierarchiesFor(layout: CgroupLayout, name: string): CgroupHierarchy[] {
  const out = new Set<CgroupHierarchy>();
  for (const { entry } of assertKnownFile(name)) {
    if (entry.version === "v2") {
      if (layout.v2) out.add(layout.v2);
    } else if (entry.controller === "core") for (const h of layout.v1) out.add(h);
    else {
      const h = hierarchyFor(layout, entry.controller);
      if (h?.version === "v1") out.add(h);
    }
  }
  return [...out];
}

/**
 * The generated accessor of one entry in a group. The CLI works by file name: a v2 controller not enabled for
 * the group (`cg.v2.memory` undefined) still binds its class, so the kernel's ENOENT reaches
 * {@link missingFileMessage}, which says whether the controller is bound to v1 or how to enable it.
 */
function accessorFor(cg: Cgroup, match: FileMatch): ControlFile | undefined {
  const { entry, param } = match;
  type Bag = Record<string, unknown> | undefined;
  const v2 = (c: string): Bag => {
    const bound = (cg.v2 as unknown as Readonly<Record<string, Bag>>)[c];
    const cls = (V2_CONTROLLERS as Readonly<Record<string, new (dir: string, fs: CgroupFs) => object>>)[c];
    return bound ?? (cls && cg.v2Placement ? (new cls(cg.v2Placement.dir, cg.fs) as Bag) : undefined);
  };
  const controller = entry.version === "v1" ? (cg.v1 as unknown as Readonly<Record<string, Bag>>)[entry.controller] : v2(entry.controller);
  if (controller === undefined) return undefined;
  const member = controller[entry.property];
  const file = param === undefined ? member : typeof member === "function" ? (member as (p: string) => unknown).call(controller, param) : undefined;
  return file instanceof ReadableFile || file instanceof WriteOnlyFile ? file : undefined;
}

/**
 * Resolve a file name in a group. When both versions know the name, the one whose file the
 * kernel shows in this group wins, else the version that holds the controller.
 * @throws UsageError for a name the spec does not know, or one this group's hierarchies cannot hold
 * @internal
 */
export async function resolveControlFile(cg: Cgroup, name: string, fs: CgroupFs): Promise<BoundFile> {
  const matches = assertKnownFile(name);
  const bound: BoundFile[] = [];
  for (const match of matches) {
    const placement = placementFor(cg, match.entry);
    const file = placement && accessorFor(cg, match);
    if (placement && file) bound.push({ entry: match.entry, file, placement });
  }
  if (bound.length === 0) {
    const versions = [...new Set(matches.map((m) => `${m.entry.version} ${m.entry.controller}`))].join(" or ");
    throw new UsageError(`${name}: this group has no hierarchy for ${versions} (layout ${cg.layout.kind})`);
  }
  if (bound.length === 1) return bound[0] as BoundFile;
  for (const b of bound) if (await fs.stat(b.file.path)) return b;
  const holder = bound.find((b) => hierarchyFor(cg.layout, b.entry.controller) === b.placement.hierarchy);
  return holder ?? (bound[0] as BoundFile);
}

/** Every spec file the kernel shows in a group's directories, bound (templated names filled in from the listing). @internal */
export async function listControlFiles(cg: Cgroup, fs: CgroupFs): Promise<BoundFile[]> {
  const out: BoundFile[] = [];
  const seen = new Set<string>();
  for (const placement of cg.placements) {
    const names = (await fs.readdir(placement.dir)).filter((e) => !e.isDirectory).map((e) => e.name);
    for (const name of names.sort()) {
      for (const match of matchFileName(name)) {
        if (placementFor(cg, match.entry) !== placement) continue;
        const file = accessorFor(cg, match);
        if (file === undefined || seen.has(file.path)) continue;
        seen.add(file.path);
        out.push({ entry: match.entry, file, placement });
      }
    }
  }
  return out;
}

/** The codec a write goes through. @internal */
export function writeCodecOf(entry: ManifestRecord): string {
  return entry.writeCodec ?? entry.codec;
}

/** Whether the accessor can write (type-level access made a runtime check). @internal */
export function isWritable(file: ControlFile): file is ReadWriteFile<unknown, unknown> | WriteOnlyFile<unknown> {
  return file instanceof ReadWriteFile || file instanceof WriteOnlyFile;
}

/**
 * cgroup2 files and the v1 file that does the same job, for help examples and "not here" messages on a
 * host where a controller is bound to the other version (hybrid: memory on v1).
 */
const V2_TO_V1: Readonly<Record<string, string>> = {
  "memory.max": "memory.limit_in_bytes",
  "memory.low": "memory.soft_limit_in_bytes",
  "memory.current": "memory.usage_in_bytes",
  "memory.peak": "memory.max_usage_in_bytes",
  "memory.swap.max": "memory.memsw.limit_in_bytes",
  "cpu.max": "cpu.cfs_quota_us",
  "cpu.weight": "cpu.shares",
  "io.weight": "blkio.weight",
  "cgroup.freeze": "freezer.state",
};
const V1_TO_V2: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(V2_TO_V1).map(([v2, v1]) => [v1, v2]));

/** The controller a file name belongs to in a version, from the manifest. */
function controllerOf(name: string, version: "v1" | "v2"): string | undefined {
  return matchFileName(name).find((m) => m.entry.version === version)?.entry.controller;
}

/**
 * The name a file has on this host: a cgroup2 name (`memory.max`) becomes its v1 equivalent
 * (`memory.limit_in_bytes`) where the controller is bound to v1, and the other way round.
 * @internal
 */
export function hostFileName(layout: CgroupLayout, name: string): string {
  for (const [from, to, table] of [["v2", "v1", V2_TO_V1], ["v1", "v2", V1_TO_V2]] as const) {
    const other = table[name];
    const controller = controllerOf(name, from);
    if (other === undefined || controller === undefined) continue;
    if (hierarchyFor(layout, controller)?.version === to) return other;
  }
  return name;
}

/**
 * Why a group lacks a file the spec knows: its controller is bound to the other version (and what
 * the file is called there), absent, or not enabled for the group on cgroup2.
 * @internal
 */
export function missingFileMessage(layout: CgroupLayout, group: string, bound: BoundFile): string {
  const base = `${bound.file.name}: this kernel does not show the file in ${group} (${bound.placement.dir})`;
  const { controller, version } = bound.entry;
  if (controller === "core") return base;
  const holder = hierarchyFor(layout, controller);
  if (holder === undefined) return `${base}: the ${controller} controller is not available on this host`;
  if (holder.version !== version) {
    const there = hostFileName(layout, bound.file.name);
    const at = holder.mountPoint !== undefined ? ` at ${holder.mountPoint}` : " (not mounted here)";
    const which = holder.version === "v1" ? "v1 hierarchy" : "cgroup2 hierarchy";
    return `${base}: ${controller} is bound to the ${which}${at}; ${there !== bound.file.name ? `its file there is ${there}` : "this name has no equivalent there (cgroupkit get GROUP lists what is)"}`;
  }
  if (version === "v2") return `${base}: ${controller} is not enabled for this group (its parent's cgroup.subtree_control lacks it; cgroupkit create --controllers ${controller} GROUP enables it)`;
  return base;
}
