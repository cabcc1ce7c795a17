// The kernel's delegation rules (cgroup-v2.rst "Delegation", "No Internal Process Constraint",
// "Top-down Constraint") as typed errors: when a write on cgroupfs is refused, say which rule
// refused it, with the file, the owner and what to do, instead of a bare EACCES.
import * as path from "node:path";
import { CoreV2 } from "../../generated/index.js";
import { CgroupIoError, showValue } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";
import { callerIds, writableBy } from "./privilege.js";
import { parseProcCgroup, type CgroupHierarchy, type CgroupMount } from "./mounts.js";
import { hierarchyPathComponents } from "./names.js";
import { dirUnderMount } from "./self.js";

/**
 * Which rule refused a write:
 * - `not-delegated`: the file or directory is not delegated to the caller (a delegatee writes only inside its subtree).
 * - `delegation-root-resources`: a resource file of the delegation root itself; it divides the parent's resources, so it stays the delegator's.
 * - `common-ancestor`: moving a process needs write access to `cgroup.procs` of the common ancestor of its source and destination.
 * - `namespace-reach`: with nsdelegate, source and destination of a move must both be reachable from the caller's cgroup namespace.
 * - `no-internal-processes`: a group with processes cannot enable controllers for children (`cgroup.subtree_control`).
 * - `top-down`: a controller can be enabled only where the parent enables it.
 * @public
 */
export type DelegationRule = "not-delegated" | "delegation-root-resources" | "common-ancestor" | "namespace-reach" | "no-internal-processes" | "top-down";

/** Where each rule is written down. */
const RULE_SOURCE: Readonly<Record<DelegationRule, string>> = {
  "not-delegated": 'cgroup-v2 "Model of Delegation"',
  "delegation-root-resources": 'cgroup-v2 "Model of Delegation"',
  "common-ancestor": 'cgroup-v2 "Delegation Containment"',
  "namespace-reach": 'cgroup-v2 "Delegation Containment"',
  "no-internal-processes": 'cgroup-v2 "No Internal Process Constraint"',
  "top-down": 'cgroup-v2 "Top-down Constraint"',
};

/**
 * A cgroupfs write the kernel refused under one of its delegation rules. Still a
 * {@link CgroupIoError} (`op`, `path`, `errno` are the syscall's); `rule` names the rule and the
 * message says what it requires. Nothing was changed by the refused write.
 * @public
 */
export class DelegationError extends CgroupIoError {
  /** The rule that refused the write. */
  readonly rule: DelegationRule;
  constructor(failed: CgroupIoError, rule: DelegationRule, explanation: string) {
    super(failed.op, failed.path, failed.errno, failed.value, failed);
    this.rule = rule;
    this.message = `${failed.op} ${failed.path}${failed.value === undefined ? "" : ` value ${showValue(failed.value)}`}: ${failed.errno}: ${explanation} (${RULE_SOURCE[rule]})`;
  }
}

