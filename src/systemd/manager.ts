// The small typed face of systemd's org.freedesktop.systemd1.Manager that the driver needs. The D-Bus
// library behind it (dbus.ts) is loaded only when a systemd driver connects, so cgroupfs users never pay for it.
import { CgroupError } from "../runtime/errors.js";
import type { UnitProperty } from "./properties.js";

/** How a job ended, as JobRemoved's `result` says it (org.freedesktop.systemd1(5)). @public */
export type JobResult = "done" | "canceled" | "timeout" | "failed" | "dependency" | "skipped" | "invalid" | "assert" | "unsupported" | "collected" | "once";

/** What went wrong talking to systemd. @public */
export type SystemdErrorKind =
  | "no-bus"
  | "no-user-bus"
  | "access-denied"
  | "unit-exists"
  | "unknown-property"
  | "invalid-argument"
  | "no-such-unit"
  | "unit-failed"
  | "job-timeout"
  | "bus-error";

const ADVICE: Readonly<Record<SystemdErrorKind, string>> = {
  "no-bus": "is systemd PID 1 and dbus running? Use --driver cgroupfs on a host without systemd",
  "no-user-bus": "is this user's manager (user@UID.service) running? It starts with a login session (pam_systemd); as root, loginctl enable-linger USER keeps it running",
  "access-denied": "the system manager needs root; run as root, or use the user manager (--user)",
  "unit-exists": "choose another unit name, or stop the unit that has it",
  "unknown-property": "this systemd does not know the property; leave it out or upgrade systemd",
  "invalid-argument": "systemd refused the value; see systemd.resource-control(5)",
  "no-such-unit": "the unit is not loaded (already stopped?)",
  "unit-failed": "see journalctl -u the unit",
  "job-timeout": "systemd did not finish the job in time; see systemctl list-jobs",
  "bus-error": "see journalctl -u dbus and the systemd journal",
};

/** A failure of the systemd driver: one clear line naming the unit and what to do. @public */
export class SystemdError extends CgroupError {
  /** What went wrong. */
  readonly kind: SystemdErrorKind;
  /** The unit it was about, when there was one. */
  readonly unit: string | undefined;
  /** The D-Bus error name, when systemd or the bus sent one. */
  readonly dbusName: string | undefined;
  /** The property systemd refused (`unknown-property`, `invalid-argument`), when it named one. */
  readonly property: string | undefined;
  constructor(kind: SystemdErrorKind, what: string, options: { unit?: string; dbusName?: string; property?: string; cause?: unknown } = {}) {
    super(`ERR_SYSTEMD_${kind.toUpperCase().replace(/-/g, "_")}`, `${what}: ${ADVICE[kind]}`, { cause: options.cause });
    this.kind = kind;
    this.unit = options.unit;
    this.dbusName = options.dbusName;
    this.property = options.property;
  }
}

/** Which manager to talk to. @public */
export interface SystemdConnectOptions {
  /** The system manager (default) or the calling user's manager (its session bus). */
  readonly scope?: "system" | "user";
  /** A D-Bus address (`unix:path=…`) instead of the default for the scope; also `$CGROUPKIT_SYSTEMD_BUS`. */
  readonly address?: string;
  /** Bound on each method call, in ms. Default 25 s (systemd's own D-Bus default timeout). */
  readonly callTimeoutMs?: number;
}

/**
 * systemd's Manager as the driver uses it. Every method throws {@link SystemdError}.
 * `subscribe` is done on connect: systemd sends JobRemoved only to subscribers and to the job's creator.
 * @public
 */
export interface SystemdManager {
  /** The bus address, for messages. */
  readonly address: string;
  /** StartTransientUnit(name, mode, properties, aux=[]) → the job's object path. */
  startTransientUnit(name: string, mode: "fail" | "replace", properties: readonly UnitProperty[]): Promise<string>;
  /** StopUnit(name, mode) → the job's object path. */
  stopUnit(name: string, mode: "fail" | "replace"): Promise<string>;
  /** ResetFailedUnit(name): forget a failed unit, so its name can be used again. */
  resetFailedUnit(name: string): Promise<void>;
  /** A property of the manager itself (org.freedesktop.systemd1.Manager), e.g. `ControlGroup`: the root of its cgroup subtree. */
  managerProperty(property: string): Promise<unknown>;
  /** A property of a loaded unit, read from `iface` (org.freedesktop.systemd1.Unit, .Scope, .Slice). */
  unitProperty(name: string, iface: string, property: string): Promise<unknown>;
  /** Wait for the job's JobRemoved signal until `deadline` (epoch ms). */
  waitForJob(job: string, deadline: number): Promise<JobResult>;
  /** Close the bus connection. */
  close(): void;
}

/**
 * Connect to the manager over D-Bus; the client library is imported on first use.
 * @throws {@link SystemdError} `no-bus` when the socket is absent or refuses us
 * @internal
 */
export async function connectSystemd(options: SystemdConnectOptions = {}): Promise<SystemdManager> {
  const { connectDbusManager } = await import("./dbus.js");
  return connectDbusManager(options);
}
