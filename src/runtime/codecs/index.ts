// The closed list of value codecs the spec may name. Generated accessors call these factories.
import type { Codec, KeyedValues } from "../codec.js";
import type { DeviceRule } from "../device-rule.js";
import { deviceRules } from "./devices.js";
import { type ScalarKind, deviceValues, flatKeyed, nestedKeyed } from "./keyed.js";
import { lines, pidList, rangeList, subtreeControl, u64List, words } from "./lists.js";
import { type Pressure, type PressureTrigger, psi } from "./pressure.js";
import { type CpuMax, type CpuMaxWrite, bool, cpuMax, enumOf, int, limit, percentOrMax, s64, string, text, u64, v1Bytes } from "./scalars.js";
import { type BlkioStat, blkioStat, numaStat, table } from "./stats.js";

export type { ScalarKind } from "./keyed.js";
export type { Pressure, PressureLine, PressureTrigger } from "./pressure.js";
export type { CpuMax, CpuMaxWrite } from "./scalars.js";
export type { BlkioStat } from "./stats.js";

/**
 * The codec factories. Every `parse` takes the kernel's text (trailing newline included) and throws
 * `ParseError` when it does not match; every `format` validates first, throws `InvalidValueError`
 * for anything the kernel would refuse or misread, and returns one line without a newline.
 * @public
 */
export interface Codecs {
  /** Unsigned 64-bit decimal as `bigint`; `min`/`max` bound writes. */
  u64(o?: { min?: bigint; max?: bigint }): Codec<bigint>;
  /** Signed 64-bit decimal as `bigint` (v1 `cpu.cfs_quota_us` reads `-1`). */
  s64(o?: { min?: bigint; max?: bigint }): Codec<bigint>;
  /** Safe integer as `number`: weights, nice values, swappiness. */
  int(o?: { min?: number; max?: number }): Codec<number>;
  /** `"max"` or an unsigned 64-bit decimal: `memory.max`, `pids.max`. */
  limit(o?: { min?: bigint; max?: bigint }): Codec<bigint | "max">;
  /** `0`/`1` as `boolean`. */
  bool(): Codec<boolean>;
  /** v1 memory byte limits: the kernel's "unlimited" (≥ 0x7FFFFFFFFFFFF000) reads as `"max"`; `"max"` writes `-1`. */
  v1Bytes(): Codec<bigint | "max">;
  /** One line of text without its newline. */
  string(): Codec<string>;
  /** The whole raw text, for unstructured read-only files. */
  text(): Codec<string>;
  /** One of a fixed set of words; files that print every choice with the current one in brackets read as the bracketed one. */
  enum<const V extends string>(o: { values: readonly V[] }): Codec<V>;
  /** `cpu.max`: `"$MAX $PERIOD"`; a write without a period sets only the quota. */
  cpuMax(): Codec<CpuMax, CpuMaxWrite>;
  /** `cpu.uclamp.*`: `"max"` or a percentage with at most two decimals. */
  percentOrMax(): Codec<number | "max">;
  /** `key value` lines; unknown keys are kept; a write sets exactly one key. */
  flatKeyed<K extends string = string, V = bigint>(o?: { keys?: readonly K[]; value?: ScalarKind }): Codec<KeyedValues<K, V>, Readonly<Record<string, V>>>;
  /** `KEY k=v k=v` lines (`io.stat`, `io.max`, `rdma.max`, `memory.numa_stat`); a write sets exactly one outer key. */
  nestedKeyed<K extends string = string, V = bigint>(o?: {
    keys?: readonly K[];
    value?: ScalarKind;
  }): Codec<Readonly<Record<string, KeyedValues<K, V>>>, Readonly<Record<string, Readonly<Record<string, V>>>>>;
  /** `MAJ:MIN value` lines and the `default value` line (`io.weight`, v1 `blkio.throttle.*_device`). */
  deviceValues<V = bigint>(o?: { value?: ScalarKind }): Codec<
    Readonly<Record<string, V>>,
    {
      /** `major:minor`, or `default`. */
      readonly device: string;
      /** The value for that device. */
      readonly value: V;
    }
  >;
  /** Pressure stall information; a write registers a trigger (`some 150000 1000000`). */
  psi(): Codec<Pressure, PressureTrigger>;
  /** Newline-separated pids (`cgroup.procs`, `tasks`); a write moves one pid. */
  pidList(): Codec<number[], number>;
  /** Space-separated words (`cgroup.controllers`). */
  words(): Codec<string[]>;
  /** Newline-separated lines; a write is one line. */
  lines(): Codec<string[], string>;
  /** Space-separated unsigned 64-bit integers (`cpuacct.usage_percpu`). */
  u64List(): Codec<bigint[]>;
  /** cpu/memory-node lists (`0-3,5`), expanded to a sorted unique array; a write compacts an array or checks a list string. */
  rangeList(): Codec<number[], readonly number[] | string>;
  /**
   * `cgroup.subtree_control`: reads the enabled names (as the kernel prints them: `string`, since a newer kernel
   * may enable a controller the spec lacks); a write enables and disables (`+cpu -io`). `N` narrows the names a
   * write takes (the generated `CoreV2` passes `V2ControllerName`); every write is still checked at run time.
   */
  subtreeControl<N extends string = string>(): Codec<
    string[],
    {
      /** Controllers to turn on for the children (`+name`). */
      readonly enable?: readonly N[];
      /** Controllers to turn off (`-name`). */
      readonly disable?: readonly N[];
    }
  >;
  /** v1 device rules (`c 1:3 rwm`); a write is one rule. */
  deviceRules(): Codec<DeviceRule[], DeviceRule | string>;
  /** v1 blkio statistics (`8:0 Read 12` … `Total 15`). Read-only. */
  blkioStat(): Codec<BlkioStat>;
  /** A header line then rows of unsigned integers (`cpuacct.usage_all`). Read-only. */
  table(): Codec<Array<Readonly<Record<string, bigint>>>>;
  /** v1 `memory.numa_stat` / hugetlb `numa_stat`: `total=123 N0=123` lines keyed by the first key. Read-only. */
  numaStat(): Codec<Readonly<Record<string, Readonly<Record<string, bigint>>>>>;
}

/** The codec factories, by spec name. @public */
export const codecs: Codecs = Object.freeze({
  u64,
  s64,
  int,
  limit,
  bool,
  v1Bytes,
  string,
  text,
  enum: enumOf,
  cpuMax,
  percentOrMax,
  flatKeyed,
  nestedKeyed,
  deviceValues,
  psi,
  pidList,
  words,
  lines,
  u64List,
  rangeList,
  subtreeControl,
  deviceRules,
  blkioStat,
  table,
  numaStat,
});

/** The names in the closed codec list, as the spec writes them. @public */
export type CodecName = keyof Codecs;

/** Every codec name, for validating a spec against the runtime. @public */
export const codecNames: readonly CodecName[] = Object.freeze(Object.keys(codecs) as CodecName[]);
