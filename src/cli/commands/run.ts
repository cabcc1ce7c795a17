// `run` (a transient group around one command, like systemd-run --scope) and `exec` (like cgexec).
import { randomBytes } from "node:crypto";
import { ociMemorySwapToSwapMax } from "../../resources/conversions.js";
import type { ResourceLimits } from "../../resources/limits.js";
import { readUsage, type UsageSnapshot } from "../../resources/usage.js";
import { CgroupError } from "../../runtime/errors.js";
import { UsageError, optionValue, type ParsedArgs } from "../args.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import { humanBytes, humanMicros, toJson } from "../output.js";
import { parseSize } from "../values.js";
import type { Verb } from "../verb.js";
import { policyArg, type NamedPolicy } from "./devices.js";
import { ociRunLimits } from "./run-oci.js";
import { recordEvents, type EventRecorder } from "./events.js";
import { SignalRelay, launchInGroup, launchJoined, signalStatus, type LaunchResult } from "./launch.js";
import { DRIVER_OPTION, PROPERTY_OPTION, SLICE_OPTION, USER_OPTION, resolveDriver } from "./driver.js";
import { cgroupfsRunDriver, type RunPlacement } from "./run-placement.js";
import type { Cgroup } from "../../cgroup/cgroup.js";
import { confinementTools } from "../../process/spawn.js";
import { systemdRunDriver } from "./run-systemd.js";
import { execInSlice } from "./groups-systemd.js";
import { groupSpecOption, groupSpecs, hasGroupSpec, singleGroupSpec, specHierarchies } from "../libcgroup.js";

/** What `run` was asked for, checked before anything on the host changes. @internal */
export interface RunRequest {
  readonly group: string;
  /** The --parent (or $CGROUPKIT_PARENT) the group is under: made when missing, never removed. */
  readonly parent?: string;
  readonly limits: ResourceLimits;
  /** The device policy to apply (`--devices allow-all` is an explicit open one). */
  readonly devices: NamedPolicy | undefined;
  readonly keep: boolean;
  /** Confine the command (default); false with --no-confine. */
  readonly confine: boolean;
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
  // Below a few MiB the kernel OOM-kills the command as it starts (its page tables and the loader's first pages
  // are charged), so the run would only report a kill. Docker refuses under 6 MiB for the same reason; no override:
  // a smaller limit is still one applyResources call away for a library user who means it.
  const MEMORY_FLOOR = 6n << 20n;
  if (memoryMax !== undefined && memoryMax !== "max" && memoryMax < MEMORY_FLOOR) {
    throw new UsageError(`--memory ${value("memory")}: below 6M the command is OOM-killed as it starts (the kernel charges its first pages to the group); give at least 6M`, "run");
  }
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
  const common = { group, ...(parent !== undefined ? { parent } : {}), keep: args.flags.has("keep"), confine: !args.flags.has("no-confine") && !args.flags.has("user"), allowNoDevicePolicy: args.flags.has("allow-no-device-policy"), user: args.flags.has("user") };
  const oci = value("oci") === undefined ? undefined : ociRunLimits(args, value("oci") as string);
  if (oci) return { ...common, limits: oci.limits, devices: oci.devices ?? policyArg(devicesText) };
  return { ...common, limits, devices: policyArg(devicesText) };
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
  /** False with --no-confine: root inside could leave the group or widen its device list. */
  readonly confined: boolean;
  /** `--user`: rootless, so unconfined (namespaces need privilege); its limits sit on the scope, whose files systemd does not delegate. */
  readonly rootless?: boolean;
  readonly memory?: { readonly peak?: bigint; readonly max: bigint | "max"; readonly oomKills: bigint };
  readonly cpu?: { readonly usageUsec: bigint; readonly userUsec?: bigint; readonly systemUsec?: bigint };
  readonly pids?: { readonly peak?: bigint; readonly max: bigint | "max" };
  /** With --json: the group's kernel events seen during the run (see `cgroupkit events`). */
  readonly events?: readonly Record<string, unknown>[];
  /** The device policy applied; `open` when it allows every device (`--devices allow-all`). */
  readonly devices?: { readonly policy: string; readonly open: boolean };
  /** Why the requested device policy was not enforced (`--allow-no-device-policy`). */
  readonly devicesNotEnforced?: string;
}

