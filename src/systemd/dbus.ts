// SystemdManager over D-Bus with @particle/dbus-next (the maintained fork of dbus-next: native bigint for
// u64, signals, TypeScript types, pure JS). Only the low-level Message API is used: no introspection
// round trips, and signatures are spelled out so every u64 goes out as `t`.
import dbus from "@particle/dbus-next";
import { SystemdError, type JobResult, type SystemdConnectOptions, type SystemdManager, type SystemdErrorKind } from "./manager.js";
import type { UnitProperty } from "./properties.js";

const { Message, Variant, MessageType } = dbus;

const SYSTEMD = "org.freedesktop.systemd1";
const MANAGER_PATH = "/org/freedesktop/systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";
const DEFAULT_SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket";

/**
 * The address for a scope: explicit, `$CGROUPKIT_SYSTEMD_BUS`, then the standard variables; for the user
 * manager `$DBUS_SESSION_BUS_ADDRESS`, `$XDG_RUNTIME_DIR/bus`, else `/run/user/UID/bus` (where
 * pam_systemd and user@UID.service put it, so `su`/`sudo -u` without a session environment still finds it).
 * @internal
 */
export function busAddress(options: SystemdConnectOptions, env: NodeJS.ProcessEnv = process.env, uid: number = process.geteuid?.() ?? 0): string {
  if (options.address !== undefined) return options.address;
  if (env.CGROUPKIT_SYSTEMD_BUS) return env.CGROUPKIT_SYSTEMD_BUS;
  if (options.scope === "user") {
    if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
    if (env.XDG_RUNTIME_DIR) return `unix:path=${env.XDG_RUNTIME_DIR}/bus`;
    return `unix:path=/run/user/${uid}/bus`;
  }
  return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS;
}

/** A D-Bus error reply → SystemdError kind; the property systemd names in "Cannot set property X, or unknown property." @internal */
export function classifyDbusError(name: string, text: string): { kind: SystemdErrorKind; property?: string } {
  switch (name) {
    case "org.freedesktop.systemd1.UnitExists":
      return { kind: "unit-exists" };
    case "org.freedesktop.DBus.Error.PropertyReadOnly":
    case "org.freedesktop.DBus.Error.UnknownProperty": {
      const m = /property (\w+)/i.exec(text);
      return { kind: "unknown-property", ...(m ? { property: m[1] } : {}) };
    }
    case "org.freedesktop.DBus.Error.AccessDenied":
    case "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
      return { kind: "access-denied" };
    case "org.freedesktop.DBus.Error.InvalidArgs": {
      const m = /(?:in|property|value of) (\w+)/.exec(text);
      return { kind: "invalid-argument", ...(m ? { property: m[1] } : {}) };
    }
    case "org.freedesktop.systemd1.NoSuchUnit":
    case "org.freedesktop.systemd1.LoadFailed":
      return { kind: "no-such-unit" };
    case "org.freedesktop.DBus.Error.ServiceUnknown":
    case "org.freedesktop.DBus.Error.NameHasNoOwner":
      return { kind: "no-bus" };
    // sd-bus sends a failing errno as System.Error.<ERRNO> (a value of the wrong type: ENXIO).
    case "System.Error.EINVAL":
    case "System.Error.ENXIO":
    case "System.Error.ERANGE":
    case "System.Error.EBADMSG":
      return { kind: "invalid-argument" };
    case "System.Error.EACCES":
    case "System.Error.EPERM":
      return { kind: "access-denied" };
    default:
      return { kind: "bus-error" };
  }
}

/** The unit's object path as systemd escapes it (sd_bus_path_encode: every byte outside [A-Za-z0-9] as _xx). @internal */
export function unitObjectPath(name: string): string {
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `_${byte.toString(16).padStart(2, "0")}`;
  }
  return `${MANAGER_PATH}/unit/${out}`;
}

function toVariant(v: { signature: string; value: unknown }): InstanceType<typeof Variant> {
  return new Variant(v.signature, v.value);
}

class DbusSystemdManager implements SystemdManager {
  private readonly finished = new Map<string, JobResult>();
  private readonly waiters = new Map<string, (result: JobResult) => void>();
  private closed: Error | undefined;

  constructor(
    readonly address: string,
    private readonly bus: InstanceType<typeof dbus.MessageBus>,
    private readonly callTimeoutMs: number,
  ) {
    bus.on("message", (msg) => {
      if (msg.type !== MessageType.SIGNAL || msg.interface !== MANAGER || msg.member !== "JobRemoved") return;
      const [, job, , result] = msg.body as [number, string, string, JobResult];
      const waiter = this.waiters.get(job);
      if (waiter) waiter(result);
      else this.finished.set(job, result);
    });
    bus.on("error", (err: unknown) => {
      this.closed = err instanceof Error ? err : new Error(String(err));
    });
  }

