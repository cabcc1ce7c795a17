// The device cgroup's v1 model: a default (allow or deny) plus an ordered exception list,
// changed by writes to devices.allow / devices.deny exactly as security/device_cgroup.c does
// (dev_exception_add / dev_exception_rm / devcgroup_update_access), and evaluated exactly as
// its permission check does (match_exception / match_exception_partial).
import * as nodeFs from "node:fs";
import {
  ALL_DEVICES,
  DEVICE_NUMBER_MAX,
  formatDeviceRule,
  normalizeDeviceRule,
  parseDeviceRule,
  type DeviceRule,
} from "../runtime/device-rule.js";
import { CgroupIoError, InvalidValueError, ParseError } from "../runtime/errors.js";
import { DeviceRuleIgnoredError, type V1Write } from "./errors.js";

export type { V1Write } from "./errors.js";

/** One rule of a policy: allow (`devices.allow`) or deny (`devices.deny`). @public */
export interface DevicePolicyRule {
  /** Allow (true) or deny (false) what the rule matches. */
  readonly allow: boolean;
  /** The rule, parsed or as text (`c 1:3 rwm`). */
  readonly rule: DeviceRule | string;
}

/** One entry of the OCI runtime-spec `linux.resources.devices` list. @public */
export interface OciDeviceRule {
  /** Allow (true) or deny (false) the matched devices. */
  readonly allow: boolean;
  /** `a`, `b` or `c`; absent or empty means `a` (all devices). */
  readonly type?: "a" | "b" | "c" | "";
  /** Major number; absent or null means any. */
  readonly major?: number | null;
  /** Minor number; absent or null means any. */
  readonly minor?: number | null;
  /** A subset of `rwm`; absent means `rwm`. */
  readonly access?: string;
}

/** The JSON form of a policy (what {@link DevicePolicy.toJSON} writes). @public */
export interface DevicePolicyJson {
  /** What a device no exception matches gets. */
  readonly default: "allow" | "deny";
  /** The exceptions to the default, as rule text (`c 1:3 rwm`). */
  readonly exceptions: readonly string[];
}

/** The kernel's answer to a write: the new state, or the errno it returns. @beta */
export type V1WriteOutcome =
  | {
      /** The kernel accepts the write. */
      readonly ok: true;
      /** The group's policy after it. */
      readonly policy: DevicePolicy;
    }
  | {
      /** The kernel refuses the write. */
      readonly ok: false;
      /** The errno the write fails with. */
      readonly errno: "EPERM" | "EINVAL";
      /** Why, in words. */
      readonly reason: string;
    };

/** Where a simulated write lands: the group's parent (absent for a root group) and whether it has children. @beta */
export interface V1WriteContext {
  /** The parent's policy, which bounds what the group may allow. */
  readonly parent?: DevicePolicy | undefined;
  /** The group has children (the kernel then refuses `a` to a default-deny group). */
  readonly hasChildren?: boolean;
}

// Access bits, our own encoding.
const READ = 1;
const WRITE = 2;
const MKNOD = 4;
const BIT_OF: Record<string, number> = { r: READ, w: WRITE, m: MKNOD };

type Num = number | "*";
/** An exception as the evaluator holds it: access as bits (r=1, w=2, m=4). @internal */
export interface DeviceException {
  /** Block or char (an `a` rule is the default, not an exception). */
  readonly type: "b" | "c";
  /** Major number, or `*`. */
  readonly major: number | "*";
  /** Minor number, or `*`. */
  readonly minor: number | "*";
  /** Access bits: r=1, w=2, m=4. */
  readonly bits: number;
}

function bitsOf(access: string): number {
  let bits = 0;
  for (const letter of access) bits |= BIT_OF[letter] ?? 0;
  return bits;
}

function accessOf(bits: number): string {
  return (bits & READ ? "r" : "") + (bits & WRITE ? "w" : "") + (bits & MKNOD ? "m" : "");
}

function ruleOf(ex: DeviceException): DeviceRule {
  return Object.freeze({ type: ex.type, major: ex.major, minor: ex.minor, access: accessOf(ex.bits) });
}

function sameKey(a: { type: string; major: Num; minor: Num }, b: { type: string; major: Num; minor: Num }): boolean {
  return a.type === b.type && a.major === b.major && a.minor === b.minor;
}

