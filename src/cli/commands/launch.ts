// Start a command already inside a group for `run` and `exec`: the library's spawnInGroup (the
// go-ahead stub, optionally confined) with stdio inherited, signals relayed and errors as CLI lines.
import { constants as osConstants } from "node:os";
import type { Cgroup } from "../../cgroup/cgroup.js";
import { CommandNotFoundError, SpawnAbortedError, SpawnJoinError, spawnInGroup, type GroupProcess } from "../../process/spawn.js";
import { CliError } from "../context.js";

/** Exit status for a command that cannot be found, as a shell reports it. @internal */
export const NOT_FOUND_STATUS = 127;

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
  private child: GroupProcess | undefined;
  /** Aborted on the first signal, so a start still in progress never runs the command. */
  readonly aborted = new AbortController();
  private readonly received: NodeJS.Signals[] = [];
  private readonly handler = (signal: NodeJS.Signals) => this.onSignal(signal);
  /** Called on the second signal while the command runs; without it the second signal is SIGKILL to the command. */
  escalate: (() => void) | undefined;
  /** After the second signal, stop waiting for the command this long later (a frozen process cannot end). */
  giveUpAfterMs: number | undefined;
  private giveUpResolve: ((signal: NodeJS.Signals) => void) | undefined;
  /** Settles with the first signal once {@link giveUpAfterMs} has passed after a second one. */
  readonly gaveUp = new Promise<NodeJS.Signals>((resolve) => {
    this.giveUpResolve = resolve;
  });

  constructor() {
    for (const s of RELAYED) process.on(s, this.handler);
  }

  /** The first signal received, if any. */
  get first(): NodeJS.Signals | undefined {
    return this.received[0];
  }

  attach(child: GroupProcess): void {
    this.child = child;
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.received.push(signal);
    this.aborted.abort();
    const child = this.child;
    if (child === undefined || child.exitStatus !== undefined) return;
    if (this.received.length === 1) child.kill(signal);
    else if (this.escalate) this.escalate();
    else child.kill("SIGKILL");
    if (this.received.length === 2 && this.giveUpAfterMs !== undefined) {
      const first = this.received[0] as NodeJS.Signals;
      setTimeout(() => this.giveUpResolve?.(first), this.giveUpAfterMs).unref();
    }
  }

  dispose(): void {
    for (const s of RELAYED) process.off(s, this.handler);
  }
}

/** The shell's status for a signal: 128 + its number. @internal */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

/** How `run`/`exec` start the command. @internal */
export interface LaunchOptions {
  /** Confine it (spawnInGroup's `confine`). */
  readonly confine: boolean;
}

/**
 * Run `command` inside `cg` (every placement), stdio inherited, signals relayed by `relay`.
 * @throws CliError when the group could not be joined (the command did not start), or the command cannot be found (status 127)
 * @internal
 */
export async function launchInGroup(cg: Cgroup, command: readonly string[], relay: SignalRelay, options: LaunchOptions): Promise<LaunchResult> {
  return launchOn(cg, command, relay, options);
}

/**
 * Run `command` once `join(pid)` has placed the waiting prelude (its pid) where the command must run:
 * a cgroupfs attach, or a systemd scope created around the pid. `label` names the place in errors.
 * @internal
 */
export async function launchJoined(label: string, join: (pid: number) => Promise<unknown>, command: readonly string[], relay: SignalRelay, options: LaunchOptions = { confine: false }): Promise<LaunchResult> {
  return launchOn({ label, join }, command, relay, options);
}

async function launchOn(target: Parameters<typeof spawnInGroup>[0], command: readonly string[], relay: SignalRelay, options: LaunchOptions): Promise<LaunchResult> {
  const started = Date.now();
  let child: GroupProcess;
  try {
    child = await spawnInGroup(target, command[0] as string, command.slice(1), { stdio: "inherit", confine: options.confine, signal: relay.aborted.signal });
  } catch (err) {
    if (err instanceof SpawnAbortedError && relay.first !== undefined) {
      // Interrupted while the prelude was being placed: the command never started.
      return { status: signalStatus(relay.first), signal: relay.first, started: false, wallMs: Date.now() - started };
    }
    if (err instanceof CommandNotFoundError) throw new CliError(err.message, NOT_FOUND_STATUS);
    if (err instanceof SpawnJoinError) throw new CliError(err.message);
    throw err;
  }
  relay.attach(child);
  const ended = await Promise.race([child.exited, relay.gaveUp.then((first) => ({ status: signalStatus(first), signal: first, gaveUp: true }))]);
  if ("gaveUp" in ended) process.stderr.write(`cgroupkit: the command (pid ${child.pid}) did not end after SIGKILL (is its group frozen?); not waiting for it\n`);
  return { status: ended.status, signal: ended.signal, started: true, wallMs: Date.now() - started };
}
