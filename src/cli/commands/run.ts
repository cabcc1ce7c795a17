// `run` (a transient group around one command, like systemd-run --scope) and `exec` (like cgexec).
import { randomBytes } from "node:crypto";
import { ociMemorySwapToSwapMax } from "../../resources/conversions.js";
import type { ResourceLimits } from "../../resources/limits.js";
import { readUsage, type UsageSnapshot } from "../../resources/usage.js";
import { CgroupError } from "../../runtime/errors.js";
import { UsageError, optionValue, type ParsedArgs } from "../args.js";
import { groupArg, type CliContext } from "../context.js";
import { humanBytes, humanMicros, toJson } from "../output.js";
import { parseSize } from "../values.js";
import type { Verb } from "../verb.js";
import { policyArg, type NamedPolicy } from "./devices.js";
import { SignalRelay, launchInGroup, launchJoined, signalStatus, type LaunchResult } from "./launch.js";
import { DRIVER_OPTION, PROPERTY_OPTION, SLICE_OPTION, USER_OPTION, resolveDriver } from "./driver.js";
import { cgroupfsRunDriver, type RunPlacement } from "./run-placement.js";
import { systemdRunDriver } from "./run-systemd.js";
import { execInSlice } from "./groups-systemd.js";

/** What `run` was asked for, checked before anything on the host changes. @internal */
export interface RunRequest {
  readonly group: string;
  readonly limits: ResourceLimits;
  /** Undefined for `--devices none`. */
  readonly devices: NamedPolicy | undefined;
  readonly keep: boolean;
  /** `--allow-no-device-policy`: where the policy cannot be enforced (no privilege), run without it and say so. */
  readonly allowNoDevicePolicy: boolean;
  /** `--user`: a scope in the calling user's systemd manager (rootless). */
  readonly user: boolean;
}

function sizeOrMax(option: string, text: string): bigint | "max" {
  if (text === "max" || text === "-1") return "max";
  const size = parseSize(text);
  if (size === undefined || size < 0n) throw new UsageError(`--${option} ${JSON.stringify(text)}: expected a size such as 64M, 512K, 2G (base 1024), or max`, "run");
  return size;
}

function integerOption(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`--${option} ${JSON.stringify(text)}: expected an integer ${min}..${max}`, "run");
  return value;
}

const CPU_PERIOD_US = 100_000n;

/**
 * `run`'s options as a group name and {@link ResourceLimits}. Pure: refuses bad input with
 * UsageError before anything touches the host.
 * @internal
 */
