// The device cgroup's rule, in one place: its syntax (`c 1:3 rwm`, `a`: parse, validate, format),
// the access-bit encoding, and the kernel's match rule (match_exception / match_exception_partial).
// Grammar and limits follow security/device_cgroup.c (devcgroup_update_access), made strict:
// the kernel skips what it does not understand after the third access letter and reads
// `a<anything>` as `a`; we refuse both rather than guess.
import { InvalidValueError } from "./errors.js";

/** `a` (all devices), `b` (block) or `c` (char). @public */
export type DeviceType = "a" | "b" | "c";

/**
 * One device cgroup rule: type, major and minor number (or `*` for any), and access
 * (a non-empty subset of `rwm` in the canonical order r, w, m).
 * A type `a` rule always reads `a *:* rwm`: the kernel ignores anything after the `a`.
 * @public
 */
export interface DeviceRule {
  /** `c` (character), `b` (block) or `a` (all devices). */
  readonly type: DeviceType;
  /** Major number, or `*` for any. */
  readonly major: number | "*";
  /** Minor number, or `*` for any. */
  readonly minor: number | "*";
  /** A non-empty subset of `rwm`: read, write, mknod. */
  readonly access: string;
}

/**
 * Largest major or minor number a rule can name. The kernel parses the number with
 * `kstrtou32` (so up to 2^32-1), but stores `*` as ~0 = 4294967295: a rule naming that
 * number silently means `*`, so we refuse it.
 * @public
 */
export const DEVICE_NUMBER_MAX = 4294967294;

const ACCESS_ORDER = "rwm";
const NUMBER_PATTERN = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * Parse one rule in the kernel's syntax: `c 1:3 rwm`, `b 8:* r`, `c *:* m`, `a` or `a *:* rwm`.
 * Access letters may come in any order (`mr`) and are returned in canonical order.
 * Strict: one space between fields, no leading or trailing whitespace, no newline,
 * decimal numbers without leading zeros in 0..4294967294, each access letter at most once.
 * @throws InvalidValueError naming the file, the text and why it was refused.
 * @public
 */
export function parseDeviceRule(text: string, file?: string): DeviceRule {
  if (typeof text !== "string") throw new InvalidValueError(file, text, "a device rule must be a string");
  const fail = (reason: string): never => {
    throw new InvalidValueError(file, text, reason);
  };
  if (/[\n\r\0]/.test(text)) fail("contains a newline or NUL; one write carries one rule");
  if (text === "a") return ALL_DEVICES;
  const fields = text.split(" ");
  if (fields.some((f) => f === "")) fail("fields must be separated by exactly one space, with no leading or trailing space");
  if (fields.length !== 3) fail(`expected "TYPE MAJOR:MINOR ACCESS" (e.g. "c 1:3 rwm") or "a", got ${fields.length} field(s)`);
  const [typeText, numbers, accessText] = fields as [string, string, string];
  if (typeText !== "a" && typeText !== "b" && typeText !== "c") fail(`unknown device type ${JSON.stringify(typeText)}: expected a, b or c`);
  const numberParts = numbers.split(":");
  if (numberParts.length !== 2) fail(`expected MAJOR:MINOR, got ${JSON.stringify(numbers)}`);
  const major = parseNumber(numberParts[0] as string, "major", fail);
  const minor = parseNumber(numberParts[1] as string, "minor", fail);
  const access = canonicalAccess(accessText, fail);
  const type = typeText as DeviceType;
  if (type === "a" && (major !== "*" || minor !== "*" || access !== "rwm")) {
    fail('a type "a" rule covers every device with every access: write "a" or "a *:* rwm" (the kernel ignores the rest)');
  }
  return type === "a" ? ALL_DEVICES : { type, major, minor, access };
}

/**
 * Format a rule as the kernel accepts it in `devices.allow`/`devices.deny` and prints it in
 * `devices.list` (`c 1:3 rwm`; type `a` as `a *:* rwm`). Validates the object first:
 * type, numbers in 0..4294967294 or `*`, access a non-empty subset of `rwm` without repeats
 * (any order; written canonically).
 * @throws InvalidValueError naming the file, the rule and why it was refused.
 * @public
 */
export function formatDeviceRule(rule: DeviceRule, file?: string): string {
  const r = normalizeDeviceRule(rule, file);
  return `${r.type} ${r.major}:${r.minor} ${r.access}`;
}

/**
 * Validate a rule object and return it with its access in canonical order.
 * @throws InvalidValueError naming the file, the rule and why it was refused.
 * @public
 */
