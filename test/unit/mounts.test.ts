import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/runtime/errors.js";
import { discoverHierarchies, hierarchyFor, mountData, parseMountinfo, parseProcCgroup, readCgroupLayout, type CgroupLayout, type V1Hierarchy } from "../../src/cgroup/mounts.js";
import { CgroupIoError } from "../../src/runtime/errors.js";
import type { CgroupFs } from "../../src/runtime/fs.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures/mountinfo");

function load(name: string): CgroupLayout {
  const read = (file: string) => {
    const p = path.join(FIXTURES, name, file);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
  };
  return discoverHierarchies({ mountinfo: read("mountinfo")!, procCgroup: read("cgroup")!, v2Controllers: read("cgroup.controllers") });
}

function v1(layout: CgroupLayout, controllerOrName: string): V1Hierarchy {
  const h = layout.v1.find((x) => x.controllers.includes(controllerOrName) || x.name === controllerOrName);
  if (!h) throw new Error(`no v1 hierarchy ${controllerOrName}`);
  return h;
}

describe("parseMountinfo", () => {
  it("splits fields, optional fields and super options", () => {
    const [entry] = parseMountinfo("27 26 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\n");
    expect(entry).toEqual({
      mountId: 27,
      parentId: 26,
      device: "0:26",
      root: "/",
      mountPoint: "/sys/fs/cgroup",
      mountOptions: ["rw", "nosuid", "nodev", "noexec", "relatime"],
      optionalFields: ["shared:9", "master:2"],
      fsType: "cgroup2",
      source: "cgroup2",
      superOptions: ["rw", "nsdelegate"],
    });
  });

  it("decodes octal escapes in paths", () => {
    const entries = parseMountinfo(fs.readFileSync(path.join(FIXTURES, "mounted-twice/mountinfo"), "utf8"));
    expect(entries.map((e) => e.mountPoint)).toContain("/run/cgroup two");
    expect(entries.map((e) => e.mountPoint)).toContain("/run/pids\tv1");
    expect(entries.map((e) => e.mountPoint)).toContain("/mnt/pids\\jobs");
  });

  it("refuses malformed lines with a ParseError naming the file", () => {
    expect(() => parseMountinfo("27 26 0:26 / /x rw - cgroup2\n")).toThrow(ParseError);
    expect(() => parseMountinfo("27 26 0:26 / /x rw no separator here cgroup2 cgroup2 rw\n")).toThrow(/mountinfo/);
    expect(() => parseMountinfo("x 26 0:26 / /x rw - cgroup2 cgroup2 rw\n")).toThrow(ParseError);
  });
});

describe("parseProcCgroup", () => {
  it("parses v1, named and v2 lines; paths may contain ':'", () => {
    expect(parseProcCgroup("3:cpu,cpuacct:/a\n1:name=systemd:/b:c\n0::/\n")).toEqual([
      { hierarchyId: 3, controllers: ["cpu", "cpuacct"], path: "/a" },
      { hierarchyId: 1, controllers: ["name=systemd"], path: "/b:c" },
      { hierarchyId: 0, controllers: [], path: "/" },
    ]);
  });
  it("refuses lines without an id or an absolute path", () => {
    expect(() => parseProcCgroup("memory:/x\n")).toThrow(ParseError);
    expect(() => parseProcCgroup("4:memory:x\n")).toThrow(/proc\/self\/cgroup/);
  });
});

