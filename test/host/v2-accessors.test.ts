// cg.v2 on the real kernel: a controller's accessor is there exactly when the group's cgroup.controllers lists it.
// On this hybrid host the v1 hierarchies hold memory, cpu, pids…, so a new cgroup2 group has none of them.
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { V2_CONTROLLERS } from "../../generated/index.js";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { ControllerNotEnabledError } from "../../src/cgroup/controllers.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { isRoot, removeTree, testName, v2Mount } from "../support/host.js";

const v2 = v2Mount();
const made: string[] = [];
afterEach(() => {
  for (const name of made.splice(0)) removeTree(`${v2}/${name}`);
});

const words = (file: string) => fs.readFileSync(file, "utf8").split(/\s+/).filter(Boolean);
/** The v2 controllers whose accessor the handle binds. */
const bound = (cg: Cgroup) => Object.keys(V2_CONTROLLERS).filter((c) => c !== "core" && (cg.v2 as unknown as Record<string, unknown>)[c] !== undefined).sort();

describe.runIf(isRoot && v2 !== undefined)("cg.v2 on the host's cgroup2", () => {
  it("a new group binds exactly the controllers its cgroup.controllers lists; on a hybrid host none, and requireV2 says why", async () => {
    const layout = await readCgroupLayout();
    const name = testName();
    made.push(name);
    // Only cgroup2: a default create enables what the root already enables, so the host's root group is not changed
    const cg = await Cgroup.create(name, { layout: { ...layout, hierarchies: layout.v2 ? [layout.v2] : [], v1: [] } });
    const dir = `${v2}/${name}`;
    expect(cg.v2Placement?.dir).toBe(dir);
    const listed = words(`${dir}/cgroup.controllers`).filter((c) => c in V2_CONTROLLERS).sort();
    expect(bound(cg)).toEqual(listed);
    if (layout.kind === "hybrid") {
      // This host: the root's cgroup.subtree_control enables nothing, so the group has no controller at all
      expect(words(`${v2}/cgroup.subtree_control`)).toEqual([]);
      expect(bound(cg)).toEqual([]);
      expect(cg.v2.memory).toBeUndefined();
      expect(cg.v2.pids).toBeUndefined();
      const err = (() => {
        try {
          cg.requireV2("memory");
        } catch (e) {
          return e;
        }
      })() as ControllerNotEnabledError;
      expect(err).toBeInstanceOf(ControllerNotEnabledError);
      // memory is bound to the v1 hierarchy here: enabling it on cgroup2 is not the fix, and the message says so
      expect(err.onHost).toBe(false);
      expect(err.message).toContain(`group ${name}: this host's cgroup2 has no memory controller (${dir}/cgroup.controllers lists nothing; on a hybrid host it is bound to a v1 hierarchy)`);
    }
    // cgroup core's files are there whatever is enabled
    expect(await cg.v2.core.procs.read()).toEqual([]);
    expect(typeof (await cg.v2.base.cpu.stat.read()).usage_usec).toBe("bigint");
    expect((await cg.v2.base.memory.pressure.read()).some).toBeDefined();
  });

  it("this process's own cgroup2 group binds what its cgroup.controllers lists (the root here: hugetlb on this host)", async () => {
    const self = await Cgroup.self();
    const dir = self.v2Placement?.dir;
    expect(dir).toBeDefined();
    const listed = words(`${dir}/cgroup.controllers`).filter((c) => c in V2_CONTROLLERS).sort();
    expect(bound(self)).toEqual(listed);
    // hugetlb is not mounted as a v1 hierarchy on this host, so the kernel gives it to cgroup2's root: a positive case
    if (dir === v2 && listed.includes("hugetlb")) expect(self.v2.hugetlb?.dir).toBe(v2);
  });
});