export function normalizeDeviceRule(rule: DeviceRule, file?: string): DeviceRule {
  const fail = (reason: string): never => {
    throw new InvalidValueError(file, rule, reason);
  };
  if (typeof rule !== "object" || rule === null) fail("a device rule must be an object {type, major, minor, access}");
  const { type, major, minor, access } = rule;
  if (type !== "a" && type !== "b" && type !== "c") fail(`unknown device type ${JSON.stringify(type)}: expected a, b or c`);
  checkNumber(major, "major", fail);
  checkNumber(minor, "minor", fail);
  if (typeof access !== "string") fail("access must be a string of r, w, m");
  const canonical = canonicalAccess(access, fail);
  if (type === "a" && (major !== "*" || minor !== "*" || canonical !== "rwm")) {
    fail('a type "a" rule covers every device with every access: it must be {type: "a", major: "*", minor: "*", access: "rwm"}');
  }
  if (type === "a") return ALL_DEVICES;
  if (canonical === access) return Object.isFrozen(rule) ? rule : Object.freeze({ type, major, minor, access });
  return Object.freeze({ type, major, minor, access: canonical });
}

/** The rule `a *:* rwm`: every device, every access. @public */
export const ALL_DEVICES: DeviceRule = Object.freeze({ type: "a", major: "*", minor: "*", access: "rwm" });

function parseNumber(text: string, which: string, fail: (reason: string) => never): number | "*" {
  if (text === "*") return "*";
  if (!/^[0-9]+$/.test(text)) fail(`${which} must be a decimal number or *, got ${JSON.stringify(text)}`);
  if (!NUMBER_PATTERN.test(text)) {
    if (text.length > 1 && text.startsWith("0")) fail(`${which} ${JSON.stringify(text)} has a leading zero`);
    fail(`${which} ${text} is out of range 0..${DEVICE_NUMBER_MAX}`);
  }
  const value = Number(text);
  if (value > DEVICE_NUMBER_MAX) {
    fail(
      value === DEVICE_NUMBER_MAX + 1
        ? `${which} 4294967295 is how the kernel stores * (~0): write * instead`
        : `${which} ${text} is out of range 0..${DEVICE_NUMBER_MAX}`,
    );
  }
  return value;
}

function checkNumber(value: unknown, which: string, fail: (reason: string) => never): void {
  if (value === "*") return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > DEVICE_NUMBER_MAX) {
    fail(`${which} must be "*" or an integer in 0..${DEVICE_NUMBER_MAX}`);
  }
}

function canonicalAccess(text: string, fail: (reason: string) => never): string {
  if (text.length === 0) fail("access is empty: give a non-empty subset of r, w, m");
  const seen = new Set<string>();
  for (const letter of text) {
    if (!ACCESS_ORDER.includes(letter)) fail(`unknown access letter ${JSON.stringify(letter)}: expected r, w or m`);
    if (seen.has(letter)) fail(`access letter ${JSON.stringify(letter)} repeated`);
    seen.add(letter);
  }
  return [...ACCESS_ORDER].filter((l) => seen.has(l)).join("");
}

// ---- Access bits ----------------------------------------------------------------------------
// The kernel's own encoding (DEVCG_ACC_* in include/linux/device_cgroup.h), which is also what the
// eBPF device context carries, so the evaluator, the v1 planner and the compiler share one.

/** Access bit of mknod (`m`): DEVCG_ACC_MKNOD. @internal */
export const DEVICE_ACCESS_MKNOD = 1;
/** Access bit of read (`r`): DEVCG_ACC_READ. @internal */
export const DEVICE_ACCESS_READ = 2;
/** Access bit of write (`w`): DEVCG_ACC_WRITE. @internal */
export const DEVICE_ACCESS_WRITE = 4;
/** Every access bit: `rwm`. @internal */
export const DEVICE_ACCESS_ALL = DEVICE_ACCESS_MKNOD | DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE;

const BIT_OF_LETTER: Readonly<Record<string, number>> = { r: DEVICE_ACCESS_READ, w: DEVICE_ACCESS_WRITE, m: DEVICE_ACCESS_MKNOD };

/** The access bit of one letter (`r`, `w`, `m`), or undefined for any other text. @internal */
export function deviceAccessBit(letter: string): number | undefined {
  return Object.hasOwn(BIT_OF_LETTER, letter) ? BIT_OF_LETTER[letter] : undefined;
}

/** Access bits of letters of `rwm` (callers validate; other letters add nothing). @internal */
export function deviceAccessBits(access: string): number {
  let bits = 0;
  for (const letter of access) bits |= deviceAccessBit(letter) ?? 0;
  return bits;
}

/** Access letters of bits, in the canonical order r, w, m. @internal */
export function deviceAccessLetters(bits: number): string {
  return (bits & DEVICE_ACCESS_READ ? "r" : "") + (bits & DEVICE_ACCESS_WRITE ? "w" : "") + (bits & DEVICE_ACCESS_MKNOD ? "m" : "");
}

// ---- The match rule ---------------------------------------------------------------------------

/** A block or char device range: a type and two numbers, each a number or `*`. @internal */
export interface DeviceRange {
  /** Block or char. */
  readonly type: "b" | "c";
  /** Major number, or `*`. */
  readonly major: number | "*";
  /** Minor number, or `*`. */
  readonly minor: number | "*";
}

