// The Cgroup handle: one logical group resolved onto every hierarchy that holds its controllers.
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1, CoreV2, CpusetV1, FreezerV1, V1_CONTROLLERS, V2_CONTROLLERS } from "../../generated/index.js";
import { codecs } from "../runtime/codecs/index.js";
import { CgroupIoError, InvalidNameError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { hierarchyFor, readCgroupLayout, type CgroupHierarchy, type CgroupLayout, type CgroupMount } from "./mounts.js";
import { parseGroupName, resolveGroupDir, type ResolvedDir } from "./names.js";

/** How a {@link Cgroup} finds and touches its hierarchies. @public */
export interface CgroupOptions {
  /** The layout to resolve onto; default {@link readCgroupLayout} of this process. */
  readonly layout?: CgroupLayout;
  /**
   * Controllers the group needs (`memory`, `cpu`, `pids`, `name=systemd`, …); each selects the hierarchy
   * that holds it, and the cgroup2 hierarchy is always included when mounted. Default: every mounted hierarchy.
   * On cgroup2, `create` enables the selected v2 controllers in `cgroup.subtree_control` of each ancestor, the mount root
   * included. Default: the controllers the mount root already enables, so a default create never changes the host's root group.
   */
  readonly controllers?: readonly string[];
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
  constructor(op: string, group: string, dir: string, pids: readonly number[]) {
    super(op, dir, "EBUSY");
    this.group = group;
    this.pids = pids;
    this.message = `${op} ${group} (${dir}): EBUSY: live processes ${pids.slice(0, 20).join(" ")}${pids.length > 20 ? " …" : ""}`;
  }
}

/**
 * Every v1 controller's accessor, bound to the group's directory in the hierarchy that holds it;
 * `undefined` where this group has no such hierarchy. `core` is bound to the first v1 hierarchy.
 * @public
 */
export type V1Accessors = { readonly [K in keyof typeof V1_CONTROLLERS]: InstanceType<(typeof V1_CONTROLLERS)[K]> | undefined };

/** Every v2 controller's accessor, bound to the group's cgroup2 directory. @public */
export type V2Accessors = { readonly [K in keyof typeof V2_CONTROLLERS]: InstanceType<(typeof V2_CONTROLLERS)[K]> };

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
const V1_DELEGATE = ["cgroup.procs", "tasks"];
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

function selectHierarchies(layout: CgroupLayout, controllers: readonly string[] | undefined): CgroupHierarchy[] {
  const mounted = (h: CgroupHierarchy) => h.mountPoint !== undefined;
  if (controllers === undefined) {
    const all = layout.hierarchies.filter(mounted);
    if (all.length === 0) throw new UnsupportedError("no cgroup hierarchy is mounted (mountHierarchy() mounts one)");
    return all;
  }
  const chosen = new Set<CgroupHierarchy>();
  for (const controller of controllers) {
    const h = hierarchyFor(layout, controller);
    if (h === undefined) throw new UnsupportedError(`controller ${JSON.stringify(controller)} is not available on this host (layout ${layout.kind})`);
    if (!mounted(h)) throw new UnsupportedError(`controller ${controller}: its ${describe(h)} hierarchy is not mounted where this process can use it`);
    chosen.add(h);
  }
  if (layout.v2 && mounted(layout.v2)) chosen.add(layout.v2);
  return layout.hierarchies.filter((h) => chosen.has(h));
}

interface Resolved extends CgroupPlacement, ResolvedDir {}

/** A hierarchy's mounts, its main mount point first. */
function mountsInOrder(hierarchy: CgroupHierarchy): CgroupMount[] {
  return [...hierarchy.mounts].sort((a, b) => Number(b.mountPoint === hierarchy.mountPoint) - Number(a.mountPoint === hierarchy.mountPoint));
}

async function resolvePlacements(fs: CgroupFs, name: string, layout: CgroupLayout, controllers: readonly string[] | undefined, leafUnchecked = false): Promise<Resolved[]> {
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
   * Typed accessors of the cgroup2 control files (`cg.v2.memory.max`), every controller bound to the group's cgroup2 directory.
   * @throws {@link UnsupportedError} when the group has no cgroup2 placement
   */
  get v2(): V2Accessors {
    const dir = this.v2Placement?.dir;
    if (dir === undefined) throw new UnsupportedError(`group ${this.name} has no cgroup2 directory (layout ${this.layout.kind})`);
    this.v2Accessors ??= accessorsOf(V2_CONTROLLERS, () => dir, this.fs) as V2Accessors;
    return this.v2Accessors;
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
    return { fs, layout, placements, handle: new Cgroup(name, placements.map(({ hierarchy, mount, dir }) => ({ hierarchy, mount, dir })), layout, fs, signal) };
  }

  /**
   * Create the group (and missing parents) in every selected hierarchy; an existing group is fine.
   * If any step fails (a name component that is a symlink or a file, a refused mkdir), the directories
   * this call made are removed again before the error is thrown.
   * v1 cpuset: new levels get their parent's `cpuset.cpus`/`cpuset.mems` so a process can join.
   * cgroup2: the selected controllers are enabled in `cgroup.subtree_control` top-down, mount root to parent.
   */
  static async create(name: string, options: CgroupOptions = {}): Promise<Cgroup> {
    // The leaf is not looked up first: mkdir makes it, and an EEXIST is checked below (a directory, not a symlink).
    const { fs, layout, placements, handle } = await Cgroup.prepare(name, options, true);
    const chosenV2 = options.controllers?.filter((c) => layout.v2?.controllers.includes(c));
    const made: string[] = [];
    try {
      for (const p of placements) {
        const prefix = p.mount.mountPoint.endsWith("/") ? p.mount.mountPoint : `${p.mount.mountPoint}/`;
        const levelDir = (depth: number) => (depth === 0 ? p.mount.mountPoint : prefix + p.relative.slice(0, depth).join("/"));
        for (let depth = p.existing + 1; depth <= p.relative.length; depth++) {
          const dir = levelDir(depth);
          try {
            await fs.mkdir(dir);
            made.push(dir);
          } catch (err) {
            if (!isErrno(err, "EEXIST")) throw err;
            // There already (the unchecked leaf, or made concurrently): still refuse anything but a directory.
            const stat = await fs.stat(dir);
            if (stat?.isSymbolicLink) throw new InvalidNameError(name, `${dir} is a symbolic link; cgroupkit does not follow links`);
            if (!stat?.isDirectory) throw new InvalidNameError(name, `${dir} exists and is not a directory`);
            continue; // not ours: its cpuset is left as it is
          }
          if (p.hierarchy.version === "v1" && p.hierarchy.controllers.includes("cpuset")) await inheritCpuset(fs, levelDir(depth - 1), dir);
        }
        const v2Enable = p.hierarchy.version !== "v2" ? [] : (chosenV2 ?? (await new CoreV2(p.mount.mountPoint, fs).subtreeControl.read()));
        if (v2Enable.length > 0) {
          for (let depth = 0; depth < p.relative.length; depth++) await enableControllers(new CoreV2(levelDir(depth), fs), v2Enable);
        }
      }
    } catch (err) {
      // Restore on failure: the directories this call made go again (new and empty, deepest first), so a refused create leaves nothing.
      for (const dir of made.reverse()) await fs.rmdir(dir).catch(() => undefined);
      throw err;
    }
    return handle;
  }

  /**
   * Open an existing group; every selected hierarchy must have it.
   * @throws {@link CgroupIoError} ENOENT naming the missing directory
   */
  static async open(name: string, options: CgroupOptions = {}): Promise<Cgroup> {
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
  placement(controller: string): CgroupPlacement | undefined {
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
      for (const entry of await this.fs.readdir(p.dir)) if (entry.isDirectory) names.add(`${this.name}/${entry.name}`);
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

  /** Move a process (all its threads) into the group in every hierarchy. */
  async attach(pid: number): Promise<void> {
    const files = this.placements.map((p) => coreOf(p.dir, p.hierarchy.version, this.fs).procs);
    for (const file of files) file.format(pid); // validated before the first write
    for (const file of files) await file.write(pid);
  }

  /**
   * Freeze every process in the group and its descendants, and wait until the kernel reports it frozen:
   * `cgroup.freeze` on cgroup2 when present, else the v1 freezer.
   * @throws {@link UnsupportedError} when neither is available to this group
   */
  async freeze(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const v2 = this.v2Placement;
    const core = v2 && new CoreV2(v2.dir, this.fs);
    if (core && (await core.freeze.exists())) {
      await core.freeze.write(true);
      await waitFor(deadline, core.events.path, async () => (await core.events.read()).frozen === 1n);
      return;
    }
    const v1 = this.placement("freezer");
    if (v1?.hierarchy.version !== "v1") throw new UnsupportedError(`freeze ${this.name}: neither cgroup.freeze (cgroup2) nor the v1 freezer is available to this group`);
    const freezer = new FreezerV1(v1.dir, this.fs);
    await freezer.state.write("FROZEN");
    await waitFor(deadline, freezer.state.path, async () => (await freezer.state.read()) === "FROZEN");
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
    const gone = (err: unknown) => (isErrno(err, "ENOENT") ? false : Promise.reject(err));
    for (let round = 0; ; round++) {
      let pids = await this.livePids();
      if (pids.length === 0) return;
      if (Date.now() > deadline) throw new CgroupBusyError("kill", this.name, this.placements[0]?.dir ?? this.path, pids);
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
      await sleep(Math.min(5 * 2 ** round, 100));
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

  private async removeTree(dir: string, attempts: number, delayMs: number): Promise<void> {
    let entries;
    try {
      entries = await this.fs.readdir(dir);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
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
    for (const [what, id] of [["uid", uid], ["gid", gid]] as const) {
      if (!Number.isSafeInteger(id) || id < 0 || id >= 0xffffffff) throw new InvalidValueError(`delegate ${what}`, id, "an id from 0 to 4294967294");
    }
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
}

async function waitFor(deadline: number, file: string, done: () => Promise<boolean>): Promise<void> {
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

/** Write only the controllers a subtree_control lacks, so an already-enabled level is never written. */
async function enableControllers(core: CoreV2, controllers: readonly string[]): Promise<void> {
  const enabled = new Set(await core.subtreeControl.read());
  const missing = controllers.filter((c) => !enabled.has(c));
  if (missing.length > 0) await core.subtreeControl.write({ enable: missing });
}