  private async call(member: string, signature: string, body: unknown[], what: string, unit?: string, target: { path: string; iface: string } = { path: MANAGER_PATH, iface: MANAGER }): Promise<unknown[]> {
    if (this.closed) throw new SystemdError("no-bus", `${what}: the bus connection at ${this.address} is gone (${this.closed.message})`, { unit, cause: this.closed });
    const msg = new Message({ destination: target.path.startsWith("/org/freedesktop/DBus") ? "org.freedesktop.DBus" : SYSTEMD, path: target.path, interface: target.iface, member, signature, body });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new SystemdError("job-timeout", `${what}: no reply from systemd within ${this.callTimeoutMs} ms`, { unit })), this.callTimeoutMs);
    });
    try {
      const reply = await Promise.race([this.bus.call(msg), timeout]);
      return reply?.body ?? [];
    } catch (err) {
      if (err instanceof SystemdError) throw err;
      const e = err as { type?: string; text?: string; message?: string };
      if (typeof e.type === "string") {
        const { kind, property } = classifyDbusError(e.type, e.text ?? "");
        throw new SystemdError(kind, `${what}: systemd said ${e.type}: ${e.text ?? ""}`, { unit, dbusName: e.type, ...(property ? { property } : {}), cause: err });
      }
      throw new SystemdError("bus-error", `${what}: ${e.message ?? String(err)}`, { unit, cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(): Promise<void> {
    const rule = `type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER}',member='JobRemoved'`;
    await this.call("AddMatch", "s", [rule], "AddMatch JobRemoved", undefined, { path: "/org/freedesktop/DBus", iface: "org.freedesktop.DBus" });
    await this.call("Subscribe", "", [], "Subscribe");
  }

  async startTransientUnit(name: string, mode: "fail" | "replace", properties: readonly UnitProperty[]): Promise<string> {
    const body = [name, mode, properties.map(([n, v]) => [n, toVariant(v)]), []];
    const [job] = await this.call("StartTransientUnit", "ssa(sv)a(sa(sv))", body, `StartTransientUnit ${name}`, name);
    return job as string;
  }

  async stopUnit(name: string, mode: "fail" | "replace"): Promise<string> {
    const [job] = await this.call("StopUnit", "ss", [name, mode], `StopUnit ${name}`, name);
    return job as string;
  }

  async resetFailedUnit(name: string): Promise<void> {
    await this.call("ResetFailedUnit", "s", [name], `ResetFailedUnit ${name}`, name);
  }

  async managerProperty(property: string): Promise<unknown> {
    const [value] = await this.call("Get", "ss", [MANAGER, property], `Get ${property} of the manager`, undefined, { path: MANAGER_PATH, iface: "org.freedesktop.DBus.Properties" });
    return (value as InstanceType<typeof Variant>).value;
  }

  async unitProperty(name: string, iface: string, property: string): Promise<unknown> {
    const [path] = await this.call("GetUnit", "s", [name], `GetUnit ${name}`, name);
    const [value] = await this.call("Get", "ss", [iface, property], `Get ${name} ${property}`, name, { path: path as string, iface: "org.freedesktop.DBus.Properties" });
    return (value as InstanceType<typeof Variant>).value;
  }

  waitForJob(job: string, deadline: number): Promise<JobResult> {
    const done = this.finished.get(job);
    if (done !== undefined) {
      this.finished.delete(job);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(job);
        reject(new SystemdError("job-timeout", `job ${job} did not finish by its deadline`));
      }, Math.max(0, deadline - Date.now()));
      this.waiters.set(job, (result) => {
        clearTimeout(timer);
        this.waiters.delete(job);
        resolve(result);
      });
    });
  }

  close(): void {
    this.closed ??= new Error("closed");
    this.bus.disconnect();
  }
}

/** Connect, say Hello, match JobRemoved and Subscribe. @internal */
export async function connectDbusManager(options: SystemdConnectOptions): Promise<SystemdManager> {
  const address = busAddress(options);
  const noBus = options.scope === "user" ? "no-user-bus" : "no-bus";
  const callTimeoutMs = options.callTimeoutMs ?? 25_000;
  let bus: InstanceType<typeof dbus.MessageBus>;
  try {
    bus = dbus.sessionBus({ busAddress: address });
  } catch (err) {
    throw new SystemdError(noBus, `cannot use the D-Bus address ${address}: ${(err as Error).message}`, { cause: err });
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SystemdError(noBus, `no answer from the D-Bus socket ${address} within ${callTimeoutMs} ms`)), callTimeoutMs);
    bus.once("connect", () => (clearTimeout(timer), resolve()));
    bus.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const code = err?.code ? ` (${err.code})` : "";
      reject(new SystemdError(err?.code === "EACCES" ? "access-denied" : noBus, `cannot connect to the D-Bus socket ${address}${code}: ${err?.message ?? String(err)}`, { cause: err }));
    });
  }).catch((err: unknown) => {
    try {
      bus.disconnect();
    } catch {
      // the stream never opened
    }
    throw err;
  });
  const manager = new DbusSystemdManager(address, bus, callTimeoutMs);
  try {
    await manager.subscribe();
  } catch (err) {
    manager.close();
    throw err;
  }
  return manager;
}