/** match_exception: one exception holds the whole range (`*` in the request means every number) and every requested bit. */
function matchException(list: readonly DeviceException[], type: "b" | "c", major: Num, minor: Num, bits: number): boolean {
  for (const ex of list) {
    if (ex.type !== type) continue;
    if (ex.major !== "*" && ex.major !== major) continue;
    if (ex.minor !== "*" && ex.minor !== minor) continue;
    if (bits & ~ex.bits) continue;
    return true;
  }
  return false;
}

/** match_exception_partial: some exception overlaps the range and shares a requested bit. */
function matchExceptionPartial(list: readonly DeviceException[], type: "b" | "c", major: Num, minor: Num, bits: number): boolean {
  for (const ex of list) {
    if (ex.type !== type) continue;
    if (ex.major !== "*" && major !== "*" && ex.major !== major) continue;
    if (ex.minor !== "*" && minor !== "*" && ex.minor !== minor) continue;
    if (!(bits & ex.bits)) continue;
    return true;
  }
  return false;
}

/** dev_exception_add: merge bits into the exception with the same type and numbers, else append. */
function exceptionAdd(list: readonly DeviceException[], ex: DeviceException): DeviceException[] {
  let merged = false;
  const out = list.map((walk) => {
    if (!sameKey(walk, ex)) return walk;
    merged = true;
    return { ...walk, bits: walk.bits | ex.bits };
  });
  if (!merged) out.push(ex);
  return out;
}

/** dev_exception_rm: clear bits of the exception with the same type and numbers; drop it when none are left. */
function exceptionRemove(list: readonly DeviceException[], ex: DeviceException): DeviceException[] {
  const out: DeviceException[] = [];
  for (const walk of list) {
    if (!sameKey(walk, ex)) {
      out.push(walk);
      continue;
    }
    const bits = walk.bits & ~ex.bits;
    if (bits) out.push({ ...walk, bits });
  }
  return out;
}

/** verify_new_ex: may a group with `childAllow` behaviour hold exception `ex` under this parent? */
function verifyNewException(parent: DevicePolicy, ex: DeviceException, childAllow: boolean): boolean {
  const parentList = parent.internalExceptions;
  if (parent.defaultAllow) {
    if (childAllow) return true;
    return !matchExceptionPartial(parentList, ex.type, ex.major, ex.minor, ex.bits);
  }
  return matchException(parentList, ex.type, ex.major, ex.minor, ex.bits);
}

/**
 * Most rules (exceptions of a state, entries of a rule list) a policy given as input may have. Real policies
 * have tens (runc's default 20, libvirt's 10); planning the v1 writes for this many takes seconds, and the
 * cost grows with the square of the distinct device numbers, so more is refused rather than left running.
 * @public
 */
export const DEVICE_POLICY_MAX_RULES = 1024;

/** Largest device policy file {@link DevicePolicy.fromJsonFile} reads, in bytes (1 MiB). @public */
export const DEVICE_POLICY_MAX_FILE_BYTES = 1 << 20;

