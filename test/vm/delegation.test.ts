// Rootless without systemd, on pure cgroup v2: root delegates a subtree by ownership
// (Cgroup.delegate), and uid 1000 works inside it with the built CLI and the library. Outside it,
// the kernel's delegation rules refuse, cgroupkit names the rule, and nothing changes.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { spawnCollect, type Result } from "../support/cli.js";
import { testName } from "../support/host.js";
import { cleanupGroups, enableAll, exited, procs, read, readWords, ROOT, spawnIn, track, until, write } from "./support/v2.js";

const PROJECT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(PROJECT, "dist/cli/cgroupkit.cjs");
const LIBRARY = path.join(PROJECT, "dist/src/index.js");
const UID = 1000;
const CONTROLLERS = ["cpu", "memory", "pids"] as const;


let top: string; // test-owned, root's: /sys/fs/cgroup/<top>
let topDir: string;
let delegDir: string; // <top>/deleg, delegated to uid 1000
let sessionDir: string; // <top>/deleg/session: where the user's commands start, as a login session would
const background: ReturnType<typeof spawn>[] = [];

/** Run argv as uid 1000, started inside `dir` (root puts it there, then drops to the user, as a session manager would). */
function asUser(dir: string, argv: readonly string[], input = ""): Promise<Result> {
  const script = 'echo $$ > "$0/cgroup.procs" || exit 97; exec setpriv --reuid 1000 --regid 1000 --clear-groups "$@"';
  return spawnCollect("/bin/sh", ["-c", script, dir, ...argv], { env: { ...process.env, HOME: process.env.TMPDIR ?? "/tmp" }, input });
}

const cgk = (...args: string[]) => asUser(sessionDir, [process.execPath, MAIN, ...args]);

