// Rootless on systemd: uid 1000 runs the built CLI (and the library) with --user, and cgroupkit makes a
// delegated transient scope in user@1000.service over its session bus. Checked with the raw cgroup files,
// /proc/<pid>/cgroup and systemctl --user; the refusals (a controller not delegated, a device policy
// without privilege) are one line and leave no unit behind.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { spawnCollect, type Result } from "../support/cli.js";
import { CGROUP_ROOT, TEST_UID, leftoverCgroupkitState, run, showUnit, testUser, userBusEnv, waitFor } from "./support/systemd.js";

const PROJECT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(PROJECT, "dist/cli/cgroupkit.cjs");
const LIBRARY = path.join(PROJECT, "dist/src/index.js");
const MANAGER = `user@${TEST_UID}.service`;


/**
 * argv as uid 1000, from the suite's cgroup (ci.service, root's) with no session variables: what `su`
 * or a cron job gives. The CLI must find the bus at /run/user/1000/bus by itself.
 */
function asUser(argv: readonly string[]): Promise<Result> {
  const user = testUser();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/tmp", CI: "true", NO_COLOR: "1", LANG: "C" };
  return spawnCollect(argv[0]!, argv.slice(1), { env, uid: user.uid, gid: user.gid });
}
const cgk = (...args: string[]) => asUser([process.execPath, MAIN, ...args]);
const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split("\n").pop()!) as Record<string, any>;
const keyed = (text: string) => Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
const userUnits = () => run("systemctl", ["--user", "list-units", "--all", "--plain", "--no-legend", "cgroupkit*"], { as: testUser(), env: userBusEnv() }).trim();