function tooManyRules(file: string | undefined, count: number): InvalidValueError {
  return new InvalidValueError(file, `${count} rules`, `a device policy has at most ${DEVICE_POLICY_MAX_RULES} rules (DEVICE_POLICY_MAX_RULES)`);
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
    this.exceptions = Object.freeze(this.internalExceptions.map(ruleOf));
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
      if (index >= DEVICE_POLICY_MAX_RULES) throw tooManyRules(options.file, index + 1);
      if (typeof entry !== "object" || entry === null || typeof entry.allow !== "boolean") {
        throw new InvalidValueError(options.file, entry, `rule ${index}: expected {allow: boolean, rule}`);
      }
      const file = entry.allow ? "devices.allow" : "devices.deny";
      const rule = typeof entry.rule === "string" ? parseDeviceRule(entry.rule, options.file ?? file) : normalizeDeviceRule(entry.rule, options.file ?? file);
      const write: V1Write = { file, rule };
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
    if (typeof defaultAllow !== "boolean") throw new InvalidValueError(file, defaultAllow, "the default must be allow (true) or deny (false)");
    const list: DeviceException[] = [];
    for (const item of exceptions) {
      if (list.length >= DEVICE_POLICY_MAX_RULES) throw tooManyRules(file, list.length + 1);
      const rule = typeof item === "string" ? parseDeviceRule(item, file) : normalizeDeviceRule(item, file);
      if (rule.type === "a") throw new InvalidValueError(file, item, 'an exception names block (b) or char (c) devices; "a" is the default itself');
      const ex: DeviceException = { type: rule.type, major: rule.major, minor: rule.minor, bits: bitsOf(rule.access) };
      if (list.some((other) => sameKey(other, ex))) {
        throw new InvalidValueError(file, item, "names the same devices as an earlier exception; give each device range once with all its access");
      }
      list.push(ex);
    }
    return new DevicePolicy(defaultAllow, list);
  }

  /**
   * Parse what `devices.list` prints: `a *:* rwm` alone for a default-allow group, else one
   * exception per line (empty: deny-all). The kernel does not list a default-allow group's
   * exceptions, so such a group reads back as {@link DevicePolicy.allowAll}.
   * @throws ParseError naming the file and the line.
   */
  static fromDevicesList(text: string, file = "devices.list"): DevicePolicy {
    if (typeof text !== "string") throw new ParseError(file, String(text), "expected text");
    if (text === "") return DENY_ALL;
    if (!text.endsWith("\n")) throw new ParseError(file, text, "the kernel ends every line with a newline");
    const lines = text.slice(0, -1).split("\n");
    const list: DeviceException[] = [];
    for (const [i, line] of lines.entries()) {
      let rule: DeviceRule;
      try {
        rule = parseDeviceRule(line, file);
      } catch (err) {
        throw new ParseError(file, text, `line ${i + 1} ${JSON.stringify(line)}: ${(err as InvalidValueError).reason}`);
      }
      if (rule.type === "a") {
        if (lines.length !== 1) throw new ParseError(file, text, `line ${i + 1}: "a *:* rwm" is printed alone, for a default-allow group`);
        return ALLOW_ALL;
      }
      const ex: DeviceException = { type: rule.type, major: rule.major, minor: rule.minor, bits: bitsOf(rule.access) };
      if (list.some((other) => sameKey(other, ex))) throw new ParseError(file, text, `line ${i + 1}: the kernel never lists the same devices twice`);
      list.push(ex);
    }
    return new DevicePolicy(false, list);
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
    if (!Array.isArray(list)) throw new InvalidValueError(file, list, "expected an array of {allow, type, major, minor, access}");
    const rules: DevicePolicyRule[] = list.map((entry, i) => ({ allow: ociAllow(entry, i, file), rule: ociRule(entry, i, file) }));
    return DevicePolicy.fromRules(rules, { file });
  }

  /**
   * A policy from JSON (text or an already parsed value): either the state form
   * `{"default": "deny", "exceptions": ["c 1:3 rwm"]}` (what {@link DevicePolicy.toJSON} writes)
   * or an OCI `linux.resources.devices` array.
   * @throws InvalidValueError naming the file and what is wrong.
   */
  static fromJson(json: unknown, file = "device policy"): DevicePolicy {
    let value = json;
    if (typeof json === "string") {
      try {
        value = JSON.parse(json);
      } catch (err) {
        throw new InvalidValueError(file, json, `not JSON: ${(err as Error).message}`);
      }
    }
    if (Array.isArray(value)) {
      if (value.length > DEVICE_POLICY_MAX_RULES) throw tooManyRules(file, value.length);
      return DevicePolicy.fromOciDevices(value, file);
    }
    if (typeof value !== "object" || value === null) {
      throw new InvalidValueError(file, value, 'expected {"default": "allow"|"deny", "exceptions": [...]} or an OCI devices array');
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== "default" && key !== "exceptions") throw new InvalidValueError(file, value, `unknown key ${JSON.stringify(key)}: expected "default" and "exceptions"`);
    }
    if (record.default !== "allow" && record.default !== "deny") throw new InvalidValueError(file, record.default, '"default" must be "allow" or "deny"');
    const exceptions = record.exceptions ?? [];
    if (!Array.isArray(exceptions) || exceptions.some((e) => typeof e !== "string")) {
      throw new InvalidValueError(file, exceptions, '"exceptions" must be an array of rule strings such as "c 1:3 rwm"');
    }
    if (exceptions.length > DEVICE_POLICY_MAX_RULES) throw tooManyRules(file, exceptions.length);
    return DevicePolicy.fromState(record.default === "allow", exceptions as string[], file);
  }

  /**
   * {@link DevicePolicy.fromJson} on a file's contents. Only a regular file of at most
   * {@link DEVICE_POLICY_MAX_FILE_BYTES} is read (a device, FIFO or socket never ends or blocks).
   * @throws CgroupIoError when the file cannot be read; InvalidValueError when it is not a regular file or too large.
   */
  static fromJsonFile(path: string): DevicePolicy {
    let text: string;
    let fd: number | undefined;
    try {
      // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it anyway.
      fd = nodeFs.openSync(path, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
      const stat = nodeFs.fstatSync(fd);
      if (!stat.isFile()) throw new InvalidValueError(path, path, "a device policy file must be a regular file (this is a device, FIFO, socket or directory)");
      if (stat.size > DEVICE_POLICY_MAX_FILE_BYTES) throw new InvalidValueError(path, `${stat.size} bytes`, `a device policy file is at most ${DEVICE_POLICY_MAX_FILE_BYTES} bytes`);
      const buffer = Buffer.alloc(DEVICE_POLICY_MAX_FILE_BYTES + 1);
      let length = 0;
      for (let n; length < buffer.length && (n = nodeFs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
      if (length > DEVICE_POLICY_MAX_FILE_BYTES) throw new InvalidValueError(path, `over ${DEVICE_POLICY_MAX_FILE_BYTES} bytes`, `a device policy file is at most ${DEVICE_POLICY_MAX_FILE_BYTES} bytes (it grew while read)`);
      text = buffer.toString("utf8", 0, length);
    } catch (err) {
      if (err instanceof InvalidValueError) throw err;
      throw new CgroupIoError("read", path, (err as NodeJS.ErrnoException).code ?? "EIO", undefined, err);
    } finally {
      if (fd !== undefined) nodeFs.closeSync(fd);
    }
    return DevicePolicy.fromJson(text, path);
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
    const bits = bitsOf(access);
    if (this.defaultAllow) return !matchExceptionPartial(this.internalExceptions, type, major, minor, bits);
    return matchException(this.internalExceptions, type, major, minor, bits);
  }

  /**
   * Whether some device in the range may be accessed with every letter of `access`.
   * @internal
   */
  allowsSome(type: "b" | "c", major: Num, minor: Num, bits: number): boolean {
    if (!this.defaultAllow) return matchExceptionPartialAll(this.internalExceptions, type, major, minor, bits);
    // A default-allow group denies a whole range only when one exception covers it with a shared bit;
    // numbers are otherwise unbounded enough that some device in the range escapes every exception.
    return !this.internalExceptions.some(
      (ex) => ex.type === type && (ex.major === "*" || ex.major === major) && (ex.minor === "*" || ex.minor === minor) && (ex.bits & bits) !== 0,
    );
  }

  /** The state after one write, as the kernel computes it for a group with no parent and no children (so it never fails). */
  withWrite(write: V1Write): DevicePolicy {
    const outcome = simulateV1Write(this, write);
    if (!outcome.ok) throw new Error(`unreachable: a parentless write failed: ${outcome.reason}`);
    return outcome.policy;
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
    return this.internalExceptions.every((ex) => other.internalExceptions.some((o) => sameKey(o, ex) && o.bits === ex.bits));
  }

  /** A policy from the evaluator's own form, unchecked (the simulator's results). @internal */
  static fromInternal(defaultAllow: boolean, exceptions: readonly DeviceException[]): DevicePolicy {
    return new DevicePolicy(defaultAllow, exceptions);
  }
}

const ALLOW_ALL = DevicePolicy.fromInternal(true, []);
const DENY_ALL = DevicePolicy.fromInternal(false, []);

/** In a default-deny group: does some exception overlap the range and hold every requested bit? */
function matchExceptionPartialAll(list: readonly DeviceException[], type: "b" | "c", major: Num, minor: Num, bits: number): boolean {
  return list.some(
    (ex) =>
      ex.type === type &&
      (ex.major === "*" || major === "*" || ex.major === major) &&
      (ex.minor === "*" || minor === "*" || ex.minor === minor) &&
      (bits & ~ex.bits) === 0,
  );
}

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
    const bits = bitsOf(rule.access);
    const blocking = after.internalExceptions.filter((ex) => matchExceptionPartial([ex], rule.type as "b" | "c", rule.major, rule.minor, bits));
    // A blocking exception either holds the whole range (it is wider) or shares only part of it (they overlap).
    const shown = blocking.map((ex) => {
      const wider = (ex.major === "*" || ex.major === rule.major) && (ex.minor === "*" || ex.minor === rule.minor);
      return `"${formatDeviceRule(ruleOf(ex))}" (${wider ? "a wider range" : "an overlapping range"})`;
    });
    return `the kernel would ignore it: in a default-allow group an allow only removes a deny exception naming exactly ${rule.type} ${rule.major}:${rule.minor}, and ${shown.join(", ")} still denies part of "${text}"`;
  }
  for (const letter of rule.access) {
    if (after.allowsSome(rule.type, rule.major, rule.minor, BIT_OF[letter] as number)) {
      return after.defaultAllow
        ? `the kernel would not deny all of "${text}"`
        : `the kernel would ignore part of it: in a default-deny group a deny only removes access from the exception naming exactly ${rule.type} ${rule.major}:${rule.minor}, and another exception still allows "${letter}" on part of this range`;
    }
  }
  return undefined;
}

