// cgroup v1 device ACL: plan the writes from the current state to a target, apply them one
// write(2) each, verify by reading devices.list back, and fail closed (deny-all) on any failure.
import * as path from "node:path";
import { DevicesV1 } from "../../generated/index.js";
import { ALL_DEVICES, DEVICE_ACCESS_MKNOD, DEVICE_ACCESS_READ, DEVICE_ACCESS_WRITE, deviceAccessLetters, holdsEveryBit, sharesSomeBit } from "../runtime/device-rule.js";
import { setTimeout as sleep } from "node:timers/promises";
import { CgroupIoError, InvalidValueError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import { DeviceAclError, UnsafeDeviceTransitionError, describeV1Write, type V1Write } from "./errors.js";
import { DevicePolicy } from "./policy.js";

export type { V1Write } from "./errors.js";

/** Options of {@link applyDevicePolicy} on cgroup v1, where the policy is reached by a sequence of writes. @public */
export interface V1TransitionOptions {
  /**
   * Permit the one transition v1 cannot make safely: from default-deny to default-allow with
   * exceptions, which passes through "allow everything the parent allows" between writing `a`
   * to `devices.allow` and writing the exceptions. Off by default: such a plan is refused.
   */
  readonly allowTransientAllowAll?: boolean;
}

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
  return planV1TransitionCounted(from, to, options, { evaluations: 0 });
}

/** {@link planV1Transition}, adding the work it does to `work`. @internal */
export function planV1TransitionCounted(from: DevicePolicy, to: DevicePolicy, options: V1TransitionOptions, work: V1PlanWork): V1Write[] {
  if (!(from instanceof DevicePolicy) || !(to instanceof DevicePolicy)) throw new InvalidValueError(undefined, { from, to }, "expected two DevicePolicy objects");
  if (from.defaultAllow && !to.defaultAllow) {
    return [{ file: "devices.deny", rule: ALL_DEVICES }, ...planSameDefault(DevicePolicy.denyAll(), to, work).writes];
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
    return [reset, ...planSameDefault(DevicePolicy.allowAll(), to, work).writes];
  }
  const incremental = planSameDefault(from, to, work);
  if (!to.defaultAllow && incremental.sharedRequests === 0 && from.exceptions.length > 0) {
    // Deny-all then allow is as safe when the two ends share no access, and sometimes shorter
    // (never from deny-all itself: that is the incremental plan with one more write).
    const reset = [{ file: "devices.deny", rule: ALL_DEVICES } as V1Write, ...planSameDefault(DevicePolicy.denyAll(), to, work).writes];
    if (reset.length < incremental.writes.length) return reset;
  }
  return incremental.writes;
}

/** Work done by the planner, for tests that bound it. @internal */
export interface V1PlanWork {
  /** Decisions made for one representative request (one device, one set of access bits) in one state. */
  evaluations: number;
}

type Num = number | "*";
type KeyShape = { type: "b" | "c"; major: Num; minor: Num };

/**
 * The planner's view of two same-default policies: every representative request (each number
 * the policies name plus one they do not, per field, both types, every access set; see
 * {@link representativeRequests}) and every exception key, numbered so that a request's
 * decision reads the access of at most four keys: its own numbers, each with `*`, and `*:*`.
 * The kernel compares numbers only for equality, so these decide every request exactly.
 */
class PlanGrid {
  readonly majorCount: number;
  readonly minorCount: number;
  private readonly majorIndex = new Map<number, number>();
  private readonly minorIndex = new Map<number, number>();

  constructor(policies: readonly DevicePolicy[]) {
    for (const p of policies) {
      for (const ex of p.internalExceptions) {
        if (ex.major !== "*" && !this.majorIndex.has(ex.major)) this.majorIndex.set(ex.major, this.majorIndex.size);
        if (ex.minor !== "*" && !this.minorIndex.has(ex.minor)) this.minorIndex.set(ex.minor, this.minorIndex.size);
      }
    }
    // One number no exception names stands for all the others (its value never matters).
    this.majorCount = this.majorIndex.size + 1;
    this.minorCount = this.minorIndex.size + 1;
  }

