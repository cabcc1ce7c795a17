// The OCI runtime-spec `linux.resources` object, validated, mapped onto ResourceLimits the way runc and crun do.
import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { InvalidValueError } from "../runtime/errors.js";
import { cpuSharesToWeightOci, ociMemorySwapToSwapMax } from "./conversions.js";
import type { ResourceLimits } from "./limits.js";
import { resolveUnified } from "./unified.js";

/** zod is half the package's import time: it is loaded on the first OCI parse, not at import. */
function buildSchema(zod: typeof Zod) {
  const z = zod;
  // JSON numbers above 2^53 lose precision before we see them: accept safe integers and bigints only.
  const int64 = z.union([z.bigint(), z.number().int().refine(Number.isSafeInteger, "an integer within 2^53, or a bigint")]).transform((v) => BigInt(v));
  const uint64 = int64.refine((v) => v >= 0n, "must not be negative");
  // Numbers, as 0.1.0 typed them: every 32-bit value is a safe integer.
  const uint32 = z.number().int("must be an integer").min(0, "must not be negative").max(0xffffffff, "must fit in 32 bits (0..4294967295)");
  // Byte limits: -1 is unlimited; any other negative the kernel would refuse.
  const bytes = int64.refine((v) => v >= -1n, "must be -1 (unlimited) or a byte count");
  const device = {
    /** Device major number (0..4095). */
    major: z.number().int().min(0).max(0xfff, "a major number is 0..4095"),
    /** Device minor number (0..1048575). */
    minor: z.number().int().min(0).max(0xfffff, "a minor number is 0..1048575"),
  };
  // 0 means unset to runc and crun; the file's codec checks the rest (blkio.weight 10..1000, BFQ 1..1000).
  const blkioWeight = z.number().int().min(0).max(1000);

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
      ...device,
      /** The cap: bytes or operations per second. */
      rate: uint64,
    }),
  );
  // Names the kernel takes as one token of a keyed line.
  const token = (what: string) => z.string().regex(/^[^\s=]{1,64}$/, `${what}: 1..64 characters, no whitespace or "="`);

  return z.strictObject({
    /** Device ACL rules, in order; the last matching rule wins. */
    devices: z.array(deviceRule).optional(),
    /** Memory limits (runc: memory.*). */
    memory: z
      .strictObject({
        /** Hard limit in bytes, -1 unlimited (memory.max / memory.limit_in_bytes). */
        limit: bytes.optional(),
        /** Soft limit in bytes, -1 unset (memory.low / memory.soft_limit_in_bytes). */
        reservation: bytes.optional(),
        /** Memory plus swap in bytes, -1 unlimited; 0 with a limit is unset. */
        swap: bytes.optional(),
        /** v1 kernel memory limit in bytes (deprecated by the kernel). */
        kernel: bytes.optional(),
        /** v1 kernel TCP buffer limit in bytes. */
        kernelTCP: bytes.optional(),
        /** v1 memory.swappiness, 0..100. */
        swappiness: uint64.refine((v) => v <= 100n, "must be 0..100").optional(),
        /** v1 memory.oom_control: disable the OOM killer. */
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
        /** v1 cpu.rt_runtime_us, -1 unlimited; 0 is unset. */
        realtimeRuntime: int64.refine((v) => v >= -1n, "must be -1 (unlimited) or microseconds").optional(),
        /** v1 cpu.rt_period_us; 0 is unset. */
        realtimePeriod: uint64.optional(),
        /** cpuset.cpus list (`0-3,6`). */
        cpus: z.string().optional(),
        /** cpuset.mems list. */
        mems: z.string().optional(),
        /** cpu.idle: 1 is SCHED_IDLE, 0 the default. */
        idle: int64.refine((v) => v === 0n || v === 1n, "must be 0 (default) or 1 (SCHED_IDLE)").optional(),
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
        /** Group weight, 10..1000; 0 is unset. */
        weight: blkioWeight.optional(),
        /** v1 blkio.leaf_weight (CFQ only), 10..1000; 0 is unset. */
        leafWeight: blkioWeight.optional(),
        /** Per-device weights. */
        weightDevice: z
          .array(
            z
              .strictObject({
                ...device,
                /** The device's weight, 10..1000; 0 is unset. */
                weight: blkioWeight.optional(),
                /** The device's v1 leaf weight (CFQ only); 0 is unset. */
                leafWeight: blkioWeight.optional(),
              })
              .refine((d) => d.weight !== undefined || d.leafWeight !== undefined, "an entry needs weight or leafWeight (runtime-spec: MUST specify at least one)"),
          )
          .optional(),
        /** Read bytes/s limits per device. */
        throttleReadBpsDevice: throttle.optional(),
        /** Write bytes/s limits per device: refused. */
        throttleWriteBpsDevice: throttle.optional(),
        /** Read ops/s limits per device: refused. */
        throttleReadIOPSDevice: throttle.optional(),
        /** Write ops/s limits per device: refused. */
        throttleWriteIOPSDevice: throttle.optional(),
      })
      .optional(),
    /** Huge page limits per page size (hugetlb.*). */
    hugepageLimits: z
      .array(
        z.strictObject({
          /** Page size such as `2MB` or `1GB`. */
          pageSize: z.string().regex(/^[0-9]+[KMG]B$/, "a size such as 2MB or 1GB"),
          /** Limit in bytes. */
          limit: uint64,
        }),
      )
      .optional(),
    /** v1 net_cls and net_prio settings. */
    network: z
      .strictObject({
        /** net_cls.classid; 0 is unset. */
        classID: uint32.optional(),
        /** net_prio.ifpriomap entries. */
        priorities: z
          .array(
            z.strictObject({
              /** Interface name. */
              name: token("an interface name"),
              /** The interface's priority. */
              priority: uint32,
            }),
          )
          .optional(),
      })
      .optional(),
    /** rdma.max limits per RDMA device name. */
    rdma: z
      .record(
        token("an RDMA device name"),
        z
          .strictObject({
            /** Most HCA handles. */
            hcaHandles: uint32.optional(),
            /** Most HCA objects. */
            hcaObjects: uint32.optional(),
          })
          .refine((r) => r.hcaHandles !== undefined || r.hcaObjects !== undefined, "an entry needs hcaHandles or hcaObjects (runtime-spec: MUST specify at least one)"),
      )
      .optional(),
    /** cgroup v2 files by name, as kernel text. */
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

/**
 * Validate an OCI `linux.resources` object and map it onto {@link ResourceLimits} the way runc and crun read it
 * (docs/oci-conformance.md has the table): memory.swap is memory+swap and 0 is unset; -1 is unlimited;
 * pids.limit ≤ 0 is unlimited; cpu.shares stays shares and is converted on cgroup v2; the zero value of a
 * weight, a class id or a real-time setting is unset. Errors name `linux.resources.<field>` and the value.
 * `devices` is returned as is for the device layer.
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
  // Each unified key resolves to a spec file and its value passes that file's codec, before anything else.
  for (const [key, value] of Object.entries(r.unified ?? {})) resolveUnified(key, value);
  const bytes = (v: bigint | undefined) => (v === undefined ? undefined : v === -1n ? ("max" as const) : v);
  const unlessZero = <T>(v: T | undefined) => (v === undefined || v === 0 || v === 0n ? undefined : v);
  const memory = r.memory;
  const swap = memory?.swap === undefined || (memory.swap === 0n && memory.limit !== undefined) ? undefined : memory.swap;
  const rates = (list: ReadonlyArray<{ major: number; minor: number; rate: bigint }> | undefined) => list?.map((t) => ({ device: `${t.major}:${t.minor}`, rate: t.rate }));
  const b = r.blockIO;
  const limits: ResourceLimits = {
    memory: memory && {
      max: bytes(memory.limit),
      // swap 0 with a limit: unset, as runc reads it (see the conformance table); it can never be a real memory+swap limit.
      swap: swap === undefined ? undefined : swapMax(swap, memory.limit ?? 0n),
      low: memory.reservation === undefined || memory.reservation === -1n ? undefined : memory.reservation,
      swappiness: memory.swappiness === undefined ? undefined : Number(memory.swappiness),
      // false asks for the kernel's default: runc writes oom_control only for true, and v2 (no switch) then has nothing to refuse.
      oomKillDisable: memory.disableOOMKiller === true ? true : undefined,
      kernel: bytes(memory.kernel),
      kernelTcp: bytes(memory.kernelTCP),
    },
    cpu: r.cpu && {
      shares: r.cpu.shares === undefined || cpuSharesToWeightOci(r.cpu.shares) === 0 ? undefined : r.cpu.shares,
      quota: r.cpu.quota === undefined ? undefined : r.cpu.quota <= 0n ? "max" : r.cpu.quota,
      period: r.cpu.period,
      cpus: r.cpu.cpus || undefined,
      mems: r.cpu.mems || undefined,
      idle: r.cpu.idle === undefined ? undefined : r.cpu.idle === 1n,
      burst: r.cpu.burst,
      realtimeRuntime: unlessZero(r.cpu.realtimeRuntime),
      realtimePeriod: unlessZero(r.cpu.realtimePeriod),
    },
    pids: r.pids && { max: r.pids.limit <= 0n ? "max" : r.pids.limit },
    io: b && {
      blkioWeight: unlessZero(b.weight),
      leafWeight: unlessZero(b.leafWeight),
      deviceWeights: b.weightDevice
        ?.map((d) => ({ device: `${d.major}:${d.minor}`, weight: unlessZero(d.weight), leafWeight: unlessZero(d.leafWeight) }))
        .filter((d) => d.weight !== undefined || d.leafWeight !== undefined),
      throttle: {
        readBps: rates(b.throttleReadBpsDevice),
        writeBps: rates(b.throttleWriteBpsDevice),
        readIops: rates(b.throttleReadIOPSDevice),
        writeIops: rates(b.throttleWriteIOPSDevice),
      },
    },
    hugetlb: r.hugepageLimits && Object.fromEntries(r.hugepageLimits.map((h) => [h.pageSize, h.limit])),
    rdma: r.rdma && Object.fromEntries(Object.entries(r.rdma).map(([dev, l]) => [dev, { hcaHandles: big(l.hcaHandles), hcaObjects: big(l.hcaObjects) }])),
    network: r.network && { classId: unlessZero(big(r.network.classID)), priorities: r.network.priorities?.map((p) => ({ name: p.name, priority: BigInt(p.priority) })) },
    unified: r.unified,
  };
  return { limits: dropUndefined(limits), devices: r.devices };
}

/** memory.swap with the field named as the OCI object names it. */
/** The schema's 32-bit numbers as the bigint ResourceLimits takes. */
function big(n: number | undefined): bigint | undefined {
  return n === undefined ? undefined : BigInt(n);
}

function swapMax(swap: bigint, limit: bigint): bigint | "max" | undefined {
  try {
    return ociMemorySwapToSwapMax(swap, limit);
  } catch (err) {
    if (err instanceof InvalidValueError) throw new InvalidValueError("linux.resources.memory.swap", swap, err.reason);
    throw err;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function dropUndefined<T>(value: T): T {
  if (value === null || typeof value !== "object" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const cleaned = dropUndefined(v);
    if (cleaned !== undefined && !(typeof cleaned === "object" && cleaned !== null && Object.keys(cleaned).length === 0)) out[k] = cleaned;
  }
  return out as T;
}
