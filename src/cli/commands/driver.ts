// `--driver auto|systemd|cgroupfs` for run, exec, create and delete: which driver makes the group.
import { chooseDriver, inspectTarget, readHostInfo, type DriverChoice } from "../../cgroup/host.js";
import { InvalidValueError } from "../../runtime/errors.js";
import { checkUnitName } from "../../systemd/scope.js";
import { parsePropertyAssignment } from "../../systemd/assignments.js";
import type { UnitProperty } from "../../systemd/properties.js";
import { UsageError, optionValue, type OptionSpec, type ParsedArgs } from "../args.js";
import type { CliContext } from "../context.js";

/** The option every group-making verb takes. @internal */
export const DRIVER_OPTION: OptionSpec = {
  name: "driver",
  takes: "value",
  valueName: "DRIVER",
  help: "auto (default: systemd when it is PID 1 and the group is not in a subtree delegated to us), systemd, or cgroupfs",
};
/** `--slice` for the systemd driver. @internal */
export const SLICE_OPTION: OptionSpec = { name: "slice", takes: "value", valueName: "SLICE", help: "systemd driver: the parent slice of the scope (default system.slice; app.slice with --user)" };
/** `--user` for run: the calling user's systemd manager instead of the system's. @internal */
export const USER_OPTION: OptionSpec = { name: "user", takes: "flag", help: "rootless: a scope in your own systemd manager (user@UID.service) over the session bus; implies --driver systemd" };
/** `-p NAME=VALUE` for the systemd driver, as systemd-run takes it. @internal */
export const PROPERTY_OPTION: OptionSpec = {
  name: "property",
  short: "p",
  takes: "value",
  repeat: true,
  valueName: "NAME=VALUE",
  help: "systemd driver: set a unit property, as systemd-run -p does (MemoryMax=64M, TasksMax=20, CPUQuota=50%, …)",
};

/** The `--driver` value. @internal */
export function driverArg(args: ParsedArgs, verb: string): "auto" | DriverChoice {
  const text = optionValue(args, "driver") ?? process.env.CGROUPKIT_DRIVER ?? "auto";
  if (text !== "auto" && text !== "systemd" && text !== "cgroupfs") throw new UsageError(`--driver ${JSON.stringify(text)}: expected auto, systemd or cgroupfs`, verb);
  return text;
}

/** `-p` values, parsed; a bad one is a UsageError naming it. @internal */
export function propertyArgs(args: ParsedArgs, verb: string): UnitProperty[] {
  return (args.values.get("property") ?? []).map((text) => {
    try {
      return parsePropertyAssignment(text);
    } catch (err) {
      if (err instanceof InvalidValueError) throw new UsageError(`-p ${err.message}`, verb);
      throw err;
    }
  });
}

/** `--slice`, checked as a unit name. @internal */
export function sliceArg(args: ParsedArgs, verb: string): string | undefined {
  const text = optionValue(args, "slice");
  if (text === undefined) return undefined;
  const slice = text.endsWith(".slice") ? text : `${text}.slice`;
  try {
    checkUnitName(slice, ".slice");
  } catch (err) {
    if (err instanceof InvalidValueError) throw new UsageError(`--slice ${JSON.stringify(text)}: ${err.reason}`, verb);
    throw err;
  }
  return slice;
}

/**
 * Resolve `--driver` for a group: auto asks the host (systemd PID 1? is the group's subtree delegated to us?).
 * Options that only one driver understands are refused with the other.
 * @internal
 */
export async function resolveDriver(ctx: CliContext, group: string | undefined, verb: string): Promise<DriverChoice> {
  const requested = driverArg(ctx.args, verb);
  if (ctx.args.flags.has("user")) {
    if (requested === "cgroupfs") throw new UsageError("--user needs the systemd driver (a scope in your own systemd manager); for a subtree delegated by ownership, use --driver cgroupfs with --parent instead", verb);
    return "systemd";
  }
  let choice: DriverChoice = requested === "auto" ? "cgroupfs" : requested;
  if (requested === "auto") {
    const host = await readHostInfo({ fs: ctx.fs, layout: await ctx.layout() });
    const target = host.systemd && group !== undefined ? await inspectTarget(group, host, { fs: ctx.fs }) : undefined;
    choice = chooseDriver("auto", host, target);
  }
  if (choice === "cgroupfs") {
    for (const o of ["slice", "property"]) if (ctx.args.values.has(o)) throw new UsageError(`--${o} needs the systemd driver (this run uses cgroupfs${requested === "auto" ? ": systemd is not PID 1 here, or the group is delegated to us" : ""})`, verb);
  }
  return choice;
}
