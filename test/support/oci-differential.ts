// What the OCI `linux.resources` differential tests share (test/host/oci-differential.test.ts on the host's v1
// hierarchies, test/vm/oci-differential.test.ts on pure v2 in the VM): the random objects, the divergence classes
// docs/oci-conformance.md lists, reading a group's limits back, and judging one object's three outcomes.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { cpuSharesToWeightOci } from "../../src/resources/conversions.js";
import type { RuntimeName } from "./oci-runtimes.js";

export type CgroupVersion = "v1" | "v2";
export type Applier = RuntimeName | "cgroupkit";

/** This machine's block devices as MAJ:MIN (loop devices left out), for throttle and weight entries the kernel accepts. */
export function blockDevices(): string[] {
  if (!fs.existsSync("/sys/block")) return [];
  return fs
    .readdirSync("/sys/block")
    .map((d) => fs.readFileSync(`/sys/block/${d}/dev`, "utf8").trim())
    .filter((d) => !d.startsWith("7:"));
}

const MiB = 1 << 20;
/** `arb` with probability p, else undefined (the field left out). */
const maybe = <T>(arb: fc.Arbitrary<T>, p = 0.5): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: Math.round((1 - p) * 100) }, { arbitrary: arb, weight: Math.round(p * 100) });
const rare = <T>(arb: fc.Arbitrary<T>) => maybe(arb, 0.03);

/**
 * Objects over every field; limits sized so a busybox sleep always fits (memory ≥ 32 MiB, pids ≥ 16). On v2 the
 * fields with no v2 file (kernel memory, swappiness, the OOM killer switch, RT, leaf weights, net_cls/net_prio) are
 * rare, and `unified` (the v2 passthrough) is common.
 */
export function ociResourcesArbitrary(version: CgroupVersion, devices: readonly string[]): fc.Arbitrary<Record<string, any>> {
  const v1Only = <T>(arb: fc.Arbitrary<T>, p: number) => maybe(arb, version === "v1" ? p : 0.03);
  const device = () => fc.constantFrom(...devices).map((d) => ({ major: Number(d.split(":")[0]), minor: Number(d.split(":")[1]) }));
  // A rate of 0 removes the v1 entry; v2 answers ERANGE to rbps=0 in all three, so v2 objects carry it rarely.
  const rate = () => fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 2 ** 40 }), weight: version === "v1" ? 1 : 20 });
  const throttle = () =>
    devices.length === 0
      ? fc.constant(undefined)
      : maybe(fc.array(fc.record({ dev: device(), rate: rate() }), { minLength: 1, maxLength: 2 }).map((l) => l.map(({ dev, rate }) => ({ ...dev, rate }))), 0.3);
  const weightDevice = () =>
    devices.length === 0 ? fc.constant(undefined) : rare(fc.array(fc.record({ dev: device(), weight: fc.integer({ min: 10, max: 1000 }) }), { minLength: 1, maxLength: 1 }).map((l) => l.map(({ dev, weight }) => ({ ...dev, weight }))));
  return fc
    .record({
      memory: maybe(
        fc
          .record({
            limit: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 32, max: 4096 }).map((m) => m * MiB + (m % 7) * 1000))),
            reservation: maybe(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 2048 }).map((m) => m * MiB))),
            swapExtra: maybe(fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: 0, max: 1024 }).map((m) => m * MiB))),
            kernel: rare(fc.oneof(fc.constant(-1), fc.integer({ min: 64, max: 1024 }).map((m) => m * MiB))),
            kernelTCP: v1Only(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 1024 }).map((m) => m * MiB)), 0.2),
            swappiness: v1Only(fc.integer({ min: 0, max: 100 }), 0.3),
            disableOOMKiller: v1Only(fc.boolean(), 0.2),
          })
          .map(({ swapExtra, ...m }) => ({
            ...m,
            // memory+swap: unlimited, the zero value, or the limit plus some swap.
            ...(swapExtra === undefined || (m.limit === undefined && swapExtra !== -1) ? {} : { swap: swapExtra === -1 || swapExtra === 0 || m.limit === -1 ? swapExtra : m.limit! + swapExtra }),
          })),
      ),
      cpu: maybe(
        fc
          .record({
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
          })
          .map(({ tenths, ...c }) => ({ ...c, ...(tenths === undefined ? {} : { quota: tenths === -1 ? -1 : Math.round(((c.period ?? 100000) * tenths) / 10) }) })),
      ),
      pids: maybe(fc.record({ limit: fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: 16, max: 100000 })) })),
      blockIO: maybe(
        fc.record({
          weight: maybe(fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 1000 }))),
          leafWeight: rare(fc.integer({ min: 10, max: 1000 })),
          weightDevice: weightDevice(),
          throttleReadBpsDevice: throttle(),
          throttleWriteBpsDevice: throttle(),
          throttleReadIOPSDevice: throttle(),
          throttleWriteIOPSDevice: throttle(),
        }),
      ),
      hugepageLimits: rare(fc.constant([{ pageSize: "2MB", limit: 4 * MiB }])),
      network: v1Only(fc.constantFrom({ classID: 0x100001 }, { priorities: [{ name: "lo", priority: 5 }] }), 0.03),
      rdma: rare(fc.constant({ mlx5_0: { hcaHandles: 3 } })),
      unified: version === "v1" ? rare(fc.constant({ "memory.high": "67108864" })) : maybe(fc.constantFrom({ "memory.high": "67108864" }, { "memory.high": "max", "pids.max": "64" }), 0.3),
    })
    .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, any>);
}

