// The device cgroup's v1 model: a default (allow or deny) plus an ordered exception list,
// changed by writes to devices.allow / devices.deny as security/device_cgroup.c changes it
// (dev_exception_add / dev_exception_rm), and evaluated by the kernel's match rule
// (src/runtime/device-rule.ts). Input parsing is in policy-parse.ts; the kernel's checks of a
// write against a parent and children, and propagation, are in simulate.ts.
import {
  ALL_DEVICES,
  DEVICE_NUMBER_MAX,
  deviceAccessBit,
  deviceAccessBits,
  deviceAllowed,
  deviceException,
  deviceExceptionRule,
  exceptionMatches,
  formatDeviceRule,
  MATCH_EXCEPTION_PARTIAL,
  normalizeDeviceRule,
  rangeCovers,
  sameRange,
  type DeviceException,
  type DeviceMatchMode,
  type DeviceRule,
} from "../runtime/device-rule.js";
import { InvalidValueError } from "../runtime/errors.js";
import { DeviceRuleIgnoredError, type V1Write } from "./errors.js";
import {
  parseDevicePolicyJson,
  parseDevicesList,
  parseOciDevices,
  parsePolicyRule,
  parseStateExceptions,
  readDevicePolicyFile,
  type DevicePolicyJson,
  type DevicePolicyRule,
  type OciDeviceRule,
} from "./policy-parse.js";

export type { V1Write } from "./errors.js";
export type { DevicePolicyJson, DevicePolicyRule, OciDeviceRule } from "./policy-parse.js";

type Num = number | "*";

/** In a default-deny group, some device of the range gets every requested bit from one exception. */
const SOME_DEVICE_EVERY_BIT: DeviceMatchMode = Object.freeze({ range: "part", access: "every" });
/** In a default-allow group, one exception takes a requested bit from the whole range. */
const WHOLE_RANGE_SOME_BIT: DeviceMatchMode = Object.freeze({ range: "whole", access: "some" });

/** dev_exception_add: merge bits into the exception with the same type and numbers, else append. @internal */
export function exceptionAdd(list: readonly DeviceException[], ex: DeviceException): DeviceException[] {
  let merged = false;
  const out = list.map((walk) => {
    if (!sameRange(walk, ex)) return walk;
    merged = true;
    return { ...walk, bits: walk.bits | ex.bits };
  });
  if (!merged) out.push(ex);
  return out;
}

/** dev_exception_rm: clear bits of the exception with the same type and numbers; drop it when none are left. @internal */
export function exceptionRemove(list: readonly DeviceException[], ex: DeviceException): DeviceException[] {
  const out: DeviceException[] = [];
  for (const walk of list) {
    if (!sameRange(walk, ex)) {
      out.push(walk);
      continue;
    }
    const bits = walk.bits & ~ex.bits;
    if (bits) out.push({ ...walk, bits });
  }
  return out;
}

/**
 * A device cgroup policy in the kernel's v1 model: a default (`defaultAllow`) and an ordered list
 * of exceptions (in a default-deny policy they allow, in a default-allow policy they deny).
 * Immutable; every constructor validates its input and throws typed errors.
 * @public
 */
export class DevicePolicy {
  /** True: every device is allowed except the exceptions. False: only the exceptions are allowed. */
  readonly defaultAllow: boolean;
  /** The exceptions, normalised (types `b`/`c`, canonical access), in the order the kernel holds them. */
  readonly exceptions: readonly DeviceRule[];
  /** The exceptions as the evaluator holds them (access as bits). @internal */
  readonly internalExceptions: readonly DeviceException[];

  private constructor(defaultAllow: boolean, exceptions: readonly DeviceException[]) {
    this.defaultAllow = defaultAllow;
    this.internalExceptions = Object.freeze(exceptions.map((e) => Object.freeze({ ...e })));
    this.exceptions = Object.freeze(this.internalExceptions.map(deviceExceptionRule));
    Object.freeze(this);
  }

  /** Every device, every access (`a *:* rwm`): the root group's state, and a new group's under it. */
  static allowAll(): DevicePolicy {
    return ALLOW_ALL;
  }

  /** No device at all (`devices.list` empty). */
  static denyAll(): DevicePolicy {
    return DENY_ALL;
  }

  /**
   * Apply allow/deny rules in order, as writes to `devices.allow`/`devices.deny` of a group whose
   * parent allows everything, starting from `options.start` (default: allow all, the state of a
   * new group under the root). `a` resets: allow-all or deny-all, exceptions cleared.
   * @throws InvalidValueError for a malformed rule; {@link DeviceRuleIgnoredError} for a rule the
   * kernel would accept but not carry out (it would leave some device in the rule's range with
   * less access than an allow rule grants, or more than a deny rule leaves).
   */
  static fromRules(rules: Iterable<DevicePolicyRule>, options: { start?: DevicePolicy; file?: string } = {}): DevicePolicy {
    let policy = options.start ?? ALLOW_ALL;
    let index = 0;
    for (const entry of rules) {
      const write = parsePolicyRule(entry, index, options.file);
      const next = policy.withWrite(write);
      const unmet = unmetIntent(next, write);
      if (unmet) throw new DeviceRuleIgnoredError(write, index, unmet);
      policy = next;
      index++;
    }
    return policy;
  }

