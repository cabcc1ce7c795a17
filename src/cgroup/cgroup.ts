// The Cgroup handle: one logical group resolved onto every hierarchy that holds its controllers.
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1, CoreV2, CpusetV1, FreezerV1, V1_CONTROLLERS, V2_BASE_FILES, V2_CONTROLLERS, type V2BaseFiles, type V2ControllerName } from "../../generated/index.js";
import { codecs } from "../runtime/codecs/index.js";
import { CgroupError, CgroupIoError, InvalidNameError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { hierarchyFor, parseProcCgroup, readCgroupLayout, type CgroupHierarchy, type CgroupLayout, type CgroupMount } from "./mounts.js";
import { hierarchyPathComponents, parseGroupName, resolveGroupDir, type ResolvedDir } from "./names.js";
import { callerIds, writableBy } from "./privilege.js";
import { explainEnableRefusal, explainMoveRefusal, explainRefusal } from "./delegation.js";
import { ownPlacements } from "./self.js";
import { settle, WaitTimeoutError } from "../events/wait.js";
import { CgroupEventStream, CGROUP_EVENTS_ONLY } from "../events/watch.js";
import { ControllerNotEnabledError, KNOWN_CONTROLLERS, UnknownControllerError, type ControllerName } from "./controllers.js";

/** How a {@link Cgroup} finds and touches its hierarchies. @public */
export interface CgroupOptions {
  /** The layout to resolve onto; default {@link readCgroupLayout} of this process. */
  readonly layout?: CgroupLayout;
  /**
   * Controllers the group needs (`memory`, `cpu`, `pids`, `name=systemd`, …); each selects the hierarchy
   * that holds it, and the cgroup2 hierarchy is always included when mounted. Default: every mounted hierarchy.
   * On cgroup2, `create` enables the selected v2 controllers in `cgroup.subtree_control` of each ancestor, the mount root
   * included. Default: the controllers the mount root already enables, so a default create never changes the host's root group;
   * at a level the caller was not delegated (a non-root caller who cannot write its `cgroup.subtree_control`), only what its owner enables there.
   */
  readonly controllers?: readonly ControllerName[];
  /** Default {@link nodeCgroupFs}. */
  readonly fs?: CgroupFs;
  /** Sends SIGKILL to a pid during {@link Cgroup.kill}; default `process.kill`. */
  readonly signal?: (pid: number, signal: "SIGKILL") => void;
}

/** The group's directory in one hierarchy. @public */
export interface CgroupPlacement {
  /** The hierarchy the directory is in. */
  readonly hierarchy: CgroupHierarchy;
  /** The mount the directory is reached through. */
  readonly mount: CgroupMount;
  /** Absolute directory of the group. */
  readonly dir: string;
  /** The group in this hierarchy as `/proc/<pid>/cgroup` prints it (`/` + name; for {@link Cgroup.self}, the process's own group, which v1 hierarchies may each place differently). */
  readonly path?: string;
}

/** Options of {@link Cgroup.remove}. @public */
export interface RemoveOptions {
  /**
   * Kill live processes first (as {@link Cgroup.kill}). Default `false`: a group with live processes
   * is refused with {@link CgroupBusyError} before anything is removed, like `runc delete` without
   * `--force` and libcgroup's `cgdelete`; pass `true` for what `runc delete --force` and stopping a systemd unit do.
   */
  readonly kill?: boolean;
  /** How many times an `rmdir` that fails with EBUSY is tried (the kernel frees a group asynchronously after its last task exits). Default 20. */
  readonly attempts?: number;
  /** First delay between attempts, doubled each time up to 200 ms. Default 5 ms. */
  readonly delayMs?: number;
  /** Bound on the kill. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A group that still has live processes where none may be: `remove` without `kill`, or `kill`
 * past its deadline. `code` is EBUSY.
 * @public
 */
export class CgroupBusyError extends CgroupIoError {
  /** The group name. */
  readonly group: string;
  /** The live processes found (they may have exited since). */
  readonly pids: readonly number[];
  /** Child groups still there, where the caller looked (a timed-out kill does). */
  readonly children: readonly string[];
  constructor(op: string, group: string, dir: string, pids: readonly number[], children: readonly string[] = []) {
    super(op, dir, "EBUSY");
    this.group = group;
    this.pids = pids;
    this.children = children;
    const kids = children.length > 0 ? `; child groups ${children.slice(0, 20).join(" ")}${children.length > 20 ? " …" : ""}` : "";
    this.message = `${op} ${group} (${dir}): EBUSY: live processes ${pids.slice(0, 20).join(" ")}${pids.length > 20 ? " …" : ""}${kids}`;
  }
}

/** statfs(2) f_type of cgroup v1 and cgroup2 (include/uapi/linux/magic.h). */
const CGROUP_SUPER_MAGIC = 0x27e0eb;
const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * A directory inside a group that is not on a cgroup filesystem (a directory bind-mounted there):
 * `remove` walks, kills and removes nothing under it. `code` is ERR_NOT_CGROUPFS.
 * @public
 */
export class NotCgroupFsError extends CgroupError {
  constructor(
    /** The group being removed. */
    readonly group: string,
    /** The directory that is not on cgroupfs. */
    readonly dir: string,
    /** Its filesystem's statfs type. */
    readonly fsType: number,
  ) {
    super("ERR_NOT_CGROUPFS", `remove ${group}: ${dir} is not on a cgroup filesystem (statfs type 0x${fsType.toString(16)}; a bind mount?); nothing under it was walked or removed`);
  }
}

/**
 * A move of a process into a group that a hierarchy refused after others had taken it. The process was
 * moved back in `movedBack`; `stuck` names the hierarchies where that failed too (it is still in the group there).
 * `code` is the refusal's (ENOSPC for a v1 cpuset without cpus or mems).
 * @public
 */
export class CgroupAttachError extends CgroupError {
  constructor(
    /** The process that was being moved. */
    readonly pid: number,
    /** The group it was being moved into. */
    readonly group: string,
    /** The directory whose cgroup.procs refused the process. */
    readonly refusedAt: string,
    /** The refusal. */
    readonly failed: CgroupError,
    /** The directories (its earlier groups) it was moved back into, last hierarchy first. */
    readonly movedBack: readonly string[],
    /** `dir (why)` for each hierarchy where moving it back failed. */
    readonly stuck: readonly string[],
  ) {
    const cpusetHint = failed instanceof CgroupIoError && failed.errno === "ENOSPC" && /cpuset/.test(refusedAt) ? " (the group's cpuset.cpus or cpuset.mems is empty)" : "";
    super(
      failed.code,
      `attach ${pid} to ${group}: ${failed.message}${cpusetHint}; ` +
        (stuck.length === 0 ? `moved back in the ${movedBack.length} hierarchies it had already joined, so it is where it was` : `could not move it back in ${stuck.join(", ")}: it is in ${group} there only`),
      { cause: failed },
    );
  }
}

/**
 * {@link Cgroup.createExclusive} found the group already there (`code` EEXIST); nothing of it was touched.
 * @public
 */
export class CgroupExistsError extends CgroupIoError {
  /** The group's name. */
  readonly group: string;
  constructor(group: string, dir: string) {
    super("create", dir, "EEXIST");
    this.group = group;
    this.message = `create ${group} (${dir}): EEXIST: the group already exists`;
  }
}

/**
 * Every v1 controller's accessor, bound to the group's directory in the hierarchy that holds it;
 * `undefined` where this group has no such hierarchy. `core` is bound to the first v1 hierarchy.
 * @public
 */
export type V1Accessors = { readonly [K in keyof typeof V1_CONTROLLERS]: InstanceType<(typeof V1_CONTROLLERS)[K]> | undefined };

/**
 * The v2 accessors of one group, bound to its cgroup2 directory. `core` (the cgroup.* files) and `base` (cgroup core's
 * files named after a controller: `cpu.stat`, `*.pressure`) are always there; each controller's accessor is
 * `undefined` unless the group's `cgroup.controllers` lists it, i.e. the parent's `cgroup.subtree_control` enables it
 * (`cg.v2.memory?.max.read()`; {@link Cgroup.requireV2} throws a {@link ControllerNotEnabledError} instead).
 * @public
 */
export type V2Accessors = {
  /** The cgroup.* files, in every cgroup2 group. */
  readonly core: CoreV2;
  /** cgroup core's files named after a controller, in every cgroup2 group whether or not the controller is enabled. */
  readonly base: V2BaseFiles;
} & { readonly [K in V2ControllerName]: InstanceType<(typeof V2_CONTROLLERS)[K]> | undefined };

type AccessorClass = new (dir: string, fs: CgroupFs) => object;

/**
 * One accessor per class, `undefined` where the group has no directory for it. Built when `cg.v1` or
 * `cg.v2` is first used; an accessor is two fields, so building all of them as plain data properties
 * costs a few µs, where lazy getters (defineProperty on a frozen object) cost ~40 µs per handle.
 */
function accessorsOf(classes: Readonly<Record<string, AccessorClass>>, dirFor: (controller: string) => string | undefined, fs: CgroupFs): object {
  const accessors: Record<string, object | undefined> = {};
  for (const controller in classes) {
    const dir = dirFor(controller);
    accessors[controller] = dir === undefined ? undefined : new (classes[controller] as AccessorClass)(dir, fs);
  }
  return Object.freeze(accessors);
}

const V2_DELEGATE_FALLBACK = ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"];
/** v1: the membership files, which are also what delegation hands over. */
const V1_DELEGATE = ["cgroup.procs", "tasks"];
/** cgroup2: the files that say which processes and threads are in the group. */
const V2_MEMBERSHIP = ["cgroup.procs", "cgroup.threads"];
const DELEGATE_LIST = "/sys/kernel/cgroup/delegate";

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof CgroupIoError && codes.includes(err.errno);
}

/** The cgroup.* files of a group directory, through the generated accessors of its version. */
function coreOf(dir: string, version: "v1" | "v2", fs: CgroupFs): CoreV1 | CoreV2 {
  return version === "v2" ? new CoreV2(dir, fs) : new CoreV1(dir, fs);
}

function describe(h: CgroupHierarchy): string {
  return h.version === "v2" ? "cgroup2" : `v1 ${h.name !== undefined ? `name=${h.name}` : h.controllers.join(",")}`;
}

/**
 * The mounted hierarchies that hold some controllers, plus cgroup2 when mounted (every mounted one for undefined).
 * @throws {@link UnsupportedError} for a controller the host lacks or has unmounted
 * @internal
 */
export function selectHierarchies(layout: CgroupLayout, controllers: readonly ControllerName[] | undefined): CgroupHierarchy[] {
  const mounted = (h: CgroupHierarchy) => h.mountPoint !== undefined;
  if (controllers === undefined) {
    const all = layout.hierarchies.filter(mounted);
    if (all.length === 0) throw new UnsupportedError("no cgroup hierarchy is mounted (mountHierarchy() mounts one)");
    return all;
  }
  const chosen = new Set<CgroupHierarchy>();
  for (const controller of controllers) {
    const h = hierarchyFor(layout, controller);
    // A JS caller's typo: a name neither cgroupkit nor this host knows gets a "did you mean", not "not available"
    if (h === undefined && !isKnownController(controller) && !layout.hierarchies.some((x) => x.controllers.includes(controller))) {
      throw new UnknownControllerError(String(controller), [...KNOWN_CONTROLLERS, ...layout.hierarchies.flatMap((x) => x.controllers)]);
    }
    if (h === undefined) throw new UnsupportedError(`controller ${JSON.stringify(controller)} is not available on this host (layout ${layout.kind})`);
    if (!mounted(h)) throw new UnsupportedError(`controller ${controller}: its ${describe(h)} hierarchy is not mounted where this process can use it`);
    chosen.add(h);
  }
  if (layout.v2 && mounted(layout.v2)) chosen.add(layout.v2);
  return layout.hierarchies.filter((h) => chosen.has(h));
}

function isKnownController(name: unknown): boolean {
  return typeof name === "string" && ((KNOWN_CONTROLLERS as readonly string[]).includes(name) || /^name=[\w.-]{1,64}$/.test(name));
}

interface Resolved extends CgroupPlacement, ResolvedDir {}

/** A hierarchy's mounts, its main mount point first. */
function mountsInOrder(hierarchy: CgroupHierarchy): CgroupMount[] {
  return [...hierarchy.mounts].sort((a, b) => Number(b.mountPoint === hierarchy.mountPoint) - Number(a.mountPoint === hierarchy.mountPoint));
}

async function resolvePlacements(fs: CgroupFs, name: string, layout: CgroupLayout, controllers: readonly ControllerName[] | undefined, leafUnchecked = false): Promise<Resolved[]> {
  const components = parseGroupName(name);
  const placements: Resolved[] = [];
  for (const hierarchy of selectHierarchies(layout, controllers)) {
    let found: Resolved | undefined;
    for (const mount of mountsInOrder(hierarchy)) {
      const resolved = await resolveGroupDir(fs, name, components, mount, undefined, leafUnchecked);
      if (resolved) {
        found = { hierarchy, mount, ...resolved };
        break;
      }
    }
    if (!found) throw new UnsupportedError(`group ${name} is not under any mount of the ${describe(hierarchy)} hierarchy (mount roots: ${hierarchy.mounts.map((m) => m.root).join(", ")})`);
    placements.push(found);
  }
  return placements;
}

/**
 * A logical cgroup (`libvirt/lxc/web1`) placed in every hierarchy that holds its controllers.
 * Names are hierarchy paths without the leading `/`, as `/proc/<pid>/cgroup` prints them.
 * @public
 */
export class Cgroup {
  private constructor(
    /** The group name, relative to the hierarchy root. */
    readonly name: string,
    /** Its directory in each selected hierarchy, v1 first, then cgroup2. */
    readonly placements: readonly CgroupPlacement[],
    /** The host layout the group was resolved against. */
    readonly layout: CgroupLayout,
    /** The filesystem every operation of this handle goes through. */
    readonly fs: CgroupFs,
    private readonly signal: (pid: number, signal: "SIGKILL") => void,
  ) {}

  private v1Accessors: V1Accessors | undefined;
  private v2Accessors: V2Accessors | undefined;
  /** A planned handle's controllers that `create` would enable for it (see {@link Cgroup.planned}). */
  private v2Planned: readonly string[] | undefined;

  /** Typed accessors of the v1 control files (`cg.v1.memory?.limitInBytes`), by controller. */
  get v1(): V1Accessors {
    this.v1Accessors ??= accessorsOf(
      V1_CONTROLLERS,
      (controller) => this.placements.find((p) => p.hierarchy.version === "v1" && (controller === "core" || p.hierarchy.controllers.includes(controller)))?.dir,
      this.fs,
    ) as V1Accessors;
    return this.v1Accessors;
  }

  /**
   * Typed accessors of the cgroup2 control files (`cg.v2.memory?.max`). `core` and `base` are always there; a
   * controller's accessor only where the group's `cgroup.controllers` lists it (else `undefined`).
   *
   * Freshness: `cgroup.controllers` is read (one small synchronous read of a kernel-generated file) the first
   * time `v2` is used, and the answer is kept for the handle's life. A controller enabled later (in the parent's
   * `cgroup.subtree_control`, by this process or another) appears after {@link Cgroup.refresh} or on a new handle;
   * one disabled later keeps its accessor, whose reads then fail with ENOENT, as any file of a removed group does.
   * While the directory does not exist (a removed group) only `core` and `base` are bound and nothing is kept,
   * so the next use looks again.
   * @throws {@link UnsupportedError} when the group has no cgroup2 placement
   */
  get v2(): V2Accessors {
    const dir = this.v2Placement?.dir;
    if (dir === undefined) throw new UnsupportedError(`group ${this.name} has no cgroup2 directory (layout ${this.layout.kind})`);
    if (this.v2Accessors) return this.v2Accessors;
    const listed = this.readV2Controllers(dir);
    const enabled = new Set([...(listed ?? []), ...(this.v2Planned ?? [])]);
    const accessors: Record<string, unknown> = {};
    for (const controller in V2_CONTROLLERS) {
      if (controller === "core") continue;
      accessors[controller] = enabled.has(controller) ? new V2_CONTROLLERS[controller as V2ControllerName](dir, this.fs) : undefined;
    }
    const base: Record<string, unknown> = {};
    for (const controller in V2_BASE_FILES) base[controller] = new V2_CONTROLLERS[controller as keyof V2BaseFiles](dir, this.fs);
    accessors.core = new CoreV2(dir, this.fs);
    accessors.base = Object.freeze(base);
    const built = Object.freeze(accessors) as V2Accessors;
    if (listed !== undefined) this.v2Accessors = built;
    return built;
  }

  /** The group's `cgroup.controllers`; undefined while its directory is missing (a removed or a planned group). */
  private readV2Controllers(dir: string): string[] | undefined {
    try {
      return this.fs.readFileSync(`${dir}/cgroup.controllers`).split(/\s+/).filter(Boolean);
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR")) return undefined;
      throw err;
    }
  }

  /**
   * Forget what {@link Cgroup.v2} learned from `cgroup.controllers`, so its next use reads it again: after
   * enabling a controller in the parent's `cgroup.subtree_control`. Returns the handle (`cg.refresh().v2.memory`).
   */
  refresh(): this {
    this.v2Accessors = undefined;
    return this;
  }

  /**
   * The v2 accessor of a controller this group needs: `cg.requireV2("memory").max.write(…)`.
   * @throws {@link ControllerNotEnabledError} naming the group, the controller and how to enable it, when the
   * group's `cgroup.controllers` does not list it (it is `undefined` in {@link Cgroup.v2})
   * @throws {@link UnsupportedError} when the group has no cgroup2 placement
   */
  requireV2<K extends V2ControllerName>(controller: K): NonNullable<V2Accessors[K]> {
    const accessor = this.v2[controller];
    if (accessor !== undefined) return accessor as NonNullable<V2Accessors[K]>;
    const dir = this.v2Placement!.dir;
    const enabled = this.readV2Controllers(dir) ?? [];
    throw new ControllerNotEnabledError(this.name, controller, dir, enabled, this.layout.v2?.controllers.includes(controller) ?? false);
  }

  /** The group as `/proc/<pid>/cgroup` shows it: `/` + name. */
  get path(): string {
    return `/${this.name}`;
  }

  private static async prepare(name: string, options: CgroupOptions, forCreate = false) {
    const fs = options.fs ?? nodeCgroupFs;
    parseGroupName(name);
    const layout = options.layout ?? (await readCgroupLayout({ fs }));
    const placements = await resolvePlacements(fs, name, layout, options.controllers, forCreate);
    const signal = options.signal ?? ((pid: number, sig: "SIGKILL") => process.kill(pid, sig));
    return { fs, layout, placements, handle: new Cgroup(name, placements.map(({ hierarchy, mount, dir }) => ({ hierarchy, mount, dir, path: `/${name}` })), layout, fs, signal) };
  }

  /**
   * The group this process runs in, in every mounted hierarchy that shows it: built from
   * `/proc/self/mountinfo` and `/proc/self/cgroup`, so it is right inside a cgroup namespace (own
   * group `/`) and under a bind-mounted subtree (a mount whose root is `/lxc/c1`). On v1 each
   * hierarchy may place the process differently: each placement's `path` says where; `name` is
   * the cgroup2 path when there is one, else the first hierarchy's (without the leading `/`, so
   * `""` is the namespace root).
   * @throws {@link UnsupportedError} when no mounted hierarchy shows this process's group
   */
  static async self(options: Pick<CgroupOptions, "layout" | "fs" | "signal"> = {}): Promise<Cgroup> {
    const fs = options.fs ?? nodeCgroupFs;
    const layout = options.layout ?? (await readCgroupLayout({ fs }));
    const own = await ownPlacements(layout, fs);
    if (own.length === 0) throw new UnsupportedError(`this process's group is not visible: no mounted cgroup hierarchy shows it (layout ${layout.kind})`);
    const named = own.find((p) => p.hierarchy.version === "v2") ?? (own[0] as (typeof own)[number]);
    const signal = options.signal ?? ((pid: number, sig: "SIGKILL") => process.kill(pid, sig));
    return new Cgroup(named.path.slice(1), own.map(({ hierarchy, mount, dir, path }) => ({ hierarchy, mount, dir, path })), layout, fs, signal);
  }

  /**
   * Create the group (and missing parents) in every selected hierarchy; an existing group is fine.
   * If any step fails (a name component that is a symlink or a file, a refused mkdir), the directories
   * this call made are removed again before the error is thrown.
   * v1 cpuset: new levels get their parent's `cpuset.cpus`/`cpuset.mems` so a process can join.
   * cgroup2: the selected controllers are enabled in `cgroup.subtree_control` top-down, mount root to parent.
   */
  static async create(name: string, options: CgroupOptions = {}): Promise<Cgroup> {
    // The leaf is not looked up first: mkdir makes it, and an EEXIST is checked there (a directory, not a symlink).
    const { fs, layout, placements, handle } = await Cgroup.prepare(name, options, true);
    const made: string[] = [];
    const enabled: EnabledControllers[] = [];
    try {
      await makeLevels(fs, name, layout, placements, options.controllers, false, made, enabled);
    } catch (err) {
      await undoLevels(fs, made, enabled);
      throw err;
    }
    return handle;
  }

  /**
   * Create a group that must not exist yet, as {@link Cgroup.create} does, except that the group's own
   * directory is made with a plain `mkdir` in every hierarchy: when it exists in any of them (made
   * by someone else, even concurrently) this fails with {@link CgroupExistsError} and removes every
   * directory this call made, so the existing group is never touched. Missing parents are made as
   * `create` makes them; `createdParents` lists the ones this call made (bottom-up), for a caller
   * that wants to remove them again afterwards (an `rmdir` of each, which leaves a parent someone
   * else has started using).
   * @throws {@link CgroupExistsError} when the group already exists in some hierarchy
   */
  static async createExclusive(
    name: string,
    options: CgroupOptions = {},
  ): Promise<{
    /** The new group. */
    readonly group: Cgroup;
    /** Parent directories this call made, bottom-up. */
    readonly createdParents: readonly string[];
  }> {
    const { fs, layout, placements, handle } = await Cgroup.prepare(name, options);
    const made: string[] = [];
    const enabled: EnabledControllers[] = [];
    try {
      await makeLevels(fs, name, layout, placements, options.controllers, true, made, enabled);
    } catch (err) {
      await undoLevels(fs, made, enabled); // only what this call made, each empty or left alone
      throw err;
    }
    const own = new Set(placements.map((p) => p.dir));
    const createdParents = made.filter((d) => !own.has(d)).reverse();
    return { group: handle, createdParents };
  }

  /**
   * A handle on where a group would be, which may not exist yet: nothing is checked or made. For planners
   * that name the files a create and its writes will touch; reading a file of a missing group fails with ENOENT.
   * @internal
   */
  static async planned(name: string, options: CgroupOptions = {}): Promise<Cgroup> {
    const { handle, layout, fs } = await Cgroup.prepare(name, options, true);
    // cg.v2 of a planned group: what create would enable for it (the chosen controllers, else the root's), with what it has now
    const v2 = layout.v2;
    if (v2?.mountPoint !== undefined && handle.v2Placement) {
      const chosen = options.controllers ?? (await new CoreV2(v2.mountPoint, fs).subtreeControl.read().catch(() => [] as string[]));
      handle.v2Planned = chosen.filter((c) => v2.controllers.includes(c));
    }
    return handle;
  }

  /**
   * Open an existing group. Without `controllers`, in every hierarchy that has it (a group made in some
   * hierarchies only, as `cgcreate -g memory:x` makes it, is still the group); with `controllers`, the
   * hierarchies of those controllers, each of which must have it.
   * @throws {@link CgroupIoError} ENOENT naming the missing directory (or, without `controllers`, the group no hierarchy has)
   */
  static async open(name: string, options: CgroupOptions = {}): Promise<Cgroup> {
    if (options.controllers === undefined) return (await Cgroup.openExisting([name], options))[0] as Cgroup;
    const { placements, handle } = await Cgroup.prepare(name, options);
    const missing = placements.find((p) => p.existing < p.relative.length);
    if (missing) throw new CgroupIoError("open", missing.dir, "ENOENT");
    return handle;
  }

  /**
   * Open several existing groups at once, each in those of the selected hierarchies that have it
   * (a group made by `cgcreate -g memory:x` is in one hierarchy only; that is still the group).
   * Names are resolved as {@link Cgroup.open} does (no symlink followed); a parent directory shared
   * by several names is checked once.
   * @throws {@link CgroupIoError} ENOENT naming a group that no selected hierarchy has
   */
  static async openExisting(names: readonly string[], options: CgroupOptions = {}): Promise<Cgroup[]> {
    const fs = options.fs ?? nodeCgroupFs;
    const layout = options.layout ?? (await readCgroupLayout({ fs }));
    const signal = options.signal ?? ((pid: number, sig: "SIGKILL") => process.kill(pid, sig));
    const checked = new Set<string>();
    const out: Cgroup[] = [];
    for (const name of names) {
      const placements: CgroupPlacement[] = [];
      const components = parseGroupName(name);
      for (const hierarchy of selectHierarchies(layout, options.controllers)) {
        for (const mount of mountsInOrder(hierarchy)) {
          const resolved = await resolveGroupDir(fs, name, components, mount, checked);
          if (resolved === undefined) continue;
          if (resolved.existing === resolved.relative.length) placements.push({ hierarchy, mount, dir: resolved.dir });
          break;
        }
      }
      if (placements.length === 0) throw new CgroupIoError("open", name, "ENOENT");
      const kept = layout.hierarchies.filter((h) => placements.some((p) => p.hierarchy === h));
      const v1 = layout.v1.filter((h) => kept.includes(h));
      const v2 = layout.v2 && kept.includes(layout.v2) ? layout.v2 : undefined;
      const own: CgroupLayout = { kind: v1.length > 0 && v2 ? "hybrid" : v1.length > 0 ? "v1" : "v2", hierarchies: kept, v1, v2 };
      out.push(new Cgroup(name, placements, own, fs, signal));
    }
    return out;
  }

  /** The placement in the hierarchy that holds a controller (`memory`, `name=systemd`), if selected. */
  placement(controller: ControllerName | (string & {})): CgroupPlacement | undefined {
    const h = hierarchyFor(this.layout, controller);
    return this.placements.find((p) => p.hierarchy === h);
  }

  /** The placement in the cgroup2 hierarchy, if selected. */
  get v2Placement(): CgroupPlacement | undefined {
    return this.placements.find((p) => p.hierarchy.version === "v2");
  }

  /** Child group names (full names, sorted), across every hierarchy. */
  async children(): Promise<string[]> {
    const names = new Set<string>();
    for (const p of this.placements) {
      const base = (p.path ?? this.path).slice(1);
      for (const entry of await this.fs.readdir(p.dir)) if (entry.isDirectory) names.add(base === "" ? entry.name : `${base}/${entry.name}`);
    }
    return [...names].sort();
  }

  /** Pids in the group (union across hierarchies, sorted); `recursive` adds every descendant group's. */
  procs(options: { recursive?: boolean } = {}): Promise<number[]> {
    return this.collectPids(options.recursive ?? false, false);
  }

  /** Every pid in the subtree; a group gone from some hierarchy (ENOENT) contributes none. */
  private livePids(): Promise<number[]> {
    return this.collectPids(true, true);
  }

  private async collectPids(recursive: boolean, tolerateVanished: boolean): Promise<number[]> {
    const pids = new Set<number>();
    const visit = async (dir: string, version: "v1" | "v2", isRoot: boolean): Promise<void> => {
      try {
        for (const pid of await coreOf(dir, version, this.fs).procs.read()) pids.add(pid);
        if (recursive) for (const e of await this.fs.readdir(dir)) if (e.isDirectory) await visit(`${dir}/${e.name}`, version, false);
      } catch (err) {
        if (!((tolerateVanished || !isRoot) && isErrno(err, "ENOENT"))) throw err;
      }
    };
    for (const p of this.placements) await visit(p.dir, p.hierarchy.version, true);
    return [...pids].sort((a, b) => a - b);
  }

  /**
   * Move a process (all its threads) into the group in every hierarchy, or in none: when a hierarchy
   * refuses the move (a v1 cpuset with no cpus or mems: ENOSPC; a pids limit: EAGAIN), the process is moved
   * back where it was in each hierarchy already written, and {@link CgroupAttachError} says what happened.
   * @throws {@link CgroupAttachError}
   */
  async attach(pid: number): Promise<void> {
    const files = this.placements.map((p) => coreOf(p.dir, p.hierarchy.version, this.fs).procs);
    for (const file of files) file.format(pid); // validated before the first write
    // Where the process is now in each hierarchy, to move it back; unknown when its /proc entry is unreadable
    // (then the kernel refuses the first write with ESRCH anyway, and nothing moved).
    const origins = files.length > 1 ? await this.originsOf(pid) : undefined;
    for (const [i, file] of files.entries()) {
      try {
        await file.write(pid);
      } catch (err) {
        // a delegatee's move can break a containment rule: say which
        const explained = await explainMoveRefusal(this.fs, err, this.placements[i] as CgroupPlacement, pid);
        if (!(err instanceof CgroupError) || i === 0) throw explained;
        const movedBack: string[] = [];
        const stuck: string[] = [];
        for (let j = i - 1; j >= 0; j--) {
          const p = this.placements[j]!;
          const origin = origins?.[j];
          try {
            if (origin === undefined) throw new Error("its earlier group is unknown");
            await coreOf(origin, p.hierarchy.version, this.fs).procs.write(pid);
            movedBack.push(origin);
          } catch (backErr) {
            stuck.push(`${p.dir} (${backErr instanceof CgroupIoError ? backErr.errno : backErr instanceof Error ? backErr.message : String(backErr)})`);
          }
        }
        throw new CgroupAttachError(pid, this.name, this.placements[i]!.dir, explained instanceof CgroupError ? explained : err, movedBack, stuck);
      }
    }
  }

  /** The directory of each placement's hierarchy that holds `pid` now (from `/proc/<pid>/cgroup`), where it is reachable. */
  private async originsOf(pid: number): Promise<Array<string | undefined> | undefined> {
    let text: string;
    try {
      text = await this.fs.readFile(`/proc/${pid}/cgroup`);
    } catch (err) {
      if (isErrno(err, "ENOENT", "ESRCH")) return undefined;
      throw err;
    }
    const entries = parseProcCgroup(text);
    return this.placements.map((p) => {
      const entry = entries.find((e) => (p.hierarchy.version === "v2" ? e.hierarchyId === 0 && e.controllers.length === 0 : e.hierarchyId === p.hierarchy.hierarchyId));
      const at = entry && hierarchyPathComponents(entry.path);
      const root = hierarchyPathComponents(p.mount.root);
      if (!at || !root || root.some((c, k) => at[k] !== c)) return undefined;
      const below = at.slice(root.length);
      return below.length === 0 ? p.mount.mountPoint : `${p.mount.mountPoint.replace(/\/$/, "")}/${below.join("/")}`;
    });
  }

  /**
   * Freeze every process in the group and its descendants, and wait until the kernel reports it frozen:
   * `cgroup.freeze` on cgroup2 when present, else the v1 freezer.
   * @throws {@link UnsupportedError} when neither is available to this group
   */
  async freeze(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const v2 = this.v2Placement;
    const core = v2 && new CoreV2(v2.dir, this.fs);
    if (core && (await core.freeze.exists())) {
      // cgroup2 reports frozen in cgroup.events: armed before the write, woken by the kernel's event
      const stream = this.cgroupEvents();
      try {
        await stream.ready;
        await core.freeze.write(true);
        await settle(this, stream, (s) => s.frozen === true, { timeoutMs, condition: "frozen = 1" });
      } finally {
        stream.close();
      }
      return;
    }
    const v1 = this.placement("freezer");
    if (v1?.hierarchy.version !== "v1") throw new UnsupportedError(`freeze ${this.name}: neither cgroup.freeze (cgroup2) nor the v1 freezer is available to this group`);
    const freezer = new FreezerV1(v1.dir, this.fs);
    await freezer.state.write("FROZEN");
    // The v1 freezer raises no event when FREEZING becomes FROZEN: a bounded poll is all there is.
    try {
      await pollUntil(Date.now() + timeoutMs, freezer.state.path, async () => (await freezer.state.read()) === "FROZEN");
    } catch (err) {
      // a timeout, as on cgroup2: the same typed error, naming what is still there
      if (!isErrno(err, "ETIMEDOUT")) throw err;
      const [pids, children] = await Promise.all([this.livePids().catch(() => []), this.children().catch(() => [])]);
      throw new WaitTimeoutError(this.name, freezer.state.path, "freezer.state = FROZEN", timeoutMs, pids, children);
    }
  }

  /** A watch on this group's cgroup.events only (cgroup2), for the waits of freeze, kill and remove. */
  private cgroupEvents(): CgroupEventStream {
    return new CgroupEventStream(this, {}, CGROUP_EVENTS_ONLY);
  }

  /** Thaw the group wherever it can be frozen. */
  async thaw(): Promise<void> {
    const v2 = this.v2Placement;
    const freeze = v2 && new CoreV2(v2.dir, this.fs).freeze;
    if (freeze && (await freeze.exists())) await freeze.write(false);
    const v1 = this.placement("freezer");
    if (v1?.hierarchy.version === "v1") await new FreezerV1(v1.dir, this.fs).state.write("THAWED");
  }

  private async canFreeze(): Promise<boolean> {
    const v2 = this.v2Placement;
    return (v2 !== undefined && (await new CoreV2(v2.dir, this.fs).freeze.exists())) || this.placement("freezer")?.hierarchy.version === "v1";
  }

  /**
   * Kill every process in the group and its descendants and wait until none is left.
   * cgroup2 with `cgroup.kill`: one write does it. Otherwise: freeze (so nothing forks meanwhile),
   * SIGKILL every pid, thaw, and repeat until the group is empty. A group that vanished counts as empty.
   * @throws {@link CgroupBusyError} when processes remain after `timeoutMs` (default 10 s)
   */
  async kill(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const v2 = this.v2Placement;
    const gone = (err: unknown) => (isErrno(err, "ENOENT") ? false : Promise.reject(err));
    // cgroup2: populated = 0 in cgroup.events says the group emptied. Armed only once a look finds
    // processes left (a group that empties at once costs no watch); the armed state is read after
    // arming, so an exit in between is not missed. A group gone from cgroup2 has nothing to watch.
    let stream: CgroupEventStream | undefined;
    let watchable = v2 !== undefined;
    // A round waits for the event at most this long, then looks again and re-kills: a process that joined
    // after the cgroup.kill write (or forked past a v1 kill) is never waited on for the whole budget.
    const roundBudget = (round: number) => Math.min(deadline - Date.now(), 100 * 2 ** round, 2_000);
    const untilEmpty = async (round: number): Promise<boolean> => {
      if (!stream && watchable) {
        stream = this.cgroupEvents();
        try {
          await stream.ready;
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
          [stream, watchable] = [undefined, false];
        }
      }
      if (!stream || stream.state.populated === false || stream.state.removed) return false;
      // woken by the kernel when the last process leaves; past the deadline the next round reports what is left
      await settle(this, stream, (s) => s.removed || s.populated === false, { timeoutMs: Math.max(1, roundBudget(round)), condition: "populated = 0" }).catch((err: unknown) => {
        if (!(err instanceof WaitTimeoutError) && !isErrno(err, "ENOENT")) throw err;
      });
      return true;
    };
    try {
      let killFile = false;
      const killer = v2 && new CoreV2(v2.dir, this.fs).kill;
      if (killer && (await killer.exists())) {
        try {
          await killer.write(1);
          killFile = true;
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
        }
      }
      const canFreeze = await this.canFreeze();
      for (let round = 0; ; round++) {
        let pids = await this.livePids();
        if (pids.length === 0) return;
        if (Date.now() > deadline) throw new CgroupBusyError("kill", this.name, this.placements[0]?.dir ?? this.path, pids, await this.children().catch(() => []));
        if (round > 0 || !killFile) {
          // frozen, nothing can fork between reading the pids and signalling them; a vanished freezer group is skipped
          const frozen = canFreeze && (await this.freeze({ timeoutMs: Math.max(0, deadline - Date.now()) }).then(() => true, gone));
          if (frozen) pids = await this.livePids();
          for (const pid of pids) {
            try {
              this.signal(pid, "SIGKILL");
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
            }
          }
          if (frozen) await this.thaw().catch(gone);
        }
        // No event says a v1-only group emptied (nor one whose cgroup2 side already has): bounded backoff there
        if (!(await untilEmpty(round))) await sleep(Math.min(5 * 2 ** round, 100));
      }
    } finally {
      stream?.close();
    }
  }

  /**
   * Remove the group and every group under it, bottom-up, in every hierarchy; `rmdir` that fails
   * with EBUSY is retried (bounded). A group that is already gone is not an error.
   *
   * Without `kill`, a live process anywhere in the subtree, in any hierarchy, refuses the removal
   * before anything is removed. With `kill`, each hierarchy's directory is first simply removed:
   * the kernel's rmdir succeeds only for a group without processes and subgroups, so this removes
   * nothing a process is in, and an empty leaf costs one call per hierarchy. Only where that is
   * refused (EBUSY; ENOTEMPTY on a non-cgroup filesystem) are processes killed and the subtree
   * removed bottom-up. If that kill times out, the hierarchies whose group was empty are already
   * gone; calling remove again finishes the rest.
   * @throws {@link CgroupBusyError} when live processes remain and `kill` is not set
   */
  async remove(options: RemoveOptions = {}): Promise<void> {
    const root = this.placements.find((p) => p.dir === p.mount.mountPoint);
    if (root) throw new InvalidNameError(this.name, `is the root of the mount ${root.mount.mountPoint}; cgroupkit does not remove it`);
    let firstError: unknown;
    let remaining: readonly CgroupPlacement[] = this.placements;
    if (options.kill) {
      const occupied: CgroupPlacement[] = [];
      for (const p of this.placements) {
        try {
          if (!(await this.rmdirIfEmpty(p.dir))) occupied.push(p);
        } catch (err) {
          firstError ??= err;
        }
      }
      // The kill walks the subtree and signals the pids its cgroup.procs files list: never one that is not cgroupfs.
      for (const p of occupied) await this.assertCgroupTree(p.dir);
      if (occupied.length > 0) await this.kill({ timeoutMs: options.timeoutMs });
      remaining = occupied;
    } else {
      const pids = await this.livePids();
      if (pids.length > 0) throw new CgroupBusyError("remove", this.name, this.placements[0]?.dir ?? this.path, pids);
    }
    for (const p of remaining) {
      try {
        await this.removeTree(p.dir, options.attempts ?? 20, options.delayMs ?? 5);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /** One rmdir: true when the directory is gone (or already was), false when the kernel says it is in use or not empty. */
  private async rmdirIfEmpty(dir: string): Promise<boolean> {
    try {
      await this.fs.rmdir(dir);
      return true;
    } catch (err) {
      if (isErrno(err, "ENOENT")) return true;
      if (isErrno(err, "EBUSY", "ENOTEMPTY")) return false;
      throw err;
    }
  }

  /**
   * Refuse a directory that is not on a cgroup filesystem (a plain directory bind-mounted into the group):
   * a walk must never empty or remove it. A filesystem without statfs cannot tell, and is trusted.
   */
  private async assertCgroupFs(dir: string): Promise<boolean> {
    if (!this.fs.statfs) return true;
    let type: number;
    try {
      type = (await this.fs.statfs(dir)).type;
    } catch (err) {
      if (isErrno(err, "ENOENT")) return false;
      throw err;
    }
    if (type !== CGROUP_SUPER_MAGIC && type !== CGROUP2_SUPER_MAGIC) throw new NotCgroupFsError(this.name, dir, type);
    return true;
  }

  /** {@link Cgroup.assertCgroupFs} for a directory and every directory under it. */
  private async assertCgroupTree(dir: string): Promise<void> {
    const entries = await this.cgroupEntries(dir);
    if (entries === undefined) return;
    for (const e of entries) if (e.isDirectory) await this.assertCgroupTree(`${dir}/${e.name}`);
  }

  /** The entries of a cgroupfs directory (checked by {@link Cgroup.assertCgroupFs}); undefined when it is gone. */
  private async cgroupEntries(dir: string) {
    if (!(await this.assertCgroupFs(dir))) return undefined;
    try {
      return await this.fs.readdir(dir);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return undefined;
      throw err;
    }
  }

  private async removeTree(dir: string, attempts: number, delayMs: number): Promise<void> {
    const entries = await this.cgroupEntries(dir);
    if (entries === undefined) return;
    // readdir reports a symlink as not a directory: never followed
    for (const e of entries) if (e.isDirectory) await this.removeTree(`${dir}/${e.name}`, attempts, delayMs);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.fs.rmdir(dir);
        return;
      } catch (err) {
        if (isErrno(err, "ENOENT")) return;
        if (!isErrno(err, "EBUSY") || attempt >= attempts) throw err;
        await sleep(Math.min(delayMs * 2 ** (attempt - 1), 200));
      }
    }
  }

  /**
   * Give a uid/gid the group to manage: the directory and the files the kernel's delegation rules
   * name (cgroup2: those in `/sys/kernel/cgroup/delegate`, else cgroup.procs, cgroup.threads and
   * cgroup.subtree_control; v1: cgroup.procs and tasks). Returns the paths changed.
   */
  async delegate(uid: number, gid: number): Promise<string[]> {
    checkOwner("delegate", { uid, gid });
    let v2Files = V2_DELEGATE_FALLBACK;
    if (this.v2Placement) {
      try {
        v2Files = codecs.lines().parse(await this.fs.readFile(DELEGATE_LIST), DELEGATE_LIST);
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err;
      }
    }
    const changed: string[] = [];
    for (const p of this.placements) {
      for (const target of [p.dir, ...(p.hierarchy.version === "v2" ? v2Files : V1_DELEGATE).map((f) => `${p.dir}/${f}`)]) {
        if (target !== p.dir && !(await this.fs.stat(target))) continue; // the kernel lacks this file here
        await this.fs.chown(target, uid, gid);
        changed.push(target);
      }
    }
    return changed;
  }

  /**
   * libcgroup's ownership (`cgcreate -a`, `-t`): `admin` gets the directory and every file in it (it may
   * set limits and make child groups), then `tasks` gets the membership files (v1 `tasks` and
   * `cgroup.procs`, cgroup2 `cgroup.procs` and `cgroup.threads`), so it may move processes in.
   * Both ids are checked before anything changes. Returns the paths changed, in order.
   */
  async setOwners(owners: { readonly admin?: CgroupOwner; readonly tasks?: CgroupOwner }): Promise<string[]> {
    if (owners.admin) checkOwner("admin owner", owners.admin);
    if (owners.tasks) checkOwner("tasks owner", owners.tasks);
    const changed: string[] = [];
    for (const p of this.placements) {
      if (owners.admin) {
        const files = (await this.fs.readdir(p.dir)).filter((e) => !e.isDirectory).map((e) => `${p.dir}/${e.name}`);
        for (const target of [p.dir, ...files]) {
          await this.fs.chown(target, owners.admin.uid, owners.admin.gid);
          changed.push(target);
        }
      }
      if (owners.tasks) {
        for (const file of p.hierarchy.version === "v2" ? V2_MEMBERSHIP : V1_DELEGATE) {
          const target = `${p.dir}/${file}`;
          if (!(await this.fs.stat(target))) continue; // the kernel lacks this file here
          await this.fs.chown(target, owners.tasks.uid, owners.tasks.gid);
          changed.push(target);
        }
      }
    }
    return changed;
  }
}

/** A uid and gid to own a group's files. @public */
export interface CgroupOwner {
  /** User id, 0 … 4294967294. */
  readonly uid: number;
  /** Group id, 0 … 4294967294. */
  readonly gid: number;
}

/** Ids chown(2) takes: 0 … 2^32-2 (-1 means "unchanged" to the kernel, so it is refused). */
function checkOwner(what: string, owner: CgroupOwner): void {
  for (const [key, id] of [["uid", owner.uid], ["gid", owner.gid]] as const) {
    if (!Number.isSafeInteger(id) || id < 0 || id >= 0xffffffff) throw new InvalidValueError(`${what} ${key}`, id, "an id from 0 to 4294967294");
  }
}

/** Poll `done` with a short backoff until the deadline: only where the kernel raises no event (the v1 freezer). */
async function pollUntil(deadline: number, file: string, done: () => Promise<boolean>): Promise<void> {
  for (let round = 0; !(await done()); round++) {
    if (Date.now() > deadline) throw new CgroupIoError("wait for", file, "ETIMEDOUT");
    await sleep(Math.min(2 ** round, 50));
  }
}

/** v1 cpuset starts empty: a new group gets its parent's cpus and mems, or no process could join it. */
async function inheritCpuset(fs: CgroupFs, parentDir: string, dir: string): Promise<void> {
  const [parent, child] = [new CpusetV1(parentDir, fs), new CpusetV1(dir, fs)];
  for (const key of ["cpus", "mems"] as const) {
    if ((await child[key].read()).length === 0) await child[key].write(await parent[key].read());
  }
}

/** Whether the caller may write a file (always for root; by owner, group and mode otherwise). */
async function mayWrite(fs: CgroupFs, file: string): Promise<boolean> {
  const { euid, groups } = callerIds();
  if (euid === 0) return true;
  const stat = await fs.stat(file).catch(() => undefined);
  return stat === undefined || writableBy(stat, euid, groups);
}

/** Write only the controllers a subtree_control lacks, so an already-enabled level is never written; returns those written. */
async function enableControllers(core: CoreV2, controllers: readonly string[]): Promise<string[]> {
  const enabled = new Set(await core.subtreeControl.read());
  // Names this host's cgroup2 lists (layout.v2.controllers, read from the kernel): valid there even when newer than the spec.
  const missing = controllers.filter((c) => !enabled.has(c)) as V2ControllerName[];
  if (missing.length > 0) await core.subtreeControl.write({ enable: missing });
  return missing;
}

/**
 * Make the missing levels of each placement (mkdir; cpuset inheritance; cgroup2 subtree_control).
 * `exclusive`: the group's own level must be new (EEXIST there is {@link CgroupExistsError}); `made`
 * collects every directory this call created, top-down per hierarchy.
 */
async function makeLevels(
  fs: CgroupFs,
  name: string,
  layout: CgroupLayout,
  placements: readonly Resolved[],
  controllers: readonly ControllerName[] | undefined,
  exclusive: boolean,
  made: string[],
  enabled: EnabledControllers[],
): Promise<void> {
  const chosenV2: readonly string[] | undefined = controllers?.filter((c) => layout.v2?.controllers.includes(c));
  for (const p of placements) {
    const prefix = p.mount.mountPoint.endsWith("/") ? p.mount.mountPoint : `${p.mount.mountPoint}/`;
    const levelDir = (depth: number) => (depth === 0 ? p.mount.mountPoint : prefix + p.relative.slice(0, depth).join("/"));
    if (exclusive && p.existing >= p.relative.length) throw new CgroupExistsError(name, p.dir);
    let v2Enable = p.hierarchy.version !== "v2" ? [] : (chosenV2 ?? (await new CoreV2(p.mount.mountPoint, fs).subtreeControl.read()));
    const enableAt = async (depth: number) => {
      if (v2Enable.length === 0 || depth >= p.relative.length) return;
      const core = new CoreV2(levelDir(depth), fs);
      if (chosenV2 === undefined && !(await mayWrite(fs, core.subtreeControl.path))) {
        // default controllers, a level this caller was not delegated: take what its owner enables there
        const there = new Set(await core.subtreeControl.read());
        v2Enable = v2Enable.filter((c) => there.has(c));
        return;
      }
      try {
        const added = await enableControllers(core, v2Enable);
        if (added.length > 0) enabled.push({ core, controllers: added });
      } catch (err) {
        throw await explainEnableRefusal(fs, err, "v2", v2Enable);
      }
    };
    // Existing levels first (top-down), so a refusal there comes before anything is made.
    for (let depth = 0; depth <= p.existing; depth++) await enableAt(depth);
    for (let depth = p.existing + 1; depth <= p.relative.length; depth++) {
      const dir = levelDir(depth);
      try {
        await fs.mkdir(dir);
        made.push(dir);
      } catch (err) {
        if (!isErrno(err, "EEXIST")) throw await explainRefusal(fs, err);
        if (exclusive && depth === p.relative.length) throw new CgroupExistsError(name, dir);
        // There already (the unchecked leaf, or made concurrently): still refuse anything but a directory.
        const stat = await fs.stat(dir);
        if (stat?.isSymbolicLink) throw new InvalidNameError(name, `${dir} is a symbolic link; cgroupkit does not follow links`);
        if (!stat?.isDirectory) throw new InvalidNameError(name, `${dir} exists and is not a directory`);
        await enableAt(depth);
        continue; // not ours: its cpuset is left as it is
      }
      if (p.hierarchy.version === "v1" && p.hierarchy.controllers.includes("cpuset")) await inheritCpuset(fs, levelDir(depth - 1), dir);
      await enableAt(depth);
    }
  }
}

/** Controllers one call turned on in a level's `cgroup.subtree_control`, to take back on failure. */
interface EnabledControllers {
  readonly core: CoreV2;
  readonly controllers: string[];
}

/** Nothing half-made: remove the directories a failed create made (bottom-up) and take back what it enabled. */
async function undoLevels(fs: CgroupFs, made: readonly string[], enabled: readonly EnabledControllers[]): Promise<void> {
  for (const dir of [...made].reverse()) await fs.rmdir(dir).catch(() => undefined);
  for (const e of [...enabled].reverse()) await e.core.subtreeControl.write({ disable: e.controllers as V2ControllerName[] }).catch(() => undefined);
}