/** An exception as the evaluator holds it: a device range and its access as bits (the kernel's DEVCG_ACC_* encoding). @internal */
export interface DeviceException {
  /** Block or char (an `a` rule is the default, not an exception). */
  readonly type: "b" | "c";
  /** Major number, or `*`. */
  readonly major: number | "*";
  /** Minor number, or `*`. */
  readonly minor: number | "*";
  /** Access bits: m=1, r=2, w=4 (the kernel's DEVCG_ACC_*). */
  readonly bits: number;
}

/** A `b`/`c` rule as an exception (its access as bits). @internal */
export function deviceException(rule: DeviceRange & { readonly access: string }): DeviceException {
  return { type: rule.type, major: rule.major, minor: rule.minor, bits: deviceAccessBits(rule.access) };
}

/** An exception as a rule (its access as letters). @internal */
export function deviceExceptionRule(ex: DeviceException): DeviceRule {
  return Object.freeze({ type: ex.type, major: ex.major, minor: ex.minor, access: deviceAccessLetters(ex.bits) });
}

/** The same type and numbers: the kernel keeps one exception per range (dev_exception_add merges, dev_exception_rm clears). @internal */
export function sameRange(a: DeviceRange, b: DeviceRange): boolean {
  return a.type === b.type && a.major === b.major && a.minor === b.minor;
}

/**
 * match_exception's test of one number: the exception's number is `*` or equal to the request's.
 * A `*` in the request asks about every number, which only a `*` exception holds.
 * @internal
 */
export function numberCovers(exception: number | "*", request: number | "*"): boolean {
  return exception === "*" || exception === request;
}

/** match_exception_partial's test of one number: either is `*`, or they are equal (the ranges share a number). @internal */
export function numberOverlaps(exception: number | "*", request: number | "*"): boolean {
  return exception === "*" || request === "*" || exception === request;
}

/** The exception holds every device of the requested range (same type; each number covered). @internal */
export function rangeCovers(exception: DeviceRange, request: DeviceRange): boolean {
  return exception.type === request.type && numberCovers(exception.major, request.major) && numberCovers(exception.minor, request.minor);
}

/** The exception holds some device of the requested range (same type; each number overlaps). @internal */
export function rangeOverlaps(exception: DeviceRange, request: DeviceRange): boolean {
  return exception.type === request.type && numberOverlaps(exception.major, request.major) && numberOverlaps(exception.minor, request.minor);
}

/** The exception's access holds every requested bit (true for none requested). @internal */
export function holdsEveryBit(exceptionBits: number, requestBits: number): boolean {
  return (requestBits & ~exceptionBits) === 0;
}

/** The exception's access shares some requested bit. @internal */
export function sharesSomeBit(exceptionBits: number, requestBits: number): boolean {
  return (exceptionBits & requestBits) !== 0;
}

/**
 * How an exception must meet a request: over the whole range or some of it, with every requested
 * bit or some. The kernel's match_exception is whole/every, match_exception_partial part/some.
 * @internal
 */
export interface DeviceMatchMode {
  /** `whole`: the exception holds every device of the range; `part`: some device. */
  readonly range: "whole" | "part";
  /** `every`: the exception holds every requested bit; `some`: at least one. */
  readonly access: "every" | "some";
}

/** match_exception: the exception holds the whole range and every requested bit. @internal */
export const MATCH_EXCEPTION: DeviceMatchMode = Object.freeze({ range: "whole", access: "every" });
/** match_exception_partial: the exception holds part of the range and shares a requested bit. @internal */
export const MATCH_EXCEPTION_PARTIAL: DeviceMatchMode = Object.freeze({ range: "part", access: "some" });

/** Whether one exception meets a request (a range and access bits) in the given mode. @internal */
export function exceptionMatches(exception: DeviceException, request: DeviceRange, bits: number, mode: DeviceMatchMode): boolean {
  const range = mode.range === "whole" ? rangeCovers(exception, request) : rangeOverlaps(exception, request);
  return range && (mode.access === "every" ? holdsEveryBit(exception.bits, bits) : sharesSomeBit(exception.bits, bits));
}

/** The kernel's match_exception over a list: some exception holds the whole range and every requested bit. @internal */
export function matchException(list: readonly DeviceException[], request: DeviceRange, bits: number): boolean {
  return list.some((ex) => exceptionMatches(ex, request, bits, MATCH_EXCEPTION));
}

/** The kernel's match_exception_partial over a list: some exception overlaps the range and shares a requested bit. @internal */
export function matchExceptionPartial(list: readonly DeviceException[], request: DeviceRange, bits: number): boolean {
  return list.some((ex) => exceptionMatches(ex, request, bits, MATCH_EXCEPTION_PARTIAL));
}

/**
 * The kernel's decision for a group: default deny allows iff match_exception; default allow
 * denies iff match_exception_partial (a `*` request in a default-allow group: allowed iff no
 * exception touches the range with a requested bit).
 * @internal
 */
export function deviceAllowed(defaultAllow: boolean, exceptions: readonly DeviceException[], request: DeviceRange, bits: number): boolean {
  return defaultAllow ? !matchExceptionPartial(exceptions, request, bits) : matchException(exceptions, request, bits);
}
