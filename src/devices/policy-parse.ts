// A device policy's inputs, parsed and bounded: rule lists, the state form, what devices.list
// prints, the OCI runtime-spec devices list, JSON text and files. Everything here returns plain
// rules and exceptions; DevicePolicy's constructors (policy.ts) build the policy from them.
import * as nodeFs from "node:fs";
import {
  DEVICE_NUMBER_MAX,
  deviceException,
  normalizeDeviceRule,
  parseDeviceRule,
  sameRange,
  type DeviceException,
  type DeviceRule,
} from "../runtime/device-rule.js";
import { CgroupIoError, InvalidValueError, ParseError } from "../runtime/errors.js";
import type { V1Write } from "./errors.js";

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

/** Entry `index` of a rule list, as the write to devices.allow or devices.deny it stands for. @internal */
export function parsePolicyRule(entry: DevicePolicyRule, index: number, file: string | undefined): V1Write {
  if (index >= DEVICE_POLICY_MAX_RULES) throw tooManyRules(file, index + 1);
  if (typeof entry !== "object" || entry === null || typeof entry.allow !== "boolean") {
    throw new InvalidValueError(file, entry, `rule ${index}: expected {allow: boolean, rule}`);
  }
  const target = entry.allow ? "devices.allow" : "devices.deny";
  const rule = typeof entry.rule === "string" ? parseDeviceRule(entry.rule, file ?? target) : normalizeDeviceRule(entry.rule, file ?? target);
  return { file: target, rule };
}

/** The exceptions of a policy given as its state: `b`/`c` rules, each device range once. @internal */
export function parseStateExceptions(defaultAllow: boolean, exceptions: Iterable<DeviceRule | string>, file: string | undefined): DeviceException[] {
  if (typeof defaultAllow !== "boolean") throw new InvalidValueError(file, defaultAllow, "the default must be allow (true) or deny (false)");
  const list: DeviceException[] = [];
  for (const item of exceptions) {
    if (list.length >= DEVICE_POLICY_MAX_RULES) throw tooManyRules(file, list.length + 1);
    const rule = typeof item === "string" ? parseDeviceRule(item, file) : normalizeDeviceRule(item, file);
    if (rule.type === "a") throw new InvalidValueError(file, item, 'an exception names block (b) or char (c) devices; "a" is the default itself');
    const ex = deviceException({ ...rule, type: rule.type });
    if (list.some((other) => sameRange(other, ex))) {
      throw new InvalidValueError(file, item, "names the same devices as an earlier exception; give each device range once with all its access");
    }
    list.push(ex);
  }
  return list;
}

/** What `devices.list` prints, as a state: `a *:* rwm` alone for default-allow, else the exceptions of a default-deny group. @internal */
export function parseDevicesList(text: string, file: string): { readonly defaultAllow: boolean; readonly exceptions: DeviceException[] } {
  if (typeof text !== "string") throw new ParseError(file, String(text), "expected text");
  if (text === "") return { defaultAllow: false, exceptions: [] };
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
      return { defaultAllow: true, exceptions: [] };
    }
    const ex = deviceException({ ...rule, type: rule.type });
    if (list.some((other) => sameRange(other, ex))) throw new ParseError(file, text, `line ${i + 1}: the kernel never lists the same devices twice`);
    list.push(ex);
  }
  return { defaultAllow: false, exceptions: list };
}

/** The OCI `linux.resources.devices` list as the rules it stands for, in order (strict; see {@link DevicePolicy.fromOciDevices}). @internal */
export function parseOciDevices(list: unknown, file: string): DevicePolicyRule[] {
  if (!Array.isArray(list)) throw new InvalidValueError(file, list, "expected an array of {allow, type, major, minor, access}");
  return list.map((entry, i) => ({ allow: ociAllow(entry, i, file), rule: ociRule(entry, i, file) }));
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

/** A policy's JSON, by form: an OCI devices array, or the state form of {@link DevicePolicyJson}. @internal */
export type ParsedDevicePolicyJson =
  | {
      /** An OCI `linux.resources.devices` array, still to be read entry by entry. */
      readonly form: "oci";
      /** Its entries. */
      readonly entries: readonly unknown[];
    }
  | {
      /** `{"default": ..., "exceptions": [...]}`. */
      readonly form: "state";
      /** `"default": "allow"`. */
      readonly defaultAllow: boolean;
      /** The exceptions, as rule text. */
      readonly exceptions: readonly string[];
    };

/** JSON text or an already parsed value, checked for its shape and size (the rules themselves are read by the caller). @internal */
export function parseDevicePolicyJson(json: unknown, file: string): ParsedDevicePolicyJson {
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
    return { form: "oci", entries: value };
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
  return { form: "state", defaultAllow: record.default === "allow", exceptions: exceptions as string[] };
}

/**
 * The text of a policy file: a regular file of at most {@link DEVICE_POLICY_MAX_FILE_BYTES} (a device, FIFO or
 * socket never ends or blocks). This is a user's file, not cgroupfs, so it is read with node:fs, not a CgroupFs.
 * @internal
 */
export function readDevicePolicyFile(path: string): string {
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
    return buffer.toString("utf8", 0, length);
  } catch (err) {
    if (err instanceof InvalidValueError) throw err;
    throw new CgroupIoError("read", path, (err as NodeJS.ErrnoException).code ?? "EIO", undefined, err);
  } finally {
    if (fd !== undefined) nodeFs.closeSync(fd);
  }
}