export function runRequest(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): RunRequest {
  const value = (name: string) => optionValue(args, name);
  const parent = parentGroup(args, env);
  const leaf = value("name") ?? `cgroupkit-run-${randomBytes(4).toString("hex")}`;
  const group = groupArg(parent === undefined ? leaf : `${parent}/${leaf}`);

  const memoryMax = value("memory") === undefined ? undefined : sizeOrMax("memory", value("memory") as string);
  let swap: bigint | "max" | undefined;
  const swapText = value("memory-swap");
  if (swapText !== undefined) {
    const total = sizeOrMax("memory-swap", swapText);
    if (total === "max") swap = "max";
    else {
      if (memoryMax === undefined || memoryMax === "max") throw new UsageError("--memory-swap (memory plus swap) needs a --memory limit", "run");
      if (total < memoryMax) throw new UsageError(`--memory-swap ${swapText} is below --memory: it counts memory plus swap`, "run");
      swap = ociMemorySwapToSwapMax(total, memoryMax);
    }
  }

  const weightText = value("cpu-weight");
  const sharesText = value("cpu-shares");
  if (weightText !== undefined && sharesText !== undefined) throw new UsageError("give --cpu-weight or --cpu-shares, not both", "run");
  const quotaText = value("cpu-quota");
  let quota: bigint | "max" | undefined;
  if (quotaText !== undefined) {
    if (quotaText === "max") quota = "max";
    else {
      const match = /^(\d+(?:\.\d{1,3})?)%$/.exec(quotaText);
      const percent = match ? Number(match[1]) : NaN;
      if (!(percent >= 1)) throw new UsageError(`--cpu-quota ${JSON.stringify(quotaText)}: expected a percentage of one CPU, at least 1% (50%, 150%), or max`, "run");
      quota = BigInt(Math.round((percent * Number(CPU_PERIOD_US)) / 100));
    }
  }
  const pidsText = value("pids");
  const cpu = {
    ...(weightText !== undefined ? { weight: integerOption("cpu-weight", weightText, 1, 10000) } : {}),
    ...(sharesText !== undefined ? { shares: BigInt(integerOption("cpu-shares", sharesText, 2, 262144)) } : {}),
    ...(quota !== undefined ? { quota, period: CPU_PERIOD_US } : {}),
  };
  const limits: ResourceLimits = {
    ...(memoryMax !== undefined || swap !== undefined ? { memory: { ...(memoryMax !== undefined ? { max: memoryMax } : {}), ...(swap !== undefined ? { swap } : {}) } } : {}),
    ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
    ...(pidsText !== undefined ? { pids: { max: pidsText === "max" ? "max" : BigInt(integerOption("pids", pidsText, 1, 4194304)) } } : {}),
  };
  const devicesText = value("devices") ?? "libvirt-lxc";
  return { group, limits, devices: devicesText === "none" ? undefined : policyArg(devicesText), keep: args.flags.has("keep"), allowNoDevicePolicy: args.flags.has("allow-no-device-policy"), user: args.flags.has("user") };
}

/** `--parent`, else `$CGROUPKIT_PARENT`, else none (directly under each hierarchy root). @internal */
export function parentGroup(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = optionValue(args, "parent") ?? (env.CGROUPKIT_PARENT === "" ? undefined : env.CGROUPKIT_PARENT);
  return text === undefined ? undefined : groupArg(text);
}

/** The run's summary, as printed. @internal */
export interface RunSummary {
  readonly group: string;
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  readonly wallMs: number;
  readonly oomKilled: boolean;
  readonly kept: boolean;
  readonly memory?: { readonly peak?: bigint; readonly max: bigint | "max"; readonly oomKills: bigint };
  readonly cpu?: { readonly usageUsec: bigint; readonly userUsec?: bigint; readonly systemUsec?: bigint };
  readonly pids?: { readonly peak?: bigint; readonly max: bigint | "max" };
  /** Why the requested device policy was not enforced (`--allow-no-device-policy`). */
  readonly devicesNotEnforced?: string;
}

function summarize(group: string, result: LaunchResult, usage: UsageSnapshot | undefined, kept: boolean, devicesNotEnforced: string | undefined): RunSummary {
  const oomKills = usage?.memory?.oomKills ?? 0n;
  return {
    group,
    status: result.status,
    signal: result.signal,
    wallMs: result.wallMs,
    oomKilled: oomKills > 0n && result.signal === "SIGKILL",
    kept,
    ...(usage?.memory ? { memory: { peak: usage.memory.peak, max: usage.memory.max, oomKills } } : {}),
    ...(usage?.cpu ? { cpu: { usageUsec: usage.cpu.usageUsec, userUsec: usage.cpu.userUsec, systemUsec: usage.cpu.systemUsec } } : {}),
    ...(usage?.pids ? { pids: { peak: usage.pids.peak, max: usage.pids.max } } : {}),
    ...(devicesNotEnforced !== undefined ? { devicesNotEnforced } : {}),
  };
}