  /**
   * A policy given as its state: the default and the exceptions (each a `b`/`c` rule, each
   * device range named once, as the kernel holds them).
   * @throws InvalidValueError for a malformed or repeated exception.
   */
  static fromState(defaultAllow: boolean, exceptions: Iterable<DeviceRule | string>, file?: string): DevicePolicy {
    return new DevicePolicy(defaultAllow, parseStateExceptions(defaultAllow, exceptions, file));
  }

  /**
   * Parse what `devices.list` prints: `a *:* rwm` alone for a default-allow group, else one
   * exception per line (empty: deny-all). The kernel does not list a default-allow group's
   * exceptions, so such a group reads back as {@link DevicePolicy.allowAll}.
   * @throws ParseError naming the file and the line.
   */
  static fromDevicesList(text: string, file = "devices.list"): DevicePolicy {
    const state = parseDevicesList(text, file);
    if (state.defaultAllow) return ALLOW_ALL;
    return state.exceptions.length === 0 ? DENY_ALL : new DevicePolicy(false, state.exceptions);
  }

  /**
   * The OCI runtime-spec `linux.resources.devices` list, applied in order over an allow-all start
   * (as runc does on cgroup v1). Unset `type` means `a`, unset `major`/`minor` mean `*`; `access`
   * is required (runc refuses an empty one). Strict: unknown keys, negative numbers and a type
   * `a` entry that names numbers or less than `rwm` (the kernel would widen it to everything)
   * are refused.
   * @throws InvalidValueError naming the entry; {@link DeviceRuleIgnoredError} as {@link DevicePolicy.fromRules}.
   */
  static fromOciDevices(list: unknown, file = "linux.resources.devices"): DevicePolicy {
    return DevicePolicy.fromRules(parseOciDevices(list, file), { file });
  }

  /**
   * A policy from JSON (text or an already parsed value): either the state form
   * `{"default": "deny", "exceptions": ["c 1:3 rwm"]}` (what {@link DevicePolicy.toJSON} writes)
   * or an OCI `linux.resources.devices` array.
   * @throws InvalidValueError naming the file and what is wrong.
   */
  static fromJson(json: unknown, file = "device policy"): DevicePolicy {
    const parsed = parseDevicePolicyJson(json, file);
    if (parsed.form === "oci") return DevicePolicy.fromOciDevices(parsed.entries, file);
    return DevicePolicy.fromState(parsed.defaultAllow, parsed.exceptions, file);
  }

  /**
   * {@link DevicePolicy.fromJson} on a file's contents. Only a regular file of at most
   * {@link DEVICE_POLICY_MAX_FILE_BYTES} is read (a device, FIFO or socket never ends or blocks).
   * @throws CgroupIoError when the file cannot be read; InvalidValueError when it is not a regular file or too large.
   */
  static fromJsonFile(path: string): DevicePolicy {
    return DevicePolicy.fromJson(readDevicePolicyFile(path), path);
  }

  /**
   * The kernel's permission check for a process in this group: may it access the device with
   * every letter of `access` (`r`, `w`: open; `m`: mknod; `""`: a check with neither, which a
   * default-deny group passes only when some exception names the device)?
   * Default deny: allowed iff one exception holds the device and every requested letter.
   * Default allow: denied iff some exception holding the device shares a requested letter.
   * `*` for major or minor asks about every number at once: true iff all of them are allowed.
   * @throws InvalidValueError for a bad type, number or access.
   */
  allows(type: "b" | "c", major: number | "*", minor: number | "*", access: string): boolean {
    checkRequest(type, major, minor, access);
    return deviceAllowed(this.defaultAllow, this.internalExceptions, { type, major, minor }, deviceAccessBits(access));
  }

  /**
   * Whether some device in the range may be accessed with every letter of `access`.
   * @internal
   */
  allowsSome(type: "b" | "c", major: Num, minor: Num, bits: number): boolean {
    const request = { type, major, minor };
    if (!this.defaultAllow) return this.internalExceptions.some((ex) => exceptionMatches(ex, request, bits, SOME_DEVICE_EVERY_BIT));
    // A default-allow group denies a whole range only when one exception covers it with a shared bit;
    // numbers are otherwise unbounded enough that some device in the range escapes every exception.
    return !this.internalExceptions.some((ex) => exceptionMatches(ex, request, bits, WHOLE_RANGE_SOME_BIT));
  }

  /**
   * The state after one write, as the kernel computes it for a group with no parent and no children (so it never fails).
   * `a` resets the default and clears the exceptions; any other rule changes the exception naming its range.
   */
  withWrite(write: V1Write): DevicePolicy {
    const rule = normalizeDeviceRule(write.rule, write.file);
    const allowFile = write.file === "devices.allow";
    if (!allowFile && write.file !== "devices.deny") throw new InvalidValueError(write.file, write, "expected devices.allow or devices.deny");
    if (rule.type === "a") return allowFile ? ALLOW_ALL : DENY_ALL;
    const ex = deviceException({ ...rule, type: rule.type });
    // Exceptions grant in a default-deny group and take away in a default-allow one: an allow adds to the first, a deny to the second.
    const adds = allowFile !== this.defaultAllow;
    return new DevicePolicy(this.defaultAllow, adds ? exceptionAdd(this.internalExceptions, ex) : exceptionRemove(this.internalExceptions, ex));
  }