  get keyCount(): number {
    return 2 * (this.majorCount + 1) * (this.minorCount + 1);
  }

  get requestCount(): number {
    return 2 * this.majorCount * this.minorCount * 7;
  }

  /** Index of a major number; `majorCount` stands for `*`. */
  majorSlot(major: Num): number {
    return major === "*" ? this.majorCount : (this.majorIndex.get(major) as number);
  }

  /** Index of a minor number; `minorCount` stands for `*`. */
  minorSlot(minor: Num): number {
    return minor === "*" ? this.minorCount : (this.minorIndex.get(minor) as number);
  }

  /** Key slot of an exception. */
  key(shape: KeyShape): number {
    return this.keyOf(shape.type === "b" ? 0 : 1, this.majorSlot(shape.major), this.minorSlot(shape.minor));
  }

  keyOf(type: number, major: number, minor: number): number {
    return (type * (this.majorCount + 1) + major) * (this.minorCount + 1) + minor;
  }

  request(type: number, major: number, minor: number, bits: number): number {
    return ((type * this.majorCount + major) * this.minorCount + minor) * 7 + (bits - 1);
  }

  /**
   * The kernel's decision (match_exception / match_exception_partial) for a request of one device, from per-key
   * access: only four keys can hold a given device (its own numbers, each with `*`, and `*:*`), so the rule of
   * src/runtime/device-rule.ts is applied to those four instead of the whole list.
   */
  allows(access: Uint8Array, defaultAllow: boolean, type: number, major: number, minor: number, bits: number): boolean {
    const own = access[this.keyOf(type, major, minor)] as number;
    const anyMajor = access[this.keyOf(type, this.majorCount, minor)] as number;
    const anyMinor = access[this.keyOf(type, major, this.minorCount)] as number;
    const anyBoth = access[this.keyOf(type, this.majorCount, this.minorCount)] as number;
    if (defaultAllow) return !sharesSomeBit(own | anyMajor | anyMinor | anyBoth, bits);
    // An absent key holds no bits, and a request has at least one, so it never matches.
    return holdsEveryBit(own, bits) || holdsEveryBit(anyMajor, bits) || holdsEveryBit(anyMinor, bits) || holdsEveryBit(anyBoth, bits);
  }

  /** Per-key access of a policy. */
  accessOf(policy: DevicePolicy): Uint8Array {
    const access = new Uint8Array(this.keyCount);
    for (const ex of policy.internalExceptions) access[this.key(ex)] = ex.bits;
    return access;
  }
}

/**
 * Plan between two states with the same default, greedily: each step is a write that keeps the
 * state between "both allow" and "either allows"; among those, whole changes to an exception
 * come before partial ones and taking access away before giving it.
 * When none keeps that (exotic overlaps of wildcard exceptions), it takes access away with the
 * least disruption: never more permissive, possibly briefly denying something both ends allow.
 *
 * A write changes one exception, so it can change only the requests that exception matches:
 * each candidate is judged on those alone, against per-request decisions kept between steps.
 * Also returns how many representative requests both ends allow.
 */
