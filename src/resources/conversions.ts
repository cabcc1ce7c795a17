// The value conversions the ecosystem uses between cgroup v1 and v2, each named after where it comes from.
// Round-trip loss is stated per function: none of these are bijections.
import { InvalidValueError } from "../runtime/errors.js";

/** v1 cpu.shares range, per the kernel. @public */
export const CPU_SHARES_RANGE = {
  /** Smallest value the kernel accepts. */
  min: 2n,
  /** Largest value the kernel accepts. */
  max: 262144n,
  /** A new group's value. */
  default: 1024n,
} as const;
/** v2 cpu.weight range, per the kernel. @public */
export const CPU_WEIGHT_RANGE = {
  /** Smallest value the kernel accepts. */
  min: 1,
  /** Largest value the kernel accepts. */
  max: 10000,
  /** A new group's value. */
  default: 100,
} as const;
/** v1 blkio.weight range (CFQ/BFQ). @public */
export const BLKIO_WEIGHT_RANGE = {
  /** Smallest value the kernel accepts. */
  min: 10,
  /** Largest value the kernel accepts. */
  max: 1000,
  /** A new group's value. */
  default: 500,
} as const;

function checkShares(shares: bigint): void {
  if (typeof shares !== "bigint" || shares < 0n) throw new InvalidValueError("cpu.shares", shares, "must be a non-negative bigint");
}

/**
 * cpu.shares → cpu.weight on the quadratic-in-log curve that maps 2 → 1, 1024 → 100 and 262144 → 10000.
 * Used by runc ≥ 1.3.2 / opencontainers/cgroups and crun ≥ 1.23; 0 means unset and stays 0.
 * Loss: many shares values share a weight at the low end (2..16 → 1..2); weight → shares is not defined by them.
 * @public
 */
export function cpuSharesToWeightOci(shares: bigint): number {
  checkShares(shares);
  if (shares === 0n) return 0;
  if (shares <= 2n) return 1;
  if (shares >= 262144n) return 10000;
  const l = Math.log2(Number(shares));
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

/**
 * cpu.shares → cpu.weight, linear over the whole range: `1 + (shares - 2) * 9999 / 262142` (integer division).
 * Used by runc before 1.3.2 and older crun. Maps the default 1024 to 39, not 100: the reason the OCI curve replaced it.
 * Loss: about 26 shares per weight step.
 * @public
 */
export function cpuSharesToWeightLegacyLinear(shares: bigint): number {
  checkShares(shares);
  if (shares === 0n) return 0;
  const clamped = shares < 2n ? 2n : shares > 262144n ? 262144n : shares;
  return Number(1n + ((clamped - 2n) * 9999n) / 262142n);
}

/**
 * cpu.shares → cpu.weight scaled by the defaults, `shares * 100 / 1024`, clamped to 1..10000.
 * systemd's CPUShares= → CPUWeight= mapping. Loss: about 10 shares per weight step; maps 1024 → 100.
 * @public
 */
export function cpuSharesToWeightSystemd(shares: bigint): number {
  checkShares(shares);
  const w = (shares * 100n) / 1024n;
  return Number(w < 1n ? 1n : w > 10000n ? 10000n : w);
}

/**
 * cpu.shares → cpu.weight as libcgroup's abstraction layer (cgxset/cgxget) does: `shares * 100 / 1024`. libcgroup
 * does not clamp, so shares below 11 give 0 and shares above 102400 more than 10000 (v1 takes up to 262144), which the kernel
 * refuses: those shares are refused here (InvalidValueError naming the weight) rather than returned out of range.
 * {@link cpuSharesToWeightSystemd} is the same formula, clamped. Round trip: {@link cpuWeightToShares} gives back
 * the shares rounded down to a multiple of 10.24. Loss as systemd's.
 * @public
 */
export function cpuSharesToWeightLibcgroup(shares: bigint): number {
  checkShares(shares);
  const weight = Number((shares * 100n) / 1024n);
  if (weight < CPU_WEIGHT_RANGE.min || weight > CPU_WEIGHT_RANGE.max) {
    throw new InvalidValueError("cpu.shares", shares, `libcgroup's mapping gives cpu.weight ${weight}, outside ${CPU_WEIGHT_RANGE.min}..${CPU_WEIGHT_RANGE.max} (the kernel refuses it); cpuSharesToWeightSystemd clamps instead`);
  }
  return weight;
}

/**
 * cpu.weight → cpu.shares, the inverse of the default-scaling mappings (`weight * 1024 / 100`), as systemd and libcgroup
 * do for v1 hosts. 100 → 1024 exactly; other values round down.
 * @public
 */
export function cpuWeightToShares(weight: number): bigint {
  if (!Number.isSafeInteger(weight) || weight < CPU_WEIGHT_RANGE.min || weight > CPU_WEIGHT_RANGE.max) {
    throw new InvalidValueError("cpu.weight", weight, "must be an integer 1..10000");
  }
  const shares = (BigInt(weight) * 1024n) / 100n;
  return shares < 2n ? 2n : shares;
}

/**
 * v1 blkio.weight (10..1000) → v2 io.weight (1..10000): `1 + (weight - 10) * 9999 / 990`. runc's mapping; 0 means unset.
 * Loss: none going up (each blkio weight has its own io weight); io → blkio rounds.
 * @public
 */
export function blkioWeightToIoWeight(weight: number): number {
  if (!Number.isSafeInteger(weight) || (weight !== 0 && (weight < BLKIO_WEIGHT_RANGE.min || weight > BLKIO_WEIGHT_RANGE.max))) {
    throw new InvalidValueError("blkio.weight", weight, "must be 0 (unset) or an integer 10..1000");
  }
  return weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** v2 io.weight (1..10000) → v1 blkio.weight (10..1000), the inverse of {@link blkioWeightToIoWeight} rounded to nearest. @public */
export function ioWeightToBlkioWeight(weight: number): number {
  if (!Number.isSafeInteger(weight) || weight < 1 || weight > 10000) throw new InvalidValueError("io.weight", weight, "must be an integer 1..10000");
  return 10 + Math.round(((weight - 1) * 990) / 9999);
}

/**
 * OCI `memory.swap` (memory + swap, v1 memsw semantics) → v2 `memory.swap.max` (swap alone), as runc does.
 * -1 is unlimited; 0 with no memory limit is unset. Errors when swap is set without a memory limit or is below it.
 * @public
 */
export function ociMemorySwapToSwapMax(memorySwap: bigint, memoryLimit: bigint): bigint | "max" | undefined {
  if (memorySwap === -1n) return "max";
  if (memorySwap === 0n && (memoryLimit === 0n || memoryLimit === -1n)) return undefined;
  if (memorySwap < 0n) throw new InvalidValueError("memory.swap", memorySwap, "must be -1 (unlimited) or a byte count");
  if (memoryLimit <= 0n) throw new InvalidValueError("memory.swap", memorySwap, "a swap limit needs a memory limit");
  if (memorySwap < memoryLimit) throw new InvalidValueError("memory.swap", memorySwap, `memory+swap must be >= the memory limit ${memoryLimit}`);
  return memorySwap - memoryLimit;
}
