// The v1 kernel's handling of a write in its place in the tree (devcgroup_update_access with a
// parent and children, propagate_exception, revalidate_active_exceptions), and the representative
// requests that decide "is A allowed wherever B is" exactly. The parentless state change itself is
// DevicePolicy.withWrite; the match rule is src/runtime/device-rule.ts.
import {
  deviceAllowed,
  deviceException,
  matchException,
  matchExceptionPartial,
  normalizeDeviceRule,
  type DeviceException,
  type DeviceRule,
} from "../runtime/device-rule.js";
import { InvalidValueError } from "../runtime/errors.js";
import type { V1Write } from "./errors.js";
import { DevicePolicy, exceptionAdd, exceptionRemove } from "./policy.js";

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

/** verify_new_ex: may a group with `childAllow` behaviour hold exception `ex` under this parent? */
function verifyNewException(parent: DevicePolicy, ex: DeviceException, childAllow: boolean): boolean {
  const parentList = parent.internalExceptions;
  if (parent.defaultAllow) {
    if (childAllow) return true;
    return !matchExceptionPartial(parentList, ex, ex.bits);
  }
  return matchException(parentList, ex, ex.bits);
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
    if (allowFile && parent) {
      if (!parent.defaultAllow) return { ok: false, errno: "EPERM", reason: "the parent is default-deny" };
      // A reset to allow inherits the parent's deny exceptions.
      return { ok: true, policy: DevicePolicy.fromInternal(true, parent.internalExceptions) };
    }
  } else if (allowFile && parent) {
    const ex = deviceException({ ...rule, type: rule.type });
    if (state.defaultAllow) {
      // parent_allows_removal: a default-allow child may not drop a restriction its parent has.
      if (matchExceptionPartial(parent.internalExceptions, ex, ex.bits)) return { ok: false, errno: "EPERM", reason: "the parent denies part of it" };
    } else if (!verifyNewException(parent, ex, false)) {
      return { ok: false, errno: "EPERM", reason: "the parent does not allow all of it" };
    }
  }
  return { ok: true, policy: state.withWrite({ file: write.file, rule }) };
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
  const ex = deviceException({ ...r, type: r.type });
  let list =
    parentAfter.defaultAllow && child.defaultAllow ? exceptionAdd(child.internalExceptions, ex) : exceptionRemove(child.internalExceptions, ex);
  for (const walk of [...list]) {
    if (!verifyNewException(parentAfter, walk, child.defaultAllow)) list = exceptionRemove(list, walk);
  }
  return DevicePolicy.fromInternal(child.defaultAllow, list);
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
  return deviceAllowed(policy.defaultAllow, policy.internalExceptions, { type, major, minor }, bits);
}