/** One line: how it ended, then the figures. @internal */
export function summaryLine(s: RunSummary): string {
  const ended = s.signal !== null ? `killed by ${s.signal}${s.oomKilled ? " (the OOM killer)" : ""}` : `exited ${s.status}`;
  const parts = [`wall ${(s.wallMs / 1000).toFixed(3)} s`];
  if (s.cpu) parts.push(`cpu ${humanMicros(s.cpu.usageUsec)}`);
  if (s.memory) {
    parts.push(`peak memory ${s.memory.peak !== undefined ? humanBytes(s.memory.peak) : "n/a"}${s.memory.max !== "max" ? ` of ${humanBytes(s.memory.max)}` : ""}`);
    parts.push(`OOM kills ${s.memory.oomKills}`);
  }
  if (s.pids) parts.push(`pids peak ${s.pids.peak ?? "n/a"}`);
  return `cgroupkit run: ${s.group} ${ended}: ${parts.join(", ")}${s.kept ? ` (group kept)` : ""}${s.devicesNotEnforced ? `; ${s.devicesNotEnforced}` : ""}`;
}

const RUN_OPTIONS = [
  { name: "name", takes: "value", valueName: "NAME", help: "group name (default cgroupkit-run-<random>)" },
  { name: "parent", takes: "value", valueName: "GROUP", help: "create the group under GROUP (made when missing, kept afterwards); default $CGROUPKIT_PARENT" },
  { name: "memory", takes: "value", valueName: "SIZE", help: "memory limit: 64M, 1G (base 1024) or max" },
  { name: "memory-swap", takes: "value", valueName: "SIZE", help: "memory plus swap limit, as docker and OCI count it (equal to --memory: no swap), or max" },
  { name: "cpu-weight", takes: "value", valueName: "W", help: "CPU weight 1..10000 (v1: converted to cpu.shares)" },
  { name: "cpu-shares", takes: "value", valueName: "S", help: "CPU shares 2..262144 (v2: converted to cpu.weight)" },
  { name: "cpu-quota", takes: "value", valueName: "PCT", help: "CPU time per 100 ms period as a percentage of one CPU: 50%, 200%" },
  { name: "pids", takes: "value", valueName: "N", help: "at most N tasks (processes and threads), or max" },
  { name: "devices", takes: "value", valueName: "POLICY", help: "device policy: libvirt-lxc (default), container, none, or a JSON policy file" },
  { name: "keep", takes: "flag", help: "keep the group afterwards (default: remove it)" },
  { name: "allow-no-device-policy", takes: "flag", help: "where this caller cannot enforce the device policy (not root), run without it; the summary says it is NOT enforced" },
  USER_OPTION,
  DRIVER_OPTION,
  SLICE_OPTION,
  PROPERTY_OPTION,
] as const;

