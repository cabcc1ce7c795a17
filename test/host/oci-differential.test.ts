// Differential test: random OCI `linux.resources` objects applied by runc, by crun and by cgroupkit on the
// host's v1 hierarchies; every writable control file read back and compared. A difference is allowed only
// when docs/oci-conformance.md lists its class; anything else fails. Count: CGROUPKIT_OCI_DIFF_COUNT (default 48).
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import type { ControllerName } from "../../src/cgroup/controllers.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { applyResources } from "../../src/resources/limits.js";
import { resourcesFromOci } from "../../src/resources/oci.js";
import { CgroupError } from "../../src/runtime/errors.js";
import { Bundles, BUSYBOX, which, type RuntimeName } from "../support/oci-runtimes.js";
import { CGROUP_ROOT, isRoot, removeTree, testName, v1Hierarchy } from "../support/host.js";

const COMPARED = ["memory", "cpu", "cpuset", "pids", "blkio"] as const;
const CREATED: ControllerName[] = [...COMPARED, "cpuacct", "devices", "freezer"];
const usable = isRoot && !!which("runc") && !!which("crun") && !!which("unshare") && !!BUSYBOX && CREATED.every((c) => v1Hierarchy(c));
const COUNT = Number(process.env.CGROUPKIT_OCI_DIFF_COUNT ?? 48);
const SEED = Number(process.env.CGROUPKIT_OCI_DIFF_SEED ?? Date.now() % 2 ** 31);

// Usage counters, process lists and the device ACL are not limits: they differ because runc's group runs a process.
const NOT_COMPARED = /usage|failcnt|^cgroup\.|^tasks$|^notify_on_release$|^memory\.force_empty$|^blkio\.reset_stats$|^memory\.pressure_level$|^devices\./;

/** The host's block devices as MAJ:MIN, for throttle and weight entries the kernel accepts. */
const BLOCK_DEVICES = fs.existsSync("/sys/block") ? fs.readdirSync("/sys/block").map((d) => fs.readFileSync(`/sys/block/${d}/dev`, "utf8").trim()).filter((d) => !d.startsWith("7:")) : [];

const MiB = 1 << 20;
/** `arb` with probability p, else undefined (the field left out). */
const maybe = <T>(arb: fc.Arbitrary<T>, p = 0.5): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: Math.round((1 - p) * 100) }, { arbitrary: arb, weight: Math.round(p * 100) });
const rare = <T>(arb: fc.Arbitrary<T>) => maybe(arb, 0.03);
const device = () => fc.constantFrom(...BLOCK_DEVICES).map((d) => ({ major: Number(d.split(":")[0]), minor: Number(d.split(":")[1]) }));
const throttle = () => maybe(fc.array(fc.record({ dev: device(), rate: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })) }), { minLength: 1, maxLength: 2 }).map((l) => l.map(({ dev, rate }) => ({ ...dev, rate }))), 0.3);

/** Objects over every field; limits sized so a busybox sleep always fits (memory ≥ 32 MiB, pids ≥ 16). */
const ociResources = fc
  .record({
    memory: maybe(
      fc
        .record({
          limit: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 32, max: 4096 }).map((m) => m * MiB + (m % 7) * 1000))),
          reservation: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 2048 }).map((m) => m * MiB))),
          swapExtra: maybe(fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: 0, max: 1024 }).map((m) => m * MiB))),
          kernel: rare(fc.oneof(fc.constant(-1), fc.integer({ min: 64, max: 1024 }).map((m) => m * MiB))),
          kernelTCP: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 1024 }).map((m) => m * MiB)), 0.2),
          swappiness: maybe(fc.integer({ min: 0, max: 100 }), 0.3),
          disableOOMKiller: maybe(fc.boolean(), 0.2),
        })
        .map(({ swapExtra, ...m }) => ({
          ...m,
          // memory+swap: unlimited, the zero value, or the limit plus some swap.
          ...(swapExtra === undefined || (m.limit === undefined && swapExtra !== -1) ? {} : { swap: swapExtra === -1 || swapExtra === 0 || m.limit === -1 ? swapExtra : m.limit! + swapExtra }),
        })),
    ),
    cpu: maybe(
      fc.record({
        shares: maybe(fc.oneof(fc.constant(0), fc.integer({ min: 2, max: 262144 }))),
        // At least a fifth of a CPU, or runc's and crun's own start-up crawls past their timeouts.
        tenths: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 2, max: 40 }))),
        period: maybe(fc.integer({ min: 10000, max: 1000000 })),
        burst: maybe(fc.integer({ min: 0, max: 1000 }), 0.3),
        realtimePeriod: rare(fc.integer({ min: 1000, max: 1000000 })),
        realtimeRuntime: rare(fc.constantFrom(0, 1000)),
        cpus: maybe(fc.constantFrom("0", "0-1", "1", "")),
        mems: maybe(fc.constantFrom("0", "")),
        idle: maybe(fc.constantFrom(0, 1), 0.3),
      }).map(({ tenths, ...c }) => ({ ...c, ...(tenths === undefined ? {} : { quota: tenths === -1 ? -1 : Math.round(((c.period ?? 100000) * tenths) / 10) }) })),
    ),
    pids: maybe(fc.record({ limit: fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: 16, max: 100000 })) })),
    blockIO: maybe(
      fc.record({
        weight: maybe(fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 1000 }))),
        leafWeight: rare(fc.integer({ min: 10, max: 1000 })),
        weightDevice: rare(fc.array(fc.record({ dev: device(), weight: fc.integer({ min: 10, max: 1000 }) }), { minLength: 1, maxLength: 1 }).map((l) => l.map(({ dev, weight }) => ({ ...dev, weight })))),
        throttleReadBpsDevice: throttle(),
        throttleWriteBpsDevice: throttle(),
        throttleReadIOPSDevice: throttle(),
        throttleWriteIOPSDevice: throttle(),
      }),
    ),
    hugepageLimits: rare(fc.constant([{ pageSize: "2MB", limit: 4 * MiB }])),
    network: rare(fc.constantFrom({ classID: 0x100001 }, { priorities: [{ name: "lo", priority: 5 }] })),
    rdma: rare(fc.constant({ mlx5_0: { hcaHandles: 3 } })),
    unified: rare(fc.constant({ "memory.high": "67108864" })),
  })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, any>);

