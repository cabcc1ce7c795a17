// Compile a device policy into a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// Semantics (the v1 device cgroup's, which DevicePolicy.allows implements):
//   default deny:  allowed iff one exception covers the type, major, minor and EVERY requested bit;
//   default allow: denied  iff one exception matching the device shares ANY requested bit.
// Either way the program computes "hit" = some exception matches, and returns hit or !hit.
//
// Size: each exception becomes a conjunction of tests; exceptions are first simplified (provably
// equivalent rewrites only), then grouped so tests are shared:
//   - access and type live side by side in ctx->access_type ((access << 16) | type), so one
//     `if access_type & mask` (JSET) rejects both a wrong type and a request with a bit the
//     exception lacks (default deny); no shifting or masking into separate registers;
//   - exceptions with the same type and access share that test; under it, majors are tested
//     once per distinct minor set and sets of numbers become ranges or 32-wide bitmaps;
//   - wildcards emit no test at all; "hit" and "miss" are one shared exit each.
import {
  DEVICE_ACCESS_ALL,
  deviceAccessBits,
  deviceAccessLetters,
  holdsEveryBit,
  normalizeDeviceRule,
  numberCovers,
  type DeviceRule,
} from "../../runtime/device-rule.js";
import { InvalidValueError } from "../../runtime/errors.js";
import { Assembler, type Label } from "./assembler.js";
import { DEVCG, encodeInsns, type BpfInsn } from "./insn.js";

/** The part of a device policy the compiler reads (DevicePolicy satisfies it). @beta */
export interface DeviceFilterPolicy {
  /** true: every device is allowed except the exceptions (v1 "default allow"); false: the reverse. */
  readonly defaultAllow: boolean;
  /** The rules that reverse the default for the devices they match. */
  readonly exceptions: readonly DeviceRule[];
}

/** A compiled device filter. @public */
export interface CompiledDeviceFilter {
  /** The program as instructions (`encodeInsns` of `cgroupkit/ebpf` makes them bytes). */
  readonly instructions: readonly BpfInsn[];
  /** The program in the wire format `BPF_PROG_LOAD` takes (8 bytes per instruction). */
  readonly bytecode: Buffer;
  /** Readable assembly, one line per instruction, in the verifier log's syntax. */
  readonly listing: string;
  /** Number of instructions. */
  readonly count: number;
  /** Exceptions left after the equivalence-preserving simplification. */
  readonly effectiveExceptions: number;
}

// Registers: r1 holds the context on entry; loads go to r2..r4; r5 is the bitmap scratch.
const R_CTX = 1;
const R_ACCESS_TYPE = 2;
const R_MAJOR = 3;
const R_MINOR = 4;
const R_SCRATCH = 5;

const TYPE_BLOCK = DEVCG.DEV_BLOCK; // 1
const TYPE_CHAR = DEVCG.DEV_CHAR; // 2
const TYPE_ANY = TYPE_BLOCK | TYPE_CHAR;
const U32_MAX = 0xffff_ffff;
/** Above this many major groups in one chain, a failed minor test jumps out of the chain. */
const PAIR_CHAIN_LIMIT = 12;
/** A bitmap test covers 32 consecutive numbers: the bit index is the number modulo 32. */
const BITMAP_SPAN = 32;

/** An exception in the compiler's terms: the types it names as ctx type bits (b and c may merge), numbers, access bits. */
interface Exception {
  readonly types: number;
  readonly major: number | "*";
  readonly minor: number | "*";
  readonly access: number;
}

function toException(rule: DeviceRule): Exception {
  const r = normalizeDeviceRule(rule, "device policy");
  return { types: r.type === "a" ? TYPE_ANY : r.type === "b" ? TYPE_BLOCK : TYPE_CHAR, major: r.major, minor: r.minor, access: deviceAccessBits(r.access) };
}

/** `a` makes `b` redundant: everything `b` matches, `a` matches too (in either mode). */
function subsumes(a: Exception, b: Exception): boolean {
  return (b.types & ~a.types) === 0 && numberCovers(a.major, b.major) && numberCovers(a.minor, b.minor) && holdsEveryBit(a.access, b.access);
}

function key(...parts: unknown[]): string {
  return parts.map(String).join(":");
}