/** @internal */
export const runVerb: Verb = {
  name: "run",
  summary: "run a command in a new transient group with limits and a device policy",
  usage: ["run [OPTIONS] -- COMMAND [ARGS…]"],
  description:
    "Creates a group (memory, cpu, cpuacct, pids, devices, freezer hierarchies and cgroup2, where present),\n" +
    "applies the limits and the device policy, then starts COMMAND already inside the group: it never runs\n" +
    "outside it. stdin/stdout/stderr are the command's; SIGINT, SIGTERM and SIGHUP are passed on (a second\n" +
    "one kills the whole group). Afterwards a summary goes to stderr (peak memory, CPU time, OOM kills,\n" +
    "pids peak; with --json as one JSON line) and the group is removed with anything left in it.\n" +
    "Exit status: the command's; 128+N when a signal N ended it; 127 when it cannot be found.\n" +
    "On a systemd host (--driver auto or systemd) the group is a transient cgroupkit-run-<random>.scope\n" +
    "under --slice with Delegate=yes: limits become its unit properties (-p passes more, as systemd-run),\n" +
    "and the command, the limits without a property and the device program live in its payload leaf.\n" +
    "Without root, --user makes the scope in your own systemd manager (user@UID.service, over the session bus\n" +
    "$DBUS_SESSION_BUS_ADDRESS, else /run/user/UID/bus) under app.slice: a limit whose controller systemd does not\n" +
    "delegate to it is refused with the drop-in to add, and a device policy (which needs privilege) is refused\n" +
    "unless --devices none or --allow-no-device-policy.",
  syntax: { options: RUN_OPTIONS, commandAfter: 0, positionals: { min: 0, max: 0 } },
  examples: [
    ["cgroupkit run --memory 64M --devices libvirt-lxc -- sh -c 'head -c 1 /dev/zero | od -c; head -c 1 /dev/tty'", "/dev/zero readable, /dev/tty denied"],
    ["cgroupkit run --memory 1G --memory-swap 1G --cpu-quota 150% --pids 200 -- make -j8", "a build with hard limits, no swap"],
    ["cgroupkit run --json --keep --name job1 -- ./job.sh", "keep the group for inspection; JSON summary on stderr"],
    ["cgroupkit run --user --memory 2G --devices none -- make -j8", "rootless: a scope in your own systemd manager"],
  ],
  async run(ctx: CliContext) {
    const request = runRequest(ctx.args);
    const relay = new SignalRelay();
    let placement: RunPlacement | undefined;
    let keep = false;
    try {
      const driver = (await resolveDriver(ctx, request.group, "run")) === "systemd" ? systemdRunDriver : cgroupfsRunDriver;
      placement = await driver.prepare(ctx, request);
      if (relay.first) return signalStatus(relay.first);
      const where = placement;
      relay.escalate = () => void where.usageGroup()?.kill().catch(() => undefined);
      const result = await launchJoined(where.label, (pid) => where.join(pid), ctx.args.command, relay);
      keep = request.keep && result.started;
      const group = where.usageGroup();
      let usage: UsageSnapshot | undefined;
      try {
        usage = group && (await readUsage(group));
      } catch (err) {
        if (!(err instanceof CgroupError)) throw err;
        ctx.io.stderr(`cgroupkit run: could not read usage: ${err.message}\n`);
      }
      if (result.started) {
        const summary = summarize(where.label, result, usage, keep, where.devicesNotEnforced);
        ctx.io.stderr(`${ctx.json ? toJson(summary, 0) : summaryLine(summary)}\n`);
      }
      return result.status;
    } finally {
      relay.dispose();
      if (!keep) await placement?.dispose();
    }
  },
};

/** @internal */
export const execVerb: Verb = {
  name: "exec",
  summary: "run a command inside an existing group (like cgexec)",
  usage: ["exec GROUP [--] COMMAND [ARGS…]"],
  description:
    "Starts COMMAND already inside GROUP, in every hierarchy that has the group (a failed move stops it\n" +
    "before it starts). stdio is inherited, SIGINT/SIGTERM/SIGHUP are passed on, and the exit status is\n" +
    "the command's (128+N for signal N, 127 when it cannot be found). With the systemd driver GROUP is a slice\n" +
    "made by create --driver systemd, and the command runs in a new delegated cgroupkit-exec-<random>.scope in it.",
  syntax: { options: [DRIVER_OPTION], commandAfter: 1, positionals: { min: 1, max: 1 } },
  examples: [
    ["cgroupkit exec web -- nginx -g 'daemon off;'", "a server in the web group"],
    ["cgroupkit exec batch/job1 ./job.sh", "-- is optional when COMMAND does not start with -"],
  ],
  async run(ctx: CliContext) {
    const name = groupArg(ctx.args.positionals[0] as string);
    const systemd = (await resolveDriver(ctx, name, "exec")) === "systemd";
    const cg = systemd ? undefined : await ctx.openGroup(name);
    // The group may hold other processes: signals go to the command only, never to the group.
    const relay = new SignalRelay();
    try {
      return (cg ? await launchInGroup(cg, ctx.args.command, relay) : await execInSlice(ctx, name, ctx.args.command, relay)).status;
    } finally {
      relay.dispose();
    }
  },
};
