// A `run` SIGKILLed between its outer group's mkdir and its marker leaf's (the gap the claim closes):
// the claim beside the group names the dead owner, so gc removes the empty group and the claim, and
// a rerun of the name reclaims it; a group someone had before a dead run's claim is never taken.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hierarchyFor, readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { MAIN, ROOT, ensureBuilt, spawnCollect } from "../support/cli.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const layout: CgroupLayout | undefined = fs.existsSync("/proc/self/mountinfo") ? await readCgroupLayout() : undefined;
const hybridV1 = isRoot && layout !== undefined && ["memory", "pids"].every((c) => hierarchyFor(layout, c)?.version === "v1" && hierarchyFor(layout, c)?.mountPoint);
const mountOf = (controller: string) => hierarchyFor(layout!, controller)!.mountPoint!;
const cgk = (...args: string[]) => spawnCollect(process.execPath, [MAIN, ...args]);
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const STUCK = path.join(ROOT, "test/support/run-stuck-before-marker.ts");

/** A test-owned parent group name, removed from every hierarchy when the test ends. */
function testParent(context: TestContext): string {
  const prefix = testName();
  context.onTestFinished(() => {
    for (const h of layout!.hierarchies) if (h.mountPoint) removeTree(`${h.mountPoint}/${prefix}`);
  });
  return prefix;
}

/** Directories under the parent in the memory hierarchy (groups and claims). */
const entries = (prefix: string) =>
  fs
    .readdirSync(`${mountOf("memory")}/${prefix}`, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

/** `run --parent prefix --name name`, stopped right before its marker leaf's mkdir, then SIGKILLed; its pid. */
async function killBeforeMarker(context: TestContext, prefix: string, name: string): Promise<number> {
  const child = spawn(TSX, [STUCK, "run", "--parent", prefix, "--name", name, "--", "true"], { stdio: ["ignore", "pipe", "pipe"] });
  context.onTestFinished(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")));
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("stuck") && resolve());
    child.once("exit", () => reject(new Error(`the stuck run exited early: ${err}`)));
  });
  // tsx runs the script in a child node: kill the whole tree we started, by its pids.
  const pids = (await spawnCollect("pgrep", ["-P", String(child.pid)])).stdout.split("\n").filter(Boolean).map(Number);
  for (const pid of [child.pid!, ...pids]) process.kill(pid, "SIGKILL");
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  // The owner is the node that ran the script (tsx's child, or tsx itself): gone once reaped.
  const owner = pids[0] ?? child.pid!;
  for (let i = 0; i < 250 && fs.existsSync(`/proc/${owner}`); i++) await new Promise((r) => setTimeout(r, 20));
  return owner;
}

describe.runIf(hybridV1)("run killed before its marker leaf (as root, on the host)", { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("leaves a claim and an empty group; gc removes both and nothing else", async (context) => {
    const prefix = testParent(context);
    fs.mkdirSync(`${mountOf("memory")}/${prefix}`);
    fs.mkdirSync(`${mountOf("memory")}/${prefix}/other`); // someone else's empty group: never a run's
    await killBeforeMarker(context, prefix, "a");
    const left = entries(prefix);
    expect(left).toEqual(["a", expect.stringMatching(/^\.cgroupkit-claim-run-\d+-\d+-a$/), "other"].sort());
    expect(
      fs
        .readdirSync(`${mountOf("memory")}/${prefix}/a`, {
          withFileTypes: true,
        })
        .filter((e) => e.isDirectory())
    ).toEqual([]); // no marker: only the claim says whose it is
    expect((await cgk("gc", "--dry-run", prefix)).stdout).toBe(`would remove ${prefix}/a (claimed by a run that is gone)\n`);
    const gc = await cgk("gc", prefix);
    expect({
      status: gc.status,
      stdout: gc.stdout,
      stderr: gc.stderr,
    }).toEqual({ status: 0, stdout: `removed ${prefix}/a\n`, stderr: "" });
    expect(entries(prefix)).toEqual(["other"]);
    for (const c of ["memory", "pids"]) expect(fs.existsSync(`${mountOf(c)}/${prefix}/a`)).toBe(false);
  });

  it("a rerun of the name reclaims the group", async (context) => {
    const prefix = testParent(context);
    await killBeforeMarker(context, prefix, "a");
    const rerun = await cgk("run", "--parent", prefix, "--name", "a", "--", "sh", "-c", "echo ran");
    expect({ status: rerun.status, stdout: rerun.stdout }, rerun.stderr).toEqual({ status: 0, stdout: "ran\n" });
    expect(rerun.stderr).toMatch(new RegExp(`^cgroupkit run: removed the stale group ${prefix}/a`, "m"));
    expect(entries(prefix)).toEqual([]);
  });

  it("a group that was there before a dead run's claim is not the run's: gc and a rerun leave it", async (context) => {
    const prefix = testParent(context);
    for (const c of ["memory", "pids"]) fs.mkdirSync(`${mountOf(c)}/${prefix}/a`, { recursive: true }); // the user's, made first
    // A run of the name killed after its claim, before it learnt the name was taken.
    const dead = await killBeforeMarker(context, prefix, "b");
    const claimB = entries(prefix).find((n) => n.startsWith(".cgroupkit-claim-"))!;
    const claimA = claimB.replace(/-b$/, "-a");
    for (const c of ["memory", "pids"]) fs.mkdirSync(`${mountOf(c)}/${prefix}/${claimA}`); // a dead claim for a, younger than a
    expect(dead).toBeGreaterThan(0);
    const rerun = await cgk("run", "--parent", prefix, "--name", "a", "--", "true");
    expect({ status: rerun.status, stderr: rerun.stderr }).toEqual({
      status: 1,
      stderr: expect.stringMatching(/already exists/),
    });
    await cgk("gc", prefix);
    for (const c of ["memory", "pids"]) expect(fs.existsSync(`${mountOf(c)}/${prefix}/a`)).toBe(true);
    expect(entries(prefix)).toEqual(["a"]); // b's group and both dead claims went
  });
});