/**
 * Equivalence-preserving simplification:
 *  - b and c exceptions with the same numbers and access become one exception for both types;
 *  - default allow only: exceptions for the same device merge their access (denial needs ANY
 *    shared bit, so the union denies exactly what the parts deny). Under default deny this
 *    would be wrong: `r` plus `w` must not allow a read-write open;
 *  - an exception another one subsumes is dropped.
 */
function simplifyExceptions(exceptions: readonly Exception[], defaultAllow: boolean): Exception[] {
  let current = exceptions.slice();
  for (let before = Infinity; current.length < before; ) {
    before = current.length;
    if (defaultAllow) current = mergeBy(current, (e) => key(e.types, e.major, e.minor), (a, b) => ({ ...a, access: a.access | b.access }));
    current = mergeBy(current, (e) => key(e.major, e.minor, e.access), (a, b) => ({ ...a, types: a.types | b.types }));
    current = current.filter((e, i) => !current.some((other, j) => j !== i && subsumes(other, e) && (!subsumes(e, other) || j < i)));
  }
  return current;
}

function mergeBy(list: readonly Exception[], keyOf: (e: Exception) => string, merge: (a: Exception, b: Exception) => Exception): Exception[] {
  const byKey = new Map<string, Exception>();
  for (const e of list) {
    const k = keyOf(e);
    const prior = byKey.get(k);
    byKey.set(k, prior ? merge(prior, e) : e);
  }
  return [...byKey.values()];
}

/** One way of testing a sorted run of numbers for membership. */
type Segment =
  | { readonly kind: "eq"; readonly value: number }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number }
  | { readonly kind: "bitmap"; readonly lo: number; readonly hi: number; readonly bits: number };

function rangeCost(lo: number, hi: number): number {
  return (lo > 0 ? 1 : 0) + (hi < U32_MAX ? 1 : 0);
}

/** bounds test(s), `w5 = 1`, `w5 <<= wREG`, `if r5 & bits` */
function bitmapCost(lo: number, hi: number): number {
  return rangeCost(lo, hi) + 3;
}

/** Cheapest cover of a sorted, duplicate-free list of numbers by segments (dynamic programming). */
function encodeSet(values: readonly number[]): Segment[] {
  const n = values.length;
  const best = new Array<number>(n + 1).fill(Infinity);
  const choice = new Array<Segment | undefined>(n + 1);
  const next = new Array<number>(n + 1);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    const lo = values[i]!;
    const consider = (cost: number, segment: Segment, after: number) => {
      if (cost + best[after]! < best[i]!) {
        best[i] = cost + best[after]!;
        choice[i] = segment;
        next[i] = after;
      }
    };
    consider(1, { kind: "eq", value: lo }, i + 1);
    for (let j = i + 1; j < n && values[j] === lo + (j - i); j++) {
      consider(rangeCost(lo, values[j]!), { kind: "range", lo, hi: values[j]! }, j + 1);
    }
    // A bitmap spans [lo, lo + 31], or [0, 31] (no lower bound test) when lo is below 32.
    for (const windowLo of lo < BITMAP_SPAN && lo > 0 ? [lo, 0] : [lo]) {
      const hi = Math.min(windowLo + BITMAP_SPAN - 1, U32_MAX);
      let bits = 1 << (lo % BITMAP_SPAN);
      for (let j = i + 1; j < n && values[j]! <= hi; j++) {
        bits |= 1 << (values[j]! % BITMAP_SPAN);
        consider(bitmapCost(windowLo, hi), { kind: "bitmap", lo: windowLo, hi, bits: bits >>> 0 }, j + 1);
      }
    }
  }
  const out: Segment[] = [];
  for (let i = 0; i < n; i = next[i]!) out.push(choice[i]!);
  return out;
}

/** Tests under one type+access guard. */
interface Group {
  readonly types: number;
  readonly access: number;
  /** Some exception in the group has `*:*`: the guard alone decides. */
  readonly unconditional: boolean;
  /** Majors whose every minor matches (`M:*`). */
  readonly anyMinorMajors: number[];
  /** Minors matching under any major (`*:m`). */
  readonly anyMajorMinors: number[];
  /** Sets of majors sharing one set of minors. */
  readonly pairs: { majors: number[]; minors: number[] }[];
}

