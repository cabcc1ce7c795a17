// Where `run` puts its command. One interface, one implementation per driver: cgroupfs (direct
// writes, this file) and systemd (a transient scope over D-Bus). `run` itself only launches,
// relays signals, reports and disposes; it never knows which driver made the group.
import { Cgroup, CgroupExistsError } from "../../cgroup/cgroup.js";
import type { ControllerName } from "../../cgroup/controllers.js";
import { hierarchyFor, type CgroupLayout } from "../../cgroup/mounts.js";
import { parseGroupName } from "../../cgroup/names.js";
import { applyDevicePolicy } from "../../devices/apply.js";
import { applyV1DevicePolicy } from "../../devices/v1.js";
import { assertDevicePrivilege, DevicePolicyPrivilegeError } from "../../devices/privilege.js";
import { applyResources } from "../../resources/limits.js";
import type { DevicePolicy } from "../../devices/policy.js";
import type { CliContext } from "../context.js";
import { CliError } from "../context.js";
import { CgroupIoError } from "../../runtime/errors.js";
import { claimName, ownMarker, reclaimClaimedGroup, reclaimStaleRunGroup } from "./run-owner.js";
import type { RunRequest } from "./run.js";

/**
 * A place for one `run`: made by {@link RunDriver.prepare} before the command starts, disposed after.
 * @internal
 */
export interface RunPlacement {
  /** What the summary and errors call it: the group name, or the unit. */
  readonly label: string;
  /**
   * Place the waiting prelude (`pid`) where the command runs, with every limit and the device
   * policy already in force; returns the group it now runs in. A throw means the command never starts.
   */
  join(pid: number): Promise<Cgroup>;
  /** The group the summary's usage is read from (undefined before a successful join where the group is made by join). */
  usageGroup(): Cgroup | undefined;
  /** Set when the requested device policy is not enforced (accepted by `--allow-no-device-policy`): why. */
  readonly devicesNotEnforced?: string;
  /** Remove everything this placement made, killing what still runs there. Reports on stderr, never throws. */
  dispose(): Promise<void>;
  /** Called instead of {@link RunPlacement.dispose} when the run keeps its group (`--keep`); optional. Reports on stderr, never throws. */
  keep?(): Promise<void>;
}

/** Makes placements for `run`. @internal */
export interface RunDriver {
  readonly name: "cgroupfs" | "systemd";
  prepare(ctx: CliContext, request: RunRequest): Promise<RunPlacement>;
}

/** The controllers a transient group is placed under, where the host has them. */
const RUN_CONTROLLERS: readonly ControllerName[] = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer"];

/** The controllers of {@link RUN_CONTROLLERS} this host has. */
function runControllers(layout: CgroupLayout): ControllerName[] {
  return RUN_CONTROLLERS.filter((c) => hierarchyFor(layout, c)?.mountPoint !== undefined);
}

/** What `run` does about its device policy on this host, for this caller. @internal */
export interface DeviceDecision {
  /** The policy to enforce; undefined when it cannot be enforced and that was accepted (--allow-no-device-policy). */
  readonly policy: DevicePolicy | undefined;
  /** Why the requested policy is not enforced (`--allow-no-device-policy`); the summary says so. */
  readonly notEnforced?: string;
}

/**
 * A device policy this caller cannot enforce stops `run` before anything is made (never silently dropped),
 * unless `--allow-no-device-policy` accepts running without it; then the reason goes into the summary.
 * @internal
 */
export async function decideDevicePolicy(ctx: CliContext, layout: CgroupLayout, request: RunRequest): Promise<DeviceDecision> {
  if (!request.devices) return { policy: undefined };
  const devices = hierarchyFor(layout, "devices");
  try {
    await assertDevicePrivilege(ctx.fs, devices?.version === "v1" && devices.mountPoint !== undefined ? "v1" : "ebpf");
  } catch (err) {
    if (!(err instanceof DevicePolicyPrivilegeError)) throw err;
    if (request.allowNoDevicePolicy) return { policy: undefined, notEnforced: `device policy ${request.devices.source} NOT enforced: ${err.message.replace(/; refused rather than run without it$/, "")}` };
    throw new CliError(`device policy (${request.devices.source}): ${err.message} (--allow-no-device-policy runs it without one where it cannot be enforced, and says so)`);
  }
  return { policy: request.devices.policy };
}

