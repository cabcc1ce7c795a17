// The systemd driver: a transient scope with Delegate=yes made over D-Bus, limits as its unit properties,
// and a leaf group inside it (ours to write) that holds the payload and every limit without a property.
// The scope's path comes from its ControlGroup property, never from its name; every filesystem call
// goes through ScopeWriteGuard.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { CoreV2, type V2ControllerName } from "../../generated/index.js";
import { Cgroup } from "../cgroup/cgroup.js";
import type { CgroupLayout } from "../cgroup/mounts.js";
import { hierarchyPathComponents } from "../cgroup/names.js";
import { applyDevicePolicy } from "../devices/apply.js";
import type { DevicePolicy } from "../devices/policy.js";
import { applyResources, type ResourceLimits } from "../resources/limits.js";
import { CgroupIoError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { ScopeWriteGuard } from "./guard.js";
import { SystemdError, type SystemdManager } from "./manager.js";
import { planSystemdResources, type UnitProperty } from "./properties.js";

/** Default parent slice of a transient scope: where systemd-run --scope puts the system manager's. @internal */
export const DEFAULT_SLICE = "system.slice";
/** The leaf group inside the scope that holds the payload. @internal */
export const PAYLOAD_LEAF = "payload";
/** The sibling leaf that holds the keeper process (see {@link TransientScopeRequest.keep}). @internal */
export const KEEPER_LEAF = "keeper";
const SCOPE_IFACE = "org.freedesktop.systemd1.Scope";

/** A unit name systemd accepts for a scope or slice: [A-Za-z0-9:_.\\-] plus the suffix, at most 255 bytes. @internal */
export function checkUnitName(name: string, suffix: ".scope" | ".slice"): void {
  if (!name.endsWith(suffix) || name.length <= suffix.length || name.length > 255 || !/^[A-Za-z0-9:_.\\-]+$/.test(name)) {
    throw new InvalidValueError("unit name", name, `letters, digits and : _ . \\ - ending in ${suffix}, at most 255 characters`);
  }
}

/** A fresh `<prefix>-<random>.scope`. @internal */
export function randomScopeName(prefix = "cgroupkit-run"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}.scope`;
}

/** What to start. @internal */
export interface TransientScopeRequest {
  /** `cgroupkit-run-<random>.scope`. */
  readonly unit: string;
  /** Parent slice; default `system.slice` (`app.slice` in a user manager). */
  readonly slice?: string;
  /** Processes that start in the scope and are moved into its payload leaf (a scope needs at least one). */
  readonly pids: readonly number[];
  readonly description?: string;
  readonly limits?: ResourceLimits;
  /** Further unit properties, as `-p NAME=VALUE` gives them; they come last, so they win. */
  readonly properties?: readonly UnitProperty[];
  /** Enforced by cgroupkit's eBPF program on the payload leaf. */
  readonly devices?: DevicePolicy;
  /** Deadline for each job (start, stop), ms. Default 30 s. */
  readonly jobTimeoutMs?: number;
  /**
   * Keep the scope alive after the payload exits, until {@link DelegatedScope.stop}: a keeper process
   * (`sh` reading a pipe from us) in its own leaf. systemd stops a scope, and removes its cgroup, the
   * moment it has no process; without a keeper, usage read after the payload ends races that. It ends by
   * itself if we die (the pipe closes). TasksMax is raised by one to leave the payload its full count.
   */
  readonly keep?: boolean;
}

/** A property that was left out, and why (an older systemd). @internal */
export interface DroppedProperty {
  readonly property: string;
  /** `leaf`: cgroupkit wrote the limit into the leaf instead; `dropped`: left out. */
  readonly outcome: "leaf" | "dropped";
}

/** A started scope. @internal */
export interface DelegatedScope {
  readonly unit: string;
  /** The scope's cgroup as systemd reports it (ControlGroup). */
  readonly controlGroup: string;
  /** Its directory under the cgroup2 mount. */
  readonly dir: string;
  /** The payload leaf, written by cgroupkit. */
  readonly leaf: Cgroup;
  /** Properties the running systemd did not know. */
  readonly dropped: readonly DroppedProperty[];
  /** The guarded filesystem every write went through (its `log` lists them). */
  readonly fs: ScopeWriteGuard;
  /** Kill the payload, StopUnit and wait, reset a failed state, then remove leftover sub-groups. */
  stop(): Promise<void>;
}

/** cgroupkit's own properties that may be left out on an older systemd without losing a limit. */
const OPTIONAL_PROPERTIES = new Set(["CollectMode", "MemoryAccounting", "CPUAccounting", "TasksAccounting", "IOAccounting"]);
/** Table properties whose limit cgroupkit can write into the leaf itself when systemd does not know them. */
const LEAF_FALLBACK: Readonly<Record<string, (l: ResourceLimits) => ResourceLimits>> = {
  MemoryMax: (l) => ({ memory: { max: l.memory?.max } }),
  MemoryHigh: (l) => ({ memory: { high: l.memory?.high } }),
  MemoryLow: (l) => ({ memory: { low: l.memory?.low } }),
  MemorySwapMax: (l) => ({ memory: { swap: l.memory?.swap } }),
  CPUWeight: (l) => ({ cpu: { weight: l.cpu?.weight, shares: l.cpu?.shares } }),
  CPUQuotaPerSecUSec: (l) => ({ cpu: { quota: l.cpu?.quota, period: l.cpu?.period } }),
  CPUQuotaPeriodUSec: (l) => ({ cpu: { quota: l.cpu?.quota, period: l.cpu?.period } }),
  AllowedCPUs: (l) => ({ cpu: { cpus: l.cpu?.cpus } }),
  AllowedMemoryNodes: (l) => ({ cpu: { mems: l.cpu?.mems } }),
  TasksMax: (l) => ({ pids: { max: l.pids?.max } }),
  IOWeight: (l) => ({ io: { weight: l.io?.weight, blkioWeight: l.io?.blkioWeight } }),
};
/** Properties moved together: systemd computes cpu.max from both. */
const MOVED_TOGETHER: Readonly<Record<string, readonly string[]>> = { CPUQuotaPerSecUSec: ["CPUQuotaPeriodUSec"], CPUQuotaPeriodUSec: ["CPUQuotaPerSecUSec"] };

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Merge limit fragments, one level deep (later wins). @internal */
export function mergeLimits(a: ResourceLimits, b: ResourceLimits): ResourceLimits {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const clean = withoutUndefined(v as object);
    if (Object.keys(clean).length === 0) continue;
    out[k] = { ...((out[k] as object | undefined) ?? {}), ...clean };
  }
  return out as ResourceLimits;
}

/** Start a unit and wait for its job, with systemd's retries. The result: the properties that were dropped or moved, and the leaf limits that grew from them. @internal */
export async function startUnitWithRetries(
  manager: SystemdManager,
  unit: string,
  initial: readonly UnitProperty[],
  limits: ResourceLimits,
  userProperties: ReadonlySet<string>,
  jobTimeoutMs: number,
): Promise<{ dropped: DroppedProperty[]; leafExtra: ResourceLimits }> {
  let properties = [...initial];
  const dropped: DroppedProperty[] = [];
  let leafExtra: ResourceLimits = {};
  let resetDone = false;
  for (;;) {
    let job: string;
    try {
      job = await manager.startTransientUnit(unit, "fail", properties);
    } catch (err) {
      if (!(err instanceof SystemdError)) throw err;
      if (err.kind === "unit-exists" && !resetDone) {
        // A failed unit of that name left over: clear it once and retry; a live one stays "exists".
        resetDone = true;
        await manager.resetFailedUnit(unit).catch((e: unknown) => (e instanceof SystemdError && e.kind === "no-such-unit" ? undefined : Promise.reject(e)));
        continue;
      }
      const name = err.property;
      if (err.kind === "unknown-property" && name !== undefined && !userProperties.has(name) && properties.some(([n]) => n === name)) {
        const group = [name, ...(MOVED_TOGETHER[name] ?? [])];
        const fallback = LEAF_FALLBACK[name];
        if (fallback) leafExtra = mergeLimits(leafExtra, fallback(limits));
        else if (!OPTIONAL_PROPERTIES.has(name)) throw err;
        for (const n of group) if (properties.some(([p]) => p === n)) dropped.push({ property: n, outcome: fallback ? "leaf" : "dropped" });
        properties = properties.filter(([n]) => !group.includes(n));
        continue;
      }
      if (err.kind === "unit-exists") throw new SystemdError("unit-exists", `unit ${unit} already exists and is not a failed leftover`, { unit, dbusName: err.dbusName, cause: err });
      throw err;
    }
    const result = await manager.waitForJob(job, Date.now() + jobTimeoutMs).catch(async (e: unknown) => {
      if (e instanceof SystemdError && e.kind === "job-timeout") {
        await manager.stopUnit(unit, "replace").catch(() => undefined);
        throw new SystemdError("job-timeout", `starting ${unit}: job ${job} did not finish within ${jobTimeoutMs} ms (the unit was asked to stop)`, { unit });
      }
      throw e;
    });
    if (result !== "done") {
      await manager.resetFailedUnit(unit).catch(() => undefined);
      throw new SystemdError("unit-failed", `starting ${unit}: the start job ended "${result}"`, { unit });
    }
    return { dropped, leafExtra };
  }
}

/** The scope's directory under the cgroup2 mount, from its ControlGroup (`/system.slice/x.scope`). @internal */
export function scopeDirOf(layout: CgroupLayout, controlGroup: string): string {
  const v2 = layout.v2;
  if (v2?.mountPoint === undefined) throw new UnsupportedError("the systemd driver needs cgroup2 mounted where this process can use it");
  const group = hierarchyPathComponents(controlGroup);
  const root = hierarchyPathComponents(v2.root ?? "/");
  if (group === undefined || group.length === 0 || root === undefined || root.some((c, i) => group[i] !== c) || root.length >= group.length) {
    throw new UnsupportedError(`systemd reports ControlGroup ${JSON.stringify(controlGroup)}, which is not below this process's cgroup2 mount (root ${v2.root})`);
  }
  return `${v2.mountPoint.replace(/\/$/, "")}/${group.slice(root.length).join("/")}`;
}

