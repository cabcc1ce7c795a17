// Mount discovery: which cgroup hierarchies exist, where they are mounted, and where this process sits in them.
import { constants as osConstants } from "node:os";
import { CoreV2, type V1ControllerName } from "../../generated/index.js";
import { CgroupIoError, InvalidValueError, ParseError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { hierarchyPathComponents } from "./names.js";

/** One line of `/proc/<pid>/mountinfo`, escapes (`\040`) decoded. @public */
export interface MountInfoEntry {
  /** Unique id of the mount. */
  readonly mountId: number;
  /** Id of the parent mount (itself for the root of the mount tree). */
  readonly parentId: number;
  /** `major:minor` of the filesystem: every mount of one cgroup hierarchy shares it. */
  readonly device: string;
  /** The directory of the filesystem that is mounted here (a bind mount or a cgroup namespace shows a non-`/` root). */
  readonly root: string;
  /** Where it is mounted, relative to this process's root. */
  readonly mountPoint: string;
  /** Per-mount options (`ro`, `nosuid`...). */
  readonly mountOptions: readonly string[];
  /** Tagged fields such as `shared:5` (propagation). */
  readonly optionalFields: readonly string[];
  /** Filesystem type: `cgroup` (v1) or `cgroup2` for ours. */
  readonly fsType: string;
  /** Filesystem source (`cgroup`, `cgroup2`, `none`...). */
  readonly source: string;
  /** Per-superblock options: a v1 hierarchy lists its controllers and `name=` here. */
  readonly superOptions: readonly string[];
}

/** One line of `/proc/<pid>/cgroup`. @public */
export interface ProcCgroupEntry {
  /** Hierarchy id; 0 is the cgroup2 hierarchy. */
  readonly hierarchyId: number;
  /** Controllers bound to the hierarchy, with `name=X` for a named one; empty for cgroup2. */
  readonly controllers: readonly string[];
  /** The process's cgroup, relative to its cgroup namespace root. */
  readonly path: string;
}

/** One place a hierarchy is mounted. @public */
export interface CgroupMount {
  /** The mount point. */
  readonly mountPoint: string;
  /** The hierarchy path shown at `mountPoint` (mountinfo's root field). `/..` prefixes mean outside this cgroup namespace. */
  readonly root: string;
  /** Mounted `ro`: nothing under it can be created or written. */
  readonly readOnly: boolean;
}

/** What every hierarchy has. @public */
export interface CgroupHierarchyBase {
  /** Id in `/proc/self/cgroup`; undefined for a mount that file does not list. */
  readonly hierarchyId: number | undefined;
  /** Usable controllers: v1, those bound to it; v2, those available at the mount root and not held by v1. */
  readonly controllers: readonly string[];
  /** `major:minor` of the hierarchy's filesystem, when mounted. */
  readonly device: string | undefined;
  /** Every mount of this hierarchy, in mount order. */
  readonly mounts: readonly CgroupMount[];
  /** Every mount point, in mount order. */
  readonly mountPoints: readonly string[];
  /** The mount cgroupkit uses: one that shows this process's cgroup, preferring root `/`. Undefined when none is usable. */
  readonly mountPoint: string | undefined;
  /** mountinfo's root field for `mountPoint`. */
  readonly root: string | undefined;
  /** This process's cgroup in the hierarchy (from `/proc/self/cgroup`). */
  readonly path: string | undefined;
}

/** A cgroup v1 hierarchy. @public */
export interface V1Hierarchy extends CgroupHierarchyBase {
  /** Discriminant: a v1 hierarchy. */
  readonly version: "v1";
  /** The name of a named hierarchy (`systemd` for `name=systemd`). */
  readonly name: string | undefined;
}

/** The cgroup v2 hierarchy. @public */
export interface V2Hierarchy extends CgroupHierarchyBase {
  /** Discriminant: the cgroup2 hierarchy. */
  readonly version: "v2";
  /** `cgroup.controllers` of the mount root, as the kernel printed it. */
  readonly available: readonly string[];
  /** Controllers that are bound to a v1 hierarchy and therefore not usable here (hybrid hosts). */
  readonly heldByV1: readonly string[];
}

/** A v1 or the v2 hierarchy; narrow on `version`. @public */
export type CgroupHierarchy = V1Hierarchy | V2Hierarchy;

/**
 * The cgroup layout seen by a process. `kind` counts mounted hierarchies only:
 * `hybrid` is v1 hierarchies plus a cgroup2 mount; `none` is no cgroup filesystem mounted.
 * @public
 */
export interface CgroupLayout {
  /** Which hierarchies are mounted: v1 only, v2 only, both, or none. */
  readonly kind: "v1" | "v2" | "hybrid" | "none";
  /** v1 hierarchies in `/proc/self/cgroup` order, then v2; unmounted ones included (`mounts` empty). */
  readonly hierarchies: readonly CgroupHierarchy[];
  /** The v1 hierarchies, in `hierarchies` order. */
  readonly v1: readonly V1Hierarchy[];
  /** The cgroup2 hierarchy, if this process has one. */
  readonly v2: V2Hierarchy | undefined;
}

/** Inputs of {@link discoverHierarchies}: the text of the proc files. @public */
export interface LayoutSources {
  /** Text of `/proc/<pid>/mountinfo`. */
  readonly mountinfo: string;
  /** Text of `/proc/<pid>/cgroup`. */
  readonly procCgroup: string;
  /** `cgroup.controllers` of the cgroup2 mount root; without it no v2 controller counts as available. */
  readonly v2Controllers?: string;
}

const MOUNTINFO = "/proc/self/mountinfo";
const PROC_CGROUP = "/proc/self/cgroup";

/** mountinfo escapes blank, tab, newline and backslash as `\ooo`. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Parse `/proc/<pid>/mountinfo` (proc(5)).
 * @throws {@link ParseError} on a malformed line
 * @public
 */
export function parseMountinfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    const [mountId, parentId, device, root, mountPoint, mountOptions] = fields;
    const [fsType, source, superOptions] = fields.slice(separator + 1);
    if (separator < 0 || superOptions === undefined || mountOptions === undefined || device === undefined || root === undefined || mountPoint === undefined) {
      throw new ParseError(MOUNTINFO, line, "expected 'ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS'");
    }
    if (!/^\d+$/.test(mountId ?? "") || !/^\d+$/.test(parentId ?? "") || !/^\d+:\d+$/.test(device)) {
      throw new ParseError(MOUNTINFO, line, "mount id, parent id and major:minor must be numbers");
    }
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      device,
      root: unescapeOctal(root),
      mountPoint: unescapeOctal(mountPoint),
      mountOptions: mountOptions.split(","),
      optionalFields: fields.slice(6, separator),
      fsType: unescapeOctal(fsType ?? ""),
      source: unescapeOctal(source ?? ""),
      superOptions: unescapeOctal(superOptions).split(","),
    });
  }
  return entries;
}

