// Which groups `run` made, and whether their owner still lives.
//
// The marker is the name of the inner leaf the command runs in: `run-<pid>-<starttime>`, the pid of
// the `cgroupkit run` that made the group and that process's start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot), so a recycled pid is not mistaken for the owner. It
// lives in cgroupfs itself (no state file, nothing to go out of step), survives a SIGKILL of the
// owner, and is made right after the outer group. A group is run-owned when its children are run
// markers only; stale when none of their owners is alive (in this pid namespace).
import type { Cgroup } from "../../cgroup/cgroup.js";
import { CgroupError, CgroupIoError } from "../../runtime/errors.js";
import type { CgroupFs } from "../../runtime/fs.js";
import type { CliContext } from "../context.js";

const MARKER = /^run-(\d+)-(\d+)$/;

/** Who made a run group. @internal */
export interface RunOwner {
  readonly pid: number;
  readonly startTime: bigint;
}

/** A process's start time (clock ticks since boot), or undefined when it does not exist. @internal */
export async function processStartTime(fs: CgroupFs, pid: number): Promise<bigint | undefined> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`);
  } catch (err) {
    if (err instanceof CgroupIoError && (err.errno === "ENOENT" || err.errno === "ESRCH")) return undefined;
    throw err;
  }
  // comm (field 2) may hold spaces and parentheses: the fields after it start at the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = fields[19]; // field 22 overall
  return start !== undefined && /^\d+$/.test(start) ? BigInt(start) : undefined;
}

/** The leaf name that marks a group as made by this process. @internal */
export async function ownMarker(fs: CgroupFs): Promise<string> {
  const start = await processStartTime(fs, process.pid);
  if (start === undefined) throw new CgroupError("ERR_PROC", `cannot read /proc/${process.pid}/stat (the start time that marks a run group as ours)`);
  return `run-${process.pid}-${start}`;
}

/** The owner a leaf name records, if it is a run marker. @internal */
export function parseMarker(name: string): RunOwner | undefined {
  const m = MARKER.exec(name);
  return m ? { pid: Number(m[1]), startTime: BigInt(m[2] as string) } : undefined;
}

/** Whether the process that wrote a marker still runs (same pid, same start time). @internal */
export async function ownerAlive(fs: CgroupFs, owner: RunOwner): Promise<boolean> {
  return (await processStartTime(fs, owner.pid)) === owner.startTime;
}

/** What a group's children say about who made it. @internal */
export interface RunOwnership {
  readonly owners: readonly RunOwner[];
  /** The marker leaves (full names). */
  readonly markers: readonly string[];
  /** True when every owner is gone. */
  readonly stale: boolean;
}

/** The group's run ownership, or undefined when it is not a run group (no children, or any child that is not a marker). @internal */
export async function runOwnership(fs: CgroupFs, cg: Cgroup): Promise<RunOwnership | undefined> {
  let children: string[];
  try {
    children = await cg.children();
  } catch (err) {
    if (err instanceof CgroupIoError && err.errno === "ENOENT") return undefined;
    throw err;
  }
  const leaves = children.map((c) => c.slice(c.lastIndexOf("/") + 1));
  if (leaves.length === 0 || !leaves.every((l) => MARKER.test(l))) return undefined;
  const owners = leaves.map((l) => parseMarker(l) as RunOwner);
  const alive = await Promise.all(owners.map((o) => ownerAlive(fs, o)));
  return { owners, markers: children, stale: !alive.some(Boolean) };
}

/**
 * Remove a stale run group: each marker leaf (killing what still runs in it, by its own name, so
 * a group someone else has meanwhile re-made under a new marker is never killed), then the group
 * itself with a plain rmdir, which the kernel refuses if anything else is in it. Returns false,
 * removing nothing, when the group is not (or no longer) a stale run group.
 * @internal
 */
export async function reclaimStaleRunGroup(ctx: CliContext, name: string): Promise<boolean> {
  const cg = await ctx.openGroup(name).catch((err: unknown) => (err instanceof CgroupError ? undefined : Promise.reject(err)));
  if (cg === undefined) return false;
  const ownership = await runOwnership(ctx.fs, cg);
  if (!ownership?.stale) return false;
  for (const marker of ownership.markers) {
    const leaf = await ctx.openGroup(marker).catch(() => undefined);
    await leaf?.remove({ kill: true });
  }
  for (const p of cg.placements) {
    try {
      await ctx.fs.rmdir(p.dir);
    } catch (err) {
      if (!(err instanceof CgroupIoError && err.errno === "ENOENT")) throw err;
    }
  }
  return true;
}