describe("discoverHierarchies on fixtures", () => {
  it("this machine: hybrid, one controller per v1 hierarchy, hugetlb only on v2", () => {
    const layout = load("host-hybrid-6.18");
    expect(layout.kind).toBe("hybrid");
    expect(layout.v1.map((h) => h.name ?? h.controllers.join(",")).sort()).toEqual(["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd"]);
    expect(v1(layout, "memory")).toMatchObject({ hierarchyId: 4, mountPoint: "/sys/fs/cgroup/memory", root: "/", device: "0:31", path: "/process_api/15626a64503f804210958d5bed2ead1b" });
    expect(v1(layout, "systemd")).toMatchObject({ name: "systemd", controllers: [], hierarchyId: 9 });
    expect(layout.v2).toMatchObject({ mountPoint: "/sys/fs/cgroup/unified", controllers: ["hugetlb"], path: "/" });
    expect(layout.v2?.heldByV1).toEqual(["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"]);
    expect(hierarchyFor(layout, "memory")?.version).toBe("v1");
    expect(hierarchyFor(layout, "hugetlb")?.version).toBe("v2");
    expect(hierarchyFor(layout, "io")).toBeUndefined();
  });

  it("pure v2 systemd host", () => {
    const layout = load("systemd-v2");
    expect(layout.kind).toBe("v2");
    expect(layout.v1).toEqual([]);
    expect(layout.v2).toMatchObject({
      hierarchyId: 0,
      mountPoint: "/sys/fs/cgroup",
      mountPoints: ["/sys/fs/cgroup"],
      root: "/",
      path: "/user.slice/user-1000.slice/session-2.scope",
      controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"],
      heldByV1: [],
    });
    expect(hierarchyFor(layout, "memory")).toBe(layout.v2);
  });

  it("pure v1 with co-mounted controllers and no 0:: line", () => {
    const layout = load("v1-comounted");
    expect(layout.kind).toBe("v1");
    expect(layout.v2).toBeUndefined();
    const cpu = v1(layout, "cpu");
    expect(cpu).toBe(v1(layout, "cpuacct"));
    expect(cpu).toMatchObject({ controllers: ["cpu", "cpuacct"], hierarchyId: 3, mountPoint: "/sys/fs/cgroup/cpu,cpuacct", path: "/user.slice" });
    expect(v1(layout, "net_cls").controllers).toEqual(["net_cls", "net_prio"]);
    // seclabel, xattr and release_agent= are options, not controllers
    expect(v1(layout, "systemd")).toMatchObject({ controllers: [], name: "systemd", path: "/user.slice/user-0.slice/session-1.scope" });
    expect(layout.v1).toHaveLength(11);
  });

  it("hybrid systemd host: cgroup2 at unified without controllers", () => {
    const layout = load("hybrid-systemd");
    expect(layout.kind).toBe("hybrid");
    expect(layout.v2).toMatchObject({ mountPoint: "/sys/fs/cgroup/unified", controllers: [], available: [], path: "/user.slice/user-1000.slice/session-3.scope" });
    expect(layout.v2?.heldByV1).toContain("memory");
    expect(hierarchyFor(layout, "memory")?.mountPoint).toBe("/sys/fs/cgroup/memory");
    expect(hierarchyFor(layout, "rdma")?.hierarchyId).toBe(12);
    expect(hierarchyFor(layout, "name=systemd")?.mountPoint).toBe("/sys/fs/cgroup/systemd");
  });

  it("container with its own cgroup namespace: root / and path /", () => {
    const layout = load("container-cgroupns");
    expect(layout.kind).toBe("v2");
    expect(layout.v2).toMatchObject({ mountPoint: "/sys/fs/cgroup", root: "/", path: "/", device: "0:26" });
    expect(layout.v2?.mounts[0]?.readOnly).toBe(true);
  });

  it("bind mounts of a subtree: root /lxc/c1 on every v1 hierarchy", () => {
    const layout = load("bind-mount-subtree");
    expect(layout.kind).toBe("v1");
    expect(v1(layout, "memory")).toMatchObject({ root: "/lxc/c1", mountPoint: "/sys/fs/cgroup/memory", path: "/lxc/c1" });
    expect(v1(layout, "pids")).toMatchObject({ root: "/lxc/c1", path: "/lxc/c1/init.scope" });
    expect(v1(layout, "cpuacct").mountPoint).toBe("/sys/fs/cgroup/cpu,cpuacct");
    // cgroup2 is listed by the kernel but not mounted in the container
    expect(layout.v2).toMatchObject({ mounts: [], mountPoint: undefined, path: "/lxc/c1" });
  });

  it("one hierarchy mounted at several places: all mount points kept, root / preferred", () => {
    const layout = load("mounted-twice");
    expect(layout.kind).toBe("hybrid");
    expect(layout.v2?.mountPoints).toEqual(["/sys/fs/cgroup", "/run/cgroup two"]);
    expect(layout.v2?.mountPoint).toBe("/sys/fs/cgroup");
    expect(layout.v2?.controllers).toEqual(["cpuset", "cpu", "io", "memory"]);
    expect(layout.v2?.heldByV1).toEqual(["pids"]);
    const pids = v1(layout, "pids");
    expect(pids.mounts).toEqual([
      { mountPoint: "/run/pids\tv1", root: "/", readOnly: false },
      { mountPoint: "/mnt/pids\\jobs", root: "/jobs", readOnly: false },
    ]);
    expect(pids.mountPoint).toBe("/run/pids\tv1");
  });

  it("named hierarchy only", () => {
    const layout = load("named-only");
    expect(layout.kind).toBe("v1");
    expect(layout.v1).toHaveLength(1);
    expect(layout.v1[0]).toMatchObject({ name: "systemd", controllers: [], mountPoint: "/sys/fs/cgroup/systemd", path: "/" });
    expect(layout.v2?.mounts).toEqual([]);
    expect(hierarchyFor(layout, "memory")).toBeUndefined();
  });

  it("no cgroup filesystem at all", () => {
    const layout = load("no-cgroup");
    expect(layout.kind).toBe("none");
    expect(layout.v1).toEqual([]);
    expect(layout.v2).toMatchObject({ mounts: [], mountPoint: undefined, path: "/", controllers: [] });
  });

  it("cgroup namespace: a mount whose root is outside the namespace is not used", () => {
    const layout = load("cgroupns-host-mount");
    expect(layout.v2?.mountPoints).toEqual(["/sys/fs/cgroup", "/run/ns-cgroup"]);
    expect(layout.v2?.mountPoint).toBe("/run/ns-cgroup");
    expect(layout.v2?.root).toBe("/");
  });
});

