import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEVICE_NUMBER_MAX, formatDeviceRule, normalizeDeviceRule, parseDeviceRule, type DeviceRule } from "../../src/runtime/device-rule.js";
import { InvalidValueError } from "../../src/runtime/errors.js";

const number = fc.oneof(fc.constant("*" as const), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: DEVICE_NUMBER_MAX }));
const accessLetters = fc.subarray(["r", "w", "m"], { minLength: 1 }).chain((letters) => fc.shuffledSubarray(letters, { minLength: letters.length }));
const typedRule = fc.record({
  type: fc.constantFrom("b" as const, "c" as const),
  major: number,
  minor: number,
  access: accessLetters.map((l) => l.join("")),
});

function canonical(access: string): string {
  return [..."rwm"].filter((l) => access.includes(l)).join("");
}

function refusal(text: unknown, file = "devices.allow"): InvalidValueError {
  try {
    parseDeviceRule(text as string, file);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidValueError);
    const e = err as InvalidValueError;
    expect(e.file).toBe(file);
    expect(e.value).toBe(text);
    expect(e.message).toContain(file);
    return e;
  }
  throw new Error(`parse accepted ${JSON.stringify(text)}`);
}

describe("parseDeviceRule / formatDeviceRule", () => {
  it("reads the kernel's forms", () => {
    expect(parseDeviceRule("c 1:3 rwm")).toEqual({ type: "c", major: 1, minor: 3, access: "rwm" });
    expect(parseDeviceRule("b 8:* r")).toEqual({ type: "b", major: 8, minor: "*", access: "r" });
    expect(parseDeviceRule("c *:* m")).toEqual({ type: "c", major: "*", minor: "*", access: "m" });
    expect(parseDeviceRule("a")).toEqual({ type: "a", major: "*", minor: "*", access: "rwm" });
    expect(parseDeviceRule("a *:* rwm")).toEqual({ type: "a", major: "*", minor: "*", access: "rwm" });
    // The kernel documentation's own example writes the letters out of order.
    expect(parseDeviceRule("c 1:3 mr")).toEqual({ type: "c", major: 1, minor: 3, access: "rm" });
    expect(parseDeviceRule(`c ${DEVICE_NUMBER_MAX}:0 w`).major).toBe(4294967294);
  });

  it("round-trips every valid rule object (format then parse), in canonical access order", () => {
    fc.assert(
      fc.property(typedRule, (rule) => {
        const text = formatDeviceRule(rule);
        expect(text).toBe(`${rule.type} ${rule.major}:${rule.minor} ${canonical(rule.access)}`);
        expect(parseDeviceRule(text)).toEqual({ ...rule, access: canonical(rule.access) });
        expect(formatDeviceRule(parseDeviceRule(text))).toBe(text);
      }),
      { seed: 1, numRuns: 500 },
    );
    expect(formatDeviceRule({ type: "a", major: "*", minor: "*", access: "rwm" })).toBe("a *:* rwm");
    expect(parseDeviceRule(formatDeviceRule(parseDeviceRule("a")))).toEqual(parseDeviceRule("a"));
  });

  it("refuses what the kernel would misread or silently change, with the reason", () => {
    const cases: Array<[string, RegExp]> = [
      ["c 4294967295:1 r", /how the kernel stores \*/], // the kernel stores it as * (checked on the live kernel)
      ["c 1:4294967295 r", /how the kernel stores \*/],
      ["c 4294967296:1 r", /out of range/],
      ["c 99999999999:1 r", /out of range/],
      ["c 01:3 r", /leading zero/],
      ["c 1:3 rr", /repeated/],
      ["c 1:3 rwmx", /unknown access letter "x"/], // the kernel ignores letters after the third
      ["c 1:3 rwmr", /repeated/],
      ["c 1:3 ", /exactly one space/],
      ["c 1:3", /field/],
      ["c 1:3 r\n", /newline/],
      ["c 1:3\nr", /newline/],
      ["c 1:3 r\0", /newline or NUL/],
      [" c 1:3 r", /exactly one space/],
      ["c  1:3 r", /exactly one space/],
      ["c\t1:3\tr", /field/],
      ["d 1:3 r", /unknown device type/],
      ["c 1:3:4 r", /MAJOR:MINOR/],
      ["c -1:3 r", /decimal number/],
      ["c 1.5:3 r", /decimal number/],
      ["c 0x10:3 r", /decimal number/],
      ["c :3 r", /decimal number/],
      ["c 1:3 R", /unknown access letter/],
      ["a 1:2 r", /type "a"/], // the kernel reads any "a..." as all devices
      ["a *:* r", /type "a"/],
      ["ab", /field/],
      ["", /field/],
    ];
    for (const [text, reason] of cases) expect(refusal(text).reason, text).toMatch(reason);
    refusal(42 as unknown as string);
  });

  it("accepts exactly the strict grammar on random text", () => {
    const strict = /^(?:a|a \*:\* rwm|[bc] (?:\*|0|[1-9][0-9]{0,9}):(?:\*|0|[1-9][0-9]{0,9}) (?!.*(.).*\1)[rwm]{1,3})$/;
    const inRange = (text: string) => text.split(/[ :]/).slice(1, 3).every((n) => n === "*" || Number(n) <= DEVICE_NUMBER_MAX);
    const alphabet = fc.constantFrom(..."abcd rwmx*:0123456789\n\t".split(""));
    const nearRules = fc.oneof(
      fc.array(alphabet, { maxLength: 14 }).map((a) => a.join("")),
      fc
        .tuple(
          fc.oneof({ arbitrary: fc.constantFrom("b", "c"), weight: 6 }, { arbitrary: fc.constantFrom("a", "x", "B"), weight: 1 }),
          fc.oneof({ arbitrary: fc.constant(" "), weight: 8 }, { arbitrary: fc.constantFrom("  ", "\t", ""), weight: 1 }),
          fc.oneof({ arbitrary: number.map(String), weight: 8 }, { arbitrary: fc.constantFrom("01", "-1", "4294967295", "", "**"), weight: 1 }),
          fc.oneof({ arbitrary: fc.constant(":"), weight: 8 }, { arbitrary: fc.constantFrom("::", " ", ""), weight: 1 }),
          fc.oneof({ arbitrary: number.map(String), weight: 8 }, { arbitrary: fc.constantFrom("00", "+1", "4294967296", ""), weight: 1 }),
          fc.oneof({ arbitrary: fc.constant(" "), weight: 8 }, { arbitrary: fc.constantFrom("", "\n", "  "), weight: 1 }),
          fc.oneof({ arbitrary: accessLetters.map((l) => l.join("")), weight: 6 }, { arbitrary: fc.string({ maxLength: 4 }), weight: 2 }),
        )
        .map((parts) => parts.join("")),
    );
    let acceptedCount = 0;
    let refusedCount = 0;
    fc.assert(
      fc.property(nearRules, (text) => {
        const expected = strict.test(text) && inRange(text);
        if (expected) acceptedCount++;
        else refusedCount++;
        let accepted = true;
        try {
          parseDeviceRule(text, "devices.deny");
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidValueError);
          accepted = false;
        }
        expect(accepted, JSON.stringify(text)).toBe(expected);
      }),
      { seed: 2, numRuns: 3000 },
    );
    // The generator must exercise both sides of the grammar.
    expect(acceptedCount).toBeGreaterThan(100);
    expect(refusedCount).toBeGreaterThan(1000);
  });

  it("validates rule objects before formatting", () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ type: "c", major: 1, minor: 3, access: "" }, /empty/],
      [{ type: "c", major: 1, minor: 3, access: "rwx" }, /unknown access letter/],
      [{ type: "c", major: 1, minor: 3, access: "rr" }, /repeated/],
      [{ type: "c", major: -1, minor: 3, access: "r" }, /major/],
      [{ type: "c", major: 1.5, minor: 3, access: "r" }, /major/],
      [{ type: "c", major: 1, minor: 4294967295, access: "r" }, /minor/],
      [{ type: "c", major: "1", minor: 3, access: "r" }, /major/],
      [{ type: "x", major: 1, minor: 3, access: "r" }, /type/],
      [{ type: "a", major: 1, minor: "*", access: "rwm" }, /type "a"/],
      [{ type: "a", major: "*", minor: "*", access: "r" }, /type "a"/],
      [null, /object/],
    ];
    for (const [rule, reason] of bad) {
      let error: unknown;
      try {
        formatDeviceRule(rule as DeviceRule, "devices.allow");
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(rule)).toBeInstanceOf(InvalidValueError);
      expect((error as InvalidValueError).reason).toMatch(reason);
      expect((error as InvalidValueError).file).toBe("devices.allow");
    }
    expect(normalizeDeviceRule({ type: "b", major: 8, minor: "*", access: "mwr" })).toEqual({ type: "b", major: 8, minor: "*", access: "rwm" });
  });
});
