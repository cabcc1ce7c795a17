// Single-value files: integers, limits, booleans, strings, enums, cpu.max, uclamp percentages.
import { CFS_PERIOD_MAX, CFS_PERIOD_MIN, CFS_QUOTA_MAX, CFS_QUOTA_MIN } from "../kernel-bounds.js";
import type { Codec } from "../codec.js";
import {
  S64_MAX,
  S64_MIN,
  U64_MAX,
  bigintBounds,
  checkBigint,
  checkInt,
  checkOneLine,
  decimalToken,
  hasLineBreakOrNul,
  intToken,
  invalid,
  parseFail,
  s64Token,
  stripNewline,
  typeName,
  u64Token,
} from "./common.js";

/** `cpu.max` as read. @public */
export interface CpuMax {
  /** Microseconds the group may run per period, or "max" for no limit. */
  readonly quota: bigint | "max";
  /** Period length in microseconds. */
  readonly period: bigint;
}

/** `cpu.max` as written: without a period the kernel keeps the current one. @public */
export interface CpuMaxWrite {
  /** Run time allowed per period, in microseconds, or "max" for no limit. */
  readonly quota: bigint | "max";
  /** The period, in microseconds; the kernel keeps the current one when absent. */
  readonly period?: bigint;
}

/** The factory behind `codecs.u64` (see {@link Codecs}). @internal */
export function u64(o?: { min?: bigint; max?: bigint }): Codec<bigint> {
  const [min, max] = bigintBounds(o, 0n, U64_MAX, "u64");
  return {
    name: "u64",
    parse(text, file) {
      return u64Token(stripNewline(text)) ?? parseFail(file, text, "expected an unsigned 64-bit decimal integer");
    },
    format(value, file) {
      return checkBigint(value, min, max, file).toString();
    },
  };
}

/** The factory behind `codecs.s64` (see {@link Codecs}). @internal */
export function s64(o?: { min?: bigint; max?: bigint }): Codec<bigint> {
  const [min, max] = bigintBounds(o, S64_MIN, S64_MAX, "s64");
  return {
    name: "s64",
    parse(text, file) {
      return s64Token(stripNewline(text)) ?? parseFail(file, text, "expected a signed 64-bit decimal integer");
    },
    format(value, file) {
      return checkBigint(value, min, max, file).toString();
    },
  };
}

/** The factory behind `codecs.int` (see {@link Codecs}). @internal */
export function int(o?: { min?: number; max?: number }): Codec<number> {
  const min = o?.min ?? Number.MIN_SAFE_INTEGER;
  const max = o?.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) throw new RangeError(`int: bad bounds min=${min} max=${max}`);
  return {
    name: "int",
    parse(text, file) {
      return intToken(stripNewline(text)) ?? parseFail(file, text, "expected a decimal integer");
    },
    format(value, file) {
      return String(checkInt(value, min, max, file));
    },
  };
}

/** `bigint | "max"` token check shared with keyed value kinds. @internal */
export function formatLimit(value: unknown, min: bigint, max: bigint, file: string | undefined, shown: unknown = value): string {
  if (value === "max") return "max";
  if (typeof value !== "bigint") invalid(file, shown, `expected a bigint or "max", got ${typeof value === "string" ? JSON.stringify(value) : typeName(value)}`);
  return checkBigint(value, min, max, file, shown).toString();
}

/** The factory behind `codecs.limit` (see {@link Codecs}). @internal */
export function limit(o?: { min?: bigint; max?: bigint }): Codec<bigint | "max"> {
  const [min, max] = bigintBounds(o, 0n, U64_MAX, "limit");
  return {
    name: "limit",
    parse(text, file) {
      const token = stripNewline(text);
      if (token === "max") return "max";
      return u64Token(token) ?? parseFail(file, text, 'expected "max" or an unsigned 64-bit decimal integer');
    },
    format(value, file) {
      return formatLimit(value, min, max, file);
    },
  };
}

/** The factory behind `codecs.bool` (see {@link Codecs}). @internal */
export function bool(): Codec<boolean> {
  return {
    name: "bool",
    parse(text, file) {
      const token = stripNewline(text);
      if (token === "1") return true;
      if (token === "0") return false;
      return parseFail(file, text, 'expected "0" or "1"');
    },
    format(value, file) {
      if (typeof value !== "boolean") invalid(file, value, `expected a boolean, got ${typeName(value)}`);
      return value ? "1" : "0";
    },
  };
}

/**
 * v1 memory prints "unlimited" as PAGE_COUNTER_MAX pages in bytes (9223372036854771712 with 4 KiB pages);
 * anything from the page-rounded top of s64 up means unlimited.
 */
const V1_UNLIMITED_FROM = 0x7ffffffffffff000n;

