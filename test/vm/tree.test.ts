// Enabling controllers down a tree through cgroup.subtree_control, on the VM's real cgroup2.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { cleanupGroups, enableAll, newGroup, read, readWords, ROOT, rootControllers, write } from "./support/v2.js";

// What each controller's files start with, to see them appear and disappear.
const PREFIX: Record<string, string> = { cpu: "cpu.", cpuset: "cpuset.", io: "io.", memory: "memory.", pids: "pids.", hugetlb: "hugetlb.", rdma: "rdma.", misc: "misc." };
// Files of a controller that exist without it being enabled (the core's pressure files live under the controller's name).
const ALWAYS = new Set(["cpu.pressure", "cpu.stat", "cpu.stat.local", "io.pressure", "memory.pressure"]);

function controllerFiles(dir: string, controller: string): string[] {
  const prefix = PREFIX[controller] ?? `${controller}.`;
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && !ALWAYS.has(f));
}

afterEach(cleanupGroups);

describe("cgroup.subtree_control down a tree", () => {
  let all: string[];
  beforeAll(() => {
    all = rootControllers();
    enableAll(ROOT);
  });

  it("the VM's kernel offers every v2 controller", () => {
    expect(all).toEqual(expect.arrayContaining(["cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc"]));
    expect(readWords(path.join(ROOT, "cgroup.subtree_control")).sort()).toEqual([...all].sort());
  });

  it("a controller enabled at each level reaches the grandchild, with its files", async () => {
    const child = newGroup();
    expect(readWords(path.join(child, "cgroup.controllers")).sort()).toEqual([...all].sort());
    for (const c of all) expect(controllerFiles(child, c), `${c} files in the child`).not.toEqual([]);

    await nodeCgroupFs.writeFile(path.join(child, "cgroup.subtree_control"), all.map((c) => `+${c}`).join(" "));
    const grandchild = path.join(child, "g");
    await nodeCgroupFs.mkdir(grandchild);
    expect(readWords(path.join(grandchild, "cgroup.controllers")).sort()).toEqual([...all].sort());
    for (const c of all) expect(controllerFiles(grandchild, c), `${c} files in the grandchild`).not.toEqual([]);
  });

  it("a controller not enabled in the parent is absent below it, and cannot be enabled further down", async () => {
    const child = newGroup();
    write(child, "cgroup.subtree_control", "+memory +pids");
    const grandchild = path.join(child, "g");
    fs.mkdirSync(grandchild);
    expect(readWords(path.join(grandchild, "cgroup.controllers")).sort()).toEqual(["memory", "pids"]);
    expect(controllerFiles(grandchild, "cpu")).toEqual([]);
    expect(fs.existsSync(path.join(grandchild, "memory.max"))).toBe(true);

    const refused = nodeCgroupFs.writeFile(path.join(grandchild, "cgroup.subtree_control"), "+cpu");
    await expect(refused).rejects.toBeInstanceOf(CgroupIoError);
    await expect(refused).rejects.toMatchObject({ code: "ENOENT", path: path.join(grandchild, "cgroup.subtree_control"), value: "+cpu" });
  });

  it("disabling a controller in the parent removes its files from the children", () => {
    const child = newGroup();
    write(child, "cgroup.subtree_control", "+memory +io");
    const grandchild = path.join(child, "g");
    fs.mkdirSync(grandchild);
    expect(fs.existsSync(path.join(grandchild, "memory.max"))).toBe(true);
    write(child, "cgroup.subtree_control", "-memory");
    expect(readWords(path.join(child, "cgroup.subtree_control"))).toEqual(["io"]);
    expect(fs.existsSync(path.join(grandchild, "memory.max"))).toBe(false);
    expect(fs.existsSync(path.join(grandchild, "io.max"))).toBe(true);
  });

  it("a controller a child still enables below it cannot be disabled above it (EBUSY)", async () => {
    const child = newGroup();
    write(child, "cgroup.subtree_control", "+pids");
    const grandchild = path.join(child, "g");
    fs.mkdirSync(grandchild);
    write(grandchild, "cgroup.subtree_control", "+pids");
    await expect(nodeCgroupFs.writeFile(path.join(child, "cgroup.subtree_control"), "-pids")).rejects.toMatchObject({ name: "CgroupIoError", code: "EBUSY" });
    expect(read(child, "cgroup.subtree_control").trim()).toBe("pids");
  });
});