/**
 * What the kernel does with one write to `devices.allow`/`devices.deny` of a group in state
 * `state` (devcgroup_update_access), including the writes it refuses: `a` in a group with
 * children (EINVAL), `a` to devices.allow under a default-deny parent (EPERM), and rules that
 * would give the group more than its parent (EPERM). Silent no-ops are reproduced as such.
 * A deny also reaches the group's children: see {@link simulateV1Propagation}.
 * @beta
 */
export function simulateV1Write(state: DevicePolicy, write: V1Write, context: V1WriteContext = {}): V1WriteOutcome {
  const { parent, hasChildren = false } = context;
  const rule = normalizeDeviceRule(write.rule, write.file);
  const allowFile = write.file === "devices.allow";
  if (!allowFile && write.file !== "devices.deny") throw new InvalidValueError(write.file, write, "expected devices.allow or devices.deny");
  if (rule.type === "a") {
    if (hasChildren) return { ok: false, errno: "EINVAL", reason: "a group with children cannot change its default" };
    if (!allowFile) return { ok: true, policy: DENY_ALL };
    if (!parent) return { ok: true, policy: ALLOW_ALL };
    if (!parent.defaultAllow) return { ok: false, errno: "EPERM", reason: "the parent is default-deny" };
    return { ok: true, policy: DevicePolicy.fromInternal(true, parent.internalExceptions) };
  }
  const ex: DeviceException = { type: rule.type, major: rule.major, minor: rule.minor, bits: bitsOf(rule.access) };
  const list = state.internalExceptions;
  if (allowFile) {
    if (state.defaultAllow) {
      // parent_allows_removal: a default-allow child may not drop a restriction its parent has.
      if (parent && matchExceptionPartial(parent.internalExceptions, ex.type, ex.major, ex.minor, ex.bits)) {
        return { ok: false, errno: "EPERM", reason: "the parent denies part of it" };
      }
      return { ok: true, policy: DevicePolicy.fromInternal(true, exceptionRemove(list, ex)) };
    }
    if (parent && !verifyNewException(parent, ex, false)) return { ok: false, errno: "EPERM", reason: "the parent does not allow all of it" };
    return { ok: true, policy: DevicePolicy.fromInternal(false, exceptionAdd(list, ex)) };
  }
  if (state.defaultAllow) return { ok: true, policy: DevicePolicy.fromInternal(true, exceptionAdd(list, ex)) };
  return { ok: true, policy: DevicePolicy.fromInternal(false, exceptionRemove(list, ex)) };
}