/** The factory behind `codecs.v1Bytes` (see {@link Codecs}). @internal */
export function v1Bytes(): Codec<bigint | "max"> {
  return {
    name: "v1Bytes",
    parse(text, file) {
      const token = stripNewline(text);
      if (token === "-1") return "max"; // what a write of "max" sends; read it the same way
      const value = u64Token(token) ?? parseFail(file, text, "expected a byte count");
      return value >= V1_UNLIMITED_FROM ? "max" : value;
    },
    format(value, file) {
      // v1 takes "-1" for unlimited; a plain number is bytes (the kernel rounds down to pages).
      if (value === "max") return "-1";
      if (typeof value === "string") invalid(file, value, 'expected a bigint or "max"');
      return checkBigint(value, 0n, U64_MAX, file).toString();
    },
  };
}

/** The factory behind `codecs.string` (see {@link Codecs}). @internal */
export function string(): Codec<string> {
  return {
    name: "string",
    parse(text, file) {
      const line = stripNewline(text);
      if (line.includes("\n")) parseFail(file, text, "expected one line");
      return line;
    },
    format(value, file) {
      return checkOneLine(value, file);
    },
  };
}

/** The factory behind `codecs.text` (see {@link Codecs}). @internal */
export function text(): Codec<string> {
  return {
    name: "text",
    parse(raw) {
      return raw;
    },
    format(value, file) {
      return checkOneLine(value, file);
    },
  };
}

/** The factory behind `codecs.enum` (see {@link Codecs}). @internal */
export function enumOf<const V extends string>(o: { values: readonly V[] }): Codec<V> {
  const allowed = new Set<string>(o.values);
  if (allowed.size === 0) throw new RangeError("enum: needs at least one value");
  for (const v of allowed) if (v.length === 0 || hasLineBreakOrNul(v)) throw new RangeError(`enum: bad value ${JSON.stringify(v)}`);
  const choices = o.values.map((v) => JSON.stringify(v)).join(", ");
  return {
    name: "enum",
    parse(text, file) {
      const line = stripNewline(text);
      if (allowed.has(line)) return line as V;
      // Files that list every choice mark the current one in brackets: "[none] some full".
      const open = line.indexOf("[");
      if (open >= 0) {
        const close = line.indexOf("]", open);
        const current = close > open ? line.slice(open + 1, close) : "";
        if (allowed.has(current) && line.indexOf("[", close) < 0) return current as V;
      }
      return parseFail(file, text, `expected one of ${choices}`);
    },
    format(value, file) {
      if (typeof value !== "string") invalid(file, value, `expected one of ${choices}, got ${typeName(value)}`);
      if (!allowed.has(value)) invalid(file, value, `expected one of ${choices}`);
      return value;
    },
  };
}

/** The factory behind `codecs.cpuMax` (see {@link Codecs}). @internal */
export function cpuMax(): Codec<CpuMax, CpuMaxWrite> {
  return {
    name: "cpuMax",
    parse(text, file) {
      const line = stripNewline(text);
      const sp = line.indexOf(" ");
      if (sp < 0 || line.indexOf(" ", sp + 1) >= 0) return parseFail(file, text, 'expected "$MAX $PERIOD"');
      const quotaText = line.slice(0, sp);
      const quota = quotaText === "max" ? "max" : u64Token(quotaText);
      const period = u64Token(line.slice(sp + 1));
      if (quota === undefined || period === undefined) return parseFail(file, text, 'expected "max" or microseconds, then a period in microseconds');
      return { quota, period };
    },
    format(value, file) {
      if (typeof value !== "object" || value === null) invalid(file, value, `expected { quota, period? }, got ${typeName(value)}`);
      const { quota, period } = value;
      const quotaText = quota === "max" ? "max" : checkBigint(quota, CFS_QUOTA_MIN, CFS_QUOTA_MAX, file, value).toString();
      if (period === undefined) return quotaText;
      return `${quotaText} ${checkBigint(period, CFS_PERIOD_MIN, CFS_PERIOD_MAX, file, value)}`;
    },
  };
}

/** The factory behind `codecs.percentOrMax` (see {@link Codecs}). @internal */
export function percentOrMax(): Codec<number | "max"> {
  return {
    name: "percentOrMax",
    parse(text, file) {
      const token = stripNewline(text);
      if (token === "max") return "max";
      const dot = token.indexOf(".");
      const value = token.charCodeAt(0) === 45 || (dot >= 0 && token.length - dot - 1 > 2) ? undefined : decimalToken(token);
      if (value === undefined || value > 100) return parseFail(file, text, 'expected "max" or a percentage 0.00..100.00');
      return value;
    },
    format(value, file) {
      if (value === "max") return "max";
      if (typeof value !== "number") invalid(file, value, `expected a number or "max", got ${typeName(value)}`);
      if (!Number.isFinite(value) || value < 0 || value > 100) invalid(file, value, "must be a percentage from 0 to 100");
      // The kernel keeps two decimals; refuse what it would silently round.
      if (Math.round(value * 100) / 100 !== value) invalid(file, value, "at most two decimals");
      return value.toFixed(2);
    },
  };
}
