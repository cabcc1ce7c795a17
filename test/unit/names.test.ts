import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CGROUP_NAME_MAX, hierarchyPathComponents, parseGroupName, resolveGroupDir } from "../../src/cgroup/names.js";
import { InvalidNameError } from "../../src/runtime/errors.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";

describe("parseGroupName", () => {
  it("splits a valid name", () => {
    expect(parseGroupName("libvirt/lxc/web1")).toEqual(["libvirt", "lxc", "web1"]);
    expect(parseGroupName("a b:c=d.e")).toEqual(["a b:c=d.e"]);
    expect(parseGroupName("...")).toEqual(["..."]);
  });

  it.each([
    ["", /empty/],
    ["/abs", /absolute/],
    ["..", /"\.\."/],
    ["a/..", /"\.\."/],
    [".", /"\."/],
    ["a//b", /empty path component/],
    ["a/", /empty path component/],
    ["a\0", /NUL/],
    ["a\nb", /newline/],
    ["a\rb", /carriage return/],
    ["x".repeat(CGROUP_NAME_MAX + 1), /255 bytes/],
    ["€".repeat(86), /255 bytes/], // 258 bytes in UTF-8, 86 characters
  ])("refuses %j", (name, reason) => {
    const err = (() => {
      try {
        parseGroupName(name);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidNameError);
    expect((err as InvalidNameError).group).toBe(name);
    expect((err as InvalidNameError).message).toMatch(reason);
  });

  it("refuses a non-string", () => {
    expect(() => parseGroupName(42 as unknown as string)).toThrow(InvalidNameError);
  });

  it("property: every accepted name stays under the mount when joined the usual way", () => {
    const component = fc.oneof(fc.constantFrom(".", "..", "", "a", "b.c", "..."), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 5 }), fc.boolean(), (parts, leadingSlash) => {
        const name = (leadingSlash ? "/" : "") + parts.join("/");
        let components: string[];
        try {
          components = parseGroupName(name);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidNameError);
          return;
        }
        const joined = path.posix.resolve("/mnt/cg", name);
        expect(joined.startsWith("/mnt/cg/")).toBe(true);
        expect(joined).toBe(`/mnt/cg/${components.join("/")}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("hierarchyPathComponents", () => {
  it("maps / to nothing and refuses paths above the namespace", () => {
    expect(hierarchyPathComponents("/")).toEqual([]);
    expect(hierarchyPathComponents("/lxc/c1")).toEqual(["lxc", "c1"]);
    expect(hierarchyPathComponents("/../..")).toBeUndefined();
  });
});

describe("resolveGroupDir", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-names-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("counts existing levels and stops at the first missing one", async () => {
    fs.mkdirSync(`${tmp}/a/b`, { recursive: true });
    expect(await resolveGroupDir(nodeCgroupFs, "a/b/c/d", ["a", "b", "c", "d"], { mountPoint: tmp, root: "/" })).toEqual({
      dir: `${tmp}/a/b/c/d`,
      relative: ["a", "b", "c", "d"],
      existing: 2,
    });
  });

  it("maps below a non-/ mount root and returns undefined outside it", async () => {
    const mount = { mountPoint: tmp, root: "/lxc/c1" };
    expect(await resolveGroupDir(nodeCgroupFs, "lxc/c1/x", ["lxc", "c1", "x"], mount)).toMatchObject({ dir: `${tmp}/x`, relative: ["x"] });
    expect(await resolveGroupDir(nodeCgroupFs, "lxc/c2/x", ["lxc", "c2", "x"], mount)).toBeUndefined();
    expect(await resolveGroupDir(nodeCgroupFs, "lxc", ["lxc"], mount)).toBeUndefined();
    expect(await resolveGroupDir(nodeCgroupFs, "x", ["x"], { mountPoint: tmp, root: "/../.." })).toBeUndefined();
  });

  it("refuses a symlink at any level, even one pointing inside the mount", async () => {
    fs.mkdirSync(`${tmp}/real/inner`, { recursive: true });
    fs.symlinkSync(`${tmp}/real`, `${tmp}/link`);
    fs.symlinkSync(`${tmp}/real`, `${tmp}/real/inner/loop`);
    await expect(resolveGroupDir(nodeCgroupFs, "link/x", ["link", "x"], { mountPoint: tmp, root: "/" })).rejects.toThrow(/link is a symbolic link/);
    await expect(resolveGroupDir(nodeCgroupFs, "real/inner/loop", ["real", "inner", "loop"], { mountPoint: tmp, root: "/" })).rejects.toThrow(InvalidNameError);
  });

  it("refuses a file where a directory should be", async () => {
    fs.writeFileSync(`${tmp}/cgroup.procs`, "");
    await expect(resolveGroupDir(nodeCgroupFs, "cgroup.procs", ["cgroup.procs"], { mountPoint: tmp, root: "/" })).rejects.toThrow(/not a directory/);
  });

  it("refuses components that were not validated (defence in depth)", async () => {
    await expect(resolveGroupDir(nodeCgroupFs, "../x", ["..", "x"], { mountPoint: tmp, root: "/" })).rejects.toThrow(/outside the mount/);
  });
});
