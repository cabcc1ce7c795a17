// Where a process's own group lies on disk, in every hierarchy: from /proc/<pid>/cgroup and the
// mounts of mountinfo, correct inside a cgroup namespace and under a bind-mounted subtree.
import { CoreV1, CoreV2 } from "../../generated/index.js";
import { CgroupError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";
import type { CgroupHierarchy, CgroupLayout, CgroupMount } from "./mounts.js";
import { hierarchyPathComponents } from "./names.js";

/** The process's group in one hierarchy, reached through one mount. @internal */
export interface OwnPlacement {
  readonly hierarchy: CgroupHierarchy;
  readonly mount: CgroupMount;
  /** Absolute directory of the group. */
  readonly dir: string;
  /** The group as `/proc/<pid>/cgroup` prints it (relative to the cgroup namespace). */
  readonly path: string;
  /**
   * Every group from `dir` up to the mount point, nearest first: the ancestors this process can
   * see. Above the mount's root (a bind mount of a subtree) nothing is visible.
   */
  readonly levels: readonly GroupLevel[];
}

/** The hierarchy path of a mount root plus components below it, as `/proc/<pid>/cgroup` would print it. */
function joinPath(root: readonly string[], below: readonly string[]): string {
  return `/${[...root, ...below].join("/")}`;
}

/**
 * Resolve the process's own group in one hierarchy: the mount that shows it (the hierarchy's
 * preferred mount first), its directory, and the visible ancestors. `undefined` when the hierarchy
 * is not mounted where this process sits (a mount of another subtree, or one outside its namespace).
 * @internal
 */
export function ownPlacement(hierarchy: CgroupHierarchy): OwnPlacement | undefined {
  if (hierarchy.path === undefined) return undefined;
  const own = hierarchyPathComponents(hierarchy.path);
  if (own === undefined) return undefined; // a path outside this cgroup namespace ("/../x"): no mount shows it
  const mounts = [...hierarchy.mounts].sort((a, b) => Number(b.mountPoint === hierarchy.mountPoint) - Number(a.mountPoint === hierarchy.mountPoint));
  for (const mount of mounts) {
    const root = hierarchyPathComponents(mount.root);
    if (root === undefined || root.length > own.length || root.some((c, i) => own[i] !== c)) continue;
    const levels = levelsBelow(mount, own.slice(root.length));
    return { hierarchy, mount, dir: (levels[0] as GroupLevel).dir, path: joinPath(own, []), levels };
  }
  return undefined;
}

/** One group on the way from a group up to its mount point. @internal */
export interface GroupLevel {
  readonly dir: string;
  /** As `/proc/<pid>/cgroup` prints it. */
  readonly path: string;
}

/**
 * The groups from `below` (components under the mount point) up to the mount point, nearest
 * first. A mount root above the cgroup namespace (`/..`) names the levels above it `/..`, `/../..`.
 */
function levelsBelow(mount: CgroupMount, below: readonly string[]): GroupLevel[] {
  const rootParts = mount.root.split("/").filter((c) => c !== "");
  const up = rootParts.length > 0 && rootParts.every((c) => c === "..") ? rootParts.length : 0;
  const root = up > 0 ? [] : (hierarchyPathComponents(mount.root) ?? []);
  const base = mount.mountPoint.replace(/\/+$/, "") || "/";
  const dirAt = (depth: number) => (depth === 0 ? base : `${base === "/" ? "" : base}/${below.slice(0, depth).join("/")}`);
  const pathAt = (depth: number) => (depth >= up ? joinPath(root, below.slice(up, depth)) : `/${Array(up - depth).fill("..").join("/")}`);
  const levels: GroupLevel[] = [];
  for (let depth = below.length; depth >= 0; depth--) levels.push({ dir: dirAt(depth), path: pathAt(depth) });
  return levels;
}

/**
 * A group's directory and its ancestors up to the mount point, nearest first: the groups whose
 * limits bind it and that this process can see.
 * @internal
 */
export function visibleLevels(placement: { readonly mount: CgroupMount; readonly dir: string }): GroupLevel[] {
  const base = placement.mount.mountPoint.replace(/\/+$/, "");
  const rest = placement.dir === placement.mount.mountPoint || placement.dir === base ? "" : placement.dir.slice(base.length + 1);
  return levelsBelow(placement.mount, rest === "" ? [] : rest.split("/"));
}

/** Directories a search for the process's group above its namespace may visit, so a huge host cannot stall it. */
const SEARCH_LIMIT = 10_000;

/**
 * A mount whose root lies above this process's cgroup namespace (`/..`, `/../..`: made before
 * `unshare -C`) shows the process's group, but not under which name: the namespace root is some
 * directory `d` levels below the mount point. Find it as the one whose `cgroup.procs` (at the
 * process's path below it) lists `pid`; the kernel puts a process in exactly one group per hierarchy.
 */
async function searchAboveNamespace(fs: CgroupFs, hierarchy: CgroupHierarchy, pid: number): Promise<OwnPlacement | undefined> {
  const own = hierarchy.path === undefined ? undefined : hierarchyPathComponents(hierarchy.path);
  if (own === undefined) return undefined;
  for (const mount of hierarchy.mounts) {
    const up = mount.root.split("/").filter((c) => c !== "");
    if (up.length === 0 || up.some((c) => c !== "..")) continue;
    const base = mount.mountPoint.replace(/\/+$/, "");
    let frontier: string[][] = [[]];
    let visited = 0;
    for (let depth = 0; depth < up.length && frontier.length > 0; depth++) {
      const next: string[][] = [];
      for (const rel of frontier) {
        let entries;
        try {
          entries = await fs.readdir([base, ...rel].join("/") || "/");
        } catch (err) {
          if (err instanceof CgroupError) continue;
          throw err;
        }
        for (const e of entries) if (e.isDirectory && ++visited <= SEARCH_LIMIT) next.push([...rel, e.name]);
      }
      frontier = next;
    }
    for (const rel of frontier) {
      const below = [...rel, ...own];
      const dir = [base, ...below].join("/");
      const core = hierarchy.version === "v2" ? new CoreV2(dir, fs) : new CoreV1(dir, fs);
      let pids: number[];
      try {
        pids = await core.procs.read();
      } catch (err) {
        if (err instanceof CgroupError) continue;
        throw err;
      }
      if (!pids.includes(pid)) continue;
      return { hierarchy, mount, dir, path: joinPath(own, []), levels: levelsBelow(mount, below) };
    }
  }
  return undefined;
}

/**
 * The process's own group in every mounted hierarchy that shows it, in the layout's order. A
 * mount made outside the process's cgroup namespace (root `/..`) is searched for the group.
 * @internal
 */
export async function ownPlacements(layout: CgroupLayout, fs: CgroupFs, pid: number = process.pid): Promise<OwnPlacement[]> {
  const placed: OwnPlacement[] = [];
  for (const h of layout.hierarchies) {
    if (h.mounts.length === 0) continue;
    const p = ownPlacement(h) ?? (await searchAboveNamespace(fs, h, pid));
    if (p) placed.push(p);
  }
  return placed;
}

/**
 * The directory of a hierarchy path (`/a/b`, as `/proc/<pid>/cgroup` prints it) under one mount, or
 * undefined when the mount does not show it (it shows another subtree, or its root is outside the namespace).
 * @internal
 */
export function dirUnderMount(mount: CgroupMount, hierarchyPath: string): string | undefined {
  const root = hierarchyPathComponents(mount.root);
  const own = hierarchyPathComponents(hierarchyPath);
  if (root === undefined || own === undefined || root.length > own.length || root.some((c, i) => own[i] !== c)) return undefined;
  const below = own.slice(root.length);
  return below.length === 0 ? mount.mountPoint : `${mount.mountPoint.replace(/\/+$/, "")}/${below.join("/")}`;
}
