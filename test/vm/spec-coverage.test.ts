// The v2 spec against the VM's real kernel: every control file the kernel shows at the root, in a
// child with every controller enabled and in a grandchild likewise is in the spec, with the access
// its mode bits give, the `where` it really has, and the `core` flag it really has.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AT_ROOT_SINCE, kernelAtLeast, listControlFiles, specMatcher, v2Records, WRITABLE_SINCE, type SpecRecord } from "./support/manifest.js";
import { cleanupGroups, enableAll, newGroup, readWords, ROOT, rootControllers } from "./support/v2.js";

interface Listing {
  root: Map<string, string>;
  child: Map<string, string>;
  grandchild: Map<string, string>;
  /** A child of a group that enables nothing: only core files. */
  bare: Map<string, string>;
}

function whereOf(atRoot: boolean, inChildren: boolean): "root" | "non-root" | "all" | undefined {
  return atRoot && inChildren ? "all" : atRoot ? "root" : inChildren ? "non-root" : undefined;
}

/** One line per problem; empty when the spec covers the listing exactly. */
function compareV2(spec: readonly SpecRecord[], listing: Listing, controllers: readonly string[]): string[] {
  const find = specMatcher(spec);
  const problems: string[] = [];
  const matched = new Set<SpecRecord>();
  const names = new Set([...listing.root.keys(), ...listing.child.keys(), ...listing.grandchild.keys()]);
  for (const file of [...names].sort()) {
    const hits = find(file);
    if (hits.length !== 1) {
      problems.push(hits.length === 0 ? `${file} is not in the spec` : `${file} matches several spec entries: ${hits.map((h) => h.record.file).join(", ")}`);
      continue;
    }
    const { record } = hits[0]!;
    matched.add(record);
    for (const level of ["root", "child", "grandchild"] as const) {
      const access = listing[level].get(file);
      if (access === undefined || access === record.access) continue;
      const olderKernel = access === "ro" && record.access === "rw" && WRITABLE_SINCE[record.file] !== undefined && !kernelAtLeast(WRITABLE_SINCE[record.file]!);
      if (!olderKernel) problems.push(`${file} (${record.file}) is ${access} by its mode bits in the ${level} but the spec says ${record.access}`);
    }
    const actual = whereOf(listing.root.has(file), listing.child.has(file) && listing.grandchild.has(file));
    if (listing.child.has(file) !== listing.grandchild.has(file)) problems.push(`${file} is in ${listing.child.has(file) ? "the child but not the grandchild" : "the grandchild but not the child"}`);
    else if (actual !== record.where && !(actual === "non-root" && record.where === "all" && AT_ROOT_SINCE[record.file] !== undefined && !kernelAtLeast(AT_ROOT_SINCE[record.file]!)))
      problems.push(`${file} (${record.file}) exists with where: ${actual} but the spec says where: ${record.where}`);
    if (listing.child.has(file) && record.core !== listing.bare.has(file)) {
      problems.push(`${file} (${record.file}) ${listing.bare.has(file) ? "is present" : "is absent"} in a group whose parent enables no controller, but the spec says core: ${record.core}`);
    }
  }
  // An entry that needs no kernel option and is old enough for this kernel must be here.
  for (const record of spec) {
    if (matched.has(record) || record.requires !== undefined) continue;
    if (record.controller !== "core" && !controllers.includes(record.controller)) continue;
    if (record.since !== null && !kernelAtLeast(record.since)) continue;
    problems.push(`the spec's ${record.file} (${record.controller}) needs no kernel option (no requires:) but this kernel (${os.release()}) does not show it`);
  }
  return problems;
}

describe("compareV2 (the checker itself)", () => {
  const rec = (file: string, access: SpecRecord["access"], where: SpecRecord["where"], extra: Partial<SpecRecord> = {}): SpecRecord => ({
    version: "v2", controller: file.startsWith("cgroup.") ? "core" : file.split(".")[0]!, file, access, where, codec: "u64", since: null, api: "0.1.0", tag: "public", core: false, className: "X", property: "x", ...extra,
  });
  const spec = [
    rec("cgroup.procs", "rw", "all", { core: true }),
    rec("pids.max", "rw", "non-root"),
    rec("hugetlb.<size>.max", "rw", "non-root", { param: { name: "size", pattern: "[0-9]+[KMG]B" } }),
  ];
  const m = (o: Record<string, string>) => new Map(Object.entries(o));

  it("accepts a matching listing, templated names included", () => {
    const child = m({ "cgroup.procs": "rw", "pids.max": "rw", "hugetlb.2MB.max": "rw" });
    expect(compareV2(spec, { root: m({ "cgroup.procs": "rw" }), child, grandchild: child, bare: m({ "cgroup.procs": "rw" }) }, ["pids", "hugetlb"])).toEqual([]);
  });

  it("reports unknown files, wrong access, wrong where, wrong core and missing unconditional entries", () => {
    const child = m({ "cgroup.procs": "rw", "pids.max": "ro", "pids.bogus": "ro" });
    expect(compareV2(spec, { root: m({ "cgroup.procs": "rw", "pids.max": "ro" }), child, grandchild: child, bare: m({ "pids.max": "rw" }) }, ["pids", "hugetlb"])).toEqual([
      "cgroup.procs (cgroup.procs) is absent in a group whose parent enables no controller, but the spec says core: true",
      "pids.bogus is not in the spec",
      "pids.max (pids.max) is ro by its mode bits in the root but the spec says rw",
      "pids.max (pids.max) is ro by its mode bits in the child but the spec says rw",
      "pids.max (pids.max) is ro by its mode bits in the grandchild but the spec says rw",
      "pids.max (pids.max) exists with where: all but the spec says where: non-root",
      "pids.max (pids.max) is present in a group whose parent enables no controller, but the spec says core: false",
      `the spec's hugetlb.<size>.max (hugetlb) needs no kernel option (no requires:) but this kernel (${os.release()}) does not show it`,
    ]);
  });
});

describe("every v2 control file on the VM's kernel is in the spec", () => {
  let listing: Listing;
  let controllers: string[];
  beforeAll(() => {
    controllers = rootControllers();
    enableAll(ROOT);
    const child = newGroup();
    enableAll(child);
    const grandchild = path.join(child, "g");
    fs.mkdirSync(grandchild);
    const plain = newGroup();
    const bare = path.join(plain, "b");
    fs.mkdirSync(bare);
    expect(readWords(path.join(grandchild, "cgroup.controllers")).sort()).toEqual([...controllers].sort());
    expect(readWords(path.join(bare, "cgroup.controllers"))).toEqual([]);
    listing = { root: listControlFiles(ROOT), child: listControlFiles(child), grandchild: listControlFiles(grandchild), bare: listControlFiles(bare) };
  });
  afterAll(cleanupGroups);

  it("the kernel shows every controller's files, so the comparison covers them all", () => {
    for (const c of ["cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc"]) {
      expect(controllers).toContain(c);
      expect([...listing.child.keys()].filter((f) => f.startsWith(`${c}.`)).length, c).toBeGreaterThan(0);
    }
    // The hugetlb template must match at least one real page size here.
    expect([...listing.child.keys()].some((f) => /^hugetlb\.\d+[KMG]B\.max$/.test(f))).toBe(true);
  });

  it("no gap: names, access, where and core all agree with the spec", () => {
    const problems = compareV2(v2Records(), listing, controllers);
    expect(problems, `kernel ${os.release()}:\n${problems.join("\n")}`).toEqual([]);
  });
});
