// The compiled device filter decides exactly as DevicePolicy.allows, checked exhaustively over
// every type, every non-empty access subset and a number domain that exercises every test the
// compiler emits (named numbers, their neighbours, bitmap window edges, 0 and 2^32-1).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDeviceFilter, compileDenyAll } from "../../src/devices/ebpf/compile.js";
import { BPF } from "../../src/devices/ebpf/insn.js";
import { deviceFilterContext, runDeviceFilter } from "../../src/devices/ebpf/interpret.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { devicePreset } from "../../src/devices/presets.js";
import type { DeviceRule } from "../../src/runtime/device-rule.js";
import { InvalidValueError } from "../../src/runtime/errors.js";

const TYPES = ["b", "c"] as const;
const ACCESSES = ["r", "w", "m", "rw", "rm", "wm", "rwm"] as const;
const U32_MAX = 0xffff_ffff;
const SPECIAL = [0, 1, 31, 32, 63, 64, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, U32_MAX];

/** Numbers that reach every branch the compiler can emit for these named numbers. */
function domain(named: Iterable<number>, offsets: readonly number[] = [-32, -31, -1, 0, 1, 31, 32]): number[] {
  const out = new Set<number>(SPECIAL);
  for (const n of named) for (const d of offsets) if (n + d >= 0 && n + d <= U32_MAX) out.add(n + d);
  return [...out].sort((a, b) => a - b);
}

function numbersOf(rules: readonly DeviceRule[], field: "major" | "minor"): number[] {
  return rules.flatMap((r) => (r[field] === "*" ? [] : [r[field]]));
}

/** Every disagreement between the program and the policy over the domain (empty when none). */
function disagreements(policy: DevicePolicy, offsets?: readonly number[], limit = 5): string[] {
  const program = compileDeviceFilter(policy);
  const majors = domain(numbersOf(policy.exceptions, "major"), offsets);
  const minors = domain(numbersOf(policy.exceptions, "minor"), offsets);
  // The policy refuses 2^32-1 (the kernel's `*`, no device has it); exceptions only compare
  // numbers for equality, so any number none of them names stands in for it.
  const unnamed = (named: number[]) => {
    let n = 0;
    while (named.includes(n)) n++;
    return n;
  };
  const majorStandIn = unnamed(numbersOf(policy.exceptions, "major"));
  const minorStandIn = unnamed(numbersOf(policy.exceptions, "minor"));
  const bad: string[] = [];
  for (const type of TYPES) {
    for (const access of ACCESSES) {
      for (const major of majors) {
        for (const minor of minors) {
          const want = policy.allows(type, major === U32_MAX ? majorStandIn : major, minor === U32_MAX ? minorStandIn : minor, access);
          const got = runDeviceFilter(program.instructions, deviceFilterContext(type, access, major, minor));
          if (got !== 0 && got !== 1) bad.push(`${type} ${major}:${minor} ${access}: returned ${got}`);
          else if ((got === 1) !== want) bad.push(`${type} ${major}:${minor} ${access}: program ${got ? "allows" : "denies"}, policy ${want ? "allows" : "denies"}`);
          if (bad.length >= limit) return bad;
        }
      }
    }
  }
  return bad;
}

const rule = (type: "b" | "c", major: number | "*", minor: number | "*", access: string): DeviceRule => ({ type, major, minor, access });

