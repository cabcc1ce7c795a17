// The OCI runtime-spec `linux.resources` object, validated, mapped onto ResourceLimits the way runc does.
import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { InvalidValueError } from "../runtime/errors.js";
import { cpuSharesToWeightOci, ociMemorySwapToSwapMax } from "./conversions.js";
import type { ResourceLimits } from "./limits.js";

/** zod is half the package's import time: it is loaded on the first OCI parse, not at import. */
function buildSchema(zod: typeof Zod) {
  const z = zod;
  // JSON numbers above 2^53 lose precision before we see them: accept safe integers and bigints only.
  const int64 = z.union([z.bigint(), z.number().int().refine(Number.isSafeInteger, "an integer within 2^53, or a bigint")]).transform((v) => BigInt(v));
  const uint64 = int64.refine((v) => v >= 0n, "must not be negative");

  const deviceRule = z.strictObject({
    /** Allow (true) or deny (false) the matched devices. */
    allow: z.boolean(),
    /** `a` (all), `b` (block) or `c` (char); absent means `a`. */
    type: z.enum(["a", "b", "c"]).optional(),
    /** Major number; absent or null means any. */
    major: z.number().int().nullable().optional(),
    /** Minor number; absent or null means any. */
    minor: z.number().int().nullable().optional(),
    /** A subset of `rwm`: read, write, mknod. */
    access: z.string().regex(/^[rwm]*$/, "a subset of rwm").optional(),
  });

  const throttle = z.array(
    z.strictObject({
      /** The block device's major number. */
      major: z.number().int().min(0),
      /** The block device's minor number. */
      minor: z.number().int().min(0),
      /** Bytes or operations per second. */
      rate: uint64,
    }),
  );

  return z.strictObject({
    /** Device ACL rules, in order; the last matching rule wins. */
    devices: z.array(deviceRule).optional(),
    /** Memory limits (runc: memory.*). */
    memory: z
      .strictObject({
        /** Hard limit in bytes; -1 is unlimited. */
        limit: int64.optional(),
        /** Soft limit (v2 memory.low) in bytes. */
        reservation: int64.optional(),
        /** Memory plus swap, in bytes, as v1 memsw counts it; -1 is unlimited. */
        swap: int64.optional(),
        /** Kernel memory limit: refused (deprecated by the kernel). */
        kernel: int64.optional(),
        /** Kernel TCP buffer limit: refused. */
        kernelTCP: int64.optional(),
        /** v1 memory.swappiness, 0..100. */
        swappiness: uint64.optional(),
        /** v1 memory.oom_control: turn the OOM killer off. */
        disableOOMKiller: z.boolean().optional(),
        /** v1 memory.use_hierarchy: accepted and ignored (always on since Linux 5.10). */
        useHierarchy: z.boolean().optional(),
        /** runc checks usage before lowering a limit: accepted and ignored (the kernel refuses with EBUSY itself). */
        checkBeforeUpdate: z.boolean().optional(),
      })
      .optional(),
    /** CPU limits (runc: cpu.*, cpuset.*). */
    cpu: z
      .strictObject({
        /** v1 cpu.shares; converted to cpu.weight on v2. */
        shares: uint64.optional(),
        /** CFS quota in microseconds per period; -1 or 0 is no limit. */
        quota: int64.optional(),
        /** CFS burst in microseconds: refused. */
        burst: uint64.optional(),
        /** CFS period in microseconds. */
        period: uint64.optional(),
        /** RT runtime: refused. */
        realtimeRuntime: int64.optional(),
        /** RT period: refused. */
        realtimePeriod: uint64.optional(),
        /** cpuset.cpus list (`0-3,6`). */
        cpus: z.string().optional(),
        /** cpuset.mems list. */
        mems: z.string().optional(),
        /** cpu.idle: refused. */
        idle: int64.optional(),
      })
      .optional(),
    /** Task-count limit. */
    pids: z
      .strictObject({
        /** pids.max; 0 or less is unlimited. */
        limit: int64,
      })
      .optional(),
    /** Block I/O weights and throttles (runc: blkio.*, io.*). */
    blockIO: z
      .strictObject({
        /** blkio.weight, 10..1000 (0 unset); converted to io.weight on v2. */
        weight: z.number().int().min(0).max(1000).optional(),
        /** blkio.leaf_weight: refused. */
        leafWeight: z.number().int().min(0).max(1000).optional(),
        /** Per-device weights: refused. */
        weightDevice: z
          .array(
            z.strictObject({
              /** The block device's major number. */
              major: z.number().int(),
              /** The block device's minor number. */
              minor: z.number().int(),
              /** Its weight. */
              weight: z.number().int().optional(),
              /** Its leaf weight. */
              leafWeight: z.number().int().optional(),
            }),
          )
          .optional(),
        /** Read bytes/s limits per device: refused. */
        throttleReadBpsDevice: throttle.optional(),
        /** Write bytes/s limits per device: refused. */
        throttleWriteBpsDevice: throttle.optional(),
        /** Read ops/s limits per device: refused. */
        throttleReadIOPSDevice: throttle.optional(),
        /** Write ops/s limits per device: refused. */
        throttleWriteIOPSDevice: throttle.optional(),
      })
      .optional(),
    /** Huge page limits by page size. */
    hugepageLimits: z
      .array(
        z.strictObject({
          /** Page size as the kernel names it (`2MB`, `1GB`). */
          pageSize: z.string().regex(/^[0-9]+[KMG]B$/),
          /** Limit in bytes. */
          limit: uint64,
        }),
      )
      .optional(),
    /** net_cls / net_prio settings: refused. */
    network: z
      .strictObject({
        /** net_cls.classid. */
        classID: z.number().int().optional(),
        /** net_prio.ifpriomap entries. */
        priorities: z
          .array(
            z.strictObject({
              /** Interface name. */
              name: z.string(),
              /** Its priority. */
              priority: z.number().int(),
            }),
          )
          .optional(),
      })
      .optional(),
    /** RDMA limits by device name: refused. */
    rdma: z
      .record(
        z.string(),
        z.strictObject({
          /** Most HCA handles. */
          hcaHandles: z.number().int().optional(),
          /** Most HCA objects. */
          hcaObjects: z.number().int().optional(),
        }),
      )
      .optional(),
    /** Raw cgroup v2 files to write (`{"memory.high": "1G"}`): refused. */
    unified: z.record(z.string(), z.string()).optional(),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

/** The zod schema of OCI `linux.resources` (runtime-spec config-linux.md), built on first use. @public */
export function ociLinuxResourcesSchema(): ReturnType<typeof buildSchema> {
  schema ??= buildSchema((createRequire(import.meta.url)("zod") as { z: typeof Zod }).z);
  return schema;
}

/** The OCI object as validated. @public */
export type OciLinuxResources = Zod.output<ReturnType<typeof buildSchema>>;

/** OCI fields cgroupkit maps; a set field outside this list is refused rather than silently dropped. */
const UNSUPPORTED: ReadonlyArray<[string, (r: OciLinuxResources) => unknown]> = [
  ["memory.kernel", (r) => r.memory?.kernel],
  ["memory.kernelTCP", (r) => r.memory?.kernelTCP],
  ["cpu.realtimeRuntime", (r) => r.cpu?.realtimeRuntime],
  ["cpu.realtimePeriod", (r) => r.cpu?.realtimePeriod],
  ["cpu.burst", (r) => r.cpu?.burst],
  ["cpu.idle", (r) => r.cpu?.idle],
  ["blockIO.leafWeight", (r) => r.blockIO?.leafWeight],
  ["blockIO.weightDevice", (r) => r.blockIO?.weightDevice],
  ["blockIO.throttleReadBpsDevice", (r) => r.blockIO?.throttleReadBpsDevice],
  ["blockIO.throttleWriteBpsDevice", (r) => r.blockIO?.throttleWriteBpsDevice],
  ["blockIO.throttleReadIOPSDevice", (r) => r.blockIO?.throttleReadIOPSDevice],
  ["blockIO.throttleWriteIOPSDevice", (r) => r.blockIO?.throttleWriteIOPSDevice],
  ["network", (r) => r.network],
  ["rdma", (r) => r.rdma],
  ["unified", (r) => r.unified],
];

/**
 * Validate an OCI `linux.resources` object and map it onto {@link ResourceLimits}, as runc does
 * (memory.swap is memory+swap; -1 is unlimited; pids.limit ≤ 0 is unlimited; cpu.shares stays shares and is
 * converted on cgroup v2). Errors name the field. `devices` is returned as is for the device layer.
 * @public
 */
export function resourcesFromOci(input: unknown): {
  /** The limits, ready for {@link applyResources}. */
  limits: ResourceLimits;
  /** The device rules, for {@link DevicePolicy.fromOciDevices}. */
  devices: OciLinuxResources["devices"];
} {
  const parsed = ociLinuxResourcesSchema().safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ["linux", "resources", ...issue.path.map(String)].join(".");
    throw new InvalidValueError(field, valueAt(input, issue.path), issue.message);
  }
  const r = parsed.data;
  for (const [field, get] of UNSUPPORTED) {
    if (get(r) !== undefined) throw new InvalidValueError(`linux.resources.${field}`, get(r), "not supported by cgroupkit yet; remove it or set it through the accessors");
  }
  const bytes = (v: bigint | undefined) => (v === undefined ? undefined : v === -1n ? ("max" as const) : v);
  const limits: ResourceLimits = {
    memory: r.memory && {
      max: bytes(r.memory.limit),
      swap: r.memory.swap === undefined ? undefined : ociMemorySwapToSwapMax(r.memory.swap, r.memory.limit ?? 0n),
      low: r.memory.reservation === undefined || r.memory.reservation === -1n ? undefined : r.memory.reservation,
      swappiness: r.memory.swappiness === undefined ? undefined : Number(r.memory.swappiness),
      oomKillDisable: r.memory.disableOOMKiller,
    },
    cpu: r.cpu && {
      shares: r.cpu.shares === undefined || cpuSharesToWeightOci(r.cpu.shares) === 0 ? undefined : r.cpu.shares,
      quota: r.cpu.quota === undefined ? undefined : r.cpu.quota <= 0n ? "max" : r.cpu.quota,
      period: r.cpu.period,
      cpus: r.cpu.cpus || undefined,
      mems: r.cpu.mems || undefined,
    },
    pids: r.pids && { max: r.pids.limit <= 0n ? "max" : r.pids.limit },
    io: r.blockIO?.weight ? { blkioWeight: r.blockIO.weight } : undefined,
    hugetlb: r.hugepageLimits && Object.fromEntries(r.hugepageLimits.map((h) => [h.pageSize, h.limit])),
  };
  return { limits: dropUndefined(limits), devices: r.devices };
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function dropUndefined<T>(value: T): T {
  if (value === null || typeof value !== "object" || typeof value === "bigint") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const cleaned = dropUndefined(v);
    if (cleaned !== undefined && !(typeof cleaned === "object" && cleaned !== null && Object.keys(cleaned).length === 0)) out[k] = cleaned;
  }
  return out as T;
}