describe("readCgroupLayout", () => {
  /** Serves a fixture's files at their /proc and cgroupfs paths; anything else is ENOENT. */
  function fixtureFs(name: string, pid: string, v2Root: string): { fs: CgroupFs; reads: string[] } {
    const files = new Map([
      [`/proc/${pid}/mountinfo`, "mountinfo"],
      [`/proc/${pid}/cgroup`, "cgroup"],
      [`${v2Root}/cgroup.controllers`, "cgroup.controllers"],
    ]);
    const reads: string[] = [];
    const readFile = async (p: string) => {
      reads.push(p);
      const file = files.get(p);
      if (!file) throw new CgroupIoError("read", p, "ENOENT");
      return fs.readFileSync(path.join(FIXTURES, name, file), "utf8");
    };
    return { fs: { readFile } as unknown as CgroupFs, reads };
  }

  it("reads mountinfo, the cgroup file and the cgroup2 root's controllers of the chosen process", async () => {
    const { fs: fake, reads } = fixtureFs("systemd-v2", "1234", "/sys/fs/cgroup");
    const layout = await readCgroupLayout({ fs: fake, pid: 1234 });
    expect(layout).toEqual(load("systemd-v2"));
    expect(reads.sort()).toEqual(["/proc/1234/cgroup", "/proc/1234/mountinfo", "/sys/fs/cgroup/cgroup.controllers"]);
  });

  it("does not look for cgroup.controllers where cgroup2 is not mounted", async () => {
    const { fs: fake, reads } = fixtureFs("v1-comounted", "self", "/nowhere");
    expect((await readCgroupLayout({ fs: fake })).kind).toBe("v1");
    expect(reads).toHaveLength(2);
  });
});

describe("mountData", () => {
  it("builds the data string of mount(2)", () => {
    expect(mountData({ version: "v2", target: "/mnt/x" })).toEqual({ fsType: "cgroup2", data: "" });
    expect(mountData({ version: "v2", target: "/mnt/x", options: ["nsdelegate"] })).toEqual({ fsType: "cgroup2", data: "nsdelegate" });
    expect(mountData({ version: "v1", target: "/mnt/x", controllers: ["cpu", "cpuacct"] })).toEqual({ fsType: "cgroup", data: "cpu,cpuacct" });
    expect(mountData({ version: "v1", target: "/mnt/x", controllers: [], name: "systemd" })).toEqual({ fsType: "cgroup", data: "none,name=systemd" });
  });
  it("refuses odd input before any syscall", () => {
    // a JS caller's value (the type refuses it): checked at run time too
    expect(() => mountData({ version: "v1", target: "/mnt/x", controllers: ["memory,release_agent=/x" as "memory"] })).toThrow(/one controller name/);
    expect(() => mountData({ version: "v1", target: "/mnt/x", controllers: [] })).toThrow(/controllers or a name/);
    expect(() => mountData({ version: "v2", target: "relative" })).toThrow(/absolute path/);
    expect(() => mountData({ version: "v2", target: "/mnt/x", options: ["a,b"] })).toThrow(/one word/);
  });
});