let managerCg: string;
let managerControllers: string[];

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build before the systemd lane`);
  run("systemctl", ["start", MANAGER], { timeoutMs: 90_000 });
  managerCg = showUnit(MANAGER, ["ControlGroup"]).ControlGroup!;
  managerControllers = fs.readFileSync(`${CGROUP_ROOT}${managerCg}/cgroup.controllers`, "utf8").trim().split(/\s+/);
});

describe("run --user (uid 1000, the user manager)", () => {
  it("lands in a delegated scope under user@1000.service/app.slice with memory.max set, and leaves nothing", async () => {
    // What the command itself sees: its cgroup, the scope's raw memory.max, the unit as the user manager shows it.
    const where = `cg=$(cut -d: -f3 /proc/self/cgroup); echo "cgroup=$cg"; scope=$(dirname $cg); echo "unit=$(basename $scope)"; echo "scope-memory.max=$(cat /sys/fs/cgroup$scope/memory.max)"; echo "scope-owner=$(stat -c %u /sys/fs/cgroup$scope)"; XDG_RUNTIME_DIR=/run/user/${TEST_UID} systemctl --user show $(basename $scope) -p Delegate -p MemoryMax -p ActiveState`;
    const r = await cgk("run", "--user", "--json", "--memory", "64M", "--allow-no-device-policy", "--", "sh", "-c", `cat /proc/self/cgroup; ${where}`);
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    expect(r.status).toBe(0);
    const seen = keyed(r.stdout);
    expect(seen.unit).toMatch(/^cgroupkit-run-[0-9a-f]{12}\.scope$/);
    expect(r.stdout.split("\n")[0]).toBe(`0::${managerCg}/app.slice/${seen.unit}/payload`);
    expect(seen).toMatchObject({ "scope-memory.max": "67108864", "scope-owner": String(TEST_UID), Delegate: "yes", MemoryMax: "67108864", ActiveState: "active" });
    expect(summaryOf(r.stderr)).toMatchObject({ group: seen.unit, status: 0, oomKilled: false });
    expect(fs.existsSync(`${CGROUP_ROOT}${managerCg}/app.slice/${seen.unit}`)).toBe(false);
    expect(userUnits()).toBe("");
  });

  it("a memory hog under --memory 32M is OOM-killed, in memory.events and in the summary", async () => {
    const r = await cgk("run", "--user", "--json", "--memory", "32M", "--allow-no-device-policy", "--", "sh", "-c", "tail /dev/zero; grep oom_kill /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.events");
    expect(r.stdout).toMatch(/^oom_kill [1-9]/m);
    const summary = summaryOf(r.stderr);
    expect(BigInt(summary.memory.oomKills)).toBeGreaterThan(0n);
    expect(summary.memory.max).toBe("max"); // the leaf's own: the limit is the scope's MemoryMax
    // The kernel force-charges a task the OOM killer already picked (it must be able to exit), so the
    // peak may pass the limit by a few pages; without the limit, tail /dev/zero would reach gigabytes.
    if (summary.memory.peak !== undefined) expect(Number(summary.memory.peak)).toBeLessThanOrEqual(34 * 1024 * 1024);
  });

  it("a limit whose controller the user manager was not delegated: one line with the drop-in, no unit", async () => {
    // systemd's default user@.service delegates cpu memory pids; io does not reach the manager here.
    expect(managerControllers).not.toContain("io");
    const r = await cgk("run", "--user", "-p", "IOWeight=200", "--allow-no-device-policy", "--", "true");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`IOWeight needs the io controller, which systemd does not delegate to this user's manager (${CGROUP_ROOT}${managerCg}/cgroup.controllers lists ${managerControllers.join(" ")})`);
    expect(lines[0]).toContain("printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf");
    expect(userUnits()).toBe("");
  });

  it("a device policy is refused without privilege; --allow-no-device-policy runs without it and says so", async () => {
    const refused = await cgk("run", "--user", "--", "sh", "-c", "echo ran");
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/device policy \(preset libvirt-lxc\): the device policy cannot be enforced without privilege: the cgroup2 eBPF device filter needs CAP_SYS_ADMIN.*uid 1000 has neither; refused rather than run without it \(--allow-no-device-policy runs it without one/);
    expect(userUnits()).toBe("");

    const accepted = await cgk("run", "--user", "--allow-no-device-policy", "--memory", "64M", "--", "sh", "-c", "cut -d: -f3 /proc/self/cgroup");
    expect(accepted.status).toBe(0);
    expect(accepted.stdout.trim()).toMatch(new RegExp(`^${managerCg.replace(/[.@]/g, "\\$&")}/app\\.slice/cgroupkit-run-[0-9a-f]{12}\\.scope/payload$`));
    expect(accepted.stderr).toMatch(/^cgroupkit run: cgroupkit-run-[0-9a-f]{12}\.scope exited 0: .*; device policy preset libvirt-lxc NOT enforced: the device policy cannot be enforced without privilege/);
    expect(userUnits()).toBe("");
  });

  it("the library: connectUserManager + startUserScope as uid 1000, read back from the raw files", async () => {
    const code = `import * as lib from ${JSON.stringify(LIBRARY)};
import { spawn } from "node:child_process";
import * as fs from "node:fs";
const out = (v) => console.log(JSON.stringify(v));
const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
const manager = await lib.connectUserManager();
try {
  const delegation = await lib.readUserDelegation(manager, { layout: await lib.readCgroupLayout() });
  const scope = await lib.startUserScope(manager, { unit: "cgroupkit-lib-${process.pid}.scope", pids: [sleeper.pid], limits: { memory: { max: 48n << 20n }, pids: { max: 20n } } }, { layout: await lib.readCgroupLayout() });
  const seen = { delegation, controlGroup: scope.controlGroup, memoryMax: fs.readFileSync(scope.dir + "/memory.max", "utf8").trim(), pidsMax: fs.readFileSync(scope.dir + "/pids.max", "utf8").trim(), procCgroup: fs.readFileSync("/proc/" + sleeper.pid + "/cgroup", "utf8").trim() };
  let refused;
  try { await lib.startUserScope(manager, { unit: "cgroupkit-lib-io-${process.pid}.scope", pids: [process.pid], limits: { io: { weight: 100 } } }, { layout: await lib.readCgroupLayout() }); } catch (e) { refused = { name: e.name, code: e.code, missing: e.missing, dropIn: e.dropIn }; }
  await scope.stop();
  out({ ...seen, refused, gone: !fs.existsSync(scope.dir) });
} finally { manager.close(); sleeper.kill("SIGKILL"); }`;
    const r = await asUser([process.execPath, "--input-type=module", "-e", code]);
    expect(r.stderr).toBe("");
    const seen = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(seen.delegation).toEqual({ controlGroup: managerCg, dir: `${CGROUP_ROOT}${managerCg}`, controllers: managerControllers });
    expect(seen.controlGroup).toBe(`${managerCg}/app.slice/cgroupkit-lib-${process.pid}.scope`);
    expect(seen.procCgroup).toBe(`0::${seen.controlGroup}/payload`);
    expect(seen.memoryMax).toBe(String(48 * 1024 * 1024));
    expect(seen.pidsMax).toBe("20");
    expect(seen.refused).toEqual({ name: "UserDelegationError", code: "ERR_USER_DELEGATION", missing: ["io"], dropIn: { path: "/etc/systemd/system/user@.service.d/delegate.conf", text: "[Service]\nDelegate=cpu cpuset io memory pids\n" } });
    expect(seen.gone).toBe(true);
    await waitFor("no cgroupkit state left", () => (leftoverCgroupkitState().length === 0 && userUnits() === "" ? true : undefined));
  });
});
