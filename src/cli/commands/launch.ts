// Start a command already inside a group. A /bin/sh prelude starts, blocks reading fd 3, and
// cgroupkit moves it (its pid, all placements) with Cgroup.attach; only then does it tell the
// prelude to exec the command. The command's first instruction therefore runs inside the group,
// and a failed move (a typed error naming the file and errno) kills the prelude before exec.
import { spawn, type ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Duplex } from "node:stream";
import type { Cgroup } from "../../cgroup/cgroup.js";
import { CgroupError } from "../../runtime/errors.js";
import { CliError } from "../context.js";

/** Exit status for a command that cannot be found, as a shell reports it. @internal */
export const NOT_FOUND_STATUS = 127;

const GO = "go";
const NOT_FOUND = "cgroupkit-not-found";

// fd 3 is a socket pair with cgroupkit: read the go-ahead from it, report a missing command on it,
// and close it before exec so the command never sees it. Without a go-ahead (EOF) nothing runs.
const PRELUDE = [
  "IFS= read -r verdict <&3 || exit 125",
  `[ "$verdict" = ${GO} ] || exit 125`,
  `if ! command -v -- "$1" > /dev/null 2>&1; then echo ${NOT_FOUND} >&3; exit ${NOT_FOUND_STATUS}; fi`,
  "exec 3>&-",
  'exec "$@"',
].join("\n");

/** How a launched command ended. @internal */
export interface LaunchResult {
  /** The exit status a shell would report: the code, or 128 + the signal number. */
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  /** False when a signal came before the go-ahead: the command never ran. */
  readonly started: boolean;
  readonly wallMs: number;
}

const RELAYED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Relays SIGINT, SIGTERM and SIGHUP to the command. Installed before the group is made, so a
 * signal during setup is remembered (and the command never started); a second signal while the
 * command still runs kills everything in the group.
 * @internal
 */
export class SignalRelay {
  private child: ChildProcess | undefined;
  private readonly received: NodeJS.Signals[] = [];
  private readonly handler = (signal: NodeJS.Signals) => this.onSignal(signal);
  /** Called on the second signal while the command runs. */
  escalate: (() => void) | undefined;

  constructor() {
    for (const s of RELAYED) process.on(s, this.handler);
  }

  /** The first signal received, if any. */
  get first(): NodeJS.Signals | undefined {
    return this.received[0];
  }

  attach(child: ChildProcess): void {
    this.child = child;
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.received.push(signal);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (this.received.length > 1 && this.escalate) this.escalate();
    else child.kill(signal);
  }

  dispose(): void {
    for (const s of RELAYED) process.off(s, this.handler);
  }
}

/** The shell's status for a signal: 128 + its number. @internal */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

async function readAll(stream: Duplex): Promise<string> {
  let text = "";
  stream.setEncoding("utf8");
  for await (const chunk of stream) text += chunk as string;
  return text;
}

/**
 * Run `command` inside `cg` (every placement), stdio inherited, signals relayed by `relay`.
 * @throws CliError when the group could not be joined (the command did not start), or the command cannot be found (status 127)
 * @internal
 */
export async function launchInGroup(cg: Cgroup, command: readonly string[], relay: SignalRelay): Promise<LaunchResult> {
  return launchJoined(cg.name, (pid) => cg.attach(pid), command, relay);
}

/**
 * Run `command` once `join(pid)` has placed the waiting prelude (its pid) where the command must run:
 * a cgroupfs attach, or a systemd scope created around the pid. `label` names the place in errors.
 * @internal
 */
export async function launchJoined(label: string, join: (pid: number) => Promise<unknown>, command: readonly string[], relay: SignalRelay): Promise<LaunchResult> {
  const started = Date.now();
  const child = spawn("/bin/sh", ["-c", PRELUDE, "cgroupkit", ...command], { stdio: ["inherit", "inherit", "inherit", "pipe"] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const control = child.stdio[3] as Duplex;
  const status = readAll(control);
  try {
    if (child.pid === undefined) throw await exited.then(() => new CliError("could not start /bin/sh"));
    await join(child.pid);
  } catch (err) {
    child.kill("SIGKILL");
    await exited.catch(() => undefined);
    if (err instanceof CgroupError) throw new CliError(`could not move the command into ${label}: ${err.message}; it was not started`);
    throw err;
  }
  if (relay.first !== undefined) {
    // Interrupted while the prelude was being moved: never start the command.
    child.kill("SIGKILL");
    await exited.catch(() => undefined);
    return { status: signalStatus(relay.first), signal: relay.first, started: false, wallMs: Date.now() - started };
  }
  relay.attach(child);
  control.end(`${GO}\n`);
  const [lines, { code, signal }] = await Promise.all([status, exited]);
  const wallMs = Date.now() - started;
  if (lines.split("\n").includes(NOT_FOUND)) throw new CliError(`${command[0]}: command not found`, NOT_FOUND_STATUS);
  return { status: code ?? signalStatus(signal as NodeJS.Signals), signal, started: true, wallMs };
}
