// `run` on systemd: the waiting prelude becomes the only process of a transient
// `cgroupkit-run-<random>.scope` (Delegate=yes, limits as unit properties), then moves into the scope's
// payload leaf, where the rest of the limits and the device program are applied before the command starts.
import type { Cgroup } from "../../cgroup/cgroup.js";
import { connectSystemd, type SystemdManager } from "../../systemd/manager.js";
import { checkUnitName, randomScopeName, startDelegatedScope, type DelegatedScope } from "../../systemd/scope.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, type CliContext } from "../context.js";
import { propertyArgs, sliceArg } from "./driver.js";
import type { RunPlacement, RunDriver } from "./run-placement.js";
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
    const manager: SystemdManager = await connectSystemd();
    let scope: DelegatedScope | undefined;
    return {
      label: unit,
      join: async (pid: number): Promise<Cgroup> => {
        scope = await startDelegatedScope(manager, { unit, ...(slice ? { slice } : {}), pids: [pid], limits: request.limits, properties, ...(request.devices ? { devices: request.devices.policy } : {}), keep: true }, { layout, fs: ctx.fs });
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