/**
 * Parse `/proc/<pid>/cgroup` (`ID:CONTROLLERS:PATH` per line; the path may contain `:`).
 * @throws {@link ParseError} on a malformed line
 * @public
 */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (!match) throw new ParseError(PROC_CGROUP, line, "expected 'ID:CONTROLLERS:/PATH'");
    const [, id, controllers, path] = match as unknown as [string, string, string, string];
    entries.push({ hierarchyId: Number(id), controllers: controllers === "" ? [] : controllers.split(","), path });
  }
  return entries;
}

// Options of a v1 cgroup mount that are not controllers (kernel's cgroup1 parser, plus LSM labels).
const V1_NON_CONTROLLER_OPTIONS = new Set(["rw", "ro", "none", "all", "noprefix", "clone_children", "cpuset_v2_mode", "xattr", "favordynmods", "nofavordynmods", "seclabel"]);

/** The controllers (and `name=X`) a v1 mount's super options bind. */
function v1MountTokens(superOptions: readonly string[]): string[] {
  return superOptions.filter((o) => !V1_NON_CONTROLLER_OPTIONS.has(o) && (!o.includes("=") || o.startsWith("name="))).sort();
}

function toMount(entry: MountInfoEntry): CgroupMount {
  return { mountPoint: entry.mountPoint, root: entry.root, readOnly: entry.mountOptions.includes("ro") };
}

/** The mount to use: inside this cgroup namespace, showing the process's own cgroup, root `/` first, then the shortest root. */
function preferredMount(mounts: readonly CgroupMount[], ownPath: string | undefined): CgroupMount | undefined {
  const own = ownPath === undefined ? undefined : hierarchyPathComponents(ownPath);
  const score = (m: CgroupMount): number => {
    const root = hierarchyPathComponents(m.root);
    if (root === undefined) return -1;
    const showsOwn = own !== undefined && root.length <= own.length && root.every((c, i) => own[i] === c);
    return (showsOwn ? 1000 : 0) + (100 - Math.min(root.length, 99));
  };
  let best: CgroupMount | undefined;
  for (const mount of mounts) if (score(mount) >= 0 && (best === undefined || score(mount) > score(best))) best = mount;
  return best;
}

