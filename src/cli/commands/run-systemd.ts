// `run` on systemd: the waiting prelude becomes the only process of a transient
// `cgroupkit-run-<random>.scope` (Delegate=yes, limits as unit properties), then moves into the scope's
// payload leaf, where the rest of the limits and the device program are applied before the command starts.
import type { Cgroup } from "../../cgroup/cgroup.js";
import { connectSystemd, type SystemdManager } from "../../systemd/manager.js";
import { checkUnitName, randomScopeName, startDelegatedScope, type DelegatedScope, type TransientScopeRequest } from "../../systemd/scope.js";
import { checkUserDelegation, controllersNeeded, readUserDelegation, startUserScope } from "../../systemd/user.js";
import { assertDevicePrivilege, DevicePolicyPrivilegeError } from "../../devices/privilege.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, type CliContext } from "../context.js";
import { propertyArgs, sliceArg } from "./driver.js";
import { decideDevicePolicy, type RunPlacement, type RunDriver } from "./run-placement.js";
import type { RunRequest } from "./run.js";

/** systemd: the scope is made around the prelude's pid in `join`, since a scope needs a process. @internal */
export const systemdRunDriver: RunDriver = {
  name: "systemd",
  async prepare(ctx: CliContext, request: RunRequest): Promise<RunPlacement> {
    const properties = propertyArgs(ctx.args, "run");
    const slice = sliceArg(ctx.args, "run");
    if (ctx.args.values.has("parent") || (process.env.CGROUPKIT_PARENT ?? "") !== "") throw new UsageError("--parent ($CGROUPKIT_PARENT) is for the cgroupfs driver; with systemd, use --slice", "run");
    if (request.keep) throw new UsageError("--keep needs the cgroupfs driver: systemd removes a scope once its last process exits", "run");
    const name = optionValue(ctx.args, "name");
    const unit = name === undefined ? randomScopeName() : name.endsWith(".scope") ? name : `${name}.scope`;
    try {
      checkUnitName(unit, ".scope");
    } catch (err) {
      throw new UsageError(`--name ${JSON.stringify(name)}: ${(err as Error).message}`, "run");
    }
    const layout = await ctx.layout();
    if (layout.kind !== "v2") throw new CliError(`the systemd driver needs a pure cgroup v2 host (this one is ${layout.kind}); use --driver cgroupfs`);
    const devices = await decideDevicePolicy(ctx, layout, request);
    if (request.user && properties.some(([n]) => n === "DeviceAllow" || n === "DevicePolicy")) {
      // systemd enforces these with a BPF program, which a user's manager cannot load: it would skip them with a log line.
      await assertDevicePrivilege(ctx.fs, "ebpf").catch((err: unknown) => Promise.reject(err instanceof DevicePolicyPrivilegeError ? new CliError(`-p DeviceAllow/DevicePolicy with --user: ${err.message}`) : err));
    }
    const manager: SystemdManager = await connectSystemd(request.user ? { scope: "user" } : {});
    const scopeRequest = (pid: number): TransientScopeRequest => ({ unit, ...(slice ? { slice } : {}), pids: [pid], limits: request.limits, properties, ...(devices.policy ? { devices: devices.policy } : {}), keep: true });
    try {
      // Before the command starts: a limit the user's manager was not delegated is refused with the drop-in.
      if (request.user) {
        const delegation = await readUserDelegation(manager, { layout, fs: ctx.fs });
        checkUserDelegation(controllersNeeded(request.limits, properties), delegation.controllers, `${delegation.dir}/cgroup.controllers`);
      }
    } catch (err) {
      manager.close();
      throw err;
    }
    let scope: DelegatedScope | undefined;
    return {
      label: unit,
      ...(devices.notEnforced ? { devicesNotEnforced: devices.notEnforced } : {}),
      join: async (pid: number): Promise<Cgroup> => {
        scope = request.user ? await startUserScope(manager, scopeRequest(pid), { layout, fs: ctx.fs }) : await startDelegatedScope(manager, scopeRequest(pid), { layout, fs: ctx.fs });
        for (const d of scope.dropped) {
          ctx.io.stderr(`cgroupkit run: this systemd does not know ${d.property}; ${d.outcome === "leaf" ? "its limit was written into the scope's leaf group instead" : "left out"}\n`);
        }
        return scope.leaf;
      },
      usageGroup: () => scope?.leaf,
      dispose: async () => {
        try {
          await scope?.stop();
        } catch (err) {
          ctx.io.stderr(`cgroupkit run: could not stop ${unit}: ${err instanceof Error ? err.message : String(err)}\n`);
        } finally {
          manager.close();
        }
      },
    };
  },
};
