// `run` as a boundary root cannot walk out of (issue #11), on the host's hybrid layout (v1 devices
// and memory, cgroup2 at unified): the escape attempts as root inside a confined run all fail, the
// limits hold and the group goes afterwards; with --no-confine the same attempts get out (so the
// test is not vacuous), except what the outer group holds by itself. Then the failure paths run
// had: a policy without /dev/null, a SIGKILLed run (stale marker, gc, rerun), concurrent runs of one
// name, exec into a frozen group and a command that ignores SIGTERM, --name a/b's parent.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { MAIN, ensureBuilt, spawnCollect } from "../support/cli.js";
import { ESCAPE_SCRIPT, escapeResults } from "../support/escape.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const hybridV1 = isRoot && layout !== undefined && ["memory", "devices", "freezer"].every((c) => hierarchyFor(layout, c)?.version === "v1" && hierarchyFor(layout, c)?.mountPoint);
const mountOf = (controller: string) => hierarchyFor(layout!, controller)!.mountPoint!;
const cgk = (...args: string[]) => spawnCollect(process.execPath, [MAIN, ...args]);

/** A test-owned parent group name, removed from every hierarchy when the test ends. */
function testParent(context: TestContext): string {
  const prefix = testName();
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

/** Every directory of `group` that still exists, across the hierarchies. */
function leftovers(group: string): string[] {
  return layout!.hierarchies.filter((h) => h.mountPoint && fs.existsSync(`${h.mountPoint}/${group}`)).map((h) => `${h.mountPoint}/${group}`);
}

/** A scratch dir with a node of a device libvirt-lxc denies (b 7:0, loop0), made outside any group. */
async function deniedNode(context: TestContext): Promise<{ scratch: string; node: string }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cgk-escape-"));
  context.onTestFinished(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const node = path.join(scratch, "loop0");
  const made = await spawnCollect("mknod", [node, "b", "7", "0"]);
  if (made.status !== 0) throw new Error(`mknod ${node}: ${made.stderr}`);
  return { scratch, node };
}

/** The escape script as root inside `run` (in a private mount namespace, so a remount that works touches nothing of the host's). */
async function escapeRun(context: TestContext, extra: readonly string[], rootMoves: boolean) {
  const prefix = testParent(context);
  const { scratch, node: nodePath } = await deniedNode(context);
  // The control, outside any group: this node opens.
  fs.closeSync(fs.openSync(nodePath, "r"));
  const r = await spawnCollect("unshare", ["--mount", "--propagation", "private", process.execPath, MAIN, "run", ...extra, "--parent", prefix, "--name", "esc", "--memory", "64M", "--memory-swap", "64M", "--devices", "libvirt-lxc", "--", "sh", "-c", ESCAPE_SCRIPT], {
    env: { ...process.env, CGK_GROUP: `${prefix}/esc`, CGK_PARENT: prefix, CGK_NODE: nodePath, CGK_SCRATCH: scratch, CGK_ROOT_MOVES: rootMoves ? "1" : "0" },
  });
  expect(r.stdout, r.stderr).toContain("done\n");
  return { prefix, r, results: escapeResults(r.stdout) };
}

describe.runIf(hybridV1)("run as a boundary on the host (v1 devices and memory, cgroup2 at unified; as root)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("confined (the default): every escape attempt is refused, the limits hold, the group is removed", async (context) => {
    const { prefix, r, results } = await escapeRun(context, [], true);
    expect(results["cgroup-self"]).toBe("/ "); // the cgroup namespace: /proc/self/cgroup shows /
    const refused = ["allow-leaf", "allow-outer", "child-mkdir", "child-widen", "proc-root", "remount-rw", "mknod-denied", "open-denied", "escape-open", "limit-outer"];
    for (const h of ["devices", "memory", "unified"]) refused.push(`move-parent-${h}`, `move-root-${h}`);
    for (const attempt of refused) expect({ attempt, result: results[attempt] }).toEqual({ attempt, result: "denied" });
    expect(r.stdout).toMatch(/^allow-leaf: denied .*Read-only file system/m);
    expect(r.stdout).toMatch(/^move-root-memory: denied .*Read-only file system/m);
    expect(r.stdout).toMatch(/^proc-root: denied .*Permission denied/m);
    expect(r.stdout).toMatch(/^open-denied: denied .*Operation not permitted/m);
    expect(results["open-allowed"]).toBe("ok");
    expect(results["memory-hog"]).toBe("denied"); // OOM-killed under the 64M limit
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit run: ${prefix}/esc exited 0: .* of 64\\.0 MiB, OOM kills 1`, "m"));
    expect(r.stderr).not.toMatch(/boundary open/);
    expect(leftovers(`${prefix}/esc`)).toEqual([]);
  });

  it("--no-confine: the same attempts get out (not vacuous), except what the outer group holds; the summary says the boundary is open", async (context) => {
    const { prefix, r, results } = await escapeRun(context, ["--no-confine"], false);
    expect(results["cgroup-self"]).toMatch(new RegExp(`^/${prefix}/esc/run-\\d+-\\d+ $`));
    for (const attempt of ["allow-outer", "child-mkdir", "move-parent-devices", "move-parent-memory", "move-parent-unified", "proc-root", "remount-rw", "escape-open", "limit-outer"]) {
      expect({ attempt, result: results[attempt] }).toEqual({ attempt, result: "ok" });
    }
    // The outer group holds even unconfined: the leaf's list, and a child's, are checked against it.
    expect(results["allow-leaf"]).toBe("denied");
    expect(results["child-widen"]).toBe("denied");
    expect(results["mknod-denied"]).toBe("denied");
    expect(results["open-denied"]).toBe("denied");
    expect(results["memory-hog"]).toBe("denied");
    expect(r.stderr).toMatch(/boundary open \(--no-confine\)/);
    expect(leftovers(`${prefix}/esc`)).toEqual([]);
  });

  it("a policy that denies /dev/null still runs the command (the stub opens no device)", async (context) => {
    const prefix = testParent(context);
    const policy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cgk-policy-")), "no-null.json");
    context.onTestFinished(() => fs.rmSync(path.dirname(policy), { recursive: true, force: true }));
    fs.writeFileSync(policy, JSON.stringify({ default: "deny", exceptions: ["c 1:5 rwm"] }));
    for (const extra of [[], ["--no-confine"]]) {
      const r = await cgk("run", ...extra, "--parent", prefix, "--devices", policy, "--", "sh", "-c", "echo ran; echo x > /dev/null || echo null-denied");
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "ran\nnull-denied\n" });
    }
  });

  it("a SIGKILLed run: ls shows its group as stale, a rerun of the name reclaims it, gc removes stale ones and nothing else", async (context) => {
    const prefix = testParent(context);
    const killRun = async (name: string) => {
      const child = spawn(process.execPath, [MAIN, "run", "--parent", prefix, "--name", name, "--", "sh", "-c", "echo up; exec sleep 60"], { stdio: ["ignore", "pipe", "pipe"] });
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      const pid = child.pid!;
      child.kill("SIGKILL");
      // "exit", not "close": the orphaned sleep still holds the pipes.
      await new Promise((resolve) => child.once("exit", resolve));
      child.stdout.destroy();
      child.stderr.destroy();
      return pid;
    };
    const owner = await killRun("a");
    await killRun("b");
    expect(fs.readdirSync(`${mountOf("memory")}/${prefix}/a`).filter((n) => n.startsWith("run-"))).toEqual([expect.stringMatching(new RegExp(`^run-${owner}-\\d+$`))]);
    const ls = await cgk("ls", prefix);
    expect(ls.stdout).toMatch(new RegExp(`^/${prefix}/a \\(stale run: owner ${owner} gone; cgroupkit gc removes it\\)`, "m"));
    const json = JSON.parse((await cgk("ls", "--json", prefix)).stdout) as Array<{ group: string; run?: { owners: number[]; stale: boolean } }>;
    expect(json.find((n) => n.group === `${prefix}/a`)?.run).toEqual({ owners: [owner], stale: true });
    // A group of someone else's, not a run's, is never taken for one.
    fs.mkdirSync(`${mountOf("memory")}/${prefix}/other`);
    fs.mkdirSync(`${mountOf("memory")}/${prefix}/other/child`);
    // The rerun of a's name: the stale group (and its orphaned sleep) is removed first.
    const rerun = await cgk("run", "--parent", prefix, "--name", "a", "--", "true");
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(new RegExp(`^cgroupkit run: removed the stale group ${prefix}/a`, "m"));
    expect(fs.existsSync(`${mountOf("memory")}/${prefix}/a`)).toBe(false);
    expect((await cgk("gc", "--dry-run", prefix)).stdout).toBe(`would remove ${prefix}/b\n`);
    expect(fs.existsSync(`${mountOf("memory")}/${prefix}/b`)).toBe(true);
    const gc = await cgk("gc", prefix);
    expect({ status: gc.status, stdout: gc.stdout }).toEqual({ status: 0, stdout: `removed ${prefix}/b\n` });
    expect(leftovers(`${prefix}/b`)).toEqual([]);
    expect(fs.existsSync(`${mountOf("memory")}/${prefix}/other/child`)).toBe(true);
    expect((await cgk("gc", prefix)).stdout).toBe("no stale run groups\n");
  });

  it("concurrent runs of one --name: exactly one runs; the others say it exists and never touch the winner's group", async (context) => {
    const prefix = testParent(context);
    const runs = await Promise.all(Array.from({ length: 5 }, () => cgk("run", "--parent", prefix, "--name", "same", "--", "sh", "-c", `sleep 1; cat ${mountOf("devices")}/${prefix}/same/devices.list`)));
    const winners = runs.filter((r) => r.status === 0);
    expect(winners).toHaveLength(1);
    // The winner's group kept its policy to the end: nobody set it to deny-all or removed it under it.
    expect(winners[0]!.stdout).toBe("c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 5:1 rwm\nc 1:8 rwm\nc 1:9 rwm\n");
    for (const loser of runs.filter((r) => r.status !== 0)) expect({ status: loser.status, stderr: loser.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^cgroupkit run: group .*same already exists .*\n$/) });
    expect(leftovers(`${prefix}/same`)).toEqual([]);
  });

  it("run --name a/b removes the a it made; the --parent stays", async (context) => {
    const prefix = testParent(context);
    const r = await cgk("run", "--parent", prefix, "--name", "a/b", "--", "true");
    expect(r.status, r.stderr).toBe(0);
    expect(leftovers(`${prefix}/a`)).toEqual([]);
    expect(fs.existsSync(`${mountOf("memory")}/${prefix}`)).toBe(true);
  });

  it("exec into a frozen group is refused at once, naming why; a command that ignores SIGTERM is killed on the second signal", async (context) => {
    const prefix = testParent(context);
    expect((await cgk("create", `${prefix}/g`)).status).toBe(0);
    fs.writeFileSync(`${mountOf("freezer")}/${prefix}/g/freezer.state`, "FROZEN");
    const started = Date.now();
    const frozen = await cgk("exec", `${prefix}/g`, "--", "true");
    expect({ status: frozen.status, stderr: frozen.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^cgroupkit exec: could not move the command into .*\/g: .*freezer\.state is (FROZEN|FREEZING); thaw it first; it was not started\n$/) });
    expect(Date.now() - started).toBeLessThan(10_000);
    fs.writeFileSync(`${mountOf("freezer")}/${prefix}/g/freezer.state`, "THAWED");
    const child = spawn(process.execPath, [MAIN, "exec", `${prefix}/g`, "--", "sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.1; done"], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    expect(await closed).toBe(128 + 9); // the command's status: killed by the SIGKILL the second signal sent
    expect((await cgk("delete", "--kill", `${prefix}/g`)).status).toBe(0);
  });
});
