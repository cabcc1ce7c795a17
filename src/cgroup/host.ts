// Host facts the drivers choose by: is systemd PID 1, where this process sits, and whether a target
// subtree was delegated to us (systemd's single-writer rule: write only inside a delegated subtree).
// Pure functions over what `readCgroupLayout` and a few stats return; `doctor` reuses them.
import { codecs } from "../runtime/codecs/index.js";
import { CgroupIoError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs, type CgroupStat } from "../runtime/fs.js";
import { readCgroupLayout, type CgroupLayout } from "./mounts.js";
import { hierarchyPathComponents, parseGroupName } from "./names.js";

/** systemd creates this directory early at boot when it runs as PID 1 (sd_booted(3)). @public */
export const SYSTEMD_RUNTIME_DIR = "/run/systemd/system";
/** The files a cgroup2 delegatee must own, as the kernel lists them. @public */
export const KERNEL_DELEGATE_LIST = "/sys/kernel/cgroup/delegate";
/** What the kernel delegates when it has no delegate list (before 4.15). @public */
export const DEFAULT_DELEGATE_FILES: readonly string[] = ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"];

/** What the host is, as far as choosing a driver goes. @public */
export interface HostInfo {
  /** systemd runs as PID 1: it owns the cgroup tree, so only a delegated subtree may be written directly. */
  readonly systemd: boolean;
  /** The mounted hierarchies. */
  readonly layout: CgroupLayout;
  /** This process's own cgroup2 group (`/user.slice/…/session-2.scope`), when cgroup2 is mounted. */
  readonly ownCgroup: string | undefined;
  /** The files a delegatee owns (the kernel's list, else `cgroup.procs`, `cgroup.threads` and `cgroup.subtree_control`). */
  readonly delegateFiles: readonly string[];
  /** The effective uid these facts were judged for. */
  readonly uid: number;
}

/** Whether a group's subtree is ours to write directly, and why. @public */
export interface DelegationVerdict {
  /** The subtree may be written directly. */
  readonly delegated: boolean;
  /** Why, in words for a message. */
  readonly reason: string;
}

/** What reaches a target group on cgroup2, judged from its nearest existing ancestor (or itself). @public */
export interface TargetInfo {
  /** The target's cgroup2 directory. */
  readonly dir: string;
  /** The deepest directory of the target's path that exists (the target itself when it exists). */
  readonly existingDir: string;
  /** Whether the target group exists. */
  readonly exists: boolean;
  /** Controllers that can reach the target: `cgroup.controllers` of {@link TargetInfo.existingDir}. */
  readonly reachable: readonly string[];
  /** Whether the target's subtree is ours to write. */
  readonly delegation: DelegationVerdict;
}

/** Parse `/sys/kernel/cgroup/delegate` (one file name a line). @public */
export function parseDelegateList(text: string): string[] {
  return codecs.lines().parse(text, KERNEL_DELEGATE_LIST);
}

/** Is `inner` at or below `outer` (both hierarchy paths as /proc/<pid>/cgroup prints them)? @public */
export function isWithinGroup(inner: string, outer: string): boolean {
  const i = hierarchyPathComponents(inner);
  const o = hierarchyPathComponents(outer);
  return i !== undefined && o !== undefined && o.length <= i.length && o.every((c, n) => i[n] === c);
}

/**
 * Is the subtree at `group` (a hierarchy path) delegated to `uid`? Pure.
 * - Another uid: delegated when the uid owns the directory and every delegate file that exists there,
 *   which is what a delegating manager (systemd's `Delegate=yes` for a user, `Cgroup.delegate`) sets.
 * - root owns every cgroup, so ownership tells nothing. The one subtree systemd hands a root process is
 *   its own unit's: root counts as delegated only at or below its own cgroup, and only below the mount
 *   root (a cgroup namespace's root is the container's own tree, and systemd is not its PID 1 there).
 * `stats` maps a path relative to the group (`""` the directory, `cgroup.procs`, …) to its lstat, undefined when missing.
 * @public
 */