function buildGroups(exceptions: readonly Exception[]): Group[] {
  const byGuard = new Map<string, Exception[]>();
  for (const e of exceptions) {
    const k = key(e.types, e.access);
    byGuard.set(k, [...(byGuard.get(k) ?? []), e]);
  }
  const sorted = (s: Iterable<number>) => [...new Set(s)].sort((a, b) => a - b);
  return [...byGuard.values()].map((members) => {
    const first = members[0]!;
    const anyMinorMajors = sorted(members.filter((e) => e.major !== "*" && e.minor === "*").map((e) => e.major as number));
    const anyMajorMinors = sorted(members.filter((e) => e.major === "*" && e.minor !== "*").map((e) => e.minor as number));
    const minorsOf = new Map<number, number[]>();
    for (const e of members) {
      if (e.major === "*" || e.minor === "*") continue;
      if (anyMinorMajors.includes(e.major) || anyMajorMinors.includes(e.minor)) continue; // covered already
      minorsOf.set(e.major, [...(minorsOf.get(e.major) ?? []), e.minor]);
    }
    const bySet = new Map<string, { majors: number[]; minors: number[] }>();
    for (const [major, minors] of [...minorsOf].sort((a, b) => a[0] - b[0])) {
      const set = sorted(minors);
      const k = set.join(",");
      const entry = bySet.get(k);
      if (entry) entry.majors.push(major);
      else bySet.set(k, { majors: [major], minors: set });
    }
    return {
      types: first.types,
      access: first.access,
      unconditional: members.some((e) => e.major === "*" && e.minor === "*"),
      anyMinorMajors,
      anyMajorMinors,
      pairs: [...bySet.values()],
    };
  });
}

const TYPE_LETTER = (types: number) => (types === TYPE_ANY ? "a" : types === TYPE_BLOCK ? "b" : "c");

/** Emits membership tests for one register. */
class Emitter {
  constructor(readonly asm: Assembler) {}

  /**
   * Test `reg` against a set of numbers.
   * `fallOnMember` false: jump to `member` when in the set, fall through when not.
   * `fallOnMember` true: fall through when in the set, jump to `nonMember` when not.
   */
  membership(reg: number, values: readonly number[], what: string, member: Label, nonMember: Label, fallOnMember: boolean): void {
    const segments = encodeSet(values);
    if (!fallOnMember) {
      for (const s of segments) this.segmentJumpOnMember(reg, s, member, what);
      return;
    }
    // Invert the last segment; a bitmap cannot be inverted cheaply, so prefer another one last.
    const lastIndex = segments.map((s) => s.kind !== "bitmap").lastIndexOf(true);
    const ordered = lastIndex < 0 ? segments : [...segments.slice(0, lastIndex), ...segments.slice(lastIndex + 1), segments[lastIndex]!];
    const inside = this.asm.label(`${what}.in`);
    ordered.forEach((s, i) => {
      if (i < ordered.length - 1) this.segmentJumpOnMember(reg, s, inside, what);
      else if (s.kind === "eq") this.asm.jumpImm("!=", reg, s.value, nonMember, `${what} != ${s.value}`);
      else if (s.kind === "range") this.rangeOutside(reg, s.lo, s.hi, nonMember, what);
      else {
        this.segmentJumpOnMember(reg, s, inside, what);
        this.asm.jump(nonMember);
      }
    });
    this.asm.place(inside);
  }

  private rangeOutside(reg: number, lo: number, hi: number, target: Label, what: string): void {
    if (lo > 0) this.asm.jumpImm("<", reg, lo, target, `${what} < ${lo}`);
    if (hi < U32_MAX) this.asm.jumpImm(">", reg, hi, target, `${what} > ${hi}`);
  }

