// Rootless on systemd: a delegated transient scope in the calling user's own manager (user@UID.service),
// over its session bus. systemd hands a user's manager only the controllers user@.service's Delegate=
// names (systemd's default: cpu memory pids), and on a user scope it ignores, with a log line, a limit
// whose controller is missing. So cgroupkit reads what reaches the manager's subtree from the kernel
// (cgroup.controllers of the manager's ControlGroup) and refuses a limit it cannot enforce, printing
// the drop-in that delegates the rest. A device policy needs privilege a user lacks: refused, never skipped.
import type { CgroupLayout } from "../cgroup/mounts.js";
import { assertDevicePrivilege } from "../devices/privilege.js";
import type { ResourceLimits } from "../resources/limits.js";
import { CgroupError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { connectSystemd, type SystemdConnectOptions, type SystemdManager } from "./manager.js";
import type { UnitProperty } from "./properties.js";
import { scopeDirOf, startDelegatedScope, type DelegatedScope, type TransientScopeRequest } from "./scope.js";

/** The drop-in that widens what systemd delegates to every user's manager. @public */
export const USER_DELEGATE_DROP_IN = "/etc/systemd/system/user@.service.d/delegate.conf";
/** What that drop-in delegates: every controller a cgroupkit limit uses on cgroup2 (as podman's docs ask). @public */
export const USER_DELEGATE_CONTROLLERS: readonly string[] = ["cpu", "cpuset", "io", "memory", "pids"];
/** Where a user scope goes by default: where `systemd-run --user --scope` puts one. @public */
export const USER_DEFAULT_SLICE = "app.slice";

/** The drop-in's text for `controllers` (default {@link USER_DELEGATE_CONTROLLERS}, plus any extra a limit needs). @public */
export function userDelegateDropIn(extra: readonly string[] = []): string {
  const controllers = [...USER_DELEGATE_CONTROLLERS, ...extra.filter((c) => !USER_DELEGATE_CONTROLLERS.includes(c))];
  return `[Service]\nDelegate=${controllers.join(" ")}\n`;
}

/** The one-line root command that installs the drop-in; `doctor` and {@link UserDelegationError} print it. @public */
export function userDelegateFix(extra: readonly string[] = []): string {
  const dir = USER_DELEGATE_DROP_IN.slice(0, USER_DELEGATE_DROP_IN.lastIndexOf("/"));
  const text = userDelegateDropIn(extra).replace(/\n/g, "\\n");
  return `as root: mkdir -p ${dir} && printf '${text}' > ${USER_DELEGATE_DROP_IN} && systemctl daemon-reload, then log in again`;
}

/** The cgroup2 controller each unit property needs; properties not listed need none (accounting, Description…). */
const PROPERTY_CONTROLLER: Readonly<Record<string, string>> = {
  MemoryMax: "memory",
  MemoryHigh: "memory",
  MemoryLow: "memory",
  MemoryMin: "memory",
  MemorySwapMax: "memory",
  CPUWeight: "cpu",
  StartupCPUWeight: "cpu",
  CPUQuotaPerSecUSec: "cpu",
  CPUQuotaPeriodUSec: "cpu",
  AllowedCPUs: "cpuset",
  AllowedMemoryNodes: "cpuset",
  TasksMax: "pids",
  IOWeight: "io",
  StartupIOWeight: "io",
  IODeviceWeight: "io",
  IOReadBandwidthMax: "io",
  IOWriteBandwidthMax: "io",
  IOReadIOPSMax: "io",
  IOWriteIOPSMax: "io",
};
/** Properties that are a device ACL: systemd enforces them with a BPF program, which a user's manager cannot load. */
const DEVICE_PROPERTIES = new Set(["DeviceAllow", "DevicePolicy"]);

/** The controller of each ResourceLimits field, where it differs from the group's key (cpu.cpus is cpuset's). */
const LIMIT_CONTROLLER: Readonly<Record<string, string>> = { "cpu.cpus": "cpuset", "cpu.mems": "cpuset" };

/**
 * The controllers `limits` and `properties` need, each with what asked for it (`memory.max`, `IOWeight`). Pure.
 * @internal
 */
export function controllersNeeded(limits: ResourceLimits, properties: readonly UnitProperty[] = []): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  const add = (controller: string, why: string) => needed.set(controller, [...(needed.get(controller) ?? []), why]);
  for (const [key, group] of Object.entries(limits)) {
    if (group === undefined) continue;
    for (const [field, value] of Object.entries(group as object)) if (value !== undefined) add(LIMIT_CONTROLLER[`${key}.${field}`] ?? key, `${key}.${field}`);
  }
  for (const [name] of properties) {
    const controller = PROPERTY_CONTROLLER[name];
    if (controller) add(controller, name);
  }
  return needed;
}