function planSameDefault(from: DevicePolicy, to: DevicePolicy, work: V1PlanWork): { writes: V1Write[]; sharedRequests: number } {
  const allowMode = from.defaultAllow;
  const grid = new PlanGrid([from, to]);
  const { majorCount, minorCount } = grid;
  const fromAccess = grid.accessOf(from);
  const toAccess = grid.accessOf(to);
  const access = fromAccess.slice();
  // Per request: 1 = either end allows it (upper bound), 2 = both do (lower bound), 4 = the current state does.
  const UPPER = 1;
  const LOWER = 2;
  const NOW = 4;
  const flags = new Uint8Array(grid.requestCount);
  let sharedRequests = 0;
  let tooPermissive = 0; // allowed now, though neither end allows it
  let disrupted = 0; // denied now, though both ends allow it
  for (let type = 0; type < 2; type++) {
    for (let major = 0; major < majorCount; major++) {
      for (let minor = 0; minor < minorCount; minor++) {
        for (let bits = 1; bits <= 7; bits++) {
          const a = grid.allows(fromAccess, allowMode, type, major, minor, bits);
          const b = grid.allows(toAccess, allowMode, type, major, minor, bits);
          work.evaluations += 2;
          // The state starts at `from`, which lies between the bounds.
          flags[grid.request(type, major, minor, bits)] = (a || b ? UPPER : 0) | (a && b ? LOWER : 0) | (a ? NOW : 0);
          if (a && b) sharedRequests++;
        }
      }
    }
  }

  /** Violations a write would add (may be negative): requests it changes, re-decided with the key holding `bits`. */
  const judge = (slot: number, shape: KeyShape, bits: number, commit: boolean): { tooPermissive: number; disrupted: number } => {
    const type = shape.type === "b" ? 0 : 1;
    // An exception matches one number, or every number for `*`.
    const majorFrom = shape.major === "*" ? 0 : grid.majorSlot(shape.major);
    const majorTo = shape.major === "*" ? majorCount : majorFrom + 1;
    const minorFrom = shape.minor === "*" ? 0 : grid.minorSlot(shape.minor);
    const minorTo = shape.minor === "*" ? minorCount : minorFrom + 1;
    const held = access[slot] as number;
    access[slot] = bits;
    let morePermissive = 0;
    let moreDisrupted = 0;
    for (let major = majorFrom; major < majorTo; major++) {
      for (let minor = minorFrom; minor < minorTo; minor++) {
        for (let b = 1; b <= 7; b++) {
          const index = grid.request(type, major, minor, b);
          const f = flags[index] as number;
          const allowed = grid.allows(access, allowMode, type, major, minor, b);
          work.evaluations++;
          const was = (f & NOW) !== 0;
          if (allowed === was) continue;
          if (!(f & UPPER)) morePermissive += allowed ? 1 : -1;
          if (f & LOWER) moreDisrupted += allowed ? -1 : 1;
          if (commit) flags[index] = allowed ? f | NOW : f & ~NOW;
        }
      }
    }
    if (!commit) access[slot] = held;
    return { tooPermissive: morePermissive, disrupted: moreDisrupted };
  };

  // The current exceptions in the kernel's order (a new exception is appended, one losing all its
  // access is dropped), and the target's; the order only decides which candidate is tried first.
  const current = new Map<number, KeyShape>();
  const currentBits = new Map<number, number>();
  for (const ex of from.internalExceptions) {
    const slot = grid.key(ex);
    current.set(slot, { type: ex.type, major: ex.major, minor: ex.minor });
    currentBits.set(slot, ex.bits);
  }
  const target = new Map<number, KeyShape & { bits: number }>();
  for (const ex of to.internalExceptions) target.set(grid.key(ex), { type: ex.type, major: ex.major, minor: ex.minor, bits: ex.bits });

  const writes: V1Write[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    // What each exception still has to lose and to gain (in the group's terms: access taken, access given).
    const pending: Pending[] = [];
    for (const slot of new Set([...current.keys(), ...target.keys()])) {
      const have = currentBits.get(slot) ?? 0;
      const want = target.get(slot)?.bits ?? 0;
      if (have === want) continue;
      const shape = (current.get(slot) ?? target.get(slot)) as KeyShape;
      // In a default-deny group exceptions grant; in a default-allow group they take away.
      const take = allowMode ? want & ~have : have & ~want;
      const give = allowMode ? have & ~want : want & ~have;
      pending.push({ slot, shape, take, give });
    }
    if (pending.length === 0) return { writes, sharedRequests };
    // A deny adds to a default-allow group's exceptions and takes from a default-deny group's; an allow the reverse.
    const bitsAfter = (c: Candidate): number => {
      const have = currentBits.get(c.slot) ?? 0;
      const adds = (c.write.file === "devices.deny") === allowMode;
      return adds ? have | c.bits : have & ~c.bits;
    };
    let chosen: Candidate | undefined;
    // Whole changes before partial ones (fewer writes); taking away before giving.
    for (const candidate of candidates(pending, ["take whole", "give whole", "take part", "give part"])) {
      const change = judge(candidate.slot, candidate.shape, bitsAfter(candidate), false);
      if (tooPermissive + change.tooPermissive === 0 && disrupted + change.disrupted === 0) {
        chosen = candidate;
        break;
      }
    }
    if (!chosen) {
      // Weighted so that the fallback never allows what neither end allows while another write does not.
      let best = Infinity;
      for (const candidate of candidates(pending, ["take whole", "take part", "give whole", "give part"])) {
        const change = judge(candidate.slot, candidate.shape, bitsAfter(candidate), false);
        const count = (tooPermissive + change.tooPermissive) * 1_000_000 + disrupted + change.disrupted;
        if (count < best) {
          best = count;
          chosen = candidate;
        }
      }
    }
    if (!chosen) throw new Error("unreachable: no write makes progress");
    const bits = bitsAfter(chosen);
    const change = judge(chosen.slot, chosen.shape, bits, true);
    tooPermissive += change.tooPermissive;
    disrupted += change.disrupted;
    if (bits === 0) {
      current.delete(chosen.slot);
      currentBits.delete(chosen.slot);
    } else {
      if (!current.has(chosen.slot)) current.set(chosen.slot, chosen.shape);
      currentBits.set(chosen.slot, bits);
    }
    writes.push(chosen.write);
  }
  throw new Error("unreachable: device transition plan did not converge");
}