  /** What the kernel's `devices.list` prints for this state. */
  toDevicesList(): string {
    if (this.defaultAllow) return "a *:* rwm\n";
    return this.exceptions.map((r) => `${formatDeviceRule(r)}\n`).join("");
  }

  /** Rules that rebuild this policy from any state of a group whose parent allows everything. */
  toRules(): DevicePolicyRule[] {
    return [{ allow: this.defaultAllow, rule: ALL_DEVICES }, ...this.exceptions.map((rule) => ({ allow: !this.defaultAllow, rule }))];
  }

  /** The same rules as an OCI `linux.resources.devices` list. */
  toOciDevices(): OciDeviceRule[] {
    return this.toRules().map(({ allow, rule }) => {
      const r = rule as DeviceRule;
      if (r.type === "a") return { allow, access: "rwm" };
      return {
        allow,
        type: r.type,
        ...(r.major === "*" ? {} : { major: r.major }),
        ...(r.minor === "*" ? {} : { minor: r.minor }),
        access: r.access,
      };
    });
  }

  /** The JSON form {@link DevicePolicy.fromJson} reads back. */
  toJSON(): DevicePolicyJson {
    return { default: this.defaultAllow ? "allow" : "deny", exceptions: this.exceptions.map((r) => formatDeviceRule(r)) };
  }

  /**
   * Same default and the same exceptions (each with the same access), in any order: the order of
   * exceptions never changes a decision.
   */
  equals(other: DevicePolicy): boolean {
    if (this.defaultAllow !== other.defaultAllow) return false;
    if (this.internalExceptions.length !== other.internalExceptions.length) return false;
    return this.internalExceptions.every((ex) => other.internalExceptions.some((o) => sameRange(o, ex) && o.bits === ex.bits));
  }

  /** A policy from the evaluator's own form, unchecked (the simulator's results). @internal */
  static fromInternal(defaultAllow: boolean, exceptions: readonly DeviceException[]): DevicePolicy {
    return new DevicePolicy(defaultAllow, exceptions);
  }
}

const ALLOW_ALL = DevicePolicy.fromInternal(true, []);
const DENY_ALL = DevicePolicy.fromInternal(false, []);

function checkRequest(type: unknown, major: unknown, minor: unknown, access: unknown): void {
  const request = { type, major, minor, access };
  if (type !== "b" && type !== "c") throw new InvalidValueError(undefined, request, 'a device is block ("b") or char ("c")');
  for (const [which, n] of [["major", major], ["minor", minor]] as const) {
    if (n !== "*" && (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > DEVICE_NUMBER_MAX)) {
      throw new InvalidValueError(undefined, request, `${which} must be "*" or an integer in 0..${DEVICE_NUMBER_MAX}`);
    }
  }
  if (typeof access !== "string" || !/^(?!.*(.).*\1)[rwm]*$/.test(access)) {
    throw new InvalidValueError(undefined, request, "access must be letters r, w, m, each at most once");
  }
}

/**
 * Why a write that the kernel accepted would not do what it says, or undefined when it does:
 * after an allow, every device in the range has the access; after a deny, none has any of it.
 */
function unmetIntent(after: DevicePolicy, write: V1Write): string | undefined {
  const { rule } = write;
  if (rule.type === "a") return undefined;
  const text = formatDeviceRule(rule);
  if (write.file === "devices.allow") {
    if (after.allows(rule.type, rule.major, rule.minor, rule.access)) return undefined;
    if (!after.defaultAllow) return `the kernel would not grant all of "${text}"`;
    const request = { type: rule.type, major: rule.major, minor: rule.minor };
    const bits = deviceAccessBits(rule.access);
    const blocking = after.internalExceptions.filter((ex) => exceptionMatches(ex, request, bits, MATCH_EXCEPTION_PARTIAL));
    // A blocking exception either holds the whole range (it is wider) or shares only part of it (they overlap).
    const shown = blocking.map((ex) => `"${formatDeviceRule(deviceExceptionRule(ex))}" (${rangeCovers(ex, request) ? "a wider range" : "an overlapping range"})`);
    return `the kernel would ignore it: in a default-allow group an allow only removes a deny exception naming exactly ${rule.type} ${rule.major}:${rule.minor}, and ${shown.join(", ")} still denies part of "${text}"`;
  }
  for (const letter of rule.access) {
    if (after.allowsSome(rule.type, rule.major, rule.minor, deviceAccessBit(letter) as number)) {
      return after.defaultAllow
        ? `the kernel would not deny all of "${text}"`
        : `the kernel would ignore part of it: in a default-deny group a deny only removes access from the exception naming exactly ${rule.type} ${rule.major}:${rule.minor}, and another exception still allows "${letter}" on part of this range`;
    }
  }
  return undefined;
}