export function judgeDelegation(
  group: string,
  uid: number,
  ownCgroup: string | undefined,
  delegateFiles: readonly string[],
  stats: ReadonlyMap<string, CgroupStat | undefined>,
): DelegationVerdict {
  if (uid !== 0) {
    const dir = stats.get("");
    if (dir === undefined) return { delegated: false, reason: `${group} does not exist` };
    if (dir.uid !== uid) return { delegated: false, reason: `${group} is owned by uid ${dir.uid}, not ${uid}` };
    for (const file of delegateFiles) {
      const s = stats.get(file);
      if (s !== undefined && s.uid !== uid) return { delegated: false, reason: `${group}/${file} is owned by uid ${s.uid}, not ${uid}` };
    }
    return { delegated: true, reason: `uid ${uid} owns ${group} and its delegation files (${delegateFiles.join(", ")})` };
  }
  if (ownCgroup === undefined) return { delegated: false, reason: "this process has no cgroup2 group" };
  if (hierarchyPathComponents(ownCgroup)?.length === 0) return { delegated: false, reason: "this process sits in the root group, which the init system owns" };
  if (!isWithinGroup(group, ownCgroup)) return { delegated: false, reason: `${group} is outside this process's own group ${ownCgroup}` };
  return { delegated: true, reason: `${group} is inside this process's own group ${ownCgroup}` };
}

/** Which driver a request resolves to. @public */
export type DriverChoice = "systemd" | "cgroupfs";

/**
 * `auto` → systemd when it is PID 1 and the target is not inside a subtree delegated to us; else cgroupfs.
 * An explicit choice is returned as is (the systemd driver itself reports a missing bus).
 * @public
 */
export function chooseDriver(requested: "auto" | DriverChoice, host: Pick<HostInfo, "systemd" | "layout">, target: Pick<TargetInfo, "delegation"> | undefined): DriverChoice {
  if (requested !== "auto") return requested;
  if (!host.systemd || host.layout.kind !== "v2") return "cgroupfs";
  return target?.delegation.delegated ? "cgroupfs" : "systemd";
}

/** Where {@link readHostInfo} and {@link inspectTarget} look. @public */
export interface HostProbeOptions {
  /** Where to read; default {@link nodeCgroupFs}. */
  readonly fs?: CgroupFs;
  /** The layout, when already read; default {@link readCgroupLayout}. */
  readonly layout?: CgroupLayout;
  /** Default `process.geteuid()`. */
  readonly uid?: number;
}

/** Read the host facts: the layout, systemd as PID 1, this process's own group, the delegate list. @public */
export async function readHostInfo(options: HostProbeOptions = {}): Promise<HostInfo> {
  const fs = options.fs ?? nodeCgroupFs;
  const layout = options.layout ?? (await readCgroupLayout({ fs }));
  const runtime = await fs.stat(SYSTEMD_RUNTIME_DIR);
  let delegateFiles = DEFAULT_DELEGATE_FILES;
  try {
    delegateFiles = parseDelegateList(await fs.readFile(KERNEL_DELEGATE_LIST));
  } catch (err) {
    if (!(err instanceof CgroupIoError && err.errno === "ENOENT")) throw err;
  }
  return { systemd: runtime?.isDirectory === true, layout, ownCgroup: layout.v2?.path, delegateFiles, uid: options.uid ?? process.geteuid?.() ?? 0 };
}

/**
 * What reaches `group` (a cgroupkit group name, `a/b`) on cgroup2, and whether it is delegated to us.
 * `undefined` when cgroup2 is not mounted where this process can use it.
 * @public
 */
export async function inspectTarget(group: string, host: HostInfo, options: { readonly fs?: CgroupFs } = {}): Promise<TargetInfo | undefined> {
  const fs = options.fs ?? nodeCgroupFs;
  const v2 = host.layout.v2;
  if (v2?.mountPoint === undefined || v2.root === undefined) return undefined;
  const components = parseGroupName(group);
  const root = hierarchyPathComponents(v2.root) ?? [];
  const below = components.slice(root.length);
  const dirOf = (n: number) => (n === 0 ? v2.mountPoint! : `${v2.mountPoint!.replace(/\/$/, "")}/${below.slice(0, n).join("/")}`);
  let existing = 0;
  while (existing < below.length && (await fs.stat(dirOf(existing + 1)))?.isDirectory) existing++;
  const dir = dirOf(below.length);
  const existingDir = dirOf(existing);
  const reachable = (await fs.readFile(`${existingDir}/cgroup.controllers`)).split(/\s+/).filter(Boolean);
  const stats = new Map<string, CgroupStat | undefined>([["", await fs.stat(existingDir)]]);
  for (const f of host.delegateFiles) stats.set(f, await fs.stat(`${existingDir}/${f}`));
  // A missing target is judged by its nearest existing ancestor: that is where we would mkdir.
  const delegation = judgeDelegation(`/${components.join("/")}`, host.uid, host.ownCgroup, host.delegateFiles, stats);
  return { dir, existingDir, exists: existing === below.length, reachable, delegation };
}
