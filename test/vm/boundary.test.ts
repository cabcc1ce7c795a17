// `run` as a boundary on pure cgroup v2 (the VM's kernel; the device ACL is an eBPF program on the
// outer group): the escape attempts as root inside a confined run all fail, the limits hold and the
// group is removed; with --no-confine the same attempts get out, except that the outer group's
// program still covers a group the command makes below its leaf. A denied device node (null_blk)
// opens outside any group: the control.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ESCAPE_SCRIPT, escapeResults } from "../support/escape.js";
import { removeTree, testName } from "../support/host.js";
import { ROOT } from "./support/v2.js";

const MAIN = path.resolve(import.meta.dirname, "../../dist/cli/cgroupkit.cjs");
let scratch: string;
let node: string;
const prefixes: string[] = [];

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build before the VM lane`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cgk-escape-"));
  const [major, minor] = fs.readFileSync("/sys/block/nullb0/dev", "utf8").trim().split(":");
  node = path.join(scratch, "nullb0");
  const made = spawnSync("mknod", [node, "b", major!, minor!], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`mknod ${node}: ${made.stderr}`);
});

afterAll(() => {
  for (const p of prefixes) removeTree(path.join(ROOT, p));
  fs.rmSync(scratch, { recursive: true, force: true });
});

function escapeRun(extra: readonly string[]) {
  const prefix = testName();
  prefixes.push(prefix);
  // The control, outside any group: the null_blk node opens.
  fs.closeSync(fs.openSync(node, "r"));
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", process.execPath, MAIN, "run", ...extra, "--parent", prefix, "--name", "esc", "--memory", "64M", "--memory-swap", "64M", "--devices", "libvirt-lxc", "--", "sh", "-c", ESCAPE_SCRIPT], {
    encoding: "utf8",
    env: { ...process.env, CGK_GROUP: `${prefix}/esc`, CGK_PARENT: prefix, CGK_NODE: node, CGK_SCRATCH: scratch, CGK_ROOT_MOVES: "1" },
    timeout: 110_000,
  });
  expect(r.stdout, r.stderr).toContain("done\n");
  expect(fs.existsSync(path.join(ROOT, prefix, "esc"))).toBe(false);
  return { prefix, r, results: escapeResults(r.stdout) };
}

describe("run as a boundary on cgroup v2 (eBPF device program, VM)", () => {
  it("confined: every escape attempt is refused, the limits hold, the group is removed", () => {
    const { prefix, r, results } = escapeRun([]);
    expect(results["cgroup-self"]).toBe("/ ");
    for (const attempt of ["child-mkdir", "child-enter", "child-widen", "move-parent-cgroup", "move-root-cgroup", "proc-root", "remount-rw", "mknod-denied", "open-denied", "escape-open", "limit-outer"]) {
      expect({ attempt, result: results[attempt] }).toEqual({ attempt, result: "denied" });
    }
    expect(r.stdout).toMatch(/^move-root-cgroup: denied .*Read-only file system/m);
    expect(r.stdout).toMatch(/^open-denied: denied .*Operation not permitted/m);
    expect(results["open-allowed"]).toBe("ok");
    expect(results["memory-hog"]).toBe("denied");
    expect(r.stderr).toMatch(new RegExp(`^cgroupkit run: ${prefix}/esc exited 0: .* of 64\\.0 MiB, OOM kills 1`, "m"));
  });

  it("--no-confine: the same attempts get out (not vacuous); the outer program still covers a child of the leaf", () => {
    const { r, results } = escapeRun(["--no-confine"]);
    expect(results["cgroup-self"]).toMatch(/^\/cgroupkit-test-.*\/esc\/run-\d+-\d+ $/);
    for (const attempt of ["child-mkdir", "child-enter", "move-root-cgroup", "proc-root", "remount-rw", "escape-open", "limit-outer"]) {
      expect({ attempt, result: results[attempt] }).toEqual({ attempt, result: "ok" });
    }
    expect(r.stdout).toMatch(/^child-widen: denied .*Operation not permitted/m);
    // The parent enables controllers for its children, so cgroup2's no-internal-process rule refuses
    // it (EBUSY; dash reports any failed write as "I/O error") whatever the boundary; the root takes the move.
    expect(results["move-parent-cgroup"]).toBe("denied");
    expect(results["mknod-denied"]).toBe("denied");
    expect(results["open-denied"]).toBe("denied");
    expect(results["memory-hog"]).toBe("denied");
    expect(r.stderr).toMatch(/boundary open \(--no-confine\)/);
  });
});
