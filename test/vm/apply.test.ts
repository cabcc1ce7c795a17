// The declarative tree (src/declarative) on pure cgroup v2: plan, apply, export round trip, idempotence and the
// restore of a failed write, with writes counted through the CgroupFs seam.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { defaultControllers } from "../../src/cli/commands/groups.js";
import { parseTreeDocument } from "../../src/declarative/document.js";
import { exportTree, formatTreeDocument } from "../../src/declarative/export.js";
import { applyTree, planTree, TreeApplyError, type TreeTarget } from "../../src/declarative/plan.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { cleanupGroups, enableAll, newGroup, read, ROOT } from "./support/v2.js";

afterEach(cleanupGroups);
beforeAll(() => enableAll(ROOT));

/** The real fs, with every write recorded. */
function countingFs(): { fs: CgroupFs; writes: string[] } {
  const writes: string[] = [];
  const fs: CgroupFs = Object.assign(Object.create(nodeCgroupFs) as CgroupFs, {
    writeFile: (p: string, data: string) => (writes.push(p), nodeCgroupFs.writeFile(p, data)),
    writeFileSync: (p: string, data: string) => (writes.push(p), nodeCgroupFs.writeFileSync(p, data)),
  });
  return { fs, writes };
}

async function target(parentDir: string, fs: CgroupFs): Promise<TreeTarget> {
  const layout = await readCgroupLayout();
  return { layout, fs, controllers: await defaultControllers(layout, fs), parent: path.basename(parentDir) };
}

const TREE = `
groups:
  web:
    memory: {max: 64M, swap: 0, low: 8M, high: 48M}
    cpu: {weight: 200, quota: 50000, period: 100000, cpus: "0"}
    pids: {max: 50}
    groups:
      worker:
        memory: {max: 32M}
        cpu: {shares: 2048}
        pids: {max: 10}
`;

describe("apply on pure cgroup v2", () => {
  it("writes the tree, a second apply writes nothing, and export → apply → export is identical", async () => {
    const parent = newGroup();
    enableAll(parent);
    const { fs: counting, writes } = countingFs();
    const doc = await parseTreeDocument(TREE, "tree.yaml");
    const t = await target(parent, counting);

    const plan = await planTree(doc, t);
    expect(writes).toEqual([]);
    expect(plan.changes.filter((c) => c.kind === "create").map((c) => c.group)).toEqual([`${path.basename(parent)}/web`, `${path.basename(parent)}/web/worker`]);
    await applyTree(doc, t);
    expect(read(`${parent}/web`, "memory.max").trim()).toBe(String(64 << 20));
    expect(read(`${parent}/web`, "memory.high").trim()).toBe(String(48 << 20));
    expect(read(`${parent}/web`, "cpu.max").trim()).toBe("50000 100000");
    expect(read(`${parent}/web`, "cpu.weight").trim()).toBe("200");
    expect(read(`${parent}/web/worker`, "cpu.weight").trim()).toBe("174"); // shares 2048 on the OCI curve
    expect(read(`${parent}/web/worker`, "pids.max").trim()).toBe("10");
    expect(writes.length).toBeGreaterThan(8);

    writes.length = 0;
    expect((await planTree(doc, t)).changes).toEqual([]);
    await applyTree(doc, t);
    expect(writes).toEqual([]);

    const open = (name: string) => Cgroup.open(name, { layout: t.layout, fs: counting });
    const name = `${path.basename(parent)}/web`;
    const exported = await formatTreeDocument(await exportTree(await open(name), open), "yaml");
    const fresh = newGroup();
    enableAll(fresh);
    await applyTree(await parseTreeDocument(exported, "web.yaml"), await target(fresh, counting));
    const again = await formatTreeDocument(await exportTree(await open(`${path.basename(fresh)}/web`), open), "yaml");
    expect(again).toBe(exported);
    expect(read(`${fresh}/web/worker`, "memory.max").trim()).toBe(String(32 << 20));
  });

  it("a refused write restores what was written and removes the created group", async () => {
    const parent = newGroup();
    enableAll(parent);
    const t = await target(parent, nodeCgroupFs);
    await applyTree(await parseTreeDocument(TREE, "tree.yaml"), t);
    const files = ["memory.max", "memory.low", "cpu.weight", "cpu.max", "pids.max", "cpuset.cpus"];
    const snapshot = () => Object.fromEntries(["web", "web/worker"].flatMap((g) => files.map((f) => [`${g}/${f}`, read(`${parent}/${g}`, f)])));
    const before = snapshot();
    const failing = `groups:
  web:
    memory: {max: 96M}
    pids: {max: 70}
    groups:
      newbie: {pids: {max: 3}}
      worker:
        memory: {max: 40M}
        cpu: {weight: 300, cpus: "0-${os.cpus().length + 64}"}
`;
    const err = await applyTree(await parseTreeDocument(failing, "failing.yaml"), t).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TreeApplyError);
    expect((err as TreeApplyError).message).toMatch(/cpuset\.cpus .*(EINVAL|ERANGE).*restored \d+ files, removed 1 created group/);
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(`${parent}/web/newbie`)).toBe(false);
  });
});