type Pending = { slot: number; shape: KeyShape; take: number; give: number };

/** Rank of an access set when the planner tries partial writes: mknod weighs most, then write, then read. */
function partialRank(bits: number): number {
  return (bits & DEVICE_ACCESS_MKNOD ? 4 : 0) + (bits & DEVICE_ACCESS_WRITE ? 2 : 0) + (bits & DEVICE_ACCESS_READ ? 1 : 0);
}

/** The non-empty proper subsets of an access set, highest rank first (wm, rm, m, rw, w, r for rwm): a fixed order keeps plans stable. */
function properSubsets(bits: number): number[] {
  const out: number[] = [];
  for (let sub = 1; sub < bits; sub++) if ((sub & bits) === sub) out.push(sub);
  return out.sort((a, b) => partialRank(b) - partialRank(a));
}
type Candidate = { write: V1Write; slot: number; shape: KeyShape; bits: number };
type Phase = "take whole" | "give whole" | "take part" | "give part";

/**
 * Candidate writes, phase by phase, each over the exceptions in order: all the bits to take
 * (a write to devices.deny) or to give (devices.allow) at once, or each proper subset, larger first.
 */
function* candidates(pending: readonly Pending[], phases: readonly Phase[]): Generator<Candidate> {
  for (const phase of phases) {
    const taking = phase.startsWith("take");
    const file = taking ? "devices.deny" : "devices.allow";
    for (const { slot, shape, take, give } of pending) {
      const bits = taking ? take : give;
      if (!bits) continue;
      const make = (b: number): Candidate => ({
        write: { file, rule: { type: shape.type, major: shape.major, minor: shape.minor, access: deviceAccessLetters(b) } },
        slot,
        shape,
        bits: b,
      });
      if (phase.endsWith("whole")) yield make(bits);
      else for (const sub of properSubsets(bits)) yield make(sub);
    }
  }
}

