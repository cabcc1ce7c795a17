// The OCI `linux.resources` differential test on pure cgroup v2 (the host test, test/host/oci-differential.test.ts,
// covers v1): random objects applied by runc, by crun (cgroupfs driver, a detached busybox `sleep` each) and by
// cgroupkit, every writable v2 control file of the three groups read back and compared. A difference is allowed
// only when docs/oci-conformance.md lists its class. The runtimes are the host's, seen through the VM's 9p share.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { applyResources } from "../../src/resources/limits.js";
import { resourcesFromOci } from "../../src/resources/oci.js";
import { CgroupError } from "../../src/runtime/errors.js";
import { blockDevices, DIVERGENCES, judgeObject, newStats, ociResourcesArbitrary, readLimits, type Applier } from "../support/oci-differential.js";
import { Bundles } from "../support/oci-runtimes.js";
import { cleanupGroups, enableAll, newGroup, ROOT } from "./support/v2.js";

// Small: every container start costs seconds under TCG.
const COUNT = 16;
// CI replays a seed whose divergences are all classified (a red CI must mean a regression); elsewhere each run
// draws a new seed, so developers' runs keep looking for unlisted divergences.
const CI_SEED = 1021752484;
const SEED = Number(process.env.CGROUPKIT_OCI_DIFF_SEED ?? (process.env.CI === "true" ? CI_SEED : Date.now() % 2 ** 31));
const RUNTIMES = ["runc", "crun"] as const;
const MiB = 1 << 20;

/** Every run also applies these: the v1-only fields (no v2 file) and the v2 divergence classes, once each. */
const EDGES: Array<Record<string, any>> = [
  { memory: { disableOOMKiller: true } },
  { memory: { disableOOMKiller: false, limit: 64 * MiB } },
  { memory: { swappiness: 60 } },
  { memory: { kernel: 64 * MiB } },
  { memory: { kernelTCP: 64 * MiB } },
  { memory: { reservation: -1 } },
  { cpu: { realtimePeriod: 1000000, realtimeRuntime: 1000 } },
  { cpu: { idle: 1, shares: 1024, burst: 1000, quota: 50000 } },
  { blockIO: { leafWeight: 500 } },
  { blockIO: { weight: 500 } },
  { network: { classID: 0x100001 } },
  { hugepageLimits: [{ pageSize: "2MB", limit: 4 * MiB }] },
];

// Process lists and core files, pressure (its read side is statistics) and write-only triggers are not limits.
const NOT_COMPARED = /^cgroup\.|\.pressure$|^memory\.reclaim$/;

const stats = newStats();
let bundles: Bundles | undefined;
let parent: string;

beforeAll(() => {
  enableAll(ROOT);
  parent = newGroup();
  enableAll(parent);
  bundles = new Bundles();
});

afterAll(() => {
  bundles?.dispose();
  cleanupGroups();
  console.log(`oci differential v2 (seed ${SEED}): ${JSON.stringify(stats)}`);
});

describe("OCI linux.resources: cgroupkit against runc and crun (pure cgroup v2, cgroupfs driver)", () => {
  it("the conformance table lists every v2 divergence class", () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, "../../docs/oci-conformance.md"), "utf8");
    for (const [id, d] of Object.entries(DIVERGENCES)) if (d.on.includes("v2")) expect(doc, id).toContain(`\`${id}\``);
  });

  it(`applies ${EDGES.length} edge and ${COUNT} random objects alike, file for file (seed printed)`, { timeout: 120_000 + (EDGES.length + COUNT) * 30_000 }, async () => {
    // Whether iocost is set up on a device decides if the kernel takes a per-device io.weight (see the class).
    const iocost = fs.readFileSync(path.join(ROOT, "io.cost.qos"), "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]);
    console.log(`oci differential v2: seed ${SEED} (CGROUPKIT_OCI_DIFF_SEED to replay), devices ${blockDevices().join(" ") || "none"}, iocost set up on ${iocost.join(" ") || "none"}`);
    const name = path.basename(parent);
    const unexplained: string[] = [];
    const objects = [...EDGES, ...fc.sample(ociResourcesArbitrary("v2", blockDevices()), { numRuns: COUNT, seed: SEED })];
    for (const [i, o] of objects.entries()) {
      const ids = { runc: `${name}-r${i}`, crun: `${name}-c${i}` };
      const groups: Record<Applier, string> = { runc: `${name}/runc${i}`, crun: `${name}/crun${i}`, cgroupkit: `${name}/ck${i}` };
      try {
        const errors: Partial<Record<Applier, string>> = {};
        for (const rt of RUNTIMES) errors[rt] = bundles!.run(rt, ids[rt], `/${groups[rt]}`, o);
        const cg = await Cgroup.create(groups.cgroupkit);
        try {
          await applyResources(cg, resourcesFromOci(o).limits);
        } catch (err) {
          if (!(err instanceof CgroupError)) throw err;
          errors.cgroupkit = err.message;
        }
        const what = `object ${i} ${JSON.stringify(o)}`;
        console.log(what, JSON.stringify(errors));
        const limits = (who: Applier) => readLimits(path.join(ROOT, groups[who]), NOT_COMPARED);
        judgeObject({ version: "v2", what, object: o, runtimes: RUNTIMES, errors, limits, stats, unexplained });
      } finally {
        for (const rt of RUNTIMES) bundles!.delete(rt, ids[rt]);
        for (const g of Object.values(groups)) if (fs.existsSync(path.join(ROOT, g))) fs.rmdirSync(path.join(ROOT, g));
      }
    }
    console.log(`oci differential v2: ${JSON.stringify(stats)}`);
    expect(unexplained).toEqual([]);
    expect(stats.filesCompared).toBeGreaterThan(0);
  });
});
