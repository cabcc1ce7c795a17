// cgroup.freeze and cgroup.kill on a live process tree.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanupGroups, exited, keyed, newGroup, procs, read, spawnIn, until, write } from "./support/v2.js";

afterEach(cleanupGroups);

// A shell that starts `workers` background counters (each a subshell bumping its own file every
// 50 ms) and waits: a small live tree of processes, all in the group.
function counterTree(dir: string, workers: number) {
  const counters = Array.from({ length: workers }, (_, i) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cgk-")), `c${i}`));
  const script = `for f in "$@"; do (i=0; while :; do i=$((i+1)); echo $i > "$f"; sleep 0.05; done) & done; wait`;
  const child = spawnIn(dir, script, counters);
  const counts = () => counters.map((f) => (fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim() || 0) : 0));
  return { child, counts };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cgroup.freeze", () => {
  it("freezes a live process tree and thaws it", async () => {
    const group = newGroup();
    const { child, counts } = counterTree(group, 3);
    try {
      // sh + 3 subshells, each with a sleep now and then.
      await until("the tree to start counting", () => counts().every((c) => c > 2));
      expect(procs(group).length).toBeGreaterThanOrEqual(4);

      write(group, "cgroup.freeze", "1");
      await until("cgroup.events frozen 1", () => keyed(group, "cgroup.events").frozen === 1);
      const frozenAt = counts();
      await sleep(600);
      expect(counts(), "counters advanced while frozen").toEqual(frozenAt);
      for (const pid of procs(group)) {
        // A frozen task sleeps in the freezer trap; none may be running.
        expect(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]).not.toBe("R");
      }

      write(group, "cgroup.freeze", "0");
      await until("cgroup.events frozen 0", () => keyed(group, "cgroup.events").frozen === 0);
      await until("every counter to advance after the thaw", () => counts().every((c, i) => c > (frozenAt[i] ?? 0)));
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a frozen parent freezes its children's processes; the child's own cgroup.freeze stays 0", async () => {
    const parent = newGroup();
    const leaf = path.join(parent, "leaf");
    fs.mkdirSync(leaf);
    const { child, counts } = counterTree(leaf, 2);
    try {
      await until("the tree to start counting", () => counts().every((c) => c > 2));
      write(parent, "cgroup.freeze", "1");
      await until("the leaf to report frozen", () => keyed(leaf, "cgroup.events").frozen === 1);
      expect(read(leaf, "cgroup.freeze").trim()).toBe("0");
      const frozenAt = counts();
      await sleep(400);
      expect(counts()).toEqual(frozenAt);
      write(parent, "cgroup.freeze", "0");
      await until("the leaf to thaw", () => keyed(leaf, "cgroup.events").frozen === 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("cgroup.kill", () => {
  it("kills every process of a live tree, across nested groups, frozen or not", async () => {
    const parent = newGroup();
    const a = path.join(parent, "a");
    const b = path.join(parent, "b");
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    const treeA = counterTree(a, 2);
    const treeB = counterTree(b, 2);
    await until("both trees to count", () => [...treeA.counts(), ...treeB.counts()].every((c) => c > 1));
    const pids = [...procs(a), ...procs(b)];
    expect(pids.length).toBeGreaterThanOrEqual(6);
    write(b, "cgroup.freeze", "1");
    await until("b frozen", () => keyed(b, "cgroup.events").frozen === 1);

    write(parent, "cgroup.kill", "1");
    const [exitA, exitB] = await Promise.all([exited(treeA.child), exited(treeB.child)]);
    expect(exitA.signal).toBe("SIGKILL");
    expect(exitB.signal).toBe("SIGKILL");
    await until("the parent to become unpopulated", () => keyed(parent, "cgroup.events").populated === 0);
    expect(procs(a)).toEqual([]);
    expect(procs(b)).toEqual([]);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8")), `pid ${pid} still alive`).toBe(false);
  });
});
