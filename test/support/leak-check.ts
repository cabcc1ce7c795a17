// Fails the run when a cgroup this run created (a testName() group) is left on the host, and first sweeps the
// groups of earlier runs that were killed (SIGKILL, or a signal vitest answers without running afterAll).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** One marker per live run, `<run>.json`: the pid and start time that prove the run is still going. */
export const RUN_MARKERS = "/run/cgroupkit-test-runs";

interface RunMarker {
  pid: number;
  start: string;
}

/** Field 22 of /proc/PID/stat (start time in ticks since boot): with the pid, it names one process for good. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Removes a group and its child groups, deepest first; a group with processes is left, and named. */
function removeTree(dir: string, populated: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) removeTree(path.join(dir, e.name), populated);
  try {
    fs.rmdirSync(dir);
  } catch {
    populated.push(dir);
  }
}

/** Removes the groups of every run whose marker names a process that is gone; returns what it removed and left. */
export async function sweepDeadRuns(
  markers = RUN_MARKERS
): Promise<{ removed: string[]; left: string[] }> {
  const { leftoverTestGroups, TEST_PREFIX } = await import("./host.js");
  const removed: string[] = [];
  const left: string[] = [];
  let files: string[];
  try {
    files = fs.readdirSync(markers).filter((f) => f.endsWith(".json"));
  } catch {
    return { removed, left };
  }
  for (const file of files) {
    const run = file.slice(0, -".json".length);
    let marker: RunMarker;
    try {
      marker = JSON.parse(
        fs.readFileSync(path.join(markers, file), "utf8")
      ) as RunMarker;
    } catch {
      continue; // being written by a run starting now
    }
    if (processStart(marker.pid) === marker.start) continue; // still running
    const before = left.length;
    for (const group of leftoverTestGroups(TEST_PREFIX + run)) {
      removeTree(group, left);
      if (!fs.existsSync(group)) removed.push(group);
    }
    if (left.length === before)
      fs.rmSync(path.join(markers, file), { force: true });
  }
  return { removed, left };
}

export async function setup(): Promise<void> {
  // Inherited by the test workers: testName() puts it in every name, and teardown looks for it alone.
  process.env.CGROUPKIT_TEST_RUN ??= `${randomBytes(3).toString("hex")}-`;
  if (process.getuid?.() !== 0) return; // without root no test makes a group, and /run is not ours
  const swept = await sweepDeadRuns();
  if (swept.removed.length > 0)
    console.error(
      `removed ${
        swept.removed.length
      } cgroups of killed test runs:\n  ${swept.removed.join("\n  ")}`
    );
  if (swept.left.length > 0)
    console.error(
      `cgroups of killed test runs still hold processes (left as they are):\n  ${swept.left.join(
        "\n  "
      )}`
    );
  fs.mkdirSync(RUN_MARKERS, { recursive: true });
  const marker: RunMarker = {
    pid: process.pid,
    start: processStart(process.pid)!,
  };
  fs.writeFileSync(
    path.join(RUN_MARKERS, `${process.env.CGROUPKIT_TEST_RUN}.json`),
    JSON.stringify(marker)
  );
}

export async function teardown(): Promise<void> {
  const { leftoverTestGroups, TEST_PREFIX } = await import("./host.js");
  const run = process.env.CGROUPKIT_TEST_RUN ?? "";
  const left = leftoverTestGroups(TEST_PREFIX + run);
  if (left.length > 0) {
    console.error(
      `test cgroups left behind on the host:\n  ${left.join("\n  ")}`
    );
    // vitest 4 logs an error thrown from a global teardown and still exits 0: set the status instead.
    process.exitCode = 1;
  }
  // With groups left, the marker stays: this run ends now, so the next run's sweep removes them.
  else fs.rmSync(path.join(RUN_MARKERS, `${run}.json`), { force: true });
}
