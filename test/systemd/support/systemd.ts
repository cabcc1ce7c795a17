// Helpers for the systemd suite inside the VM, through systemd's own tools (systemctl, busctl):
// nothing here goes through cgroupkit, so these tests hold whatever the driver does.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The uid the lane makes usable for rootless tests, and its user manager's runtime directory. */
export const TEST_UID = 1000;
export const TEST_RUNTIME_DIR = `/run/user/${TEST_UID}`;

export interface AsUser {
  readonly uid: number;
  readonly gid: number;
}

/** The user the lane set up for uid 1000 (CGROUPKIT_TEST_USER) with its primary gid. */
export function testUser(): AsUser & { name: string } {
  const name = process.env.CGROUPKIT_TEST_USER;
  if (!name) throw new Error("CGROUPKIT_TEST_USER is not set: the lane's ci-run.sh sets it to uid 1000's name");
  const entry = run("getent", ["passwd", String(TEST_UID)]).trim().split(":");
  return { name, uid: TEST_UID, gid: Number(entry[3]) };
}

/** The environment that points systemctl/busctl --user at uid 1000's manager. */
export function userBusEnv(): NodeJS.ProcessEnv {
  return { ...process.env, XDG_RUNTIME_DIR: TEST_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS: `unix:path=${TEST_RUNTIME_DIR}/bus` };
}

/** Run a tool and return its stdout; on failure, throw with the command, status and stderr. */
export function run(command: string, args: readonly string[], options: { as?: AsUser; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(command, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      env: options.env ?? process.env,
      ...(options.as ? { uid: options.as.uid, gid: options.as.gid } : {}),
    });
  } catch (err) {
    const e = err as { status?: number; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed (status ${e.status ?? "?"}): ${(e.stderr ?? "").trim() || e.message}`);
  }
}

/** `systemctl show -p …` of a unit as name → value. */
export function showUnit(unit: string, properties: readonly string[], options: { user?: boolean } = {}): Record<string, string> {
  const args = [...(options.user ? ["--user"] : []), "show", unit, ...properties.flatMap((p) => ["-p", p])];
  const out = options.user ? run("systemctl", args, { as: testUser(), env: userBusEnv() }) : run("systemctl", args);
  return Object.fromEntries(
    out
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** A unit name no other test uses: `cgroupkit-test-<random>.<type>`, so the leftover check sees it. */
export function testUnitName(type: "scope" | "slice" | "service"): string {
  return `cgroupkit-test-${randomBytes(4).toString("hex")}.${type}`;
}

/** One property of a transient unit in busctl's notation: name, D-Bus signature, value(s). */
export type UnitProperty = readonly [name: string, signature: string, ...values: (string | number | boolean)[]];

/**
 * The raw `StartTransientUnit(name, "fail", properties, [])` call over the system bus (or uid
 * 1000's session bus with `user`), by busctl; returns the job's object path.
 */
export function startTransientUnit(name: string, properties: readonly UnitProperty[], options: { user?: boolean } = {}): string {
  const args = [
    ...(options.user ? ["--user"] : []),
    "call",
    "org.freedesktop.systemd1",
    "/org/freedesktop/systemd1",
    "org.freedesktop.systemd1.Manager",
    "StartTransientUnit",
    "ssa(sv)a(sa(sv))",
    name,
    "fail",
    String(properties.length),
    ...properties.flatMap(([prop, signature, ...values]) => [prop, signature, ...values.map(String)]),
    "0",
  ];
  const out = options.user ? run("busctl", args, { as: testUser(), env: userBusEnv() }) : run("busctl", args);
  const job = /^o "(.+)"$/.exec(out.trim());
  if (!job) throw new Error(`StartTransientUnit ${name} replied ${JSON.stringify(out)}, not a job path`);
  return job[1]!;
}

/** Poll until `check` returns a value other than undefined, or throw naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A long sleep to put into a unit; stdio detached so it holds no pipe of the test. */
export function startSleeper(as?: AsUser): ChildProcess {
  const child = spawn("sleep", ["600"], { stdio: "ignore", ...(as ? { uid: as.uid, gid: as.gid } : {}) });
  if (child.pid === undefined) throw new Error("could not start sleep");
  return child;
}

/** The cgroup directory of a unit from its ControlGroup property (never derived from its name). */
export function unitCgroupDir(controlGroup: string): string {
  if (!controlGroup.startsWith("/")) throw new Error(`ControlGroup ${JSON.stringify(controlGroup)} is not a cgroup path`);
  return path.join(CGROUP_ROOT, controlGroup);
}

/** Every cgroup directory under `dir` (depth first, children before their parent). */
export function cgroupDirsBelow(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const child = path.join(dir, entry.name);
    out.push(...cgroupDirsBelow(child), child);
  }
  return out;
}

/** Everything named cgroupkit… that is left: system units (any state) and cgroup directories. */
export function leftoverCgroupkitState(): string[] {
  const units = run("systemctl", ["list-units", "--all", "--plain", "--no-legend", "cgroupkit*"])
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => `unit ${l}`);
  const dirs = cgroupDirsBelow(CGROUP_ROOT)
    .filter((d) => path.basename(d).startsWith("cgroupkit"))
    .map((d) => `cgroup ${d}`);
  return [...units, ...dirs];
}
