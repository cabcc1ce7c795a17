// Which groups `run` made, and whether their owner still lives.
//
// The marker is the name of the inner leaf the command runs in: `run-<pid>-<starttime>`, the pid of
// the `cgroupkit run` that made the group and that process's start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot), so a recycled pid is not mistaken for the owner. It
// lives in cgroupfs itself (no state file, nothing to go out of step), survives a SIGKILL of the
// owner, and is made right after the outer group. A group is run-owned when its children are run
// markers only; stale when none of their owners is alive (in this pid namespace).
import { lstatSync } from "node:fs";
import type { Cgroup } from "../../cgroup/cgroup.js";
import { CgroupError, CgroupIoError } from "../../runtime/errors.js";
import type { CgroupFs } from "../../runtime/fs.js";
import type { CliContext } from "../context.js";

const MARKER = /^run-(\d+)-(\d+)$/;

// The claim: cgroup2 has no rename(2) (its kernfs ops lack one: EPERM; v1 has it), so the outer
// group cannot be made under a marked name and then moved into place. Instead a sibling
// `.cgroupkit-claim-run-<pid>-<starttime>-<basename>` is made first and removed once the marker
// leaf exists: a kill between the outer mkdir and the leaf mkdir leaves a claim naming the group.
// An empty group of that name is the claimant's only if it is younger than every claim for it
// (kernfs inode numbers only grow within a hierarchy), so a group someone had before is never taken.
const CLAIM = /^\.cgroupkit-claim-run-(\d+)-(\d+)-(.+)$/;

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

/** The claim a run makes beside `basename` before making it (see CLAIM above). @internal */
export function claimName(marker: string, basename: string): string {
  return `.cgroupkit-claim-${marker}-${basename}`;
}

/** The owner and the claimed basename a claim's name records, if it is a claim. @internal */
export function parseClaim(name: string): (RunOwner & { readonly basename: string }) | undefined {
  const m = CLAIM.exec(name);
  return m ? { pid: Number(m[1]), startTime: BigInt(m[2] as string), basename: m[3] as string } : undefined;
}

/** The inode number (kernfs id) of a directory, or undefined once gone. */
function inodeOf(path: string): bigint | undefined {
  return lstatSync(path, { bigint: true, throwIfNoEntry: false })?.ino;
}

async function rmdirIfThere(ctx: CliContext, dir: string): Promise<void> {
  try {
    await ctx.fs.rmdir(dir);
  } catch (err) {
    if (!(err instanceof CgroupIoError && err.errno === "ENOENT")) throw err;
  }
}

/**
 * Resolve the claims of a dead run for `name` (a group name, not a claim): when every claim for it
 * in its parent names a dead owner, the group itself, if it is there, empty (no child groups, no
 * processes) and younger than every such claim in each of its hierarchies, is removed (plain rmdir),
 * then the claims. Returns whether the group was removed (false, touching no group, when it was not
 * the claimants', e.g. someone else's group that was there before the claim). `dryRun`: removes nothing.
 * @internal
 */
export async function reclaimClaimedGroup(ctx: CliContext, name: string, options: { readonly dryRun?: boolean } = {}): Promise<boolean> {
  const slash = name.lastIndexOf("/");
  const [parentName, basename] = slash < 0 ? ["", name] : [name.slice(0, slash), name.slice(slash + 1)];
  const layout = await ctx.layout();
  const group = await ctx.openGroup(name).catch((err: unknown) => (err instanceof CgroupError ? undefined : Promise.reject(err)));
  const parentDirs = group
    ? group.placements.map((p) => p.dir.slice(0, p.dir.lastIndexOf("/")))
    : layout.hierarchies.filter((h) => h.mountPoint !== undefined && h.root === "/").map((h) => (parentName === "" ? (h.mountPoint as string) : `${h.mountPoint}/${parentName}`));
  const claims: string[] = [];
  for (const dir of parentDirs) {
    const entries = await ctx.fs.readdir(dir).catch(() => []);
    // This process's own claim (a run reclaiming its name) is no evidence either way.
    for (const e of entries) if (e.isDirectory && parseClaim(e.name)?.basename === basename && parseClaim(e.name)?.pid !== process.pid) claims.push(`${dir}/${e.name}`);
  }
  if (claims.length === 0) return false;
  for (const claim of claims) if (await ownerAlive(ctx.fs, parseClaim(claim.slice(claim.lastIndexOf("/") + 1)) as RunOwner)) return false;
  const claimants = group !== undefined && (await madeByClaimants(group, claims));
  if (options.dryRun) return claimants; // gc --dry-run: only whether it would go
  if (claimants) for (const p of group.placements) await rmdirIfThere(ctx, p.dir);
  // The dead claims go either way: a group that is not the claimants' was never theirs to make.
  for (const claim of claims) await rmdirIfThere(ctx, claim);
  return claimants;
}

/** Whether the group is the (dead) claimants': in each hierarchy younger than every claim there, and empty. */
async function madeByClaimants(group: Cgroup, claims: readonly string[]): Promise<boolean> {
  for (const p of group.placements) {
    const parent = p.dir.slice(0, p.dir.lastIndexOf("/"));
    const own = inodeOf(p.dir);
    const here = claims.filter((c) => c.lastIndexOf("/") === parent.length && c.startsWith(`${parent}/`));
    if (here.length === 0) return false; // no claim in this hierarchy: nothing says this part is the claimants'
    if (own === undefined || here.some((c) => (inodeOf(c) ?? own) >= own)) return false; // there before a claim
  }
  return (await group.children()).length === 0 && (await group.procs()).length === 0;
}