describe("compileDeviceFilter: presets", () => {
  for (const name of ["libvirt-lxc", "container"] as const) {
    it(`${name}: every decision equals DevicePolicy.allows`, () => {
      expect(disagreements(devicePreset(name))).toEqual([]);
    });
  }

  it("libvirt-lxc: allows exactly null, zero, full, console, random, urandom", () => {
    const { instructions } = compileDeviceFilter(devicePreset("libvirt-lxc"));
    const run = (type: "b" | "c", major: number, minor: number, access: string) => runDeviceFilter(instructions, deviceFilterContext(type, access, major, minor));
    for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [5, 1], [1, 8], [1, 9]] as const) {
      expect(run("c", major, minor, "rw")).toBe(1);
      expect(run("c", major, minor, "m")).toBe(1);
      expect(run("b", major, minor, "r")).toBe(0);
    }
    expect(run("c", 1, 11, "r")).toBe(0); // kmsg
    expect(run("c", 1, 4, "r")).toBe(0); // a gap inside the 3..9 run
    expect(run("b", 7, 0, "r")).toBe(0); // loop0
    expect(run("c", 1, 3 + 32, "r")).toBe(0); // same bit position in a 32-bit map, outside it
  });

  it("container: mknod of any device, no open of one outside the list", () => {
    const { instructions } = compileDeviceFilter(devicePreset("container"));
    const run = (type: "b" | "c", major: number, minor: number, access: string) => runDeviceFilter(instructions, deviceFilterContext(type, access, major, minor));
    expect(run("b", 8, 0, "m")).toBe(1);
    expect(run("c", 4242, 7, "m")).toBe(1);
    expect(run("b", 8, 0, "r")).toBe(0);
    expect(run("b", 8, 0, "rm")).toBe(0);
    expect(run("c", 136, 12345, "rw")).toBe(1);
    expect(run("c", 5, 2, "rw")).toBe(1);
    expect(run("c", 5, 3, "rw")).toBe(0);
  });

  it("is much smaller than a one-block-per-rule generator", () => {
    // runc/crun: 6 prologue + per rule (type 1, access 3 unless rwm, major 1, minor 1, return 2) + 2.
    expect(compileDeviceFilter(devicePreset("libvirt-lxc")).count).toBeLessThanOrEqual(15); // runc: 38
    expect(compileDeviceFilter(devicePreset("container")).count).toBeLessThanOrEqual(18); // runc: 59
  });
});

/** A 100-exception default-deny policy shaped like device passthrough (GPUs, DRI, disks, USB serial). */
function passthroughPolicy(): DevicePolicy {
  const rules: string[] = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm"];
  rules.push("c 136:* rwm", "c 10:200 rwm", "c 10:229 rwm", "c *:* m", "b *:* m", "c 195:254 rw", "c 195:255 rw", "c 235:* rw");
  for (let i = 0; i < 16; i++) rules.push(`c 195:${i} rw`);
  for (let i = 0; i < 8; i++) rules.push(`c 226:${i} rw`, `c 226:${128 + i} rw`);
  for (let i = 0; i < 12; i++) rules.push(`b 8:${i * 16} rw`);
  for (let i = 0; i < 8; i++) rules.push(`b 259:${i} r`, `c 4:${i} rw`);
  for (let i = 0; rules.length < 100; i++) rules.push(`c 188:${i} rw`);
  return DevicePolicy.fromState(false, rules);
}

describe("compileDeviceFilter: a 100-exception policy", () => {
  it("is exact and a fraction of a one-block-per-rule program", () => {
    const policy = passthroughPolicy();
    expect(policy.exceptions).toHaveLength(100);
    const { count } = compileDeviceFilter(policy);
    expect(runcStyleCount(policy)).toBe(769);
    expect(count).toBeLessThanOrEqual(60); // 51 when written
    expect(disagreements(policy)).toEqual([]);
  });
});