function summarize(group: string, result: LaunchResult, usage: UsageSnapshot | undefined, leafOomKills: bigint, kept: boolean, confined: boolean, devices: NamedPolicy | undefined, devicesNotEnforced: string | undefined): RunSummary {
  // v1 counts an OOM kill in the leaf the victim ran in only; cgroup2 counts it up the tree as well.
  const groupOomKills = usage?.memory?.oomKills ?? 0n;
  const oomKills = leafOomKills > groupOomKills ? leafOomKills : groupOomKills;
  return {
    group,
    status: result.status,
    signal: result.signal,
    wallMs: result.wallMs,
    oomKilled: oomKills > 0n && result.signal === "SIGKILL",
    kept,
    confined,
    ...(usage?.memory ? { memory: { peak: usage.memory.peak, max: usage.memory.max, oomKills } } : {}),
    ...(usage?.cpu ? { cpu: { usageUsec: usage.cpu.usageUsec, userUsec: usage.cpu.userUsec, systemUsec: usage.cpu.systemUsec } } : {}),
    ...(usage?.pids ? { pids: { peak: usage.pids.peak, max: usage.pids.max } } : {}),
    ...(devices ? { devices: { policy: devices.source, open: isOpenPolicy(devices) } } : {}),
    ...(devicesNotEnforced !== undefined ? { devicesNotEnforced } : {}),
  };
}

/** Whether a policy lets every device through (default allow, nothing denied). */
function isOpenPolicy(devices: NamedPolicy): boolean {
  return devices.policy.defaultAllow && devices.policy.exceptions.length === 0;
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
  const open = s.devices?.open ? `; device ACL open: every device allowed (${s.devices.policy})` : "";
  return `cgroupkit run: ${s.group} ${ended}: ${parts.join(", ")}${s.kept ? ` (group kept)` : ""}${s.confined || s.rootless ? "" : "; boundary open (--no-confine): root inside could leave the group or widen its devices"}${open}${s.devicesNotEnforced ? `; ${s.devicesNotEnforced}` : ""}`;
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
  { name: "oci", takes: "value", valueName: "FILE", help: "limits from an OCI linux.resources JSON file (or a config.json), as runc applies them; not with the limit options above" },
  { name: "devices", takes: "value", valueName: "POLICY", help: "device policy: libvirt-lxc (default), container, a JSON policy file, or allow-all (every device: an open ACL)" },
  { name: "keep", takes: "flag", help: "keep the group afterwards (default: remove it)" },
  { name: "no-confine", takes: "flag", help: "run unconfined: cgroupfs writable and every capability kept (the boundary is open)" },
  { name: "allow-no-device-policy", takes: "flag", help: "where this caller cannot enforce the device policy (not root), run without it; the summary says it is NOT enforced" },
  USER_OPTION,
  DRIVER_OPTION,
  SLICE_OPTION,
  PROPERTY_OPTION,
] as const;

