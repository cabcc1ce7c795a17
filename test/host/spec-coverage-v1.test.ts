// The v1 spec against the running kernel: every control file a v1 hierarchy shows (at its root and in a fresh child)
// must be in the spec, with the access its mode bits give and the `where` it really has.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accessOfMode, compareSpecWithListing, kernelReleaseAtLeast } from "../../src/cli/spec-coverage.js";
import type { ManifestRecord } from "../../src/runtime/manifest.js";
import { isRoot, removeTree, testName } from "../support/host.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The fields of a generated/manifest.json record this test needs. */
type SpecRecord = Pick<ManifestRecord, "version" | "controller" | "file" | "access" | "where" | "since" | "requires" | "param">;

/** The v1 records of generated/manifest.json (the spec as generated; `npm run generate --check` keeps it current). */
function loadV1Spec(): SpecRecord[] {
  const manifest = path.join(ROOT, "generated/manifest.json");
  if (!fs.existsSync(manifest)) throw new Error(`${manifest} is missing: run npm run generate`);
  const all = JSON.parse(fs.readFileSync(manifest, "utf8")) as SpecRecord[];
  return all.filter((r) => r.version === "v1");
}

const accessOf = accessOfMode;

/** Control files (regular files) of one cgroup directory with their access. */
function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) out.set(entry.name, accessOf(fs.statSync(path.join(dir, entry.name)).mode));
  }
  return out;
}

interface Hierarchy {
  mountPoint: string;
  /** Controllers bound to it (empty for a named hierarchy such as name=systemd). */
  controllers: string[];
  label: string;
}

/** Controller names the kernel knows, from /proc/cgroups: name → hierarchy id. */
function kernelControllers(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of fs.readFileSync("/proc/cgroups", "utf8").split("\n")) {
    const [name, hierarchy] = line.split(/\s+/);
    if (!name || name.startsWith("#") || hierarchy === undefined) continue;
    out.set(name, Number(hierarchy));
  }
  return out;
}

/** Every v1 hierarchy mounted here whose mount shows the hierarchy's own root (one mount per hierarchy). */
function mountedV1Hierarchies(): Hierarchy[] {
  const known = kernelControllers();
  const seen = new Set<string>();
  const out: Hierarchy[] = [];
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const [fsType, , superOptions = ""] = line.slice(sep + 3).split(" ");
    const root = left[3];
    const mountPoint = left[4]?.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (fsType !== "cgroup" || root !== "/" || !mountPoint) continue;
    const options = superOptions.split(",");
    // noprefix mounts show cpuset files without their prefix; the spec names files as the kernel does by default.
    if (options.includes("noprefix")) continue;
    const controllers = options.filter((o) => known.has(o)).sort();
    const name = options.find((o) => o.startsWith("name="));
    const label = [...controllers, ...(name ? [name] : [])].join(",");
    if (seen.has(label)) continue;
    seen.add(label);
    out.push({ mountPoint, controllers, label });
  }
  return out;
}

const kernelAtLeast = (version: string) => kernelReleaseAtLeast(os.release(), version);

/**
 * Compares the files of a hierarchy's root and of a fresh child with the spec; returns one line per problem.
 * `rootFiles`/`childFiles`: file name → access from mode bits.
 */
function compare(label: string, controllers: readonly string[], spec: readonly SpecRecord[], rootFiles: Map<string, string>, childFiles: Map<string, string>): string[] {
  const relevant = spec.filter((r) => r.controller === "core" || controllers.includes(r.controller));
  // An entry with no config requirement, old enough for this kernel, must be here: a misspelt spec name shows up this way.
  const findings = compareSpecWithListing(relevant, { root: rootFiles, below: [{ level: "child", files: childFiles }] }, { absent: { kernelAtLeast } });
  return findings.map((f) => {
    switch (f.kind) {
      case "unknown":
        return `${label}: ${f.file} is not in the spec`;
      case "ambiguous":
        return `${label}: ${f.file} matches several spec entries: ${f.records.map((r) => r.file).join(", ")}`;
      case "access":
        return `${label}: ${f.file} (${f.record.file}) is ${f.access} by its mode bits in the ${f.level} but the spec says ${f.record.access}`;
      case "where":
        return `${label}: ${f.file} (${f.record.file}) exists ${describeWhere(f.where)} but the spec says where: ${f.record.where}`;
      case "absent":
        return `${label}: the spec's ${f.record.file} (${f.record.controller}) needs no kernel option but this kernel does not show it`;
      default:
        throw new Error(`unexpected finding ${f.kind} with one child level and no bare listing`);
    }
  });
}

