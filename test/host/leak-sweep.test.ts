// The test run's sweep (test/support/leak-check.ts): groups of a killed run go, a live run's stay, a busy one is named.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sweepDeadRuns } from "../support/leak-check.js";
import { CGROUP_ROOT, TEST_PREFIX, v1Hierarchy } from "../support/host.js";

const hierarchy = v1Hierarchy("pids") ?? path.join(CGROUP_ROOT, "unified");
const made: string[] = [];
const markers = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-markers-"));

/** A fake earlier run: its id, a group with a child group under its prefix, and a marker for `pid`/`start`. */
function fakeRun(
  pid: number,
  start: string
): { run: string; group: string; child: string } {
  const run = `${randomBytes(3).toString("hex")}-`;
  const group = path.join(
    hierarchy,
    `${TEST_PREFIX}${run}${randomBytes(4).toString("hex")}`
  );
  const child = path.join(group, "leaf");
  fs.mkdirSync(child, { recursive: true });
  made.push(child, group);
  fs.writeFileSync(
    path.join(markers, `${run}.json`),
    JSON.stringify({ pid, start })
  );
  return { run, group, child };
}

function startOf(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

afterEach(() => {
  for (const dir of made.splice(0)) if (fs.existsSync(dir)) fs.rmdirSync(dir);
});

describe("test-run sweep of killed runs", () => {
  it("removes a dead run's groups, child first, and its marker", async () => {
    const dead = spawnSync("true").pid!; // exited: no process has this pid and start now
    const { run, group, child } = fakeRun(dead, "1");
    const swept = await sweepDeadRuns(markers);
    expect(swept.removed).toContain(group);
    expect(fs.existsSync(child)).toBe(false);
    expect(fs.existsSync(path.join(markers, `${run}.json`))).toBe(false);
  });

  it("keeps a live run's groups (same pid and start time), and sweeps a reused pid's", async () => {
    const live = fakeRun(process.pid, startOf(process.pid));
    const reused = fakeRun(process.pid, "0"); // the pid lives, but it is another process than the marker's
    const swept = await sweepDeadRuns(markers);
    expect(fs.existsSync(live.group)).toBe(true);
    expect(fs.existsSync(path.join(markers, `${live.run}.json`))).toBe(true);
    expect(swept.removed).toContain(reused.group);
    fs.rmSync(path.join(markers, `${live.run}.json`));
  });

  it("leaves a group that holds a process, names it, and keeps the marker", async () => {
    const dead = spawnSync("true").pid!;
    const { run, child } = fakeRun(dead, "1");
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(child, "cgroup.procs"), String(sleeper.pid));
      const swept = await sweepDeadRuns(markers);
      expect(swept.left).toContain(child);
      expect(fs.existsSync(child)).toBe(true);
      expect(fs.existsSync(path.join(markers, `${run}.json`))).toBe(true);
    } finally {
      const exited = new Promise((resolve) => sleeper.once("exit", resolve));
      sleeper.kill();
      await exited; // an exited process leaves the group, so afterEach can remove it
      fs.rmSync(path.join(markers, `${run}.json`), { force: true });
    }
  });
});
