// The device cgroup's rule syntax (`c 1:3 rwm`, `a`): parse, validate, format.
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