  private segmentJumpOnMember(reg: number, s: Segment, member: Label, what: string): void {
    if (s.kind === "eq") {
      this.asm.jumpImm("==", reg, s.value, member, `${what} == ${s.value}`);
      return;
    }
    if (s.kind === "range") {
      if (s.lo === 0 && s.hi === U32_MAX) return this.asm.jump(member);
      if (s.lo === 0) return this.asm.jumpImm("<=", reg, s.hi, member, `${what} in 0..${s.hi}`);
      if (s.hi === U32_MAX) return this.asm.jumpImm(">=", reg, s.lo, member, `${what} >= ${s.lo}`);
      const skip = this.asm.label(`${what}.skip`);
      this.asm.jumpImm("<", reg, s.lo, skip, `${what} in ${s.lo}..${s.hi}`);
      this.asm.jumpImm("<=", reg, s.hi, member);
      this.asm.place(skip);
      return;
    }
    // Bitmap: the window holds 32 consecutive numbers, so `n mod 32` is unique within it, and a
    // 32-bit shift by a register uses the low 5 bits of the amount (BPF ISA, RFC 9669 4.1).
    const skip = this.asm.label(`${what}.skip`);
    this.rangeOutside(reg, s.lo, s.hi, skip, `${what} bitmap ${s.lo}..${s.hi}`);
    this.asm.alu32Imm("=", R_SCRATCH, 1);
    this.asm.alu32Reg("<<=", R_SCRATCH, reg);
    this.asm.jumpImm("&", R_SCRATCH, s.bits, member, `${what} in {${bitmapMembers(s)}}`);
    this.asm.place(skip);
  }
}

function bitmapMembers(s: Extract<Segment, { kind: "bitmap" }>): string {
  const out: number[] = [];
  for (let n = s.lo; n <= s.hi; n++) if ((s.bits >>> (n % BITMAP_SPAN)) & 1) out.push(n);
  return out.join(",");
}

/**
 * Compile a device policy into an eBPF program for `BPF_PROG_TYPE_CGROUP_DEVICE`: returns 1
 * (allow) or 0 (deny), and decides exactly as `policy.allows` does for every type, major,
 * minor and non-empty access (the kernel always asks for at least one of r, w, m), including
 * requests for several access bits at once. A request type or access bit the kernel does not
 * define is denied by a default-deny program. Rules are validated first.
 * @throws InvalidValueError for a malformed rule or policy.
 * @beta
 */