function describeWhere(where: "root" | "non-root" | "all"): string {
  return where === "all" ? "at the root and in children" : where === "root" ? "only at the root" : "only in children";
}

const records = loadV1Spec();

describe("compare (the checker itself)", () => {
  const spec: SpecRecord[] = [
    { version: "v1", controller: "core", file: "tasks", access: "rw", where: "all", since: null },
    { version: "v1", controller: "pids", file: "pids.max", access: "rw", where: "non-root", since: null },
    { version: "v1", controller: "hugetlb", file: "hugetlb.<size>.usage_in_bytes", access: "ro", where: "all", since: null, param: { name: "size", pattern: "[0-9]+[KMG]B" } },
  ];
  const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it("accepts a matching listing, templated names included", () => {
    expect(compare("t", ["pids", "hugetlb"], spec, files({ tasks: "rw", "hugetlb.2MB.usage_in_bytes": "ro" }), files({ tasks: "rw", "pids.max": "rw", "hugetlb.2MB.usage_in_bytes": "ro" }))).toEqual([]);
  });

  it("reports unknown files, wrong access, wrong where and missing unconditional entries", () => {
    const problems = compare("t", ["pids", "hugetlb"], spec, files({ tasks: "rw", "pids.max": "rw", "pids.bogus": "ro" }), files({ tasks: "ro", "pids.max": "rw" }));
    expect(problems).toEqual([
      "t: tasks (tasks) is ro by its mode bits in the child but the spec says rw",
      "t: pids.max (pids.max) exists at the root and in children but the spec says where: non-root",
      "t: pids.bogus is not in the spec",
      "t: the spec's hugetlb.<size>.usage_in_bytes (hugetlb) needs no kernel option but this kernel does not show it",
    ]);
  });

  it("does not let a template match a size outside its pattern", () => {
    expect(compare("t", ["hugetlb"], spec, files({ tasks: "rw", "hugetlb.2MB.rsvd.usage_in_bytes": "ro" }), files({ tasks: "rw" }))).toContain(
      "t: hugetlb.2MB.rsvd.usage_in_bytes is not in the spec",
    );
  });
});

describe.skipIf(!isRoot)("v1 spec (generated/manifest.json) against the host kernel's mounted v1 hierarchies", () => {
  const hierarchies = mountedV1Hierarchies();
  const created: string[] = [];

  afterEach(() => {
    for (const dir of created.splice(0)) removeTree(dir);
  });

  it("finds v1 hierarchies and v1 spec records to compare", () => {
    expect(hierarchies.length).toBeGreaterThan(0);
    expect(records.length).toBeGreaterThan(0);
  });

  for (const h of hierarchies) {
    it(`${h.label} at ${h.mountPoint}: every file of the root and of a child is in the spec with its access and where`, () => {
      const child = path.join(h.mountPoint, testName());
      fs.mkdirSync(child);
      created.push(child);
      const rootFiles = listFiles(h.mountPoint);
      const childFiles = listFiles(child);
      expect(childFiles.size).toBeGreaterThan(0);
      expect(compare(h.label, h.controllers, records, rootFiles, childFiles)).toEqual([]);
    });
  }
});

