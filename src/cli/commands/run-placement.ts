// Where `run` puts its command. One interface, one implementation per driver: cgroupfs (direct
// writes, this file) and systemd (a transient scope over D-Bus). `run` itself only launches,
// relays signals, reports and disposes; it never knows which driver made the group.
import { Cgroup } from "../../cgroup/cgroup.js";
import { hierarchyFor, type CgroupLayout } from "../../cgroup/mounts.js";
import { applyDevicePolicy } from "../../devices/apply.js";
import { assertDevicePrivilege, DevicePolicyPrivilegeError } from "../../devices/privilege.js";
import { applyResources } from "../../resources/limits.js";
import type { DevicePolicy } from "../../devices/policy.js";
import type { CliContext } from "../context.js";
import { CliError } from "../context.js";
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
}

/** Makes placements for `run`. @internal */
export interface RunDriver {
  readonly name: "cgroupfs" | "systemd";
  prepare(ctx: CliContext, request: RunRequest): Promise<RunPlacement>;
}

/** The controllers a transient group is placed under, where the host has them. */
const RUN_CONTROLLERS = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer"];

/** The controllers of {@link RUN_CONTROLLERS} this host has. */
function runControllers(layout: CgroupLayout): string[] {
  return RUN_CONTROLLERS.filter((c) => hierarchyFor(layout, c)?.mountPoint !== undefined);
}

/** What `run` does about its device policy on this host, for this caller. @internal */
export interface DeviceDecision {
  /** The policy to enforce; undefined for `--devices none`, or when it cannot be enforced and that was accepted. */
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
    throw new CliError(`device policy (${request.devices.source}): ${err.message} (--devices none runs the command without a device policy; --allow-no-device-policy runs it without one where it cannot be enforced, and says so)`);
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

/** cgroupfs: the group is made and configured by direct writes before the command starts. @internal */
export const cgroupfsRunDriver: RunDriver = {
  name: "cgroupfs",
  async prepare(ctx, request) {
    const layout = await ctx.layout();
    const devices = await decideDevicePolicy(ctx, layout, request);
    for (const h of layout.hierarchies) {
      if (h.mountPoint !== undefined && (await ctx.fs.stat(`${h.mountPoint}/${request.group}`))) {
        throw new CliError(`group ${request.group} already exists (${h.mountPoint}/${request.group}); choose another --name, or use cgroupkit exec to run in it`);
      }
    }
    let cg: Cgroup | undefined;
    const placement: RunPlacement = {
      label: request.group,
      join: async (pid) => {
        await (cg as Cgroup).attach(pid);
        return cg as Cgroup;
      },
      usageGroup: () => cg,
      ...(devices.notEnforced ? { devicesNotEnforced: devices.notEnforced } : {}),
      dispose: () => removeRunGroup(ctx, cg, request.group),
    };
    try {
      // From here on the group is ours: even a create that fails halfway is cleaned up.
      cg = await Cgroup.create(request.group, { layout, controllers: runControllers(layout), fs: ctx.fs });
      await applyResources(cg, request.limits);
      if (devices.policy) await applyDevicePolicy(cg, devices.policy);
      return placement;
    } catch (err) {
      await placement.dispose();
      throw err;
    }
  },
};