function spawnKeeper(): ChildProcess {
  // `read` blocks on the pipe until we close it or die; nothing else runs.
  return spawn("/bin/sh", ["-c", "read _ignored"], { stdio: ["pipe", "ignore", "ignore"], detached: false });
}

/**
 * Start a transient scope around `request.pids` with Delegate=yes and the limits as unit properties,
 * move the pids into the payload leaf, enable the scope's controllers for its sub-groups, write what has
 * no property into the leaf and attach the device program there. On any failure the scope is stopped and
 * nothing is left.
 * @throws {@link SystemdError}, {@link InvalidValueError} (before any D-Bus call), or a CgroupError of the leaf
 * @internal
 */
export async function startDelegatedScope(
  manager: SystemdManager,
  request: TransientScopeRequest,
  options: { readonly layout: CgroupLayout; readonly fs?: CgroupFs },
): Promise<DelegatedScope> {
  checkUnitName(request.unit, ".scope");
  const slice = request.slice ?? DEFAULT_SLICE;
  checkUnitName(slice, ".slice");
  if (request.pids.length === 0 || request.pids.some((p) => !Number.isSafeInteger(p) || p <= 0)) throw new InvalidValueError("PIDs", request.pids, "at least one positive pid: systemd refuses an empty scope");
  const limits = request.limits ?? {};
  const plan = planSystemdResources(limits);
  const userProperties = new Set((request.properties ?? []).map(([n]) => n));
  const jobTimeoutMs = request.jobTimeoutMs ?? 30_000;
  const keeper = request.keep ? spawnKeeper() : undefined;
  const keeperPid = keeper?.pid;
  if (keeper && keeperPid === undefined) throw new UnsupportedError("could not start the keeper process (/bin/sh)");
  let tableProperties = plan.properties;
  if (keeperPid !== undefined) {
    tableProperties = tableProperties.map(([n, v]) => (n === "TasksMax" && typeof v.value === "bigint" && v.value < 2n ** 64n - 2n ? ([n, { signature: "t", value: v.value + 1n }] as const) : ([n, v] as const)));
  }
  const pids = keeperPid !== undefined ? [...request.pids, keeperPid] : [...request.pids];
  const properties: UnitProperty[] = [
    ["Description", { signature: "s", value: request.description ?? `cgroupkit ${request.unit}` }],
    ["Slice", { signature: "s", value: slice }],
    ["DefaultDependencies", { signature: "b", value: false }],
    ["Delegate", { signature: "b", value: true }],
    ["CollectMode", { signature: "s", value: "inactive-or-failed" }],
    ["MemoryAccounting", { signature: "b", value: true }],
    ["CPUAccounting", { signature: "b", value: true }],
    ["TasksAccounting", { signature: "b", value: true }],
    ["IOAccounting", { signature: "b", value: true }],
    ["PIDs", { signature: "au", value: pids }],
    ...tableProperties,
    ...(request.properties ?? []),
  ];
  const killKeeper = () => {
    keeper?.stdin?.end();
    keeper?.kill("SIGKILL");
  };
  let started: { dropped: DroppedProperty[]; leafExtra: ResourceLimits };
  try {
    started = await startUnitWithRetries(manager, request.unit, properties, limits, userProperties, jobTimeoutMs);
  } catch (err) {
    killKeeper();
    throw err;
  }
  const baseFs = options.fs ?? nodeCgroupFs;
  let guard: ScopeWriteGuard | undefined;
  let controlGroup = "";
  const stop = async (): Promise<void> => {
    const failures: unknown[] = [];
    if (guard) {
      // Kill our sub-groups' processes first (cgroup.kill in the leaf is ours); StopUnit then has nothing to wait for.
      for (const leafName of [PAYLOAD_LEAF]) {
        await new CoreV2(`${guard.scopeDir}/${leafName}`, guard).kill.write(1).catch((e: unknown) => (e instanceof CgroupIoError && e.errno === "ENOENT" ? undefined : failures.push(e)));
      }
    }
    killKeeper();
    try {
      const job = await manager.stopUnit(request.unit, "replace");
      const result = await manager.waitForJob(job, Date.now() + jobTimeoutMs);
      if (result !== "done") failures.push(new SystemdError("unit-failed", `stopping ${request.unit}: the stop job ended "${result}"`, { unit: request.unit }));
    } catch (err) {
      if (!(err instanceof SystemdError && err.kind === "no-such-unit")) failures.push(err);
    }
    await manager.resetFailedUnit(request.unit).catch(() => undefined);
    if (guard) {
      // systemd removes the scope's cgroup with our sub-groups; whatever it left (a busy rmdir) goes bottom-up.
      for (const leafName of [PAYLOAD_LEAF, KEEPER_LEAF]) {
        const dir = `${guard.scopeDir}/${leafName}`;
        for (let attempt = 0; attempt < 20 && (await baseFs.stat(dir)); attempt++) {
          await guard.rmdir(dir).catch(() => undefined);
          if (await baseFs.stat(dir)) await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
        }
        if (await baseFs.stat(dir)) failures.push(new CgroupIoError("rmdir", dir, "EBUSY"));
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    controlGroup = String(await manager.unitProperty(request.unit, SCOPE_IFACE, "ControlGroup"));
    const scopeDir = scopeDirOf(options.layout, controlGroup);
    guard = new ScopeWriteGuard(baseFs, scopeDir);
    const scopeCore = new CoreV2(scopeDir, guard);
    // cgroup v2's no-internal-process rule: processes leave the scope for leaves before controllers are enabled below it.
    await guard.mkdir(`${scopeDir}/${PAYLOAD_LEAF}`);
    const payloadCore = new CoreV2(`${scopeDir}/${PAYLOAD_LEAF}`, guard);
    for (const pid of request.pids) await payloadCore.procs.write(pid);
    if (keeperPid !== undefined) {
      await guard.mkdir(`${scopeDir}/${KEEPER_LEAF}`);
      await new CoreV2(`${scopeDir}/${KEEPER_LEAF}`, guard).procs.write(keeperPid);
    }
    const controllers = await scopeCore.controllers.read();
    // the kernel's own list for this scope: every name is one it takes, even one newer than the spec
    if (controllers.length > 0) await scopeCore.subtreeControl.write({ enable: controllers as V2ControllerName[] });
    const leafName = `${controlGroup.replace(/^\//, "")}/${PAYLOAD_LEAF}`;
    const leaf = await Cgroup.open(leafName, { layout: options.layout, controllers: [], fs: guard });
    const leafLimits = mergeLimits(plan.leaf, started.leafExtra);
    if (Object.keys(leafLimits).length > 0) await applyResources(leaf, leafLimits);
    if (request.devices) await applyDevicePolicy(leaf, request.devices);
    return { unit: request.unit, controlGroup, dir: scopeDir, leaf, dropped: started.dropped, fs: guard, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * A cgroupkit group name as a slice: a single `NAME.slice` component is taken as is; otherwise each
 * component is escaped as systemd-escape does (anything but [A-Za-z0-9:_.] as \xNN, a leading `.` too)
 * and joined with `-`, systemd's parent separator (`batch/job1` → `batch-job1.slice`, inside `batch.slice`).
 * @internal
 */
export function sliceForGroup(group: string): string {
  const components = group.split("/").filter(Boolean);
  if (components.length === 1 && components[0]!.endsWith(".slice")) {
    checkUnitName(components[0]!, ".slice");
    return components[0]!;
  }
  const escape = (c: string) =>
    [...Buffer.from(c, "utf8")].map((b, i) => (/[A-Za-z0-9:_]/.test(String.fromCharCode(b)) || (b === 0x2e && i > 0) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
  const slice = `${components.map(escape).join("-")}.slice`;
  checkUnitName(slice, ".slice");
  return slice;
}

/** Run a job to its end: `done`, or a SystemdError naming the unit. @internal */
async function jobDone(manager: SystemdManager, unit: string, what: string, job: string, timeoutMs: number): Promise<void> {
  const result = await manager.waitForJob(job, Date.now() + timeoutMs).catch((e: unknown) => {
    if (e instanceof SystemdError && e.kind === "job-timeout") throw new SystemdError("job-timeout", `${what} ${unit}: job ${job} did not finish within ${timeoutMs} ms`, { unit });
    throw e;
  });
  if (result !== "done") throw new SystemdError("unit-failed", `${what} ${unit}: the job ended "${result}"`, { unit });
}

/**
 * Start a transient slice (a parent for scopes: slices cannot be delegated, so cgroupkit writes none of
 * its files) with the limits as properties; limits without a property are refused here, since there is
 * no leaf of ours to write them into. Returns its ControlGroup.
 * @internal
 */
export async function startSlice(manager: SystemdManager, slice: string, options: { readonly limits?: ResourceLimits; readonly properties?: readonly UnitProperty[]; readonly description?: string; readonly jobTimeoutMs?: number } = {}): Promise<{ unit: string; controlGroup: string; dropped: readonly DroppedProperty[] }> {
  checkUnitName(slice, ".slice");
  const plan = planSystemdResources(options.limits ?? {});
  if (Object.keys(plan.leaf).length > 0) throw new UnsupportedError(`slice ${slice}: ${Object.keys(plan.leaf).join(", ")} limits have no systemd property, and a slice has no leaf of ours to write them in`);
  const properties: UnitProperty[] = [
    ["Description", { signature: "s", value: options.description ?? `cgroupkit ${slice}` }],
    ["MemoryAccounting", { signature: "b", value: true }],
    ["CPUAccounting", { signature: "b", value: true }],
    ["TasksAccounting", { signature: "b", value: true }],
    ["IOAccounting", { signature: "b", value: true }],
    ...plan.properties,
    ...(options.properties ?? []),
  ];
  const { dropped, leafExtra } = await startUnitWithRetries(manager, slice, properties, options.limits ?? {}, new Set((options.properties ?? []).map(([n]) => n)), options.jobTimeoutMs ?? 30_000);
  if (Object.keys(leafExtra).length > 0) {
    await stopUnitAndWait(manager, slice).catch(() => undefined);
    throw new UnsupportedError(`slice ${slice}: this systemd does not know ${dropped.map((d) => d.property).join(", ")}, and a slice has no leaf to write the limit in`);
  }
  const controlGroup = String(await manager.unitProperty(slice, "org.freedesktop.systemd1.Slice", "ControlGroup"));
  return { unit: slice, controlGroup, dropped };
}

/** StopUnit and wait; a unit that is not loaded is already stopped. A failed state is reset. @internal */
export async function stopUnitAndWait(manager: SystemdManager, unit: string, jobTimeoutMs = 30_000): Promise<void> {
  try {
    await jobDone(manager, unit, "stopping", await manager.stopUnit(unit, "replace"), jobTimeoutMs);
  } catch (err) {
    if (!(err instanceof SystemdError && err.kind === "no-such-unit")) throw err;
  }
  await manager.resetFailedUnit(unit).catch(() => undefined);
}