/** What {@link applyDevicePolicy} did on cgroup v1. @public */
export interface V1ApplyResult {
  /** The state read from devices.list before. */
  readonly before: DevicePolicy;
  /** The writes made, in order. */
  readonly writes: readonly V1Write[];
  /** The state read back from devices.list after. */
  readonly after: DevicePolicy;
  /**
   * Set when the group was default-allow before and stays default-allow without a reset: the kernel does not
   * list a default-allow group's exceptions, so denies it held before may remain and the group may deny more
   * than `policy` says (never less). `allowTransientAllowAll` clears them with `a` first, through a moment of allow-all.
   */
  readonly hiddenExceptionsMayRemain?: true;
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
  let writes: V1Write[];
  let hiddenExceptionsMayRemain = false;
  if (before.defaultAllow && policy.defaultAllow) {
    // devices.list hides a default-allow group's exceptions: only `a` (which a group with children refuses) clears them.
    // It is the target itself for allow-all; otherwise it passes through allow-all, so only when asked.
    const reset = (options.allowTransientAllowAll || policy.exceptions.length === 0) && !(await hasChildGroups(dir, fs));
    writes = reset ? [{ file: "devices.allow", rule: ALL_DEVICES }, ...planV1Transition(DevicePolicy.allowAll(), policy, options)] : planV1Transition(before, policy, options);
    hiddenExceptionsMayRemain = !reset;
  } else writes = planV1Transition(before, policy, options);
  for (const [i, write] of writes.entries()) {
    try {
      await writeRule(devices, dir, fs, write);
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
  return { before, writes, after, ...(hiddenExceptionsMayRemain ? { hiddenExceptionsMayRemain: true as const } : {}) };
}

/** Whether the group has child groups now (the kernel refuses `a` in such a group with EINVAL). */
async function hasChildGroups(dir: string, fs: CgroupFs): Promise<boolean> {
  return (await fs.readdir(dir)).some((e) => e.isDirectory);
}

/**
 * One rule, one write. `a` right after the rmdir of the group's last child is refused with EINVAL until the
 * kernel has taken that child offline (asynchronously, ~100 ms here): while no child directory is left, it is
 * retried, bounded (about 2 s in all).
 */
async function writeRule(devices: DevicesV1, dir: string, fs: CgroupFs, write: V1Write): Promise<void> {
  const file = write.file === "devices.allow" ? devices.allow : devices.deny;
  for (let attempt = 0; ; attempt++) {
    try {
      await file.write(write.rule);
      return;
    } catch (err) {
      const offlineChild = write.rule.type === "a" && err instanceof CgroupIoError && err.errno === "EINVAL" && attempt < 20 && !(await hasChildGroups(dir, fs));
      if (!offlineChild) throw err;
      await sleep(Math.min(5 * 2 ** attempt, 200));
    }
  }
}

/** Make the group deny-all after a failure; return the error to throw. */
async function failClosed(dir: string, fs: CgroupFs, failed: string, cause: unknown, write?: V1Write): Promise<DeviceAclError> {
  try {
    const how = await denyAll(dir, fs);
    return new DeviceAclError(dir, failed, true, { write, cause, closedByWildcards: how === "wildcards" });
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

/** Every device denied: `a`, or in a group with children (which refuses `a`) the exceptions or the wildcards. */
async function denyAll(dir: string, fs: CgroupFs): Promise<"a" | "exceptions" | "wildcards"> {
  const devices = new DevicesV1(dir, fs);
  let how: "a" | "exceptions" | "wildcards" = "a";
  try {
    await writeRule(devices, dir, fs, { file: "devices.deny", rule: ALL_DEVICES });
  } catch (err) {
    const current = await readList(devices);
    if (current.defaultAllow) {
      // A default-allow group with children keeps its mode, but a deny of every char and every block device
      // leaves nothing allowed (and reaches the children too); its list still reads "a *:* rwm".
      for (const type of ["c", "b"] as const) await devices.deny.write({ type, major: "*", minor: "*", access: "rwm" });
      return "wildcards";
    }
    // Default-deny with children: take each listed exception away instead.
    for (const rule of current.exceptions) await devices.deny.write(rule);
    how = "exceptions";
  }
  const text = await devices.list.readRaw();
  if (text !== "") throw new Error(`devices.list still reads ${JSON.stringify(text)}`);
  return how;
}