/** Remove whatever of a group exists, killing what runs in it; reports but does not throw. */
export async function removeRunGroup(ctx: CliContext, cg: Cgroup | undefined, name: string): Promise<void> {
  try {
    const handle = cg ?? (await ctx.openGroup(name).catch(() => undefined));
    await handle?.remove({ kill: true });
  } catch (err) {
    ctx.io.stderr(`cgroupkit run: could not remove ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** rmdir each parent a run made (bottom-up); one someone else now uses (EBUSY, ENOTEMPTY) or removed (ENOENT) is left alone. */
async function removeCreatedParents(ctx: CliContext, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await ctx.fs.rmdir(dir);
    } catch (err) {
      if (err instanceof CgroupIoError && ["EBUSY", "ENOTEMPTY", "ENOENT"].includes(err.errno)) continue;
      ctx.io.stderr(`cgroupkit run: could not remove ${dir}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/**
 * Of the parents a run made, those that belong to its --name (`a` of `--name a/b`): removed with
 * the group. The --parent's own levels are made when missing and kept, as its help says.
 */
function nameParents(group: Cgroup, created: readonly string[], request: RunRequest): string[] {
  const nameDepth = parseGroupName(request.group).length - (request.parent !== undefined ? parseGroupName(request.parent).length : 0);
  return created.filter((dir) =>
    group.placements.some((p) => p.dir.startsWith(`${dir}/`) && p.dir.slice(dir.length + 1).split("/").length < nameDepth),
  );
}

/** The claim beside the group (see run-owner.ts), made exclusively with any missing parents; its name is the group's with the claim's basename. */
function claimFor(group: string, marker: string): string {
  const slash = group.lastIndexOf("/");
  return slash < 0 ? claimName(marker, group) : `${group.slice(0, slash + 1)}${claimName(marker, group.slice(slash + 1))}`;
}

/** rmdir a claim in each hierarchy; reports but does not throw (a left claim names a dead owner: gc removes it). */
async function removeClaim(ctx: CliContext, claim: Cgroup): Promise<void> {
  for (const p of claim.placements) {
    try {
      await ctx.fs.rmdir(p.dir);
    } catch (err) {
      if (!(err instanceof CgroupIoError && err.errno === "ENOENT")) ctx.io.stderr(`cgroupkit run: could not remove ${p.dir}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/** The outer group, exclusively; a stale run group of the same name (its owner gone, by marker or by claim) is reclaimed once. */
async function createOuter(ctx: CliContext, request: RunRequest, layout: CgroupLayout): Promise<{ group: Cgroup; createdParents: readonly string[] }> {
  const create = () => Cgroup.createExclusive(request.group, { layout, controllers: runControllers(layout), fs: ctx.fs });
  try {
    return await create();
  } catch (err) {
    if (!(err instanceof CgroupExistsError)) throw err;
    if ((await reclaimStaleRunGroup(ctx, request.group)) || (await reclaimClaimedGroup(ctx, request.group))) {
      ctx.io.stderr(`cgroupkit run: removed the stale group ${request.group} (its run is gone)\n`);
      return create().catch((again: unknown) => Promise.reject(again instanceof CgroupExistsError ? alreadyExists(request.group, again) : again));
    }
    throw alreadyExists(request.group, err);
  }
}

function alreadyExists(name: string, err: CgroupExistsError): CliError {
  return new CliError(`group ${name} already exists (${err.path}); choose another --name, or use cgroupkit exec to run in it`);
}

/**
 * cgroupfs: an outer group made exclusively (never one that exists: a concurrent run of the same
 * name loses without touching it) carries the limits and the device policy; the command runs in an
 * inner leaf named by {@link ownMarker}. On v1 a self-written devices.allow in the leaf is checked
 * against the outer list; on cgroup2 the outer eBPF program also applies to the leaf. Parents the
 * run made for the name are removed with the group.
 * @internal
 */
export const cgroupfsRunDriver: RunDriver = {
  name: "cgroupfs",
  async prepare(ctx, request) {
    const layout = await ctx.layout();
    const devices = await decideDevicePolicy(ctx, layout, request);
    const marker = await ownMarker(ctx.fs);
    let outer: Cgroup | undefined;
    let leaf: Cgroup | undefined;
    let createdParents: readonly string[] = [];
    const placement: RunPlacement = {
      label: request.group,
      join: async (pid) => {
        await (leaf as Cgroup).attach(pid);
        return leaf as Cgroup;
      },
      usageGroup: () => outer,
      // A kept group is the user's now: its leaf (the owner marker) goes when empty, so gc never takes it for a stale run.
      keep: async () => {
        try {
          await leaf?.remove();
        } catch (err) {
          ctx.io.stderr(`cgroupkit run: ${leaf?.name} still has processes, so it stays marked as this run's (cgroupkit gc removes it): ${err instanceof Error ? err.message : String(err)}\n`);
        }
      },
      dispose: async () => {
        if (outer === undefined) return;
        await removeRunGroup(ctx, outer, request.group);
        await removeCreatedParents(ctx, createdParents);
      },
      ...(devices.notEnforced ? { devicesNotEnforced: devices.notEnforced } : {}),
    };
    // The claim first: from the outer mkdir to the marker leaf's, only it says whose the group is.
    const claimed = await Cgroup.createExclusive(claimFor(request.group, marker), { layout, controllers: runControllers(layout), fs: ctx.fs });
    let made: Awaited<ReturnType<typeof createOuter>>;
    try {
      made = await createOuter(ctx, request, layout);
    } catch (err) {
      await removeClaim(ctx, claimed.group);
      await removeCreatedParents(ctx, nameParents(claimed.group, claimed.createdParents, request));
      throw err;
    }
    outer = made.group;
    // The parents were made by the claim (the outer's are there by then).
    createdParents = nameParents(claimed.group, claimed.createdParents, request);
    try {
      // From here on the group is ours: even a setup that fails halfway is cleaned up. The marker
      // leaf comes first, so a SIGKILL during the rest leaves a group that ls and gc know as stale;
      // only in the v1 devices hierarchy does it come after the policy (v1 refuses a change of the
      // default behaviour in a group with children, and a new child copies its parent's list).
      // The leaf enables nothing in the outer group's cgroup2 subtree_control: the limits apply to the subtree.
      const leafControllers = runControllers(layout).filter((c) => hierarchyFor(layout, c)?.version === "v1");
      const leafName = `${request.group}/${marker}`;
      try {
        await Cgroup.createExclusive(leafName, { layout, controllers: leafControllers.filter((c) => c !== "devices"), fs: ctx.fs });
      } finally {
        await removeClaim(ctx, claimed.group); // the marker leaf says whose the group is now (or dispose removes it)
      }
      await applyResources(outer, request.limits);
      if (devices.policy) await applyDevicePolicy(outer, devices.policy);
      leaf = await Cgroup.create(leafName, { layout, controllers: leafControllers, fs: ctx.fs });
      const leafDevices = leaf.placement("devices");
      // v1: set and verify the leaf's own list too; each of its rules is checked against the outer list.
      if (devices.policy && leafDevices?.hierarchy.version === "v1") await applyV1DevicePolicy(leafDevices.dir, devices.policy, ctx.fs);
      return placement;
    } catch (err) {
      await placement.dispose();
      throw err;
    }
  },
};