/**
 * v1-only controllers that no hierarchy holds here (net_cls, net_prio, perf_event) are mounted for a moment in a
 * private mount namespace and listed the same way. hugetlb is left out on purpose: binding it to v1 would take it
 * away from cgroup2 while other tests may use it there.
 */
const PROBE_CONTROLLERS = ["net_cls", "net_prio", "perf_event"];
const probeable = isRoot && fs.existsSync("/proc/cgroups") ? PROBE_CONTROLLERS.filter((c) => kernelControllers().get(c) === 0) : [];

// Controllers already mounted are covered above; with none left to probe this suite has no tests rather than skipped ones.
describe.skipIf(!isRoot)("v1 spec against unmounted v1-only controllers, mounted in a private mount namespace", () => {
  for (const controller of probeable) {
    it(`${controller}: every file of the root and of a child is in the spec with its access and where`, () => {
      const listing = probeHierarchy(controller);
      expect(listing.child.size).toBeGreaterThan(0);
      expect(compare(controller, [controller], records, listing.root, listing.child)).toEqual([]);
    });
  }
});

/**
 * Mounts `controller` alone in a private mount namespace, lists its root and a fresh child, removes the child and
 * unmounts; then makes sure the kernel let go of the hierarchy (a v1 root outlives its unmount while a removed
 * child is still being freed, keeping the controller away from cgroup2), mounting and unmounting again if needed.
 */
function probeHierarchy(controller: string): { root: Map<string, string>; child: Map<string, string> } {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-probe-"));
  const child = testName();
  const script = [
    "set -e",
    "mount --make-rprivate /",
    `mount -t cgroup -o "$1" cgroupkit-probe "$2"`,
    `trap 'set +e; rmdir "$2/$3" 2>/dev/null; umount "$2"' EXIT`,
    `mkdir "$2/$3"`,
    `echo ROOT; stat -c '%a %n' "$2"/*`,
    `echo CHILD; cd "$2/$3" && stat -c '%a %n' *; cd /`,
    `rmdir "$2/$3"`,
    // wait for the removed child to be freed so the unmount can release the hierarchy
    `for i in $(seq 1 100); do [ "$(awk -v c="$1" '$1==c{print $3}' /proc/cgroups)" = 1 ] && break; sleep 0.02; done`,
  ].join("\n");
  try {
    const run = spawnSync("unshare", ["-m", "sh", "-c", script, "probe", controller, mnt, child], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`probing ${controller} failed (${run.status}): ${run.stderr}`);
    const root = new Map<string, string>();
    const kids = new Map<string, string>();
    let into = root;
    for (const line of run.stdout.split("\n")) {
      if (line === "ROOT") into = root;
      else if (line === "CHILD") into = kids;
      else if (line.trim()) {
        const [mode, file] = line.split(" ", 2) as [string, string];
        if (file !== child && !file.endsWith(`/${child}`)) into.set(path.basename(file), accessOf(parseInt(mode, 8)));
      }
    }
    return { root, child: kids };
  } finally {
    try {
      releaseHierarchy(controller, mnt);
    } finally {
      fs.rmdirSync(mnt);
    }
  }
}

function releaseHierarchy(controller: string, mnt: string): void {
  const released = () => kernelControllers().get(controller) === 0;
  for (let round = 0; round < 3; round++) {
    // Tearing down an unmounted, empty hierarchy takes a moment (RCU); wait for it before touching anything.
    for (let poll = 0; poll < 100 && !released(); poll++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    if (released()) return;
    // Still held (the removed child was not freed in time): mounting with the same options reattaches the lingering
    // hierarchy, and unmounting it now that it is empty lets the kernel free it.
    spawnSync("unshare", ["-m", "sh", "-c", 'mount --make-rprivate / && mount -t cgroup -o "$1" cgroupkit-probe "$2" && umount "$2"', "release", controller, mnt], { stdio: "ignore" });
  }
  throw new Error(`${controller} is still bound to a v1 hierarchy after the probe; /proc/cgroups shows hierarchy ${kernelControllers().get(controller)}`);
}
