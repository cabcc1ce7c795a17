// The v2 spec against the VM's real kernel: every control file the kernel shows at the root, in a
// child with every controller enabled and in a grandchild likewise is in the spec, with the access
// its mode bits give, the `where` it really has, and the `core` flag it really has.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareSpecWithListing } from "../../src/cli/spec-coverage.js";
import { AT_ROOT_SINCE, kernelAtLeast, listControlFiles, v2Records, WRITABLE_SINCE, type SpecRecord } from "./support/manifest.js";
import { cleanupGroups, enableAll, newGroup, readWords, ROOT, rootControllers } from "./support/v2.js";

interface Listing {
  root: Map<string, string>;
  child: Map<string, string>;
  grandchild: Map<string, string>;
  /** A child of a group that enables nothing: only core files. */
  bare: Map<string, string>;
}

/** A file the spec records with the newest behaviour, which this older kernel does not have yet. */
const olderKernel = (since: string | undefined) => since !== undefined && !kernelAtLeast(since);

/** One line per problem; empty when the spec covers the listing exactly. */
function compareV2(spec: readonly SpecRecord[], listing: Listing, controllers: readonly string[]): string[] {
  const findings = compareSpecWithListing(
    spec,
    { root: listing.root, below: [{ level: "child", files: listing.child }, { level: "grandchild", files: listing.grandchild }], bare: listing.bare },
    { sorted: true, absent: { kernelAtLeast, controllers } },
  );
  const problems: string[] = [];
  for (const f of findings) {
    switch (f.kind) {
      case "unknown":
        problems.push(`${f.file} is not in the spec`);
        break;
      case "ambiguous":
        problems.push(`${f.file} matches several spec entries: ${f.records.map((r) => r.file).join(", ")}`);
        break;
      case "access":
        if (!(f.access === "ro" && f.record.access === "rw" && olderKernel(WRITABLE_SINCE[f.record.file]))) {
          problems.push(`${f.file} (${f.record.file}) is ${f.access} by its mode bits in the ${f.level} but the spec says ${f.record.access}`);
        }
        break;
      case "uneven":
        problems.push(`${f.file} is in ${f.levels.includes("child") ? "the child but not the grandchild" : "the grandchild but not the child"}`);
        break;
      case "where":
        if (!(f.where === "non-root" && f.record.where === "all" && olderKernel(AT_ROOT_SINCE[f.record.file]))) {
          problems.push(`${f.file} (${f.record.file}) exists with where: ${f.where} but the spec says where: ${f.record.where}`);
        }
        break;
      case "core":
        problems.push(`${f.file} (${f.record.file}) ${f.present ? "is present" : "is absent"} in a group whose parent enables no controller, but the spec says core: ${f.record.core}`);
        break;
      case "absent":
        problems.push(`the spec's ${f.record.file} (${f.record.controller}) needs no kernel option (no requires:) but this kernel (${os.release()}) does not show it`);
        break;
    }
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