/** A divergence class docs/oci-conformance.md lists, as a test: does it explain this difference? */
export interface Divergence {
  readonly runtimes: readonly RuntimeName[];
  /** The cgroup versions it is seen on. */
  readonly on: readonly CgroupVersion[];
  /** The runtime failed where cgroupkit applied the object. */
  readonly refuses?: (o: Record<string, any>, error: string) => boolean;
  /** The runtime applied an object cgroupkit refused (with this message). */
  readonly accepts?: (o: Record<string, any>, error: string) => boolean;
  /** A file reads differently after both applied it: `theirs` in the runtime's group, `ours` in cgroupkit's. */
  readonly file?: (o: Record<string, any>, file: string, theirs: string, ours: string | undefined) => boolean;
}

/** The OCI fields with no cgroup v2 file. */
const V1_ONLY = ["memory.disableOOMKiller", "memory.swappiness", "memory.kernel", "memory.kernelTCP", "cpu.realtimePeriod", "cpu.realtimeRuntime", "blockIO.leafWeight", "network"];

export const DIVERGENCES: Readonly<Record<string, Divergence>> = {
  // crun 1.8.1 writes blkio.weight / blkio.weight_device only; a BFQ-only kernel has neither.
  "crun-no-bfq-v1": { runtimes: ["crun"], on: ["v1"], refuses: (o, e) => (!!o.blockIO?.weight || !!o.blockIO?.weightDevice) && /blkio\.weight/.test(e) },
  // memory.swap 0 with a limit: crun writes memsw 0 and the kernel refuses it; runc and cgroupkit read 0 as unset.
  "crun-swap-zero": { runtimes: ["crun"], on: ["v1"], refuses: (o, e) => o.memory?.swap === 0 && o.memory?.limit !== undefined && /memsw|swap/.test(e) },
  // crun 1.8.1 writes -1 as is on v1: cpu.cfs_quota_us answers ERANGE, pids.max EINVAL; runc and cgroupkit write "max".
  "crun18-minus-one-v1": { runtimes: ["crun"], on: ["v1"], refuses: (o, e) => (o.cpu?.quota === -1 && /cfs_quota_us/.test(e)) || (o.pids?.limit === -1 && /pids\.max/.test(e)) },
  // crun skips rdma when the host has no rdma hierarchy; runc and cgroupkit refuse rather than drop the limit.
  "crun-skips-absent-rdma": { runtimes: ["crun"], on: ["v1"], accepts: (o, e) => o.rdma !== undefined && /^rdma\./.test(e) },
  // On a hybrid host crun (v1 mode) applies an object whose `unified` keys name a controller bound to v1, without
  // writing them; runc refuses the object, as cgroupkit does (seen with unified memory.high, seed 1010130438).
  "crun-drops-unified-v1": { runtimes: ["crun"], on: ["v1"], accepts: (o, e) => o.unified !== undefined && /unified\[/.test(e) },
  // runc ignores memory.kernel and memory.kernelTCP ("Kernel memory settings are ignored").
  "runc-ignores-kmem": { runtimes: ["runc"], on: ["v1"], file: (o, f) => (f === "memory.kmem.tcp.limit_in_bytes" && o.memory?.kernelTCP !== undefined) || (f === "memory.kmem.limit_in_bytes" && o.memory?.kernel !== undefined) },
  // runc 1.1 predates cpu.idle and cpu.burst (runc ≥ 1.2 writes both, as cgroupkit does).
  // On v2 an idle group shows cpu.weight 0 and cpu.weight.nice 19; runc's shows the weight it wrote.
  "runc11-no-idle-burst": {
    runtimes: ["runc"],
    on: ["v1", "v2"],
    file: (o, f) => (f === "cpu.idle" && o.cpu?.idle !== undefined) || (/^cpu\.(shares|weight|weight\.nice)$/.test(f) && o.cpu?.idle === 1) || (/^cpu\.(cfs_burst_us|max\.burst)$/.test(f) && o.cpu?.burst !== undefined),
  },
  // crun 1.8.1 predates cpu.burst.
  "crun18-no-burst": { runtimes: ["crun"], on: ["v1", "v2"], file: (o, f) => /^cpu\.(cfs_burst_us|max\.burst)$/.test(f) && o.cpu?.burst !== undefined },
  // v2 only from here (seen in the VM lane, test/vm/oci-differential.test.ts).
  // memory.reservation -1: both runtimes write memory.low "max" (all memory protected from reclaim); cgroupkit leaves it.
  "runtimes-reservation-max-v2": { runtimes: ["runc", "crun"], on: ["v2"], file: (o, f) => f === "memory.low" && o.memory?.reservation === -1 },
  // runc 1.1 and crun 1.8 write hugetlb.<size>.max only; cgroupkit also writes the reservation limit, as opencontainers/cgroups.
  "runtimes-no-hugetlb-rsvd": { runtimes: ["runc", "crun"], on: ["v2"], file: (o, f) => /^hugetlb\..+\.rsvd\.max$/.test(f) && o.hugepageLimits !== undefined },
  // runc 1.1 applies the fields v2 has no file for (disableOOMKiller true, swappiness, kernel, kernelTCP, the RT pair,
  // leafWeight, network) and drops them; crun refuses each ("cannot set memory swappiness with cgroupv2"), as cgroupkit.
  "runc-ignores-v1-only-v2": {
    runtimes: ["runc"],
    on: ["v2"],
    accepts: (o, e) => /^(memory\.(oomKillDisable|swappiness|kernel|kernelTcp)|cpu\.realtime\S*|io\.leafWeight|network\.(classID \(net_cls\)|priorities \(net_prio\))): /.test(e) && V1_ONLY.some((field) => field.split(".").reduce<any>((v, k) => v?.[k], o) !== undefined),
  },
  // blockIO.weightDevice without BFQ: cgroupkit writes `MAJ:MIN W` to io.weight. The kernel refuses it (EOPNOTSUPP)
  // until iocost has been set up on that device (any io.cost.qos/model write at the root does it, for good), then
  // takes it; runc 1.1 applies the object without the per-device weight either way.
  "runc-drops-weight-device-v2": {
    runtimes: ["runc"],
    on: ["v2"],
    accepts: (o, e) => !!o.blockIO?.weightDevice?.length && /io\.weight value "\d+:\d+ \d+": EOPNOTSUPP/.test(e),
    file: (o, f, theirs, ours) => f === "io.weight" && !!o.blockIO?.weightDevice?.length && ours !== undefined && ours.split("\n")[0] === theirs.split("\n")[0] && !/^\d+:\d+ /m.test(theirs),
  },
  // crun 1.8.1 fails on blockIO.weightDevice for a device without BFQ ("open io.weight: No such file or directory",
  // though io.weight exists); cgroupkit applies it where the kernel takes it (iocost set up on the device).
  "crun-fails-weight-device-v2": { runtimes: ["crun"], on: ["v2"], refuses: (o, e) => !!o.blockIO?.weightDevice?.length && /open io\.weight: No such file/.test(e) },
  // crun 1.8.1 on v2 writes no rdma.max: an object naming an absent device applies; runc and cgroupkit write it, and the
  // kernel refuses (ENODEV), so the limit is never dropped silently (seed 1021752484).
  "crun-drops-rdma-v2": { runtimes: ["crun"], on: ["v2"], accepts: (o, e) => o.rdma !== undefined && /rdma\.max value .*: ENODEV/.test(e) },
  // memory.swap 0 on v2: crun writes memory.swap.max 0 (no swap); runc and cgroupkit read 0 as unset, as on v1
  // (seed 1021752484, with limit -1).
  "crun-swap-zero-v2": { runtimes: ["crun"], on: ["v2"], file: (o, f, theirs) => f === "memory.swap.max" && o.memory?.swap === 0 && theirs === "0" },
  // runc 1.1 and crun 1.8 convert shares linearly (1 + (shares − 2)·9999/262142); cgroupkit uses the curve of runc ≥ 1.3.2
  // and crun ≥ 1.23 (cpuSharesToWeightOci: 1024 → 100). The kernel derives cpu.weight.nice from the weight.
  "runtimes-linear-shares-v2": {
    runtimes: ["runc", "crun"],
    on: ["v2"],
    file: (o, f, theirs, ours) => {
      if (!o.cpu?.shares || o.cpu?.idle === 1) return false;
      const shares = BigInt(o.cpu.shares);
      const linear = 1n + ((shares - 2n) * 9999n) / 262142n;
      if (f === "cpu.weight") return theirs === String(linear) && ours === String(cpuSharesToWeightOci(shares));
      return f === "cpu.weight.nice" && linear !== BigInt(cpuSharesToWeightOci(shares));
    },
  },
};

/** The class of `table` for this runtime and cgroup version that explains a difference, if any. */
export function classify(version: CgroupVersion, runtime: RuntimeName, test: (d: Divergence) => boolean, table = DIVERGENCES): string | undefined {
  return Object.entries(table).find(([, d]) => d.runtimes.includes(runtime) && d.on.includes(version) && test(d))?.[0];
}

/** Every writable control file of a group directory that reads back, by name, except those `skip` matches. */
export function readLimits(dir: string, skip: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    if (!st.isFile() || (st.mode & 0o200) === 0 || skip.test(name)) continue;
    try {
      out.set(name, fs.readFileSync(p, "utf8").trim());
    } catch {
      /* write-only */
    }
  }
  return out;
}

