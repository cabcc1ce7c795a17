// Bounds the kernel fixes for a file beyond what its codec's type says, checked before any write.
// Each is a constant of the kernel source, the same on every 64-bit build; refusing here gives a typed error
// naming the bound where the kernel would answer a bare EINVAL after earlier writes already landed.
import { InvalidValueError } from "./errors.js";

// CFS bandwidth (kernel/sched/core.c): period 1 ms..1 s; a quota at least 1 ms and below 2^44 µs (max_cfs_runtime).
/** @internal */
export const CFS_PERIOD_MIN = 1000n;
/** @internal */
export const CFS_PERIOD_MAX = 1000000n;
/** @internal */
export const CFS_QUOTA_MIN = 1000n;
/** @internal */
export const CFS_QUOTA_MAX = (1n << 44n) - 1n;
// kernel/cgroup/pids.c: a limit must be below PIDS_MAX = PID_MAX_LIMIT + 1 (4 Mi pids on 64-bit).
const PIDS_LIMIT_MAX = 4n * 1024n * 1024n;

type Check = (value: unknown) => string | undefined;

const cfsQuota: Check = (v) =>
  typeof v === "bigint" && v >= 0n && (v < CFS_QUOTA_MIN || v > CFS_QUOTA_MAX) ? `the kernel takes -1 (no limit) or ${CFS_QUOTA_MIN}..${CFS_QUOTA_MAX} µs (at least 1 ms)` : undefined;
const cfsBurst: Check = (v) => (typeof v === "bigint" && v > CFS_QUOTA_MAX ? `the kernel takes at most ${CFS_QUOTA_MAX} µs` : undefined);
const pidsMax: Check = (v) => (typeof v === "bigint" && v > PIDS_LIMIT_MAX ? `the kernel takes "max" or 0..${PIDS_LIMIT_MAX} (PID_MAX_LIMIT)` : undefined);

/** By `version:file` of the spec. */
const CHECKS: Readonly<Record<string, Check>> = {
  "v1:cpu.cfs_quota_us": cfsQuota,
  "v1:cpu.cfs_burst_us": cfsBurst,
  "v2:cpu.max.burst": cfsBurst,
  "v1:pids.max": pidsMax,
  "v2:pids.max": pidsMax,
};

/**
 * Refuse a value the kernel's fixed bounds for this file refuse.
 * @throws {@link InvalidValueError}
 * @internal
 */
export function checkKernelBounds(meta: { readonly version: "v1" | "v2"; readonly file: string }, name: string, value: unknown): void {
  const why = CHECKS[`${meta.version}:${meta.file}`]?.(value);
  if (why !== undefined) throw new InvalidValueError(name, value, why);
}
