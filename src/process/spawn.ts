// Start a command already inside a group, optionally confined so that root inside cannot walk out.
//
// Mechanism (the "go-ahead stub"): a /bin/sh prelude starts and blocks reading fd 3, a socket pair
// with us. We place its pid (Cgroup.attach, or a caller's join such as a systemd scope), and only
// then send the go-ahead; the prelude then execs the command, so the command's first instruction
// runs inside the group, and a failed join kills the prelude before it ever execs. clone3's
// CLONE_INTO_CGROUP would do this in one step, but Node cannot reach it without a native helper.
//
// Confinement (util-linux, present on every mainstream distribution): after the join the prelude
// execs `unshare --mount --cgroup --propagation private`, remounts every cgroupfs mount and the
// /sys/fs/cgroup tmpfs read-only (bind,ro) inside that private mount namespace, and execs the
// command through `setpriv`, which takes CONFINE_DROPPED_CAPABILITIES out of the bounding set so
// nothing in it can undo the remount, write devices.allow, setns out, or reach the host's mounts
// through /proc/PID/root or ptrace of a process that still has them. The join comes before
// unshare, so the command never runs outside the group, and its cgroup namespace is rooted there.
import { spawn as spawnChild, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import type { Readable, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import type { Cgroup } from "../cgroup/cgroup.js";
import { CgroupError } from "../runtime/errors.js";

/** What each of the command's stdin, stdout and stderr is, as Node's `child_process.spawn` says it. @public */
export type GroupStdio = "pipe" | "inherit" | "ignore";

/**
 * A place to join other than a {@link Cgroup}: `join(pid)` puts the waiting pid there (e.g. a systemd
 * transient scope created around it). A throw means the command never runs.
 * @public
 */
export interface GroupJoin {
  /** What errors call the place: a group name or a unit. */
  readonly label: string;
  /** Put `pid` there; the command runs only once this resolves. */
  join(pid: number): Promise<unknown>;
}

/** Options of {@link spawnInGroup}. @public */
export interface SpawnInGroupOptions {
  /** One value for all three, or one each; default `"pipe"`. */
  readonly stdio?: GroupStdio | readonly [GroupStdio, GroupStdio, GroupStdio];
  /** The command's environment; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The command's working directory; default this process's. */
  readonly cwd?: string;
  /**
   * Confine the command (default `false`): a private mount namespace where every cgroupfs mount
   * and /sys/fs/cgroup are read-only, a cgroup namespace rooted at the group, and a bounding set
   * without {@link CONFINE_DROPPED_CAPABILITIES}. Needs util-linux `unshare`, `setpriv` and `mount`,
   * and CAP_SYS_ADMIN in the caller (root).
   */
  readonly confine?: boolean;
  /** Aborted before the go-ahead: the command is never started and the call rejects with {@link SpawnAbortedError}. */
  readonly signal?: AbortSignal;
  /** How long the prelude may take from the go-ahead to the exec of the command (ms); default 30000. */
  readonly startTimeoutMs?: number;
}

/** How a spawned command ended. @public */
export interface GroupProcessExit {
  /** The exit status a shell would report: the code, or 128 + the signal number. */
  readonly status: number;
  /** The exit code; `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it; `null` when it exited. */
  readonly signal: NodeJS.Signals | null;
}

/** A command running inside a group, shaped like Node's `ChildProcess` where it matters. @public */
export interface GroupProcess {
  /** The command's pid (the same through the prelude's exec). */
  readonly pid: number;
  /** Present where that stream's stdio is `"pipe"`. */
  readonly stdin: Writable | null;
  /** Present where stdout is `"pipe"`. */
  readonly stdout: Readable | null;
  /** Present where stderr is `"pipe"`. */
  readonly stderr: Readable | null;
  /** Whether the command runs confined. */
  readonly confined: boolean;
  /** Settles when the command has ended; never rejects. */
  readonly exited: Promise<GroupProcessExit>;
  /** How it ended, once it has; `undefined` while it runs. */
  readonly exitStatus: GroupProcessExit | undefined;
  /** Send a signal (default SIGTERM); false when it could not be sent (already ended). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

/** The command could not be placed: it was not started. `cause` is the join's error. @public */
export class SpawnJoinError extends CgroupError {
  /** The place the command was to join ({@link GroupJoin.label} or the group's name). */
  readonly label: string;
  constructor(label: string, reason: string, cause?: unknown) {
    super("ERR_JOIN", `could not move the command into ${label}: ${reason}; it was not started`, { cause });
    this.label = label;
  }
}

/** The command is not on PATH (nor a shell builtin); nothing ran. @public */
export class CommandNotFoundError extends CgroupError {
  /** The command as given. */
  readonly command: string;
  constructor(command: string) {
    super("ERR_COMMAND_NOT_FOUND", `${command}: command not found`);
    this.command = command;
  }
}

/** Confinement was asked for and could not be set up (a tool missing, or a step refused); the command was not started. @public */
export class ConfinementError extends CgroupError {
  constructor(message: string) {
    super("ERR_CONFINE", message);
  }
}

/** The spawn was aborted (its `signal`) before the command started. @public */
export class SpawnAbortedError extends CgroupError {
  constructor(label: string) {
    super("ERR_ABORTED", `start in ${label} aborted before the command ran`);
  }
}

/**
 * Capabilities a confined command's bounding set lacks. sys_admin: mount/remount, v1 devices.allow,
 * setns, BPF program fds by id. sys_ptrace: /proc/PID/root, /proc/PID/mem and ptrace of processes
 * with more capabilities (ours included), whose mount namespace still has cgroupfs read-write.
 * sys_module: a module could undo all of it. sys_rawio: raw I/O ports and memory behind the ACL's back.
 * @public
 */
export const CONFINE_DROPPED_CAPABILITIES: readonly string[] = ["sys_admin", "sys_ptrace", "sys_module", "sys_rawio"];

const GO = "go";
const READY = "cgroupkit-ready";
const NOT_FOUND = "cgroupkit-not-found";
const CONFINE_FAILED = "cgroupkit-confine-failed";
const CONFINING = "cgroupkit-confining";

// Arguments: MODE (open|confine) UNSHARE MOUNT SETPRIV COMMAND ARGS… . fd 3 is the control socket;
// nothing here opens a device (no /dev/null: a policy may deny it), and the lines written to fd 3
// say how far it got. Without a go-ahead (EOF) nothing runs.
const PRELUDE = [
  "IFS= read -r verdict <&3 || exit 125",
  `[ "$verdict" = ${GO} ] || exit 125`,
  'mode=$1 unshare=$2 mount=$3 setpriv=$4; shift 4',
  `if ! found=$(command -v -- "$1" 2>&1); then echo ${NOT_FOUND} >&3; exit 127; fi`,
  `if [ "$mode" = open ]; then echo ${READY} >&3; exec 3>&-; exec "$@"; fi`,
  'exec "$unshare" --mount --cgroup --propagation private -- /bin/sh -c "$CGROUPKIT_CONFINE" cgroupkit "$mount" "$setpriv" "$@"',
].join("\n");

// Inside the new namespaces: every cgroup/cgroup2 mount and everything at or under /sys/fs/cgroup
// read-only (a mount point /proc/self/mounts escapes, e.g. with a space, fails the remount: closed),
// then the command through setpriv and a last sh that reports READY and closes fd 3.
const CONFINE = [
  `echo ${CONFINING} >&3`,
  'mount=$1 setpriv=$2; shift 2',
  "while read -r _ m t _; do",
  "  case $t in cgroup|cgroup2) ;; *) case $m in /sys/fs/cgroup|/sys/fs/cgroup/*) ;; *) continue ;; esac ;; esac",
  `  "$mount" -o remount,bind,ro "$m" 2>&3 || { echo "${CONFINE_FAILED} read-only remount of $m refused" >&3; exit 125; }`,
  "done < /proc/self/mounts",
  `caps=${CONFINE_DROPPED_CAPABILITIES.map((c) => `-${c}`).join(",")}`,
  `exec "$setpriv" --bounding-set "$caps" --inh-caps "$caps" -- /bin/sh -c 'echo ${READY} >&3; exec 3>&-; exec "$@"' cgroupkit "$@"`,
].join("\n");

const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** Absolute paths of the util-linux tools confinement uses. @public */
export interface ConfinementTools {
  /** `unshare`: the mount and cgroup namespaces. */
  readonly unshare: string;
  /** `setpriv`: the reduced bounding set. */
  readonly setpriv: string;
  /** `mount`: the read-only remounts. */
  readonly mount: string;
}

/**
 * Find `unshare`, `setpriv` and `mount` (util-linux) on PATH or in the usual directories.
 * @throws {@link ConfinementError} naming what is missing
 * @public
 */
export function confinementTools(env: NodeJS.ProcessEnv = process.env): ConfinementTools {
  const dirs = [...(env.PATH ?? "").split(":").filter((d) => d.startsWith("/")), ...TOOL_DIRS];
  const find = (tool: string) => {
    for (const dir of dirs) {
      try {
        accessSync(`${dir}/${tool}`, fsConstants.X_OK);
        return `${dir}/${tool}`;
      } catch {
        /* not here */
      }
    }
    return undefined;
  };
  const found = { unshare: find("unshare"), setpriv: find("setpriv"), mount: find("mount") };
  const missing = Object.entries(found).filter(([, p]) => p === undefined).map(([t]) => t);
  if (missing.length > 0) throw new ConfinementError(`cannot confine the command: ${missing.join(", ")} (util-linux) not found on PATH or in ${TOOL_DIRS.join(", ")}`);
  return found as ConfinementTools;
}

/** The shell's status for a signal: 128 + its number. @internal */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

/** A frozen group would freeze the prelude before it can exec: refuse instead of hanging. */
async function refuseFrozen(cg: Cgroup): Promise<void> {
  const v2 = cg.v2Placement;
  if (v2 !== undefined) {
    const events = await cg.v2.core.events.read().catch(() => undefined);
    if (events?.frozen === 1n) throw new SpawnJoinError(cg.name, `${v2.dir} is frozen (cgroup.events frozen 1); thaw it first`);
  }
  const freezer = cg.v1.freezer;
  if (freezer !== undefined) {
    const state = await freezer.state.read().catch(() => undefined);
    if (state !== undefined && state !== "THAWED") throw new SpawnJoinError(cg.name, `${freezer.state.path} is ${state}; thaw it first`);
  }
}

function stdioOf(option: SpawnInGroupOptions["stdio"]): [GroupStdio, GroupStdio, GroupStdio] {
  if (option === undefined) return ["pipe", "pipe", "pipe"];
  if (typeof option === "string") return [option, option, option];
  return [option[0], option[1], option[2]];
}

/**
 * Start `command` with `args` inside a group: `target` is a {@link Cgroup} (the pid is attached in
 * every hierarchy; a frozen group is refused) or a {@link GroupJoin}. Resolves once the command has
 * been exec'd inside it, with a handle shaped like Node's ChildProcess.
 *
 * Mechanism: a /bin/sh go-ahead stub (see the file comment); CLONE_INTO_CGROUP is not reachable from Node.
 * @throws {@link SpawnJoinError} the join failed: the command never ran
 * @throws {@link CommandNotFoundError} the command is not on PATH
 * @throws {@link ConfinementError} `confine` was asked for and could not be set up
 * @throws {@link SpawnAbortedError} `signal` aborted before the go-ahead
 * @public
 */
export async function spawnInGroup(target: Cgroup | GroupJoin, command: string, args: readonly string[] = [], options: SpawnInGroupOptions = {}): Promise<GroupProcess> {
  const confine = options.confine ?? false;
  const tools = confine ? confinementTools(options.env ?? process.env) : { unshare: "", setpriv: "", mount: "" };
  const label = "join" in target && typeof target.join === "function" ? target.label : (target as Cgroup).name;
  const join = "join" in target && typeof target.join === "function" ? (pid: number) => target.join(pid) : async (pid: number) => {
    await refuseFrozen(target as Cgroup);
    await (target as Cgroup).attach(pid);
  };
  const [stdin, stdout, stderr] = stdioOf(options.stdio);
  const child: ChildProcess = spawnChild("/bin/sh", ["-c", PRELUDE, "cgroupkit", confine ? "confine" : "open", tools.unshare, tools.mount, tools.setpriv, command, ...args], {
    stdio: [stdin, stdout, stderr, "pipe"],
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), ...(confine ? { CGROUPKIT_CONFINE: CONFINE } : {}) },
  });
  let exitStatus: GroupProcessExit | undefined;
  const exited = new Promise<GroupProcessExit>((resolve) => {
    child.once("error", () => resolve((exitStatus = { status: 127, code: 127, signal: null })));
    child.once("exit", (code, signal) => resolve((exitStatus = { status: code ?? signalStatus(signal as NodeJS.Signals), code, signal })));
  });
  const control = child.stdio[3] as Duplex;
  const lines: string[] = [];
  // Ends at READY or EOF (the prelude closed fd 3 or died); a reset socket (ECONNRESET after a thaw) is EOF too.
  const reported = new Promise<void>((resolve) => {
    let text = "";
    control.setEncoding("utf8");
    control.on("data", (chunk: string) => {
      text += chunk;
      const complete = text.split("\n");
      text = complete.pop() as string;
      lines.push(...complete);
      if (complete.includes(READY)) resolve();
    });
    control.once("end", resolve);
    control.once("close", resolve);
    control.once("error", () => resolve());
  });
  const abandon = async (): Promise<void> => {
    child.kill("SIGKILL");
    await exited;
  };
  try {
    if (child.pid === undefined) {
      await exited;
      throw new SpawnJoinError(label, "could not start /bin/sh");
    }
    await join(child.pid);
  } catch (err) {
    await abandon();
    if (err instanceof SpawnJoinError) throw err;
    throw new SpawnJoinError(label, err instanceof Error ? err.message : String(err), err);
  }
  if (options.signal?.aborted) {
    await abandon();
    throw new SpawnAbortedError(label);
  }
  control.end(`${GO}\n`);
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    reported.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), startTimeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill("SIGKILL");
    throw new SpawnJoinError(label, `the prelude did not reach the command within ${startTimeoutMs} ms (is the group being frozen?); it was killed`);
  }
  if (!lines.includes(READY)) {
    await exited;
    if (lines.includes(NOT_FOUND)) throw new CommandNotFoundError(command);
    const why = lines.filter((l) => l.startsWith(CONFINE_FAILED)).map((l) => l.slice(CONFINE_FAILED.length + 1));
    const detail = lines.filter((l) => !l.startsWith("cgroupkit-") && l.trim() !== "");
    if (confine) {
      const step = lines.includes(CONFINING) ? (why[0] ?? "setpriv failed") : "unshare --mount --cgroup failed (it needs CAP_SYS_ADMIN)";
      throw new ConfinementError(`cannot confine the command: ${step}${detail.length > 0 ? ` (${detail.join("; ")})` : ""}; it was not started`);
    }
    throw new SpawnJoinError(label, `the prelude ended before the command (exit ${exitStatus?.status})`);
  }
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    confined: confine,
    exited,
    get exitStatus() {
      return exitStatus;
    },
    kill: (signal?: NodeJS.Signals | number) => (exitStatus === undefined ? child.kill(signal) : false),
  };
}