export interface DifferentialStats {
  objects: number;
  filesCompared: number;
  allApplied: number;
  allRefused: number;
  divergences: Record<string, number>;
}

export function newStats(): DifferentialStats {
  return { objects: 0, filesCompared: 0, allApplied: 0, allRefused: 0, divergences: {} };
}

/**
 * Judge one object: each runtime against cgroupkit, by outcome (applied or refused, with the error text) and, where
 * both applied it, file for file (`limits(applier)`: its group's limits). Counts go to `stats`; every difference no
 * class explains is pushed to `unexplained`.
 */
export function judgeObject(args: {
  version: CgroupVersion;
  what: string;
  object: Record<string, any>;
  runtimes: readonly RuntimeName[];
  errors: Partial<Record<Applier, string>>;
  limits: (applier: Applier) => Map<string, string>;
  stats: DifferentialStats;
  unexplained: string[];
}): void {
  const { version, what, object: o, runtimes, errors, stats, unexplained } = args;
  stats.objects++;
  const count = (cls: string) => (stats.divergences[cls] = (stats.divergences[cls] ?? 0) + 1);
  if (errors.cgroupkit !== undefined && runtimes.every((rt) => errors[rt] !== undefined)) {
    stats.allRefused++;
    return;
  }
  if (errors.cgroupkit === undefined && runtimes.every((rt) => errors[rt] === undefined)) stats.allApplied++;
  const ours = errors.cgroupkit === undefined ? args.limits("cgroupkit") : undefined;
  for (const rt of runtimes) {
    const err = errors[rt];
    if (err !== undefined && errors.cgroupkit === undefined) {
      const cls = classify(version, rt, (d) => d.refuses?.(o, err) ?? false);
      if (cls) count(cls);
      else unexplained.push(`${what}: ${rt} refused (${err}) where cgroupkit applied it`);
      continue;
    }
    if (err === undefined && errors.cgroupkit !== undefined) {
      const refusal = errors.cgroupkit;
      const cls = classify(version, rt, (d) => d.accepts?.(o, refusal) ?? false);
      if (cls) count(cls);
      else unexplained.push(`${what}: cgroupkit refused (${refusal}) where ${rt} applied it`);
      continue;
    }
    if (err !== undefined || !ours) continue;
    for (const [file, value] of args.limits(rt)) {
      stats.filesCompared++;
      if (ours.get(file) === value) continue;
      const cls = classify(version, rt, (d) => d.file?.(o, file, value, ours.get(file)) ?? false);
      if (cls) count(cls);
      else unexplained.push(`${what}: ${file}: ${rt} ${JSON.stringify(value)}, cgroupkit ${JSON.stringify(ours.get(file))}`);
    }
  }
}