function placeMounts(mounts: CgroupMount[], path: string | undefined) {
  const preferred = preferredMount(mounts, path);
  return { mounts, mountPoints: mounts.map((m) => m.mountPoint), mountPoint: preferred?.mountPoint, root: preferred?.root, path };
}

/**
 * Build the layout from the text of `/proc/self/mountinfo`, `/proc/self/cgroup` and the
 * cgroup2 root's `cgroup.controllers`. Pure: reads nothing.
 * @public
 */
export function discoverHierarchies(sources: LayoutSources): CgroupLayout {
  const mountEntries = parseMountinfo(sources.mountinfo);
  const procEntries = parseProcCgroup(sources.procCgroup);

  // v1: one hierarchy per distinct controller set, keyed like the mount's options.
  const v1ByKey = new Map<string, { entry: ProcCgroupEntry | undefined; tokens: string[]; mounts: CgroupMount[]; device: string | undefined }>();
  for (const entry of procEntries) {
    if (entry.hierarchyId === 0) continue;
    const tokens = [...entry.controllers].sort();
    v1ByKey.set(tokens.join(","), { entry, tokens, mounts: [], device: undefined });
  }
  const v2Mounts: CgroupMount[] = [];
  let v2Device: string | undefined;
  for (const m of mountEntries) {
    if (m.fsType === "cgroup2") {
      v2Mounts.push(toMount(m));
      v2Device ??= m.device;
    } else if (m.fsType === "cgroup") {
      const tokens = v1MountTokens(m.superOptions);
      const key = tokens.join(",");
      let slot = v1ByKey.get(key);
      if (!slot) v1ByKey.set(key, (slot = { entry: undefined, tokens, mounts: [], device: undefined }));
      slot.mounts.push(toMount(m));
      slot.device ??= m.device;
    }
  }

  const v1: V1Hierarchy[] = [...v1ByKey.values()].map(({ entry, tokens, mounts, device }) => {
    const named = tokens.find((t) => t.startsWith("name="));
    return {
      version: "v1",
      hierarchyId: entry?.hierarchyId,
      controllers: tokens.filter((t) => !t.startsWith("name=")),
      name: named?.slice("name=".length),
      device,
      ...placeMounts(mounts, entry?.path),
    };
  });

  const v2Entry = procEntries.find((e) => e.hierarchyId === 0);
  let v2: V2Hierarchy | undefined;
  if (v2Entry || v2Mounts.length > 0) {
    const available = (sources.v2Controllers ?? "").split(/\s+/).filter(Boolean);
    const heldByV1 = [...new Set(v1.flatMap((h) => h.controllers))].sort();
    v2 = {
      version: "v2",
      hierarchyId: v2Entry ? 0 : undefined,
      controllers: available.filter((c) => !heldByV1.includes(c)),
      available,
      heldByV1,
      device: v2Device,
      ...placeMounts(v2Mounts, v2Entry?.path),
    };
  }

  const v1Mounted = v1.some((h) => h.mounts.length > 0);
  const v2Mounted = v2 !== undefined && v2.mounts.length > 0;
  const kind = v1Mounted && v2Mounted ? "hybrid" : v1Mounted ? "v1" : v2Mounted ? "v2" : "none";
  return { kind, hierarchies: v2 ? [...v1, v2] : v1, v1, v2 };
}

/**
 * The hierarchy that holds a controller: a v1 hierarchy it is bound to, else v2 when usable there.
 * `name=X` finds a named v1 hierarchy.
 * @public
 */
export function hierarchyFor(layout: CgroupLayout, controller: string): CgroupHierarchy | undefined {
  if (controller.startsWith("name=")) return layout.v1.find((h) => h.name === controller.slice("name=".length));
  return layout.v1.find((h) => h.controllers.includes(controller)) ?? (layout.v2?.controllers.includes(controller) ? layout.v2 : undefined);
}