/**
 * A deny written to a group reaches each child (propagate_exception): when both are default-allow
 * the child gains the exception, otherwise the child's matching exception loses those bits; then
 * every child exception its new parent state no longer permits is dropped
 * (revalidate_active_exceptions).
 * @beta
 */
export function simulateV1Propagation(child: DevicePolicy, parentAfter: DevicePolicy, rule: DeviceRule): DevicePolicy {
  const r = normalizeDeviceRule(rule);
  if (r.type === "a") return child; // "a" fails with EINVAL in a group with children
  const ex: DeviceException = { type: r.type, major: r.major, minor: r.minor, bits: bitsOf(r.access) };
  let list =
    parentAfter.defaultAllow && child.defaultAllow ? exceptionAdd(child.internalExceptions, ex) : exceptionRemove(child.internalExceptions, ex);
  for (const walk of [...list]) {
    if (!verifyNewException(parentAfter, walk, child.defaultAllow)) list = exceptionRemove(list, walk);
  }
  return DevicePolicy.fromInternal(child.defaultAllow, list);
}

function ociAllow(entry: unknown, i: number, file: string): boolean {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new InvalidValueError(file, entry, `entry ${i}: expected an object {allow, type, major, minor, access}`);
  }
  const record = entry as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!["allow", "type", "major", "minor", "access"].includes(key)) throw new InvalidValueError(file, entry, `entry ${i}: unknown key ${JSON.stringify(key)}`);
  }
  if (typeof record.allow !== "boolean") throw new InvalidValueError(file, entry, `entry ${i}: "allow" must be true or false`);
  return record.allow;
}

