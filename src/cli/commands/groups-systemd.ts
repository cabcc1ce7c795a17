// create, delete and exec on systemd. A group is a transient slice (sliceForGroup: `batch/job1` →
// `batch-job1.slice`); slices cannot be delegated, so cgroupkit writes none of their files. `exec` puts
// the command in a new delegated scope inside the slice, made around the waiting prelude's pid.
import { readCgroupLayout } from "../../cgroup/mounts.js";
import { SystemdError, connectSystemd, type SystemdManager } from "../../systemd/manager.js";
import { randomScopeName, scopeDirOf, sliceForGroup, startDelegatedScope, startSlice, stopUnitAndWait, type DelegatedScope } from "../../systemd/scope.js";
import { InvalidValueError } from "../../runtime/errors.js";
import { UsageError } from "../args.js";
import { CliError, type CliContext } from "../context.js";
import { propertyArgs } from "./driver.js";
import { launchJoined, type LaunchResult, type SignalRelay } from "./launch.js";

const SLICE_IFACE = "org.freedesktop.systemd1.Slice";

function sliceArgFor(group: string, verb: string): string {
  try {
    return sliceForGroup(group);
  } catch (err) {
    if (err instanceof InvalidValueError) throw new UsageError(`${group}: cannot be a systemd slice name: ${err.reason}`, verb);
    throw err;
  }
}

async function withManager<T>(fn: (m: SystemdManager) => Promise<T>): Promise<T> {
  const manager = await connectSystemd();
  try {
    return await fn(manager);
  } finally {
    manager.close();
  }
}

/** The slice's cgroup directory, or a CliError when systemd has no such slice loaded. */
async function sliceDir(ctx: CliContext, manager: SystemdManager, group: string, slice: string): Promise<string> {
  try {
    const controlGroup = String(await manager.unitProperty(slice, SLICE_IFACE, "ControlGroup"));
    if (controlGroup === "") throw new CliError(`${group} (${slice}) is not active; create it first: cgroupkit create --driver systemd ${group}`);
    return scopeDirOf(await ctx.layout(), controlGroup);
  } catch (err) {
    if (err instanceof SystemdError && err.kind === "no-such-unit") throw new CliError(`no group ${group}: systemd has no unit ${slice}; create it first: cgroupkit create --driver systemd ${group}`);
    throw err;
  }
}

/** `create --driver systemd GROUP…`: start each slice. @internal */
export async function createSlices(ctx: CliContext, names: readonly string[]): Promise<number> {
  const properties = propertyArgs(ctx.args, "create");
  const slices = names.map((n) => sliceArgFor(n, "create"));
  const results: Array<{ group: string; unit: string; dir: string }> = [];
  await withManager(async (manager) => {
    const layout = await ctx.layout();
    for (const [i, name] of names.entries()) {
      const started = await startSlice(manager, slices[i]!, { properties });
      for (const d of started.dropped) ctx.io.stderr(`cgroupkit create: this systemd does not know ${d.property}; left out\n`);
      const dir = scopeDirOf(layout, started.controlGroup);
      results.push({ group: name, unit: started.unit, dir });
      if (!ctx.json) ctx.print(`created ${name}: ${started.unit} ${dir}`);
    }
  });
  if (ctx.json) ctx.printJson(results);
  return 0;
}

/** `delete --driver systemd GROUP…`: StopUnit each slice, refusing a busy one without --kill. @internal */
export async function deleteSlices(ctx: CliContext, names: readonly string[]): Promise<number> {
  const slices = names.map((n) => sliceArgFor(n, "delete"));
  const removed: string[] = [];
  await withManager(async (manager) => {
    for (const [i, name] of names.entries()) {
      const slice = slices[i]!;
      const dir = await sliceDir(ctx, manager, name, slice);
      const children = (await ctx.fs.readdir(dir)).filter((e) => e.isDirectory).map((e) => e.name);
      if (children.length > 0 && !ctx.args.flags.has("recursive")) throw new CliError(`${name} (${slice}) has units inside (${children.slice(0, 5).join(", ")}); use -r to stop them too`);
      const populated = /^populated 1$/m.test(await ctx.fs.readFile(`${dir}/cgroup.events`));
      if (populated && !ctx.args.flags.has("kill")) throw new CliError(`${name} (${slice}) has live processes; use --kill to stop them with it`);
      await stopUnitAndWait(manager, slice);
      removed.push(name);
      if (!ctx.json) ctx.print(`removed ${name}: stopped ${slice}`);
    }
  });
  if (ctx.json) ctx.printJson({ removed });
  return 0;
}

/** `exec --driver systemd GROUP -- CMD`: a delegated scope in the group's slice around the command. @internal */
export async function execInSlice(ctx: CliContext, name: string, command: readonly string[], relay: SignalRelay): Promise<LaunchResult> {
  const slice = sliceArgFor(name, "exec");
  const layout = await readCgroupLayout({ fs: ctx.fs });
  return withManager(async (manager) => {
    await sliceDir(ctx, manager, name, slice);
    const unit = randomScopeName("cgroupkit-exec");
    let scope: DelegatedScope | undefined;
    try {
      return await launchJoined(
        unit,
        async (pid) => {
          scope = await startDelegatedScope(manager, { unit, slice, pids: [pid] }, { layout, fs: ctx.fs });
        },
        command,
        relay,
      );
    } finally {
      await scope?.stop().catch((err: unknown) => ctx.io.stderr(`cgroupkit exec: could not stop ${unit}: ${err instanceof Error ? err.message : String(err)}\n`));
    }
  });
}