/** Each divergence class docs/oci-conformance.md lists, as a test: does it explain this difference? */
interface Divergence {
  readonly runtime: RuntimeName;
  /** The runtime failed where cgroupkit applied the object. */
  readonly refuses?: (o: Record<string, any>, error: string) => boolean;
  /** The runtime applied an object cgroupkit refused (with this message). */
  readonly accepts?: (o: Record<string, any>, error: string) => boolean;
  /** A file reads differently after both applied it. */
  readonly file?: (o: Record<string, any>, file: string) => boolean;
}

const DIVERGENCES: Readonly<Record<string, Divergence>> = {
  // crun 1.8.1 writes blkio.weight / blkio.weight_device only; a BFQ-only kernel has neither.
  "crun-no-bfq-v1": { runtime: "crun", refuses: (o, e) => (!!o.blockIO?.weight || !!o.blockIO?.weightDevice) && /blkio\.weight/.test(e) },
  // memory.swap 0 with a limit: crun writes memsw 0 and the kernel refuses it; runc and cgroupkit read 0 as unset.
  "crun-swap-zero": { runtime: "crun", refuses: (o, e) => o.memory?.swap === 0 && o.memory?.limit !== undefined && /memsw|swap/.test(e) },
  // crun 1.8.1 writes -1 as is on v1: cpu.cfs_quota_us answers ERANGE, pids.max EINVAL; runc and cgroupkit write "max".
  "crun18-minus-one-v1": { runtime: "crun", refuses: (o, e) => (o.cpu?.quota === -1 && /cfs_quota_us/.test(e)) || (o.pids?.limit === -1 && /pids\.max/.test(e)) },
  // crun skips rdma when the host has no rdma hierarchy; runc and cgroupkit refuse rather than drop the limit.
  "crun-skips-absent-rdma": { runtime: "crun", accepts: (o, e) => o.rdma !== undefined && /^rdma\./.test(e) },
  // On this hybrid host crun (v1 mode) applies an object whose `unified` keys name a controller bound to v1, without
  // writing them; runc refuses the object, as cgroupkit does (seen with unified memory.high, seed-dependent).
  "crun-drops-unified-v1": { runtime: "crun", accepts: (o, e) => o.unified !== undefined && /unified\[/.test(e) },
  // runc ignores memory.kernel and memory.kernelTCP ("Kernel memory settings are ignored").
  "runc-ignores-kmem": { runtime: "runc", file: (o, f) => (f === "memory.kmem.tcp.limit_in_bytes" && o.memory?.kernelTCP !== undefined) || (f === "memory.kmem.limit_in_bytes" && o.memory?.kernel !== undefined) },
  // runc 1.1 predates cpu.idle and cpu.burst (runc ≥ 1.2 writes both, as cgroupkit does).
  "runc11-no-idle-burst": { runtime: "runc", file: (o, f) => (f === "cpu.idle" && o.cpu?.idle !== undefined) || (f === "cpu.shares" && o.cpu?.idle === 1) || (f === "cpu.cfs_burst_us" && o.cpu?.burst !== undefined) },
  // crun 1.8.1 predates cpu.burst.
  "crun18-no-burst": { runtime: "crun", file: (o, f) => f === "cpu.cfs_burst_us" && o.cpu?.burst !== undefined },
};

function classify(runtime: RuntimeName, o: Record<string, any>, test: (d: Divergence) => boolean): string | undefined {
  return Object.entries(DIVERGENCES).find(([, d]) => d.runtime === runtime && test(d))?.[0];
}

function readLimits(controller: string, group: string): Map<string, string> {
  const dir = path.join(CGROUP_ROOT, controller, group);
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    if (!st.isFile() || (st.mode & 0o200) === 0 || NOT_COMPARED.test(name)) continue;
    try {
      out.set(name, fs.readFileSync(p, "utf8").trim());
    } catch {
      /* write-only */
    }
  }
  return out;
}