/** What confinement holds against root inside, and what it does not: `run --help` and the README say the same. @internal */
export const THREAT_MODEL =
  "Confinement (default; --no-confine turns it off): after the join, util-linux unshare gives the command\n" +
  "a private mount namespace in which every cgroupfs mount is read-only, and a cgroup namespace rooted at\n" +
  "its group (/proc/self/cgroup shows /); setpriv then drops CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE\n" +
  "and CAP_SYS_RAWIO from its bounding set. Against root inside this holds: it cannot write any control\n" +
  "file (devices.allow, cgroup.procs of the parent or the root, a new child's), remount cgroupfs read-write,\n" +
  "reach the host's mounts through /proc/PID/root or ptrace, or open or mknod a device the policy denies;\n" +
  "the limits and the device policy sit on an outer group the command cannot see, it runs in an inner leaf.\n" +
  "It is not a container: the command shares the host's pid, network, IPC and user namespaces, files and\n" +
  "its other capabilities (kill, chown, network admin...); user namespaces, seccomp and a private root are\n" +
  "the launcher's job. Needs unshare, setpriv and mount (util-linux); without them run refuses to start.";

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
    "Exit status: the command's; 128+N when a signal N ended it; 127 when it cannot be found.\n\n" +
    "The limits and the device policy are set on the group; the command runs in a leaf under it,\n" +
    "run-<pid>-<starttime> (this cgroupkit's pid and start time: the owner, so ls and gc can tell a group\n" +
    "whose run was killed). The name must be new; a stale group of the same name is removed first.\n" +
    "On a systemd host (--driver auto or systemd) the group is a transient cgroupkit-run-<random>.scope\n" +
    "under --slice with Delegate=yes: limits become its unit properties (-p passes more, as systemd-run),\n" +
    "and the command, the limits without a property and the device program live in its payload leaf.\n" +
    "Without root, --user makes the scope in your own systemd manager (user@UID.service, over the session bus\n" +
    "$DBUS_SESSION_BUS_ADDRESS, else /run/user/UID/bus) under app.slice: a limit whose controller systemd does not\n" +
    "delegate to it is refused with the drop-in to add, and a device policy (which needs privilege) is refused\n" +
    "unless --allow-no-device-policy. --user runs unconfined (the namespaces need privilege): the limits sit on\n" +
    "the scope, whose control files systemd does not delegate, so the command cannot raise them.\n\n" +
    THREAT_MODEL,
  syntax: { options: RUN_OPTIONS, commandAfter: 0, positionals: { min: 0, max: 0 } },
  examples: [
    ["cgroupkit run --memory 64M --devices libvirt-lxc -- sh -c 'head -c 1 /dev/zero | od -c; head -c 1 /dev/tty'", "/dev/zero readable, /dev/tty denied"],
    ["cgroupkit run --memory 1G --memory-swap 1G --cpu-quota 150% --pids 200 -- make -j8", "a build with hard limits, no swap"],
    ["cgroupkit run --json --keep --name job1 -- ./job.sh", "keep the group for inspection; JSON summary on stderr"],
    ["cgroupkit run --user --memory 2G --allow-no-device-policy -- make -j8", "rootless: a scope in your own systemd manager"],
  ],
  async run(ctx: CliContext) {
    const request = runRequest(ctx.args);
    // refused before anything on the host changes
    if (request.confine) {
      if ((process.geteuid?.() ?? 0) !== 0) {
        throw new CliError(
          "confinement (the default) needs root: its mount and cgroup namespaces need CAP_SYS_ADMIN. --no-confine runs without it " +
            "(the command can then change the limits of the group it runs in, which you own); --user runs it in a scope of your systemd user manager",
        );
      }
      confinementTools();
    }
    const relay = new SignalRelay();
    let placement: RunPlacement | undefined;
    let recorder: EventRecorder | undefined;
    let keep = false;
    try {
      const driver = (await resolveDriver(ctx, request.group, "run")) === "systemd" ? systemdRunDriver : cgroupfsRunDriver;
      placement = await driver.prepare(ctx, request);
      if (relay.first) return signalStatus(relay.first);
      const where = placement;
      relay.escalate = () => void where.usageGroup()?.kill().catch(() => undefined);
      let joined: Cgroup | undefined;
      const joinAndWatch = async (pid: number) => {
        joined = await where.join(pid);
        // armed before the command gets the go-ahead, on the group that holds the limits (the leaf's parent on cgroupfs)
        if (ctx.json) recorder = await recordEvents(ctx, where.usageGroup() ?? joined);
        return joined;
      };
      const result = await launchJoined(where.label, joinAndWatch, ctx.args.command, relay, { confine: request.confine });
      keep = request.keep && result.started;
      const group = where.usageGroup();
      let usage: UsageSnapshot | undefined;
      let leafOomKills = 0n;
      try {
        usage = group && (await readUsage(group));
        if (joined !== undefined && joined !== group) leafOomKills = (await readUsage(joined)).memory?.oomKills ?? 0n;
      } catch (err) {
        if (!(err instanceof CgroupError)) throw err;
        ctx.io.stderr(`cgroupkit run: could not read usage: ${err.message}\n`);
      }
      if (result.started) {
        const events = recorder?.stop();
        const summary = { ...summarize(where.label, result, usage, leafOomKills, keep, request.confine, where.devicesNotEnforced ? undefined : request.devices, where.devicesNotEnforced), ...(request.user ? { rootless: true } : {}), ...(events ? { events } : {}) };
        ctx.io.stderr(`${ctx.json ? toJson(summary, 0) : summaryLine(summary)}\n`);
      }
      return result.status;
    } finally {
      relay.dispose();
      recorder?.stop();
      if (!keep) await placement?.dispose();
      else await placement?.keep?.();
    }
  },
};

