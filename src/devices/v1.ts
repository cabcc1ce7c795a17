// cgroup v1 device ACL: plan the writes from the current state to a target, apply them one
// write(2) each, verify by reading devices.list back, and fail closed (deny-all) on any failure.
import * as path from "node:path";
import { DevicesV1 } from "../../generated/index.js";
import { ALL_DEVICES } from "../runtime/device-rule.js";
import { InvalidValueError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { DeviceAclError, UnsafeDeviceTransitionError, describeV1Write, type V1Write } from "./errors.js";
import { DevicePolicy, accessLetters, allowsBits, representativeRequests } from "./policy.js";

export type { V1Write } from "./errors.js";

/** Options of {@link planV1Transition} and {@link applyV1DevicePolicy}. @public */
export interface V1TransitionOptions {
  /**
   * Permit the one transition v1 cannot make safely: from default-deny to default-allow with
   * exceptions, which passes through "allow everything the parent allows" between writing `a`
   * to `devices.allow` and writing the exceptions. Off by default: such a plan is refused.
   */
  readonly allowTransientAllowAll?: boolean;
}

type Request = { type: "b" | "c"; major: number; minor: number; bits: number };

/**
 * The writes that take a group from `from` to `to`, one rule each, ordered so that no state on
 * the way allows anything that neither end allows (always), and, where both ends share a default,
 * no state on the way denies anything both ends allow. The second holds whenever every exception
 * changes one way (its access only grows or only shrinks) and for every default-allow pair; when an
 * exception's access changes sideways amid overlapping wildcard exceptions, a dead end can exist
 * in which no order keeps both (e.g. `b *:3 m`, `b 1:3 r` to `b 1:3 m`, `b *:3 rw`): the plan then
 * denies briefly rather than allow more. Whole changes come before partial ones, and taking
 * access away before giving it, whenever that keeps both properties.
 *
 * What v1 cannot avoid: switching the default takes `a`, which clears every exception. From
 * default-allow to default-deny the plan passes through deny-all (never more permissive than
 * either end, but it briefly denies what both allow); from default-deny to default-allow with
 * exceptions it would pass through allow-all, so it is refused with
 * {@link UnsafeDeviceTransitionError} unless `allowTransientAllowAll` is set.
 * @public
 */
export function planV1Transition(from: DevicePolicy, to: DevicePolicy, options: V1TransitionOptions = {}): V1Write[] {
  if (!(from instanceof DevicePolicy) || !(to instanceof DevicePolicy)) throw new InvalidValueError(undefined, { from, to }, "expected two DevicePolicy objects");
  if (from.defaultAllow && !to.defaultAllow) {
    return [{ file: "devices.deny", rule: ALL_DEVICES }, ...planSameDefault(DevicePolicy.denyAll(), to)];
  }
  if (!from.defaultAllow && to.defaultAllow) {
    const reset: V1Write = { file: "devices.allow", rule: ALL_DEVICES };
    if (to.exceptions.length === 0) return [reset];
    if (!options.allowTransientAllowAll) {
      throw new UnsafeDeviceTransitionError(
        "cgroup v1 cannot go from a default-deny policy to a default-allow policy with exceptions without passing through allow-all " +
          "(writing \"a\" to devices.allow clears every exception); pass allowTransientAllowAll to accept that window",
      );
    }
    return [reset, ...planSameDefault(DevicePolicy.allowAll(), to)];
  }
  const incremental = planSameDefault(from, to);
  if (!to.defaultAllow) {
    // Deny-all then allow is as safe when the two ends share no access, and sometimes shorter.
    const grid = representativeRequests([from, to]);
    const shareNothing = grid.every((q) => !(allowsBits(from, q.type, q.major, q.minor, q.bits) && allowsBits(to, q.type, q.major, q.minor, q.bits)));
    const reset = [{ file: "devices.deny", rule: ALL_DEVICES } as V1Write, ...planSameDefault(DevicePolicy.denyAll(), to)];
    if (shareNothing && reset.length < incremental.length) return reset;
  }
  return incremental;
}

/**
 * Plan between two states with the same default, greedily: each step is a write that keeps the
 * state between "both allow" and "either allows"; among those, whole changes to an exception
 * come before partial ones and taking access away before giving it.
 * When none keeps that (exotic overlaps of wildcard exceptions), it takes access away with the
 * least disruption: never more permissive, possibly briefly denying something both ends allow.
 */
function planSameDefault(from: DevicePolicy, to: DevicePolicy): V1Write[] {
  const allowMode = from.defaultAllow;
  const grid = representativeRequests([from, to]);
  const upper = grid.map((q) => allowsBits(from, q.type, q.major, q.minor, q.bits) || allowsBits(to, q.type, q.major, q.minor, q.bits));
  const lower = grid.map((q) => allowsBits(from, q.type, q.major, q.minor, q.bits) && allowsBits(to, q.type, q.major, q.minor, q.bits));
  const target = bitsByKey(to);
  const writes: V1Write[] = [];
  let state = from;
  for (let guard = 0; guard < 10_000; guard++) {
    const current = bitsByKey(state);
    const keys = new Set([...current.keys(), ...target.keys()]);
    const restricts: V1Write[][] = [[], []];
    const grants: V1Write[][] = [[], []];
    for (const key of keys) {
      const have = current.get(key)?.bits ?? 0;
      const want = target.get(key)?.bits ?? 0;
      if (have === want) continue;
      const shape = (current.get(key) ?? target.get(key)) as KeyShape;
      // In a default-deny group exceptions grant; in a default-allow group they take away.
      const take = allowMode ? want & ~have : have & ~want;
      const give = allowMode ? have & ~want : want & ~have;
      // Taking access away is always a write to devices.deny, giving it one to devices.allow.
      pushOps(restricts, shape, take, "devices.deny");
      pushOps(grants, shape, give, "devices.allow");
    }
    if (restricts.every((l) => l.length === 0) && grants.every((l) => l.length === 0)) return writes;
    let chosen: { write: V1Write; next: DevicePolicy } | undefined;
    // Whole changes before partial ones (fewer writes); taking away before giving.
    for (const candidate of [...restricts[0]!, ...grants[0]!, ...restricts[1]!, ...grants[1]!]) {
      const next = state.withWrite(candidate);
      if (violations(next, grid, upper, lower) === 0) {
        chosen = { write: candidate, next };
        break;
      }
    }
    if (!chosen) {
      let best = Infinity;
      for (const candidate of [...restricts[0]!, ...restricts[1]!, ...grants[0]!, ...grants[1]!]) {
        const next = state.withWrite(candidate);
        const count = violations(next, grid, upper, lower, true);
        if (count < best) {
          best = count;
          chosen = { write: candidate, next };
        }
      }
    }
    if (!chosen) throw new Error("unreachable: no write makes progress");
    writes.push(chosen.write);
    state = chosen.next;
  }
  throw new Error("unreachable: device transition plan did not converge");
}

type KeyShape = { type: "b" | "c"; major: number | "*"; minor: number | "*"; bits: number };

function bitsByKey(policy: DevicePolicy): Map<string, KeyShape> {
  const map = new Map<string, KeyShape>();
  for (const ex of policy.internalExceptions) map.set(`${ex.type} ${ex.major}:${ex.minor}`, { ...ex });
  return map;
}

/** Candidate writes for one key: all the bits at once (list 0), then each proper subset (list 1). */
function pushOps(lists: V1Write[][], shape: KeyShape, bits: number, file: V1Write["file"]): void {
  if (!bits) return;
  const rule = (b: number) => ({ type: shape.type, major: shape.major, minor: shape.minor, access: accessLetters(b) });
  lists[0]!.push({ file, rule: rule(bits) });
  // Proper subsets, larger first.
  for (let sub = bits - 1; sub > 0; sub--) if ((sub & bits) === sub) lists[1]!.push({ file, rule: rule(sub) });
}

/**
 * Requests the state gets wrong: allowed though neither end allows them (always counted, and
 * weighted so that the fallback never picks one), or denied though both allow them.
 */
function violations(state: DevicePolicy, grid: readonly Request[], upper: readonly boolean[], lower: readonly boolean[], weighUpper = false): number {
  let count = 0;
  for (const [i, q] of grid.entries()) {
    const allowed = allowsBits(state, q.type, q.major, q.minor, q.bits);
    if (allowed && !upper[i]) count += weighUpper ? 1_000_000 : 1;
    else if (!allowed && lower[i]) count += 1;
  }
  return count;
}

/** What {@link applyV1DevicePolicy} did. @public */
export interface V1ApplyResult {
  /** The state read from devices.list before. */
  readonly before: DevicePolicy;
  /** The writes made, in order. */
  readonly writes: readonly V1Write[];
  /** The state read back from devices.list after. */
  readonly after: DevicePolicy;
}

/**
 * Make a v1 devices group's policy `policy`: read `devices.list`, plan with
 * {@link planV1Transition}, write one rule per `write(2)`, read `devices.list` back and check it
 * is the target. On any failure after the first read (a refused write, a read-back that differs,
 * a read that fails) the group is made deny-all (`a` written to `devices.deny`; in a group with
 * children, where the kernel refuses that, each listed exception is denied instead) and a
 * {@link DeviceAclError} says what failed and whether the group is now deny-all.
 *
 * Limits of v1: a default-allow group's exceptions are not listed by the kernel, so the current
 * state of such a group reads as allow-all (exceptions it may hold stay, so the result can only
 * be stricter than asked) and a default-allow target is verified by its default only.
 * @throws InvalidValueError or UnsafeDeviceTransitionError before any write (the group is untouched).
 * @public
 */
export async function applyV1DevicePolicy(
  dir: string,
  policy: DevicePolicy,
  fs: CgroupFs = nodeCgroupFs,
  options: V1TransitionOptions = {},
): Promise<V1ApplyResult> {
  if (typeof dir !== "string" || dir === "") throw new InvalidValueError(undefined, dir, "expected the group's directory");
  if (!(policy instanceof DevicePolicy)) throw new InvalidValueError(path.join(dir, "devices.allow"), policy, "expected a DevicePolicy");
  const devices = new DevicesV1(dir, fs);
  let before: DevicePolicy;
  try {
    before = await readList(devices);
  } catch (err) {
    throw await failClosed(dir, fs, "reading devices.list", err);
  }
  const writes = planV1Transition(before, policy, options);
  for (const [i, write] of writes.entries()) {
    try {
      await (write.file === "devices.allow" ? devices.allow : devices.deny).write(write.rule);
    } catch (err) {
      throw await failClosed(dir, fs, `write ${i + 1} of ${writes.length} (${describeV1Write(write)})`, err, write);
    }
  }
  let after: DevicePolicy;
  try {
    after = await readList(devices);
  } catch (err) {
    throw await failClosed(dir, fs, "reading devices.list back", err);
  }
  const matches = policy.defaultAllow ? after.defaultAllow : after.equals(policy);
  if (!matches) {
    const mismatch = new Error(`devices.list reads ${JSON.stringify(after.toDevicesList())}, expected ${JSON.stringify(policy.toDevicesList())}`);
    throw await failClosed(dir, fs, "the read-back check", mismatch);
  }
  return { before, writes, after };
}

/** Make the group deny-all after a failure; return the error to throw. */
async function failClosed(dir: string, fs: CgroupFs, failed: string, cause: unknown, write?: V1Write): Promise<DeviceAclError> {
  try {
    await denyAll(dir, fs);
    return new DeviceAclError(dir, failed, true, { write, cause });
  } catch (closeError) {
    return new DeviceAclError(dir, failed, false, { write, cause, closeError });
  }
}

function readList(devices: DevicesV1): Promise<DevicePolicy> {
  return devices.list.readRaw().then((text) => DevicePolicy.fromDevicesList(text, devices.list.path));
}

/** The policy a v1 devices group holds, read from its `devices.list`. @internal */
export function readV1DevicePolicy(dir: string, fs: CgroupFs = nodeCgroupFs): Promise<DevicePolicy> {
  return readList(new DevicesV1(dir, fs));
}

async function denyAll(dir: string, fs: CgroupFs): Promise<void> {
  const devices = new DevicesV1(dir, fs);
  try {
    await devices.deny.write(ALL_DEVICES);
  } catch (err) {
    // The kernel refuses "a" in a group with children; take each listed exception away instead.
    const current = await readList(devices);
    if (current.defaultAllow) throw err;
    for (const rule of current.exceptions) await devices.deny.write(rule);
  }
  const text = await devices.list.readRaw();
  if (text !== "") throw new Error(`devices.list still reads ${JSON.stringify(text)}`);
}
