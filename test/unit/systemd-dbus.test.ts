// The D-Bus SystemdManager over a real bus: a private dbus-daemon with a stand-in for
// org.freedesktop.systemd1, so the wire format (u64 as `t`, a(sv) variants), JobRemoved matching and the
// error mapping are checked on real messages. Only the service answering is fake.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import dbus from "@particle/dbus-next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busAddress, classifyDbusError, unitObjectPath } from "../../src/systemd/dbus.js";
import { connectSystemd, SystemdError, type SystemdManager } from "../../src/systemd/manager.js";
import { SYSTEMD_INFINITY } from "../../src/systemd/properties.js";

const { Message, Variant } = dbus;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-dbus-"));
const address = `unix:path=${dir}/bus`;
let daemon: ChildProcess | undefined;
let service: InstanceType<typeof dbus.MessageBus> | undefined;
const received: Array<{ member: string; body: unknown[] }> = [];
let jobSerial = 0;

/** Answers like systemd's Manager for the calls the driver makes. */
function serveFakeSystemd(bus: InstanceType<typeof dbus.MessageBus>): void {
  const job = () => `/org/freedesktop/systemd1/job/${++jobSerial}`;
  const removed = (path: string, unit: string, result: string) =>
    setTimeout(() => bus.send(Message.newSignal("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss", [jobSerial, path, unit, result])), 20);
  bus.addMethodHandler((msg: InstanceType<typeof Message>) => {
    received.push({ member: msg.member, body: msg.body });
    const reply = (sig: string, body: unknown[]) => (bus.send(Message.newMethodReturn(msg, sig, body)), true);
    const fail = (name: string, text: string) => (bus.send(Message.newError(msg as unknown as string, name, text)), true); // the library's types say string; it takes the call
    const [unit] = msg.body as [string];
    switch (msg.member) {
      case "Subscribe":
      case "ResetFailedUnit":
        return reply("", []);
      case "StartTransientUnit": {
        if (unit === "taken.scope") return fail("org.freedesktop.systemd1.UnitExists", `Unit ${unit} already exists.`);
        if (unit === "denied.scope") return fail("org.freedesktop.DBus.Error.AccessDenied", "Access denied");
        const props = msg.body[2] as Array<[string, InstanceType<typeof Variant>]>;
        const unknown = props.find(([n]) => n === "FancyNewThing");
        if (unknown) return fail("org.freedesktop.DBus.Error.PropertyReadOnly", "Cannot set property FancyNewThing, or unknown property.");
        const path = job();
        reply("o", [path]);
        removed(path, unit, unit === "fails.scope" ? "failed" : "done");
        return true;
      }
      case "StopUnit": {
        const path = job();
        reply("o", [path]);
        removed(path, unit, "done");
        return true;
      }
      case "GetUnit":
        return unit === "missing.scope" ? fail("org.freedesktop.systemd1.NoSuchUnit", `Unit ${unit} not loaded.`) : reply("o", [unitObjectPath(unit)]);
      case "Get":
        return reply("v", [new Variant("s", `/system.slice/${decodeURIComponent(msg.path.split("/").pop()!.replace(/_([0-9a-f]{2})/g, "%$1"))}`)]);
      default:
        return false;
    }
  });
}

