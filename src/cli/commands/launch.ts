// Start a command already inside a group: a /bin/sh prelude writes its own pid into every
// placement's cgroup.procs, and execs the command only when every write succeeded. The command's
// first instruction therefore runs inside the group; a failed join never reaches exec.
import { spawn, type ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Readable } from "node:stream";
import type { Cgroup } from "../../cgroup/cgroup.js";
import { CliError } from "../context.js";

/** Exit status of the prelude when a join fails (the command never started). @internal */
export const JOIN_FAILED_STATUS = 125;
/** Exit status for a command that cannot be found, as a shell reports it. @internal */
export const NOT_FOUND_STATUS = 127;

const JOINED = "cgroupkit-joined";
const JOIN_FAILED = "cgroupkit-join-failed";
const NOT_FOUND = "cgroupkit-not-found";

// $1: how many cgroup.procs paths follow; then the paths; then the command and its arguments.
// Status lines go to fd 3 (a pipe to cgroupkit), which is closed before exec so the command never sees it.
const PRELUDE = [
  "n=$1; shift",
  'while [ "$n" -gt 0 ]; do',
  `  if ! { echo $$ > "$1"; } 2>&3; then echo "${JOIN_FAILED} $1" >&3; exit ${JOIN_FAILED_STATUS}; fi`,
  '  shift; n=$((n - 1))',
  "done",
  `if ! command -v -- "$1" > /dev/null 2>&1; then echo "${NOT_FOUND}" >&3; exit ${NOT_FOUND_STATUS}; fi`,
  `echo ${JOINED} >&3`,
  "exec 3>&-",
  'exec "$@"',
].join("\n");

/** How a launched command ended. @internal */
export interface LaunchResult {
  /** The exit status a shell would report: the code, or 128 + the signal number. */
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  /** False when the prelude stopped before exec (join failure or command not found). */
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

async function readAll(stream: Readable): Promise<string> {
  let text = "";
  stream.setEncoding("utf8");
  for await (const chunk of stream) text += chunk as string;
  return text;
}

/**
 * Run `command` inside `cg` (every placement), stdio inherited, signals relayed by `relay`.
 * @throws CliError when the group could not be joined (the command did not start)
 * @internal
 */
export async function launchInGroup(cg: Cgroup, command: readonly string[], relay: SignalRelay): Promise<LaunchResult> {
  const procs = cg.placements.map((p) => `${p.dir}/cgroup.procs`);
  const started = Date.now();
  const child = spawn("/bin/sh", ["-c", PRELUDE, "cgroupkit", String(procs.length), ...procs, ...command], {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
  });
  relay.attach(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const status = await readAll(child.stdio[3] as Readable);
  const { code, signal } = await exited;
  const wallMs = Date.now() - started;
  const lines = status.split("\n").filter(Boolean);
  if (lines.includes(JOINED)) return { status: code ?? signalStatus(signal as NodeJS.Signals), signal, started: true, wallMs };
  const failed = lines.find((l) => l.startsWith(`${JOIN_FAILED} `));
  if (failed !== undefined) {
    const reason = lines
      .filter((l) => !l.startsWith(JOIN_FAILED))
      .map((l) => l.replace(/^cgroupkit: \d+: /, ""))
      .join("; ");
    throw new CliError(`could not move the command into ${failed.slice(JOIN_FAILED.length + 1)}${reason ? `: ${reason}` : ""}; it was not started`);
  }
  if (lines.includes(NOT_FOUND)) throw new CliError(`${command[0]}: command not found`, NOT_FOUND_STATUS);
  // Killed before it reported (a signal during the prelude): the command never started.
  return { status: code ?? signalStatus(signal as NodeJS.Signals), signal, started: false, wallMs };
}