/** Run an ES module body as uid 1000 with the built library imported as `lib`; it prints one JSON line. */
async function libraryAsUser(body: string): Promise<Record<string, unknown>> {
  const code = `import * as lib from ${JSON.stringify(LIBRARY)};\nconst out = (v) => console.log(JSON.stringify(v));\ntry {\n${body}\n} catch (e) { out({ threw: e.name, rule: e.rule, code: e.code, message: e.message }); }`;
  const r = await asUser(sessionDir, [process.execPath, "--input-type=module", "-e", code]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
}

/** Every directory under a group, relative: what "nothing changed" is checked against. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      out.push(`${rel}${e.name}`);
      walk(path.join(d, e.name), `${rel}${e.name}/`);
    }
  };
  walk(dir, "");
  return out.sort();
}

beforeAll(async () => {
  expect(fs.existsSync(MAIN), `${MAIN} is missing: npm run build before the VM lane`).toBe(true);
  top = testName();
  topDir = path.join(ROOT, top);
  write(ROOT, "cgroup.subtree_control", CONTROLLERS.map((c) => `+${c}`).join(" "));
  const deleg = await Cgroup.create(`${top}/deleg`, { controllers: CONTROLLERS });
  track(topDir);
  delegDir = path.join(topDir, "deleg");
  await deleg.delegate(UID, UID);
  const session = await Cgroup.create(`${top}/deleg/session`, { controllers: CONTROLLERS });
  await session.delegate(UID, UID);
  sessionDir = path.join(delegDir, "session");
});

afterEach(async () => {
  for (const child of background.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited(child);
  }
});

afterAll(() => {
  cleanupGroups();
  enableAll(ROOT);
});

describe("rootless by ownership: uid 1000 inside a subtree root delegated with Cgroup.delegate", () => {
  it("the delegation: the directory and the kernel's delegatable files are the user's, the resource files root's", () => {
    expect(fs.statSync(delegDir).uid).toBe(UID);
    for (const f of ["cgroup.procs", "cgroup.subtree_control"]) expect(fs.statSync(path.join(delegDir, f)).uid).toBe(UID);
    expect(fs.statSync(path.join(delegDir, "memory.max")).uid).toBe(0);
  });

  it("create, set, exec and run work inside it", async () => {
    const work = `${top}/deleg/work`;
    const created = await cgk("create", "--controllers", "memory,pids", work);
    expect(created, created.stderr).toMatchObject({ status: 0 });
    const workDir = path.join(ROOT, work);
    expect(fs.statSync(workDir).uid).toBe(UID);
    expect(readWords(path.join(delegDir, "cgroup.subtree_control"))).toEqual(expect.arrayContaining(["memory", "pids"]));

    const set = await cgk("set", work, "memory.max=64M", "pids.max=50");
    expect(set, set.stderr).toMatchObject({ status: 0 });
    expect(read(workDir, "memory.max").trim()).toBe(String(64 * 1024 * 1024));
    expect(read(workDir, "pids.max").trim()).toBe("50");

    const exec = await cgk("exec", work, "--", "cat", "/proc/self/cgroup");
    expect(exec, exec.stderr).toMatchObject({ status: 0, stdout: `0::/${work}\n` });

    // Unprivileged, confinement is refused (its namespaces need CAP_SYS_ADMIN); --no-confine runs without it.
    const refused = await cgk("run", "--parent", `${top}/deleg`, "--name", "job", "--allow-no-device-policy", "--", "true");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^cgroupkit run: confinement \(the default\) needs root: .*--no-confine runs without it/);
    // The command runs in the run's leaf (run-<pid>-<start>); the limits sit on the group above it.
    const run = await cgk("run", "--no-confine", "--parent", `${top}/deleg`, "--name", "job", "--memory", "64M", "--pids", "40", "--allow-no-device-policy", "--", "sh", "-c", "cat /proc/self/cgroup; cat \"/sys/fs/cgroup/$(dirname $(cut -d: -f3 /proc/self/cgroup))/memory.max\"");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^0::/${top}/deleg/job/run-\\d+-\\d+\n${64 * 1024 * 1024}\n$`));
    expect(run.stderr).toMatch(/cgroupkit run: .*\/deleg\/job exited 0: .* of 64\.0 MiB/);
    expect(fs.existsSync(path.join(delegDir, "job"))).toBe(false); // removed afterwards, by the user
    expect(tree(delegDir).sort()).toEqual(["session", "work"]);
  });

  it("run --memory confines the command: the OOM killer ends it inside the user's group", async () => {
    const run = await cgk("run", "--no-confine", "--parent", `${top}/deleg`, "--memory", "32M", "--memory-swap", "32M", "--allow-no-device-policy", "--", "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}");
    expect(run.stderr).toMatch(/killed by SIGKILL \(the OOM killer\).*OOM kills [1-9]/);
    expect(run.status).toBe(137);
  });

  it("a device policy cannot be enforced without privilege: refused by default, before anything is made", async () => {
    const before = tree(delegDir);
    const run = await cgk("run", "--no-confine", "--parent", `${top}/deleg`, "--memory", "64M", "--", "true");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^cgroupkit run: device policy \(preset libvirt-lxc\): the device policy cannot be enforced without privilege: the cgroup2 eBPF device filter needs CAP_SYS_ADMIN, or CAP_BPF with CAP_NET_ADMIN, and uid 1000 has neither; refused rather than run without it \(--allow-no-device-policy runs it without one where it cannot be enforced, and says so\)\n$/);
    expect(tree(delegDir)).toEqual(before);
    const lib = await libraryAsUser(`const cg = await lib.Cgroup.open(${JSON.stringify(`${top}/deleg/session`)}); await lib.applyDevicePolicy(cg, lib.devicePreset("libvirt-lxc")); out({ applied: true });`);
    expect(lib).toMatchObject({ threw: "DevicePolicyPrivilegeError", code: "ERR_DEVICE_PRIVILEGE" });
  });

  it("outside the subtree: create, set of the delegation root's limits and exec are refused, naming the rule; nothing changes", async () => {
    const rootOwned = `${top}/rootowned`;
    fs.mkdirSync(path.join(ROOT, rootOwned));
    const beforeTop = tree(topDir);
    const memoryMax = read(delegDir, "memory.max");

    const create = await cgk("create", "--controllers", "memory", `${top}/outside`);
    expect(create.status).toBe(1);
    expect(create.stderr).toMatch(new RegExp(`^cgroupkit create: mkdir /sys/fs/cgroup/${top}/outside: EACCES: /sys/fs/cgroup/${top} is not delegated to uid 1000 \\(owner uid 0, mode 755\\): a delegatee creates groups only inside the subtree it was given \\(cgroup-v2 "Model of Delegation"\\); cgroupkit needs root \\(or a group delegated to this user\\) for this\\n$`));
    // asking for a controller the delegator did not enable for the subtree: refused at the delegator's file, before any mkdir
    const io = await cgk("create", "--controllers", "memory,io", `${top}/deleg/withio`);
    expect(io.status).toBe(1);
    expect(io.stderr).toMatch(new RegExp(`^cgroupkit create: write /sys/fs/cgroup/(${top}/)?cgroup.subtree_control value "\\+io": EACCES: /sys/fs/cgroup(/${top})? is not delegated to uid 1000 .*: which controllers its children get is the delegator's choice; ask its owner to enable them there`));
    // without --controllers a delegatee takes what each level above it enables
    const plain = await cgk("create", `${top}/deleg/plain`);
    expect(plain, plain.stderr).toMatchObject({ status: 0 });
    fs.rmdirSync(path.join(delegDir, "plain"));

    const set = await cgk("set", `${top}/deleg`, "memory.max=1M");
    expect(set.status).toBe(1);
    expect(set.stderr).toMatch(/delegated to uid 1000 but memory\.max is not .*stay the delegator's; set limits in a child group \(cgroup-v2 "Model of Delegation"\)/);

    const exec = await cgk("exec", rootOwned, "--", "touch", "/tmp/cgroupkit-delegation-ran");
    expect(exec.status).toBe(1);
    expect(exec.stderr).toMatch(/cgroup\.procs is not delegated to uid 1000 .*a delegatee moves processes only into groups of its subtree/);
    expect(fs.existsSync("/tmp/cgroupkit-delegation-ran")).toBe(false);

    expect(tree(topDir)).toEqual(beforeTop);
    expect(read(delegDir, "memory.max")).toBe(memoryMax);
  });

  it("doctor, as the user: delegated, the delegation root, what run can enforce, and the fixes", async () => {
    const r = await cgk("doctor", "--json");
    expect(r, r.stderr).toMatchObject({ status: 0, stderr: "" });
    const report = JSON.parse(r.stdout) as { delegation: { delegated: boolean; root?: string }; devices: { usable: boolean }; run: { driver: string; enforceable: Record<string, boolean> }; fixes: Array<{ problem: string; fix: string }>; caller: { uid: number } };
    expect(report.caller.uid).toBe(UID);
    expect(report.delegation).toMatchObject({ delegated: true, root: `/${top}/deleg` });
    expect(report.devices.usable).toBe(false);
    expect(report.run.driver).toBe("cgroupfs");
    expect(report.fixes).toContainEqual({ problem: "run and create would write outside the delegated subtree", fix: `export CGROUPKIT_PARENT=${top}/deleg` });
    const inside = await asUser(sessionDir, ["env", `CGROUPKIT_PARENT=${top}/deleg`, process.execPath, MAIN, "doctor", "--json"]);
    const there = JSON.parse(inside.stdout) as typeof report;
    expect(there.run.enforceable).toEqual({ memory: true, cpu: true, pids: true, devices: false });
    expect(there.fixes.map((f) => f.problem)).toEqual([expect.stringMatching(/^no device policy can be enforced/)]);
  });

  it("the library's typed errors: not-delegated, delegation-root-resources, common-ancestor, no-internal-processes", async () => {
    const beforeTop = tree(topDir);
    const outside = await libraryAsUser(`await lib.Cgroup.create(${JSON.stringify(`${top}/outside2`)}); out({ created: true });`);
    expect(outside).toMatchObject({ threw: "DelegationError", rule: "not-delegated", code: "EACCES" });

    const rootLimits = await libraryAsUser(`const cg = await lib.Cgroup.open(${JSON.stringify(`${top}/deleg`)}); await lib.applyResources(cg, { memory: { max: 1048576n } }); out({ applied: true });`);
    expect(rootLimits).toMatchObject({ threw: "DelegationError", rule: "delegation-root-resources", code: "EACCES" });

    // a process of the user's, outside the subtree: moving it in needs the common ancestor's cgroup.procs
    const park = path.join(topDir, "park");
    fs.mkdirSync(park);
    const parked = spawnIn(park, "exec setpriv --reuid 1000 --regid 1000 --clear-groups sleep 600");
    background.push(parked);
    const pid = await until("the parked sleeper", () => procs(park)[0]);
    const moved = await libraryAsUser(`const cg = await lib.Cgroup.open(${JSON.stringify(`${top}/deleg/session`)}); await cg.attach(${pid}); out({ moved: true });`);
    expect(moved).toMatchObject({ threw: "DelegationError", rule: "common-ancestor", code: "EACCES" });
    expect(String(moved.message)).toContain(`moving pid ${pid} from /${top}/park to /${top}/deleg/session needs write access to cgroup.procs of their common ancestor /${top}`);
    expect(procs(park)).toEqual([pid]);

    // the session has a process (the script itself): it cannot enable controllers for a child
    const internal = await libraryAsUser(`await lib.Cgroup.create(${JSON.stringify(`${top}/deleg/session/sub`)}, { controllers: ["memory"] }); out({ created: true });`);
    expect(internal).toMatchObject({ threw: "DelegationError", rule: "no-internal-processes", code: "EBUSY" });
    expect(fs.existsSync(path.join(sessionDir, "sub"))).toBe(false); // refused before sub was made
    expect(readWords(path.join(sessionDir, "cgroup.subtree_control"))).toEqual([]);

    expect(tree(topDir)).toEqual([...beforeTop, "park"].sort());
  });
});
