// A tree document against the live host: the plan (every file it would write, old → new; the groups it would
// create; owners; device ACLs), and its execution, which undoes what it did when a step fails.
import { Cgroup } from "../cgroup/cgroup.js";
import type { ControllerName } from "../cgroup/controllers.js";
import type { CgroupLayout } from "../cgroup/mounts.js";
import { applyDevicePolicy, readDevicePolicy } from "../devices/apply.js";
import type { DevicePolicy } from "../devices/policy.js";
import { planResourceWrites, restoreFor, type PlannedResourceWrite } from "../resources/limits.js";
import { ResourceApplyError, restoreWrites, writeAllOrRestore, type RestorableWrite } from "../resources/restore.js";
import { CgroupError, CgroupIoError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";
import type { TreeDocument, TreeGroup } from "./document.js";

/** Where a tree is applied. @internal */
export interface TreeTarget {
  readonly layout: CgroupLayout;
  readonly fs: CgroupFs;
  /** Controllers a new group is created with (as `create` picks by default). */
  readonly controllers: readonly ControllerName[];
  /** An existing group the document's top-level groups go under; default the hierarchy roots. */
  readonly parent?: string;
}

/** One change of a plan, as printed. @internal */
export type TreeChange =
  | { readonly kind: "create"; readonly group: string }
  | { readonly kind: "write"; readonly group: string; readonly path: string; readonly before: string | undefined; readonly after: string }
  | { readonly kind: "owner"; readonly group: string; readonly path: string; readonly before: string | undefined; readonly after: string }
  | { readonly kind: "devices"; readonly group: string; readonly dir: string; readonly before: string | undefined; readonly after: string };

interface GroupPlan {
  readonly name: string;
  readonly spec: TreeGroup;
  readonly cg: Cgroup;
  readonly exists: boolean;
  /** Placement directories that do not exist yet (what a create makes, and an undo removes). */
  readonly missingDirs: readonly string[];
  /** `before`: the file's old text (trimmed; "" in a group not made yet), for the plan. */
  readonly writes: Array<RestorableWrite & { readonly before: string }>;
  readonly ownerDirs: string[];
  readonly devicesBefore: DevicePolicy | undefined;
  readonly devicesChange: boolean;
}

/** What applying a document would do. @internal */
export interface TreePlan {
  readonly changes: readonly TreeChange[];
  /** @internal the per-group detail execution uses */
  readonly groups: readonly GroupPlan[];
}

/** A file whose read form is not its write form: how to pick the written value out of what it prints. */
const READ_BACK: Readonly<Record<string, (raw: string) => string | undefined>> = {
  "memory.oom_control": (raw) => /^oom_kill_disable (\d)$/m.exec(raw)?.[1],
};

/** The text in the file's canonical form (parsed and formatted again), so `0,1` and `0-1` compare equal. */
function canonical(file: PlannedResourceWrite["file"], text: string): string {
  try {
    return file.format(file.parse(text.endsWith("\n") ? text : `${text}\n`));
  } catch {
    return text.trim();
  }
}

function sameValue(w: PlannedResourceWrite, raw: string): boolean {
  const readBack = READ_BACK[w.file.name];
  if (readBack) return readBack(raw) === w.text;
  return raw.trim() === w.text || canonical(w.file, raw) === canonical(w.file, w.text);
}

function describePolicy(policy: DevicePolicy): string {
  const list = policy.toDevicesList().trimEnd();
  return list === "" ? "deny all" : list.split("\n").join(", ");
}

function fullNames(groups: ReadonlyMap<string, TreeGroup>, prefix: string | undefined, path: string, out: Array<{ name: string; spec: TreeGroup; at: string }>): void {
  for (const [name, spec] of groups) {
    const full = prefix === undefined ? name : `${prefix}/${name}`;
    const at = `${path}.${name}`;
    out.push({ name: full, spec, at });
    fullNames(spec.groups, full, `${at}.groups`, out);
  }
}

/** Errors of the limits model, reported at the group's path in the document. */
function atPath(at: string, err: unknown): unknown {
  if (err instanceof InvalidValueError) return new InvalidValueError(`${at}.${err.file ?? "limits"}`, err.value, err.reason);
  if (err instanceof UnsupportedError) return new UnsupportedError(`${at}: ${err.message}`);
  return err;
}

async function planGroup(target: TreeTarget, name: string, spec: TreeGroup, at: string): Promise<GroupPlan> {
  const { layout, fs } = target;
  const cg = await Cgroup.planned(name, { layout, fs, controllers: target.controllers });
  const dirs = await Promise.all(cg.placements.map(async (p) => ({ p, stat: await fs.stat(p.dir) })));
  for (const { p, stat } of dirs) if (stat && (!stat.isDirectory || stat.isSymbolicLink)) throw new InvalidValueError(at, name, `${p.dir} exists and is not a directory`);
  const exists = dirs.every((d) => d.stat !== undefined);
  const missingDirs = dirs.filter((d) => d.stat === undefined).map((d) => d.p.dir);

  let planned: PlannedResourceWrite[];
  try {
    planned = await planResourceWrites(cg, spec.limits);
  } catch (err) {
    throw atPath(at, err);
  }
  const writes: GroupPlan["writes"] = [];
  const seen = new Map<string, string>();
  for (const w of planned) {
    let raw: string | undefined;
    if (exists || dirs.find((d) => w.file.dir === d.p.dir)?.stat) {
      try {
        raw = seen.get(w.file.path) ?? (await w.file.readRaw());
      } catch (err) {
        if (err instanceof CgroupIoError && err.errno === "ENOENT") throw new UnsupportedError(`${at}: ${w.file.path}: the running kernel does not show this file; nothing was written`);
        throw err;
      }
    }
    if (raw !== undefined && sameValue(w, raw)) continue;
    seen.set(w.file.path, w.text);
    // A new group's file has no old text to restore: the group itself is removed on failure.
    writes.push({ file: w.file, text: w.text, before: raw?.trim() ?? "", restore: raw === undefined ? { cannot: "in a group this apply made (removed instead)" } : restoreFor(w, raw) });
  }

  const ownerDirs: string[] = [];
  if (spec.owner) for (const { p, stat } of dirs) if (!stat || stat.uid !== spec.owner.uid || stat.gid !== spec.owner.gid) ownerDirs.push(p.dir);

  let devicesBefore: DevicePolicy | undefined;
  let devicesChange = false;
  if (spec.devices) {
    const devicesDir = cg.placement("devices")?.hierarchy.version === "v1" ? cg.placement("devices")?.dir : cg.v2Placement?.dir;
    if (devicesDir === undefined) throw new UnsupportedError(`${at}.devices: neither a v1 devices hierarchy nor cgroup2 holds this group, so no device ACL can be enforced`);
    const present = (await fs.stat(devicesDir)) !== undefined;
    devicesBefore = present ? (await readDevicePolicy(cg)).policy : undefined;
    // A cgroup2 program cannot be read back as rules: it is (re)attached every run.
    devicesChange = devicesBefore === undefined || !devicesBefore.equals(spec.devices.policy);
  }
  return { name, spec, cg, exists, missingDirs, writes, ownerDirs, devicesBefore, devicesChange };
}

/**
 * The plan of a document on the live host; nothing is written. Bad combinations (memory.high on v1, a file the
 * kernel lacks, a group that is a file) are refused here, naming the document path.
 * @internal
 */
export async function planTree(doc: TreeDocument, target: TreeTarget): Promise<TreePlan> {
  const flat: Array<{ name: string; spec: TreeGroup; at: string }> = [];
  fullNames(doc.groups, target.parent, "groups", flat);
  const groups: GroupPlan[] = [];
  for (const { name, spec, at } of flat) groups.push(await planGroup(target, name, spec, at));
  const changes: TreeChange[] = [];
  for (const g of groups) {
    if (!g.exists) changes.push({ kind: "create", group: g.name });
    for (const w of g.writes) changes.push({ kind: "write", group: g.name, path: w.file.path, before: g.exists ? w.before : undefined, after: w.text });
    if (g.spec.owner) {
      for (const dir of g.ownerDirs) changes.push({ kind: "owner", group: g.name, path: dir, before: undefined, after: `${g.spec.owner.uid}:${g.spec.owner.gid}` });
    }
    if (g.devicesChange && g.spec.devices) {
      const dir = g.cg.placement("devices")?.hierarchy.version === "v1" ? g.cg.placement("devices")!.dir : g.cg.v2Placement!.dir;
      changes.push({ kind: "devices", group: g.name, dir, before: g.devicesBefore && describePolicy(g.devicesBefore), after: describePolicy(g.spec.devices.policy) });
    }
  }
  // Owners: show the old owner of each directory that changes.
  const withOwners = await Promise.all(
    changes.map(async (c) => {
      if (c.kind !== "owner") return c;
      const stat = await target.fs.stat(c.path);
      return { ...c, before: stat ? `${stat.uid}:${stat.gid}` : undefined };
    }),
  );
  return { changes: withOwners, groups };
}

/** The plan as lines: `create G`, `write PATH: OLD → NEW`, `chown DIR: OLD → NEW`, `devices DIR: OLD → NEW`. @internal */
export function formatPlan(plan: TreePlan): string[] {
  return plan.changes.map((c) => {
    const before = (text: string | undefined) => (text === undefined ? "(new)" : JSON.stringify(text));
    switch (c.kind) {
      case "create":
        return `create ${c.group}`;
      case "write":
        return `write ${c.path}: ${before(c.before)} → ${JSON.stringify(c.after)}`;
      case "owner":
        return `chown ${c.path}: ${before(c.before)} → ${c.after}`;
      case "devices":
        return `devices ${c.dir}: ${before(c.before)} → ${JSON.stringify(c.after)}`;
    }
  });
}

/** A tree apply that failed; what it had done was undone (or `undoFailures` says what could not be). @internal */
export class TreeApplyError extends CgroupError {
  constructor(
    readonly failed: unknown,
    readonly restored: readonly string[],
    readonly removed: readonly string[],
    readonly undoFailures: readonly string[],
  ) {
    const cause = failed instanceof ResourceApplyError ? failed.failed : failed;
    const what = cause instanceof Error ? cause.message : String(cause);
    const undo =
      undoFailures.length > 0
        ? `could not undo ${undoFailures.join(", ")}`
        : `restored ${restored.length} file${restored.length === 1 ? "" : "s"}${removed.length > 0 ? `, removed ${removed.length} created group${removed.length === 1 ? "" : "s"}` : ""}`;
    super(cause instanceof CgroupError ? cause.code : "ERR_APPLY", `${what}; ${undo}`, { cause: failed });
  }
}

/** What {@link applyTree} did. @internal */
export interface TreeApplyResult {
  readonly created: readonly string[];
  readonly written: readonly string[];
  readonly chowned: readonly string[];
  readonly devices: readonly string[];
}

/**
 * Apply a document: create the missing groups (parents first), then write every limit that differs, give owners
 * their groups, and set device ACLs. Any failure undoes the steps before it — device ACLs re-applied, owners
 * chowned back, files written back to their old text (as applyResources restores), created groups removed —
 * and throws a {@link TreeApplyError}.
 * @internal
 */
export async function applyTree(doc: TreeDocument, target: TreeTarget): Promise<TreeApplyResult> {
  const created: Array<{ name: string; dirs: readonly string[] }> = [];
  const written: RestorableWrite[] = [];
  const chowned: Array<{ path: string; uid: number; gid: number }> = [];
  const changedOwners: string[] = [];
  const devicesDone: Array<{ cg: Cgroup; before: DevicePolicy | undefined }> = [];
  try {
    await planTree(doc, target); // every group validated before the first change
    const flat: Array<{ name: string; spec: TreeGroup; at: string }> = [];
    fullNames(doc.groups, target.parent, "groups", flat);
    // Group by group, parents first: a child is made after its parent's limits are set, so it inherits them
    // (v1 cpuset copies the parent's cpus; a parent cannot narrow them below a child's).
    for (const { name, spec, at } of flat) {
      let g = await planGroup(target, name, spec, at);
      if (!g.exists) {
        await Cgroup.create(name, { layout: target.layout, fs: target.fs, controllers: target.controllers });
        created.push({ name, dirs: g.missingDirs });
        // Planned again: old values are now the kernel's, and writes the new group already has drop out.
        g = await planGroup(target, name, spec, at);
      }
      written.push(...(await writeAllOrRestore(target.fs, g.writes)));
      if (g.spec.owner && g.ownerDirs.length > 0) {
        for (const p of g.cg.placements) {
          for (const entry of [{ name: "", isDirectory: true }, ...(await target.fs.readdir(p.dir))]) {
            if (entry.isDirectory && entry.name !== "") continue;
            const path = entry.name === "" ? p.dir : `${p.dir}/${entry.name}`;
            const stat = await target.fs.stat(path);
            if (stat) chowned.push({ path, uid: stat.uid, gid: stat.gid });
          }
        }
        changedOwners.push(...(await g.cg.delegate(g.spec.owner.uid, g.spec.owner.gid)));
      }
      if (g.devicesChange && g.spec.devices) {
        devicesDone.push({ cg: g.cg, before: g.devicesBefore });
        await applyDevicePolicy(g.cg, g.spec.devices.policy);
      }
    }
    return { created: created.map((c) => c.name), written: written.map((w) => w.file.path), chowned: changedOwners, devices: devicesDone.map((d) => d.cg.name) };
  } catch (err) {
    const undoFailures: string[] = [];
    const note = (what: string) => (e: unknown) => undoFailures.push(`${what} (${e instanceof CgroupIoError ? e.errno : e instanceof Error ? e.message : String(e)})`);
    // A failed device apply leaves its group deny-all (fail closed); the earlier ones get their old policy back.
    for (const d of devicesDone.reverse()) if (d.before) await applyDevicePolicy(d.cg, d.before).catch(note(`devices of ${d.cg.name}`));
    for (const c of chowned.reverse()) await target.fs.chown(c.path, c.uid, c.gid).catch(note(`owner of ${c.path}`));
    // A failed write's own group was restored by writeAllOrRestore; the groups before it are restored here.
    const restored = err instanceof ResourceApplyError ? [...err.restored] : [];
    if (err instanceof ResourceApplyError) undoFailures.push(...err.restoreFailures);
    const r = await restoreWrites(target.fs, written);
    restored.push(...r.restored);
    undoFailures.push(...r.restoreFailures);
    const removed: string[] = [];
    // Only the directories this apply made go (deepest first): a placement that was there before stays.
    for (const c of created.reverse()) {
      let ok = true;
      for (const dir of c.dirs) await target.fs.rmdir(dir).catch((e: unknown) => ((ok = false), note(`group ${dir}`)(e)));
      if (ok) removed.push(c.name);
    }
    throw new TreeApplyError(err, restored, removed, undoFailures);
  }
}