const DELEGATED_FILES = new Set(["cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "tasks"]);

async function statOf(fs: CgroupFs, file: string) {
  return fs.stat(file).catch(() => undefined);
}

function owner(stat: { uid: number; mode: number } | undefined): string {
  return stat ? `owner uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8).padStart(3, "0")}` : "not readable";
}

/**
 * A write (or mkdir) on cgroupfs was refused: the typed error that names the rule, or the error
 * itself when no rule explains it. Looks only (stat, reads); changes nothing.
 * @internal
 */
export async function explainRefusal(fs: CgroupFs, err: unknown): Promise<unknown> {
  if (!(err instanceof CgroupIoError) || err instanceof DelegationError) return err;
  const { euid, groups } = callerIds();
  if (err.errno === "EACCES" || err.errno === "EPERM") {
    if (err.op === "mkdir") {
      const parent = path.posix.dirname(err.path);
      return new DelegationError(err, "not-delegated", `${parent} is not delegated to uid ${euid} (${owner(await statOf(fs, parent))}): a delegatee creates groups only inside the subtree it was given`);
    }
    const dir = path.posix.dirname(err.path);
    const file = path.posix.basename(err.path);
    const [dirStat, fileStat] = await Promise.all([statOf(fs, dir), statOf(fs, err.path)]);
    if (euid !== 0 && dirStat && writableBy(dirStat, euid, groups) && !DELEGATED_FILES.has(file)) {
      return new DelegationError(err, "delegation-root-resources", `${dir} is delegated to uid ${euid} but ${file} is not (${owner(fileStat)}): the delegation root's resource files divide the parent's resources and stay the delegator's; set limits in a child group`);
    }
    if (file === "cgroup.subtree_control") {
      return new DelegationError(err, "not-delegated", `${dir} is not delegated to uid ${euid} (${owner(fileStat)}): which controllers its children get is the delegator's choice; ask its owner to enable them there`);
    }
    if (euid !== 0 || err.errno === "EPERM") {
      return new DelegationError(err, "not-delegated", `${err.path} is not delegated to uid ${euid} (${owner(fileStat)})${euid === 0 ? ": the file is outside this process's cgroup namespace's delegation (nsdelegate)" : ""}`);
    }
  }
  return err;
}

/**
 * `cgroup.subtree_control` refused a write: EBUSY because the group has processes, ENOENT because
 * a controller is not enabled in the parent; otherwise as {@link explainRefusal}.
 * @internal
 */
export async function explainEnableRefusal(fs: CgroupFs, err: unknown, version: "v1" | "v2", controllers: readonly string[]): Promise<unknown> {
  if (!(err instanceof CgroupIoError) || version !== "v2") return explainRefusal(fs, err);
  const dir = path.posix.dirname(err.path);
  if (err.errno === "EBUSY") {
    const pids = await new CoreV2(dir, fs).procs.read().catch(() => [] as number[]);
    if (pids.length > 0) {
      return new DelegationError(err, "no-internal-processes", `${dir} has processes (${pids.slice(0, 5).join(" ")}${pids.length > 5 ? " …" : ""}), so it cannot enable ${controllers.join(", ")} for children: move them into a leaf group first`);
    }
  }
  if (err.errno === "ENOENT") {
    const available = await new CoreV2(dir, fs).controllers.read().catch(() => undefined);
    const missing = available === undefined ? controllers : controllers.filter((c) => !available.includes(c));
    if (missing.length > 0) return new DelegationError(err, "top-down", `${missing.join(", ")} not enabled for ${dir} by its parent (its cgroup.controllers: ${available?.join(" ") || "none"}); enable it in the parent's cgroup.subtree_control first`);
  }
  return explainRefusal(fs, err);
}

/** The hierarchy path of `pid` in one hierarchy, from /proc/<pid>/cgroup (relative to the reader's namespace). */
async function pathOf(fs: CgroupFs, pid: number, hierarchy: CgroupHierarchy): Promise<string | undefined> {
  let entries;
  try {
    entries = parseProcCgroup(await fs.readFile(`/proc/${pid}/cgroup`));
  } catch {
    return undefined; // the process is gone or unreadable: the rule is named without its source
  }
  const key = (controllers: readonly string[]) => [...controllers].sort().join(",");
  const entry = hierarchy.version === "v2" ? entries.find((e) => e.hierarchyId === 0) : entries.find((e) => e.hierarchyId !== 0 && (hierarchy.hierarchyId !== undefined ? e.hierarchyId === hierarchy.hierarchyId : key(e.controllers) === key(hierarchy.controllers)));
  return entry?.path;
}

/**
 * Writing `pid` to a group's `cgroup.procs` was refused: name the containment rule. The
 * destination's file not writable is `not-delegated`; the common ancestor's not writable is
 * `common-ancestor`; ENOENT for an existing group is `namespace-reach`.
 * @internal
 */
export async function explainMoveRefusal(fs: CgroupFs, err: unknown, placement: { hierarchy: CgroupHierarchy; mount: CgroupMount; dir: string; path?: string }, pid: number): Promise<unknown> {
  if (!(err instanceof CgroupIoError)) return err;
  const { euid, groups } = callerIds();
  const procsFile = err.path;
  const source = await pathOf(fs, pid, placement.hierarchy);
  const destination = placement.path ?? (placement.mount.root === "/" ? `/${placement.dir.slice(placement.mount.mountPoint.replace(/\/+$/, "").length + 1)}` : undefined);
  if (err.errno === "ENOENT" && (await statOf(fs, placement.dir))) {
    return new DelegationError(err, "namespace-reach", `moving pid ${pid}${source ? ` from ${source}` : ""} into ${placement.dir}: the source and the destination must both be reachable from this process's cgroup namespace`);
  }
  if (err.errno !== "EACCES" && err.errno !== "EPERM") return err;
  const destStat = await statOf(fs, procsFile);
  if (destStat && !writableBy(destStat, euid, groups)) {
    return new DelegationError(err, "not-delegated", `${procsFile} is not delegated to uid ${euid} (${owner(destStat)}): a delegatee moves processes only into groups of its subtree`);
  }
  if (source !== undefined && destination !== undefined) {
    const a = hierarchyPathComponents(source) ?? [];
    const b = hierarchyPathComponents(destination) ?? [];
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    const ancestor = `/${a.slice(0, n).join("/")}`;
    const ancestorDir = dirUnderMount(placement.mount, ancestor);
    const ancestorProcs = ancestorDir && `${ancestorDir.replace(/\/+$/, "")}/cgroup.procs`;
    const ancestorStat = ancestorProcs ? await statOf(fs, ancestorProcs) : undefined;
    if (!ancestorStat || !writableBy(ancestorStat, euid, groups)) {
      return new DelegationError(
        err,
        "common-ancestor",
        `moving pid ${pid} from ${source} to ${destination} needs write access to cgroup.procs of their common ancestor ${ancestor}${ancestorProcs ? ` (${ancestorProcs}, ${owner(ancestorStat)})` : " (not visible here)"}, which is not delegated to uid ${euid}: a delegatee cannot pull processes into its subtree or push them out`,
      );
    }
  }
  return explainRefusal(fs, err);
}

/**
 * Refuse, before any write, files the caller cannot write: the same typed error the kernel's
 * refusal would become. For a non-root caller only (root's refusals come from namespaces and are
 * explained after the fact).
 * @internal
 */
export async function refuseUndelegatedWrites(fs: CgroupFs, files: readonly string[], op = "write"): Promise<void> {
  const { euid, groups } = callerIds();
  if (euid === 0) return;
  for (const file of files) {
    const stat = await statOf(fs, file);
    if (stat && !writableBy(stat, euid, groups)) throw await explainRefusal(fs, new CgroupIoError(op, file, "EACCES"));
  }
}