export function compileDeviceFilter(policy: DeviceFilterPolicy): CompiledDeviceFilter {
  if (typeof policy !== "object" || policy === null || typeof policy.defaultAllow !== "boolean" || !Array.isArray(policy.exceptions)) {
    throw new InvalidValueError("device policy", policy, "expected { defaultAllow: boolean, exceptions: DeviceRule[] }");
  }
  const defaultAllow = policy.defaultAllow;
  const exceptions = simplifyExceptions(policy.exceptions.map(toException), defaultAllow);
  const asm = new Assembler();
  const hitValue = defaultAllow ? 0 : 1;
  const missValue = 1 - hitValue;
  const verdict = (v: number) => (v === 1 ? "allow" : "deny");

  // In default deny the guard test holds everything, so the access test is never separate.
  const needsAccessTest = (g: Group) => defaultAllow && g.access !== DEVICE_ACCESS_ALL;
  const groups = buildGroups(exceptions).sort((a, b) => {
    // An unconditional group that jumps straight to "hit" goes last, where it falls into it.
    const tail = (g: Group) => (g.unconditional && !needsAccessTest(g) ? 1 : 0);
    return tail(a) - tail(b);
  });

  if (groups.length === 0) {
    asm.alu32Imm("=", 0, missValue, `no exception: ${verdict(missValue)} everything`);
    asm.exit();
    return finish(asm, exceptions.length);
  }

  const usesMajor = groups.some((g) => !g.unconditional && (g.anyMinorMajors.length > 0 || g.pairs.length > 0));
  const usesMinor = groups.some((g) => !g.unconditional && (g.anyMajorMinors.length > 0 || g.pairs.length > 0));
  const usesAccessType = groups.some((g) => !defaultAllow || g.types !== TYPE_ANY || needsAccessTest(g));
  if (usesAccessType) asm.loadWord(R_ACCESS_TYPE, R_CTX, DEVCG.OFF_ACCESS_TYPE, "access_type = (access << 16) | type");
  if (usesMajor) asm.loadWord(R_MAJOR, R_CTX, DEVCG.OFF_MAJOR, "major");
  if (usesMinor) asm.loadWord(R_MINOR, R_CTX, DEVCG.OFF_MINOR, "minor");

  const hit = asm.label("hit");
  const emit = new Emitter(asm);
  let fallsIntoHit = false;
  let lastNext: Label | undefined;

  groups.forEach((g, gi) => {
    const isLast = gi === groups.length - 1;
    const next = asm.label(`g${gi}.next`);
    const guardName = `${TYPE_LETTER(g.types)} ${deviceAccessLetters(g.access)}`;
    if (!defaultAllow) {
      // Reject a type other than the group's, and any requested bit outside the group's access
      // (unknown type or access bits from a future kernel fail too: fail closed).
      const mask = (((0xffff & ~g.access) << DEVCG.ACCESS_SHIFT) | (0xffff & ~g.types)) >>> 0;
      asm.jumpImm("&", R_ACCESS_TYPE, mask, next, `group ${guardName}: wrong type or access outside "${deviceAccessLetters(g.access)}"`);
    } else if (g.types !== TYPE_ANY) {
      asm.jumpImm("&", R_ACCESS_TYPE, 0xffff & ~g.types, next, `group ${guardName}: not ${TYPE_LETTER(g.types)}`);
    }
    const accessTest = needsAccessTest(g) ? asm.label(`g${gi}.access`) : undefined;
    const success = accessTest ?? hit;
    // The success target directly follows this group's tests when it is the access test, or
    // "hit" after the last group: then the final test is inverted to fall into it.
    const successFollows = accessTest !== undefined || isLast;

    if (g.unconditional) {
      if (!successFollows) asm.jump(success, `group ${guardName}: *:*`);
    } else {
      type Item = (last: boolean) => void;
      const items: Item[] = [];
      if (g.anyMinorMajors.length > 0) {
        items.push((last) => emit.membership(R_MAJOR, g.anyMinorMajors, "major", success, next, last && successFollows));
      }
      if (g.anyMajorMinors.length > 0) {
        items.push((last) => emit.membership(R_MINOR, g.anyMajorMinors, "minor", success, next, last && successFollows));
      }
      // Pairs come last: once a pair's majors matched, no later item can match (majors are
      // distinct between pairs and every other item was tested before), so in a long chain a
      // failed minor test leaves the group at once. Falling into the next pair's major test
      // instead saves a jump but lets the verifier walk the rest of the chain again for every
      // pair (its processed-instruction count grows with the square of the chain).
      const exitEarly = g.pairs.length > PAIR_CHAIN_LIMIT;
      for (const pair of g.pairs) {
        items.push((last) => {
          const invert = last && successFollows;
          const after = invert ? next : asm.label("pair.next");
          emit.membership(R_MAJOR, pair.majors, "major", success, after, true);
          if (exitEarly && !last) {
            emit.membership(R_MINOR, pair.minors, "minor", success, next, true);
            asm.jump(success);
          } else {
            emit.membership(R_MINOR, pair.minors, "minor", success, next, invert);
          }
          if (!invert) asm.place(after);
        });
      }
      items.forEach((item, i) => item(i === items.length - 1));
    }
    if (accessTest) {
      asm.place(accessTest);
      asm.jumpImm("&", R_ACCESS_TYPE, (g.access << DEVCG.ACCESS_SHIFT) >>> 0, hit, `group ${guardName}: shares an access bit`);
    }
    if (isLast) {
      fallsIntoHit = accessTest === undefined;
      lastNext = next;
    } else {
      asm.place(next);
    }
  });

  const miss = lastNext!;
  const emitHit = () => {
    asm.place(hit);
    asm.alu32Imm("=", 0, hitValue, `an exception matched: ${verdict(hitValue)}`);
    asm.exit();
  };
  const emitMiss = () => {
    asm.place(miss);
    asm.alu32Imm("=", 0, missValue, `no exception matched: ${verdict(missValue)}`);
    asm.exit();
  };
  if (fallsIntoHit) {
    emitHit();
    emitMiss();
  } else {
    emitMiss();
    emitHit();
  }
  return finish(asm, exceptions.length);
}

function finish(asm: Assembler, effectiveExceptions: number): CompiledDeviceFilter {
  const { insns, lines } = asm.assemble();
  return {
    instructions: insns,
    bytecode: encodeInsns(insns),
    listing: lines.join("\n"),
    count: insns.length,
    effectiveExceptions,
  };
}

/** The two-instruction program that denies every device access. @beta */
export function compileDenyAll(): CompiledDeviceFilter {
  return compileDeviceFilter({ defaultAllow: false, exceptions: [] });
}