/** @internal */
export const execVerb: Verb = {
  name: "exec",
  summary: "run a command inside an existing group (like cgexec)",
  usage: ["exec GROUP [--] COMMAND [ARGS…]", "exec -g CTRL[,CTRL]:PATH [--] COMMAND [ARGS…]"],
  description:
    "Starts COMMAND already inside GROUP, in every hierarchy that has the group (a failed move stops it\n" +
    "before it starts). stdio is inherited, SIGINT/SIGTERM/SIGHUP are passed on, and the exit status is\n" +
    "the command's (128+N for signal N, 127 when it cannot be found). A frozen group is refused (thaw it\n" +
    "first). A second signal kills the command; if it still has not ended 2 s later, exec returns anyway.\n" +
    "--confine confines it as run does (see cgroupkit run --help). With the systemd driver GROUP is a slice\n" +
    "made by create --driver systemd, and the command runs in a new delegated cgroupkit-exec-<random>.scope in it.\n" +
    "-g memory,cpu:web (libcgroup's cgexec form) joins web in those controllers' hierarchies and cgroup2 only.\n" +
    "--sticky is accepted and changes nothing: no rules daemon runs to move the command's children.",
  syntax: {
    options: [
      DRIVER_OPTION,
      { name: "confine", takes: "flag", help: "confine the command as run does (read-only cgroupfs, cgroup namespace, no CAP_SYS_ADMIN)" },
      groupSpecOption("exec"),
      { name: "sticky", takes: "flag", help: "accepted for cgexec's habit; there is no rules daemon, so children stay where they start" },
    ],
    // With -g the group is named already: the command starts at the first argument.
    commandAfter: (values) => ((values.get("cgroup") ?? []).length > 0 ? 0 : 1),
    positionals: { min: 0, max: 1 },
  },
  examples: [
    ["cgroupkit exec web -- nginx -g 'daemon off;'", "a server in the web group"],
    ["cgroupkit exec batch/job1 ./job.sh", "-- is optional when COMMAND does not start with -"],
    ["cgroupkit exec -g memory,pids:batch/job1 ./job.sh", "as libcgroup's cgexec types it"],
  ],
  async run(ctx: CliContext) {
    let cg;
    let name: string;
    if (hasGroupSpec(ctx.args)) {
      const layout = await ctx.layout();
      const spec = singleGroupSpec(groupSpecs(ctx.args.values.get("cgroup") ?? [], layout, "exec"), "exec");
      name = spec.group;
      cg = await ctx.openGroup(spec.group, { within: specHierarchies(layout, spec) });
    } else {
      name = groupArg(ctx.args.positionals[0] as string);
      cg = (await resolveDriver(ctx, name, "exec")) === "systemd" ? undefined : await ctx.openGroup(name);
    }
    // The group may hold other processes: signals go to the command only, never to the group.
    const confine = ctx.args.flags.has("confine");
    if (confine) confinementTools();
    const relay = new SignalRelay();
    relay.giveUpAfterMs = 2000;
    try {
      return (cg ? await launchInGroup(cg, ctx.args.command, relay, { confine }) : await execInSlice(ctx, name, ctx.args.command, relay, { confine })).status;
    } finally {
      relay.dispose();
    }
  },
};