describe("compileDeviceFilter: partial access", () => {
  it("default deny: read+write against a read-only exception is denied; against r and w exceptions of other devices too", () => {
    const policy = DevicePolicy.fromState(false, ["c 1:3 r", "c 1:5 w", "c 1:7 rw"]);
    const { instructions } = compileDeviceFilter(policy);
    const run = (minor: number, access: string) => runDeviceFilter(instructions, deviceFilterContext("c", access, 1, minor));
    expect(run(3, "r")).toBe(1);
    expect(run(3, "rw")).toBe(0);
    expect(run(3, "w")).toBe(0);
    expect(run(5, "w")).toBe(1);
    expect(run(5, "rw")).toBe(0);
    expect(run(7, "rw")).toBe(1);
    expect(run(7, "rwm")).toBe(0);
    expect(disagreements(policy)).toEqual([]);
  });

  it("default allow: a request sharing any bit with a deny exception is denied (runc's subset test would allow it)", () => {
    const policy = DevicePolicy.fromState(true, ["c 1:3 w", "b 8:* rm"]);
    const { instructions } = compileDeviceFilter(policy);
    expect(runDeviceFilter(instructions, deviceFilterContext("c", "rw", 1, 3))).toBe(0);
    expect(runDeviceFilter(instructions, deviceFilterContext("c", "r", 1, 3))).toBe(1);
    expect(runDeviceFilter(instructions, deviceFilterContext("b", "w", 8, 1))).toBe(1);
    expect(runDeviceFilter(instructions, deviceFilterContext("b", "rw", 8, 1))).toBe(0);
    expect(disagreements(policy)).toEqual([]);
  });
});

describe("compileDeviceFilter: shapes", () => {
  it("deny-all and allow-all are two instructions", () => {
    const deny = compileDenyAll();
    expect(deny.count).toBe(2);
    expect(deny.listing).toMatch(/w0 = 0/);
    const allow = compileDeviceFilter(DevicePolicy.allowAll());
    expect(allow.count).toBe(2);
    expect(runDeviceFilter(allow.instructions, deviceFilterContext("b", "rwm", 8, 0))).toBe(1);
    expect(runDeviceFilter(deny.instructions, deviceFilterContext("c", "r", 1, 3))).toBe(0);
  });

  it("an `a *:* rwm` exception (the compiler's input shape allows it) means everything", () => {
    const all: DeviceRule = { type: "a", major: "*", minor: "*", access: "rwm" };
    const everything = compileDeviceFilter({ defaultAllow: false, exceptions: [rule("c", 1, 3, "r"), all] });
    const nothing = compileDeviceFilter({ defaultAllow: true, exceptions: [all, rule("b", 8, 0, "w")] });
    for (const type of TYPES) {
      for (const access of ACCESSES) {
        for (const [major, minor] of [[0, 0], [1, 3], [8, 0], [0xffff_fffe, 7]] as const) {
          expect(runDeviceFilter(everything.instructions, deviceFilterContext(type, access, major, minor))).toBe(1);
          expect(runDeviceFilter(nothing.instructions, deviceFilterContext(type, access, major, minor))).toBe(0);
        }
      }
    }
    expect(nothing.count).toBe(2);
  });

  it("numbers at and above 2^31 use 32-bit jumps and still compare exactly", () => {
    const policy = DevicePolicy.fromState(false, [rule("c", 0x8000_0000, 0xffff_fffe, "r"), rule("b", 0x7fff_ffff, "*", "w")]);
    const program = compileDeviceFilter(policy);
    expect(program.instructions.some((i) => (i.code & 0x07) === BPF.JMP32)).toBe(true);
    expect(disagreements(policy)).toEqual([]);
  });

  it("dense minors become ranges and bitmaps, and stay exact", () => {
    const minors = [0, 1, 2, 3, 4, 5, 9, 11, 12, 17, 20, 23, 30, 31, 40, 41, 42, 43, 44, 45, 46, 100, 133, 140, 150, 160];
    const policy = DevicePolicy.fromState(false, minors.map((m) => rule("c", 4, m, "rw")));
    const program = compileDeviceFilter(policy);
    expect(program.count).toBeLessThan(minors.length); // one test per minor would already exceed it
    expect(program.listing).toMatch(/<<=/); // a bitmap test is in there
    expect(disagreements(policy)).toEqual([]);
  });

  it("long chains of majors (each with its own minors) stay exact in both defaults", () => {
    const rules: DeviceRule[] = [];
    for (let major = 1; major <= 16; major++) {
      rules.push(rule("c", major, major % 5, "rw"), rule("c", major, 100 + major, "rw"));
      if (major % 3 === 0) rules.push(rule("b", major, 7, "r"));
    }
    rules.push(rule("c", "*", 64, "rw"), rule("c", 99, "*", "rw"));
    for (const defaultAllow of [false, true]) {
      const policy = DevicePolicy.fromState(defaultAllow, rules);
      expect(disagreements(policy)).toEqual([]);
    }
  });

  it("one listing line per instruction, with the encoded bytes to match", () => {
    const program = compileDeviceFilter(devicePreset("container"));
    expect(program.listing.split("\n")).toHaveLength(program.count);
    expect(program.bytecode.length).toBe(program.count * 8);
    expect(program.instructions).toHaveLength(program.count);
  });

  it("refuses a malformed rule before anything else", () => {
    const bad = { defaultAllow: false, exceptions: [{ type: "c", major: 1, minor: 3, access: "rx" } as unknown as DeviceRule] };
    expect(() => compileDeviceFilter(bad)).toThrow(InvalidValueError);
    expect(() => compileDeviceFilter({ defaultAllow: "no" } as never)).toThrow(InvalidValueError);
    const outOfRange = { defaultAllow: false, exceptions: [rule("c", U32_MAX, 1, "r")] };
    expect(() => compileDeviceFilter(outOfRange)).toThrow(/major/);
  });
});