const stats = { objects: 0, filesCompared: 0, allApplied: 0, allRefused: 0, divergences: {} as Record<string, number> };
const parent = testName();
const bundles = usable ? new Bundles() : undefined;

afterAll(() => {
  bundles?.dispose();
  for (const c of fs.readdirSync(CGROUP_ROOT)) removeTree(path.join(CGROUP_ROOT, c, parent));
  console.log(`oci differential (seed ${SEED}): ${JSON.stringify(stats)}`);
});

describe.runIf(usable)("OCI linux.resources: cgroupkit against runc and crun (cgroup v1, cgroupfs driver)", () => {
  it("the conformance table lists every divergence class this test allows", () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, "../../docs/oci-conformance.md"), "utf8");
    for (const id of Object.keys(DIVERGENCES)) expect(doc, id).toContain(`\`${id}\``);
  });

  it(`applies ${COUNT} random objects alike, file for file`, { timeout: 60_000 + COUNT * 8_000 }, async () => {
    const layout = await readCgroupLayout();
    const v1Layout = { ...layout, v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") };
    const unexplained: string[] = [];
    const objects = fc.sample(ociResources, { numRuns: COUNT, seed: SEED });
    for (const [i, o] of objects.entries()) {
      stats.objects++;
      const ids = { runc: `${parent}-r${i}`, crun: `${parent}-c${i}` };
      const groups = { runc: `${parent}/runc${i}`, crun: `${parent}/crun${i}`, cgroupkit: `${parent}/ck${i}` };
      try {
        const errors: Record<string, string | undefined> = {};
        for (const rt of ["runc", "crun"] as const) errors[rt] = bundles!.run(rt, ids[rt], `/${groups[rt]}`, o);
        const cg = await Cgroup.create(groups.cgroupkit, { controllers: CREATED, layout: v1Layout });
        try {
          await applyResources(cg, resourcesFromOci(o).limits);
        } catch (err) {
          if (!(err instanceof CgroupError)) throw err;
          errors.cgroupkit = err.message;
        }
        const what = `object ${i} ${JSON.stringify(o)}`;
        if (process.env.CGROUPKIT_OCI_DIFF_DEBUG) console.log(what, errors);
        if (errors.runc && errors.crun && errors.cgroupkit) {
          stats.allRefused++;
          continue;
        }
        if (!errors.runc && !errors.crun && !errors.cgroupkit) stats.allApplied++;
        for (const rt of ["runc", "crun"] as const) {
          const err = errors[rt];
          if (err !== undefined && errors.cgroupkit === undefined) {
            const cls = classify(rt, o, (d) => d.refuses?.(o, err) ?? false);
            if (cls) stats.divergences[cls] = (stats.divergences[cls] ?? 0) + 1;
            else unexplained.push(`${what}: ${rt} refused (${err}) where cgroupkit applied it`);
            continue;
          }
          if (err === undefined && errors.cgroupkit !== undefined) {
            const ours = errors.cgroupkit;
            const cls = classify(rt, o, (d) => d.accepts?.(o, ours) ?? false);
            if (cls) stats.divergences[cls] = (stats.divergences[cls] ?? 0) + 1;
            else unexplained.push(`${what}: cgroupkit refused (${ours}) where ${rt} applied it`);
            continue;
          }
          if (err !== undefined) continue;
          for (const controller of COMPARED) {
            const theirs = readLimits(controller, groups[rt]);
            const ours = readLimits(controller, groups.cgroupkit);
            for (const [file, value] of theirs) {
              stats.filesCompared++;
              if (ours.get(file) === value) continue;
              const cls = classify(rt, o, (d) => d.file?.(o, file) ?? false);
              if (cls) stats.divergences[cls] = (stats.divergences[cls] ?? 0) + 1;
              else unexplained.push(`${what}: ${controller}/${file}: ${rt} ${JSON.stringify(value)}, cgroupkit ${JSON.stringify(ours.get(file))}`);
            }
          }
        }
      } finally {
        for (const rt of ["runc", "crun"] as const) bundles!.delete(rt, ids[rt]);
        for (const c of CREATED) for (const g of Object.values(groups)) removeTree(path.join(CGROUP_ROOT, c, g));
      }
    }
    expect(unexplained).toEqual([]);
    expect(stats.filesCompared).toBeGreaterThan(0);
  });
});