beforeAll(async () => {
  daemon = spawn("dbus-daemon", ["--session", "--nofork", `--address=${address}`, "--print-address"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise<void>((resolve, reject) => {
    daemon!.once("error", reject);
    daemon!.stdout!.once("data", () => resolve());
  });
  service = dbus.sessionBus({ busAddress: address });
  await service.requestName("org.freedesktop.systemd1", 0);
  serveFakeSystemd(service);
});
afterAll(() => {
  service?.disconnect();
  if (daemon?.pid !== undefined) process.kill(daemon.pid, "SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
});

async function withManager<T>(fn: (m: SystemdManager) => Promise<T>): Promise<T> {
  const m = await connectSystemd({ address, callTimeoutMs: 3000 });
  try {
    return await fn(m);
  } finally {
    m.close();
  }
}

describe("SystemdManager over D-Bus", () => {
  it("subscribes, sends StartTransientUnit with u64 as t, and waits for the job's JobRemoved", async () => {
    await withManager(async (m) => {
      expect(received.map((r) => r.member)).toContain("Subscribe");
      const job = await m.startTransientUnit("a.scope", "fail", [
        ["PIDs", { signature: "au", value: [1] }],
        ["MemoryMax", { signature: "t", value: 64n << 20n }],
        ["MemoryHigh", { signature: "t", value: SYSTEMD_INFINITY }],
        ["Delegate", { signature: "b", value: true }],
      ]);
      expect(job).toMatch(/^\/org\/freedesktop\/systemd1\/job\/\d+$/);
      expect(await m.waitForJob(job, Date.now() + 2000)).toBe("done");
      const call = received.find((r) => r.member === "StartTransientUnit")!;
      const props = Object.fromEntries((call.body[2] as Array<[string, { signature: string; value: unknown }]>).map(([n, v]) => [n, [v.signature, v.value]]));
      expect(props).toEqual({ PIDs: ["au", [1]], MemoryMax: ["t", 67108864n], MemoryHigh: ["t", SYSTEMD_INFINITY], Delegate: ["b", true] });
      expect(call.body[3]).toEqual([]);
      expect(await m.unitProperty("a.scope", "org.freedesktop.systemd1.Scope", "ControlGroup")).toBe("/system.slice/a.scope");
      const stop = await m.stopUnit("a.scope", "replace");
      expect(await m.waitForJob(stop, Date.now() + 2000)).toBe("done");
    });
  });

  it("reports a failed job's result", async () => {
    await withManager(async (m) => {
      const job = await m.startTransientUnit("fails.scope", "fail", [["PIDs", { signature: "au", value: [1] }]]);
      expect(await m.waitForJob(job, Date.now() + 2000)).toBe("failed");
    });
  });

  it("maps systemd's error replies to typed errors that say what to do", async () => {
    await withManager(async (m) => {
      await expect(m.startTransientUnit("taken.scope", "fail", [])).rejects.toMatchObject({ kind: "unit-exists", dbusName: "org.freedesktop.systemd1.UnitExists" });
      await expect(m.startTransientUnit("denied.scope", "fail", [])).rejects.toThrow(/needs root/);
      await expect(m.startTransientUnit("b.scope", "fail", [["FancyNewThing", { signature: "b", value: true }]])).rejects.toMatchObject({ kind: "unknown-property", property: "FancyNewThing" });
      await expect(m.unitProperty("missing.scope", "org.freedesktop.systemd1.Scope", "ControlGroup")).rejects.toMatchObject({ kind: "no-such-unit" });
    });
  });

  it("a job that never ends: job-timeout at the deadline", async () => {
    await withManager(async (m) => {
      await expect(m.waitForJob("/org/freedesktop/systemd1/job/999999", Date.now() + 50)).rejects.toMatchObject({ kind: "job-timeout" });
    });
  });

  it("no socket: no-bus naming the address and the way out", async () => {
    const err = await connectSystemd({ address: `unix:path=${dir}/absent`, callTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as SystemdError).kind).toBe("no-bus");
    expect((err as Error).message).toMatch(/absent \(ENOENT\).*--driver cgroupfs/);
  });
});

describe("D-Bus helpers", () => {
  it("escapes unit object paths as sd_bus_path_encode does", () => {
    expect(unitObjectPath("cgroupkit-run-1a.scope")).toBe("/org/freedesktop/systemd1/unit/cgroupkit_2drun_2d1a_2escope");
  });
  it("classifies the D-Bus error names systemd uses", () => {
    expect(classifyDbusError("org.freedesktop.DBus.Error.PropertyReadOnly", "Cannot set property CPUQuotaPeriodUSec, or unknown property.")).toEqual({ kind: "unknown-property", property: "CPUQuotaPeriodUSec" });
    expect(classifyDbusError("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", "").kind).toBe("access-denied");
    expect(classifyDbusError("org.freedesktop.DBus.Error.ServiceUnknown", "").kind).toBe("no-bus");
    expect(classifyDbusError("System.Error.ENXIO", "Failed to set unit properties: Unexpected message contents").kind).toBe("invalid-argument");
    expect(classifyDbusError("org.example.Whatever", "").kind).toBe("bus-error");
  });
  it("picks the bus address: explicit, $CGROUPKIT_SYSTEMD_BUS, then the system or user default", () => {
    expect(busAddress({ address: "unix:path=/x" }, {})).toBe("unix:path=/x");
    expect(busAddress({}, { CGROUPKIT_SYSTEMD_BUS: "unix:path=/y" })).toBe("unix:path=/y");
    expect(busAddress({}, {})).toBe("unix:path=/run/dbus/system_bus_socket");
    expect(busAddress({ scope: "user" }, { XDG_RUNTIME_DIR: "/run/user/1000" })).toBe("unix:path=/run/user/1000/bus");
    expect(busAddress({ scope: "user" }, { DBUS_SESSION_BUS_ADDRESS: "unix:path=/s", XDG_RUNTIME_DIR: "/run/user/1000" })).toBe("unix:path=/s");
    // neither variable (su, sudo -u, a cron job): where pam_systemd puts the user's bus
    expect(busAddress({ scope: "user" }, {}, 1234)).toBe("unix:path=/run/user/1234/bus");
  });
});