/**
 * A limit needs a controller that systemd does not delegate to the user's manager. The message names
 * the controllers, the file they were read from and what asked for them, and ends with the drop-in to add.
 * `code` is `ERR_USER_DELEGATION`.
 * @public
 */
export class UserDelegationError extends CgroupError {
  /** The controllers the limits need that do not reach the manager's subtree. */
  readonly missing: readonly string[];
  /** The `cgroup.controllers` file that was read. */
  readonly controllersFile: string;
  /** The drop-in that fixes it: its path and text. */
  readonly dropIn: {
    /** Where it goes ({@link USER_DELEGATE_DROP_IN}). */
    readonly path: string;
    /** Its contents. */
    readonly text: string;
  };
  constructor(missing: readonly string[], controllersFile: string, reachable: readonly string[], askedBy: readonly string[]) {
    super(
      "ERR_USER_DELEGATION",
      `${askedBy.join(", ")} ${askedBy.length === 1 ? "needs" : "need"} the ${missing.join(", ")} controller${missing.length === 1 ? "" : "s"}, which systemd does not delegate to this user's manager (${controllersFile} lists ${reachable.join(" ") || "none"}); refused rather than run unconfined; fix, ${userDelegateFix(missing)}`,
    );
    this.missing = missing;
    this.controllersFile = controllersFile;
    this.dropIn = { path: USER_DELEGATE_DROP_IN, text: userDelegateDropIn(missing) };
  }
}

/**
 * Refuse what the user's manager cannot enforce: a limit whose controller is not in `reachable`. Pure.
 * @throws {@link UserDelegationError}
 * @internal
 */
export function checkUserDelegation(needed: ReadonlyMap<string, readonly string[]>, reachable: readonly string[], controllersFile: string): void {
  const missing = [...needed.keys()].filter((c) => !reachable.includes(c));
  if (missing.length > 0) throw new UserDelegationError(missing, controllersFile, reachable, missing.flatMap((c) => needed.get(c) ?? []));
}

/** What the user's manager was given: its cgroup and the controllers that reach it. @public */
export interface UserDelegation {
  /** The manager's ControlGroup, as it reports it (`/user.slice/user-1000.slice/user@1000.service`). */
  readonly controlGroup: string;
  /** Its directory under the cgroup2 mount. */
  readonly dir: string;
  /** Its `cgroup.controllers`: what can reach any scope of the manager. */
  readonly controllers: readonly string[];
}

/** Read where the user's manager sits and which controllers reach it (never derived from the uid). @public */
export async function readUserDelegation(manager: SystemdManager, options: { readonly layout: CgroupLayout; readonly fs?: CgroupFs }): Promise<UserDelegation> {
  const fs = options.fs ?? nodeCgroupFs;
  const controlGroup = String(await manager.managerProperty("ControlGroup"));
  const dir = scopeDirOf(options.layout, controlGroup);
  const controllers = (await fs.readFile(`${dir}/cgroup.controllers`)).split(/\s+/).filter(Boolean);
  return { controlGroup, dir, controllers };
}

/** Connect to the calling user's manager over its session bus ({@link SystemdConnectOptions} `scope: "user"`). @public */
export function connectUserManager(options: Omit<SystemdConnectOptions, "scope"> = {}): Promise<SystemdManager> {
  return connectSystemd({ ...options, scope: "user" });
}

/**
 * Start a delegated transient scope in the calling user's manager (the systemd driver's delegated scope) with the
 * slice defaulting to {@link USER_DEFAULT_SLICE}, after two checks made before any D-Bus write:
 * - every limit's controller reaches the manager's subtree, else {@link UserDelegationError} with the drop-in;
 * - a device policy (`devices`, or `-p DeviceAllow/DevicePolicy`) can be enforced by this process, else
 *   DevicePolicyPrivilegeError: leave `devices` out to run without one.
 * @public
 */
export async function startUserScope(manager: SystemdManager, request: TransientScopeRequest, options: { readonly layout: CgroupLayout; readonly fs?: CgroupFs }): Promise<DelegatedScope> {
  const fs = options.fs ?? nodeCgroupFs;
  const deviceProperties = (request.properties ?? []).filter(([n]) => DEVICE_PROPERTIES.has(n));
  if (request.devices || deviceProperties.length > 0) await assertDevicePrivilege(fs, "ebpf");
  const delegation = await readUserDelegation(manager, { layout: options.layout, fs });
  checkUserDelegation(controllersNeeded(request.limits ?? {}, request.properties), delegation.controllers, `${delegation.dir}/cgroup.controllers`);
  return startDelegatedScope(manager, { ...request, slice: request.slice ?? USER_DEFAULT_SLICE }, { layout: options.layout, fs });
}