/** Where {@link readCgroupLayout} reads from. @public */
export interface ReadLayoutOptions {
  /** Where to read the proc files and cgroup.controllers; default the real filesystem. */
  readonly fs?: CgroupFs;
  /** The process whose view to read; default `self`. */
  readonly pid?: number | "self";
}

/**
 * Read the live layout from `/proc/<pid>/mountinfo`, `/proc/<pid>/cgroup` and the cgroup2
 * mount root's `cgroup.controllers`.
 * @public
 */
export async function readCgroupLayout(options: ReadLayoutOptions = {}): Promise<CgroupLayout> {
  const fs = options.fs ?? nodeCgroupFs;
  const pid = options.pid ?? "self";
  const [mountinfo, procCgroup] = await Promise.all([fs.readFile(`/proc/${pid}/mountinfo`), fs.readFile(`/proc/${pid}/cgroup`)]);
  const withoutControllers = discoverHierarchies({ mountinfo, procCgroup });
  // a mount made outside this cgroup namespace (root "/..") is no usable mountPoint, but it still shows the controllers
  const v2Root = withoutControllers.v2?.mountPoint ?? withoutControllers.v2?.mounts[0]?.mountPoint;
  if (v2Root === undefined) return withoutControllers;
  const v2Controllers = await new CoreV2(v2Root, fs).controllers.readRaw();
  return discoverHierarchies({ mountinfo, procCgroup, v2Controllers });
}

/** What {@link mountHierarchy} mounts. @public */
export type MountRequest =
  | {
      /** Mount cgroup2. */
      readonly version: "v2";
      /** The directory to mount on. */
      readonly target: string;
      /** cgroup2 mount options (`nsdelegate`, `memory_recursiveprot`...). */
      readonly options?: readonly string[];
    }
  | {
      /** Mount a v1 hierarchy. */
      readonly version: "v1";
      /** The directory to mount on. */
      readonly target: string;
      /** Controllers to bind to the hierarchy (empty for a named one); names are checked again when mounting. */
      readonly controllers: readonly (V1ControllerName | "perf_event")[];
      /** Name of a named hierarchy (`name=<name>`). */
      readonly name?: string;
    };

const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;

/** The mount(2) data string for a request; validated so nothing odd reaches the kernel. @internal */
export function mountData(request: MountRequest): { fsType: "cgroup" | "cgroup2"; data: string } {
  const word = /^[A-Za-z0-9_.-]+$/;
  if (!request.target.startsWith("/") || /[\0\n]/.test(request.target)) {
    throw new InvalidValueError("mount target", request.target, "an absolute path without NUL or newline");
  }
  if (request.version === "v2") {
    for (const o of request.options ?? []) if (!word.test(o)) throw new InvalidValueError("cgroup2 mount options", o, "one word: letters, digits, _ . -");
    return { fsType: "cgroup2", data: (request.options ?? []).join(",") };
  }
  for (const c of request.controllers) if (!word.test(c)) throw new InvalidValueError("cgroup mount controllers", c, "one controller name");
  if (request.name !== undefined && !word.test(request.name)) throw new InvalidValueError("cgroup mount name", request.name, "letters, digits, _ . -");
  if (request.controllers.length === 0 && request.name === undefined) {
    throw new InvalidValueError("cgroup mount controllers", request.controllers, "a v1 mount needs controllers or a name");
  }
  const tokens = [...request.controllers, ...(request.name === undefined ? [] : [`name=${request.name}`])];
  return { fsType: "cgroup", data: request.controllers.length === 0 ? `none,${tokens.join(",")}` : tokens.join(",") };
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));

/**
 * Mount a cgroup hierarchy at `target` (an existing directory) with mount(2), `nosuid,nodev,noexec`.
 * Mounting v1 controllers that are already bound elsewhere mounts that same hierarchy again.
 * Nothing calls this implicitly.
 * @throws {@link CgroupIoError} with the errno of mount(2)
 * @public
 */
export async function mountHierarchy(request: MountRequest): Promise<void> {
  const { fsType, data } = mountData(request);
  const koffi = await import("koffi");
  const mount = koffi.load("libc.so.6").func("int mount(const char *, const char *, const char *, unsigned long, const char *)");
  if (mount(fsType, request.target, fsType, MS_NOSUID | MS_NODEV | MS_NOEXEC, data) !== 0) {
    const errno = koffi.errno();
    throw new CgroupIoError("mount", request.target, ERRNO_NAMES.get(errno) ?? `errno ${errno}`, `${fsType} ${data}`);
  }
}
