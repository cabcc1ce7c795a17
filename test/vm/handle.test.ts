// The Cgroup handle (src/cgroup) on a pure cgroup v2 system: layout discovery, create with
// controllers enabled top-down, typed accessors, attach, freeze/thaw, kill, remove, delegate.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MemoryV2, PidsV2, V2_CONTROLLERS } from "../../generated/index.js";
import { Cgroup, CgroupBusyError } from "../../src/cgroup/cgroup.js";
import { ControllerNotEnabledError } from "../../src/cgroup/controllers.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { testName } from "../support/host.js";
import { cleanupGroups, enableAll, exited, keyed, procs, readWords, ROOT, rootControllers, spawnIn, track, until, write } from "./support/v2.js";

const children: ReturnType<typeof spawnIn>[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  cleanupGroups();
});
afterAll(() => enableAll(ROOT));

/** A sleeper parked in its own test group; its pid. */
async function sleeper(): Promise<number> {
  const park = path.join(ROOT, testName());
  fs.mkdirSync(park);
  track(park);
  const child = spawnIn(park, "exec sleep 600");
  children.push(child);
  return until("the sleeper to start", () => procs(park).find((p) => p === child.pid));
}

function newName(): string {
  const top = testName();
  track(path.join(ROOT, top));
  return top;
}

describe("Cgroup on pure cgroup v2", () => {
  it("the layout is pure v2 with every controller", async () => {
    const layout = await readCgroupLayout();
    expect(layout.kind).toBe("v2");
    expect(layout.v1).toEqual([]);
    expect([...layout.v2!.controllers].sort()).toEqual([...rootControllers()].sort());
  });

  it("create enables the chosen controllers down the tree; accessors write and read through the handle", async () => {
    const top = newName();
    // The root does not enable these yet: create must do it, from the mount root down.
    write(ROOT, "cgroup.subtree_control", "-memory -pids");
    expect(readWords(path.join(ROOT, "cgroup.subtree_control"))).not.toContain("memory");
    const cg = await Cgroup.create(`${top}/web/app`, { controllers: ["memory", "pids"] });
    const dir = path.join(ROOT, top, "web", "app");
    expect(cg.v2Placement?.dir).toBe(dir);
    expect(readWords(path.join(ROOT, "cgroup.subtree_control"))).toEqual(expect.arrayContaining(["memory", "pids"]));
    expect(readWords(path.join(ROOT, top, "cgroup.subtree_control")).sort()).toEqual(["memory", "pids"]);
    expect(readWords(path.join(ROOT, top, "web", "cgroup.subtree_control")).sort()).toEqual(["memory", "pids"]);
    expect(readWords(path.join(dir, "cgroup.controllers")).sort()).toEqual(["memory", "pids"]);

    // Pure v2: the enabled controllers' accessors are there, exactly those the kernel lists for the group
    expect(cg.v2.memory).toBeInstanceOf(MemoryV2);
    expect(cg.v2.pids).toBeInstanceOf(PidsV2);
    const bound = Object.keys(V2_CONTROLLERS).filter((c) => c !== "core" && (cg.v2 as unknown as Record<string, unknown>)[c] !== undefined);
    expect(bound.sort()).toEqual(["memory", "pids"]);
    expect(cg.v2.cpu).toBeUndefined(); // available at the root, not enabled on the way down
    expect(() => cg.requireV2("cpu")).toThrow(ControllerNotEnabledError);
    expect(typeof (await cg.v2.base.cpu.stat.read()).usage_usec).toBe("bigint"); // a base file, there without the cpu controller
    await cg.requireV2("memory").max.write(64n * 1024n * 1024n);
    await cg.requireV2("pids").max.write(50n);
    expect(await cg.requireV2("memory").max.read()).toBe(64n * 1024n * 1024n);
    expect(fs.readFileSync(path.join(dir, "pids.max"), "utf8")).toBe("50\n");
    // Create again is fine; open finds it.
    await Cgroup.create(`${top}/web/app`, { controllers: ["memory", "pids"] });
    expect((await Cgroup.open(`${top}/web/app`)).v2Placement?.dir).toBe(dir);
    expect(await (await Cgroup.open(`${top}/web`)).children()).toEqual([`${top}/web/app`]);
  });

  it("attach, freeze, thaw, kill and remove on a live process", async () => {
    const top = newName();
    const cg = await Cgroup.create(`${top}/job`);
    const pid = await sleeper();
    await cg.attach(pid);
    expect(await cg.procs()).toEqual([pid]);
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim()).toBe(`0::/${top}/job`);

    await cg.freeze();
    expect(keyed(path.join(ROOT, top, "job"), "cgroup.events").frozen).toBe(1);
    await cg.thaw();
    await until("thawed", () => keyed(path.join(ROOT, top, "job"), "cgroup.events").frozen === 0);

    await expect(cg.remove()).rejects.toBeInstanceOf(CgroupBusyError);
    await expect(cg.remove()).rejects.toMatchObject({ code: "EBUSY", pids: [pid] });
    expect(fs.existsSync(path.join(ROOT, top, "job"))).toBe(true);

    const parent = await Cgroup.open(top);
    await parent.remove({ kill: true });
    expect(fs.existsSync(path.join(ROOT, top))).toBe(false);
    const child = children.find((c) => c.pid === pid)!;
    expect((await exited(child)).signal).toBe("SIGKILL");
  });

  it("delegate hands the directory and the kernel's delegatable files to a uid/gid", async () => {
    const top = newName();
    const cg = await Cgroup.create(`${top}/user`);
    const changed = await cg.delegate(1234, 5678);
    const dir = path.join(ROOT, top, "user");
    const delegatable = readWords("/sys/kernel/cgroup/delegate");
    expect(changed.sort()).toEqual([dir, ...delegatable.filter((f) => fs.existsSync(path.join(dir, f))).map((f) => path.join(dir, f))].sort());
    for (const target of changed) expect(fs.statSync(target)).toMatchObject({ uid: 1234, gid: 5678 });
    expect(fs.statSync(path.join(dir, "cgroup.freeze")).uid).toBe(0);
  });
});