// Random policies: numbers drawn from a small pool so that rules share majors and minors, with
// wildcards, both defaults, and every access subset.
const POOL = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 31, 32, 33, 35, 136, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe];
const numberArb = fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 4, arbitrary: fc.constantFrom(...POOL) });
const accessArb = fc.constantFrom(...ACCESSES);
const ruleArb = fc.record({ type: fc.constantFrom("b" as const, "c" as const), major: numberArb, minor: numberArb, access: accessArb });
const policyArb = fc
  .tuple(fc.boolean(), fc.uniqueArray(ruleArb, { maxLength: 10, selector: (r) => `${r.type} ${r.major}:${r.minor}` }))
  .map(([defaultAllow, exceptions]) => DevicePolicy.fromState(defaultAllow, exceptions));

// Dense: one or two majors, many nearby minors (ranges and bitmaps), few access variants.
const denseRuleArb = fc.record({
  type: fc.constant("c" as const),
  major: fc.constantFrom(1, 2, "*" as const),
  minor: fc.oneof({ weight: 1, arbitrary: fc.constant("*" as const) }, { weight: 12, arbitrary: fc.integer({ min: 0, max: 80 }) }),
  access: fc.constantFrom("rw" as const, "rwm" as const, "m" as const),
});
const densePolicyArb = fc
  .tuple(fc.boolean(), fc.uniqueArray(denseRuleArb, { maxLength: 40, selector: (r) => `${r.major}:${r.minor}` }))
  .map(([defaultAllow, exceptions]) => DevicePolicy.fromState(defaultAllow, exceptions));

describe("compileDeviceFilter: random policies", () => {
  it("decides exactly as DevicePolicy.allows (sparse numbers, wildcards, both defaults)", () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        expect(disagreements(policy)).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });

  it("decides exactly as DevicePolicy.allows (dense minors: ranges and bitmaps)", () => {
    fc.assert(
      fc.property(densePolicyArb, (policy) => {
        expect(disagreements(policy)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("never emits more than a one-block-per-rule generator would", () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        expect(compileDeviceFilter(policy).count).toBeLessThanOrEqual(runcStyleCount(policy));
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * What runc's devicefilter.go (and crun's ebpf.c, which has the same block shape) emits for a
 * policy's exceptions, from reading its algorithm: 6 prologue instructions (two loads of
 * access_type with and/shift, loads of major and minor), then per rule 1 type test, 3 for an
 * access test unless the rule is rwm, 1 per non-wildcard number and a 2-instruction return;
 * finally a 2-instruction default return.
 */
function runcStyleCount(policy: DevicePolicy): number {
  let count = 6 + 2;
  for (const r of policy.exceptions) count += 1 + (r.access === "rwm" ? 0 : 3) + (r.major === "*" ? 0 : 1) + (r.minor === "*" ? 0 : 1) + 2;
  return count;
}