function ociRule(entry: unknown, i: number, file: string): DeviceRule {
  const record = entry as Record<string, unknown>;
  const fail = (reason: string): never => {
    throw new InvalidValueError(file, entry, `entry ${i}: ${reason}`);
  };
  const type = record.type === undefined || record.type === null || record.type === "" ? "a" : record.type;
  if (type !== "a" && type !== "b" && type !== "c") fail(`"type" must be "a", "b" or "c"`);
  const number = (which: "major" | "minor"): number | "*" => {
    const n = record[which];
    if (n === undefined || n === null) return "*";
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > DEVICE_NUMBER_MAX) {
      return fail(`"${which}" must be unset (any) or an integer in 0..${DEVICE_NUMBER_MAX}`);
    }
    return n;
  };
  const major = number("major");
  const minor = number("minor");
  if (typeof record.access !== "string" || record.access === "") fail(`"access" must be a non-empty string of r, w, m`);
  if (type === "a" && (major !== "*" || minor !== "*")) fail('a type "a" entry covers every device: the kernel ignores "major" and "minor", so leave them unset');
  try {
    return normalizeDeviceRule({ type: type as "a" | "b" | "c", major, minor, access: record.access as string }, file);
  } catch (err) {
    return fail((err as InvalidValueError).reason);
  }
}

/**
 * Requests that stand for every request about the given policies: the kernel compares numbers
 * only for equality with the ones exceptions name, so each named number plus one unnamed number
 * per field, on both device types, with every combination of access letters, decides any
 * question of the form "is A allowed wherever B is" exactly.
 * @internal
 */
export function representativeRequests(policies: readonly DevicePolicy[]): Array<{ type: "b" | "c"; major: number; minor: number; bits: number }> {
  const majors = new Set<number>();
  const minors = new Set<number>();
  for (const p of policies) {
    for (const ex of p.internalExceptions) {
      if (ex.major !== "*") majors.add(ex.major);
      if (ex.minor !== "*") minors.add(ex.minor);
    }
  }
  majors.add(unused(majors));
  minors.add(unused(minors));
  const out: Array<{ type: "b" | "c"; major: number; minor: number; bits: number }> = [];
  for (const type of ["b", "c"] as const) {
    for (const major of majors) for (const minor of minors) for (let bits = 1; bits <= 7; bits++) out.push({ type, major, minor, bits });
  }
  return out;
}

function unused(taken: Set<number>): number {
  let n = 0;
  while (taken.has(n)) n++;
  return n;
}

/** The kernel's decision for a representative request, by bits. @internal */
export function allowsBits(policy: DevicePolicy, type: "b" | "c", major: number, minor: number, bits: number): boolean {
  if (policy.defaultAllow) return !matchExceptionPartial(policy.internalExceptions, type, major, minor, bits);
  return matchException(policy.internalExceptions, type, major, minor, bits);
}

/** Access letters for an internal bit set. @internal */
export function accessLetters(bits: number): string {
  return accessOf(bits);
}
