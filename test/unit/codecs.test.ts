// Property tests: every codec round-trips what it writes, and only ever fails with typed errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Codec } from "../../src/runtime/codec.js";
import { codecNames, codecs } from "../../src/runtime/codecs/index.js";
import type { DeviceRule } from "../../src/runtime/device-rule.js";
import { InvalidValueError, ParseError } from "../../src/runtime/errors.js";

const U64_MAX = 2n ** 64n - 1n;
const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;
const V1_UNLIMITED = 9223372036854771712n;

// Any codec, typed loosely: the tests feed it values of the wrong type on purpose.
type AnyCodec = Codec<unknown, unknown>;
const loose = (c: Codec<never, never> | Codec<unknown, never>): AnyCodec => c as unknown as AnyCodec;

const u64Arb = fc.bigInt({ min: 0n, max: U64_MAX });
const limitArb = fc.oneof(fc.constant("max" as const), u64Arb);
const keyArb = fc.stringMatching(/^[a-z][a-z0-9_.]{0,15}$/);
const deviceArb = fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 1048575 })).map(([a, b]) => `${a}:${b}`);
/** A token safe inside a keyed line: printable ASCII without space or '='. */
const tokenArb = fc.string({ unit: fc.constantFrom(..."abcxyz09_.:-+/[]()%#ÿ"), minLength: 1, maxLength: 12 });
const oneLineArb = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !/[\n\r\0]/.test(s));
/** Plain decimals the "number" kind writes without exponent notation. */
const numberArb = fc
  .oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -99999, max: 99999 }).map((n) => n / 100), fc.double({ min: -1e12, max: 1e12, noNaN: true }))
  .map((n) => (Object.is(n, -0) ? 0 : n))
  .filter((n) => !String(n).includes("e"));
const ruleArb: fc.Arbitrary<DeviceRule> = fc.record({
  type: fc.constantFrom("b" as const, "c" as const),
  major: fc.oneof(fc.constant("*" as const), fc.integer({ min: 0, max: 4294967294 })),
  minor: fc.oneof(fc.constant("*" as const), fc.integer({ min: 0, max: 4294967294 })),
  access: fc.constantFrom("r", "w", "m", "rw", "rm", "wm", "rwm"),
});

interface RoundTrip {
  readonly codec: AnyCodec;
  /** Values the codec writes. */
  readonly values: fc.Arbitrary<unknown>;
  /** What parsing the written text gives back, when not the value itself. */
  readonly read?: (value: unknown) => unknown;
  /** `text` keeps the newline: parse of text+"\n" is not the value. */
  readonly raw?: boolean;
}

const ROUND_TRIPS: Record<string, RoundTrip> = {
  u64: { codec: loose(codecs.u64()), values: u64Arb },
  "u64 bounded": { codec: loose(codecs.u64({ min: 1n, max: 10000n })), values: fc.bigInt({ min: 1n, max: 10000n }) },
  s64: { codec: loose(codecs.s64()), values: fc.bigInt({ min: S64_MIN, max: S64_MAX }) },
  int: { codec: loose(codecs.int()), values: fc.maxSafeInteger().map((n) => (Object.is(n, -0) ? 0 : n)) },
  "int nice": { codec: loose(codecs.int({ min: -20, max: 19 })), values: fc.integer({ min: -20, max: 19 }) },
  limit: { codec: loose(codecs.limit()), values: limitArb },
  bool: { codec: loose(codecs.bool()), values: fc.boolean() },
  v1Bytes: { codec: loose(codecs.v1Bytes()), values: fc.oneof(fc.constant("max" as const), fc.bigInt({ min: 0n, max: V1_UNLIMITED - 1n })) },
  string: { codec: loose(codecs.string()), values: oneLineArb },
  text: { codec: loose(codecs.text()), values: oneLineArb, raw: true },
  enum: { codec: loose(codecs.enum({ values: ["domain", "domain threaded", "threaded"] })), values: fc.constantFrom("domain", "domain threaded", "threaded") },
  cpuMax: {
    codec: loose(codecs.cpuMax()),
    values: fc.record({ quota: fc.oneof(fc.constant("max" as const), fc.bigInt({ min: 1000n, max: 2n ** 44n - 1n })), period: fc.bigInt({ min: 1000n, max: 1000000n }) }),
  },
  percentOrMax: { codec: loose(codecs.percentOrMax()), values: fc.oneof(fc.constant("max" as const), fc.integer({ min: 0, max: 10000 }).map((n) => n / 100)) },
  "flatKeyed u64": { codec: loose(codecs.flatKeyed()), values: fc.dictionary(keyArb, u64Arb, { minKeys: 1, maxKeys: 1 }) },
  "flatKeyed s64": { codec: loose(codecs.flatKeyed({ value: "s64" })), values: fc.dictionary(keyArb, fc.bigInt({ min: S64_MIN, max: S64_MAX }), { minKeys: 1, maxKeys: 1 }) },
  "flatKeyed limit": { codec: loose(codecs.flatKeyed({ keys: ["res_a"], value: "limit" })), values: fc.dictionary(keyArb, limitArb, { minKeys: 1, maxKeys: 1 }) },
  "flatKeyed number": { codec: loose(codecs.flatKeyed({ value: "number" })), values: fc.dictionary(keyArb, numberArb, { minKeys: 1, maxKeys: 1 }) },
  "flatKeyed string": { codec: loose(codecs.flatKeyed({ value: "string" })), values: fc.dictionary(tokenArb, tokenArb, { minKeys: 1, maxKeys: 1 }) },
  "nestedKeyed limit": {
    codec: loose(codecs.nestedKeyed({ keys: ["rbps", "wbps", "riops", "wiops"], value: "limit" })),
    values: fc.dictionary(deviceArb, fc.dictionary(keyArb, limitArb, { minKeys: 1, maxKeys: 6 }), { minKeys: 1, maxKeys: 1 }),
  },
  "nestedKeyed string": {
    codec: loose(codecs.nestedKeyed({ value: "string" })),
    values: fc.dictionary(tokenArb, fc.dictionary(tokenArb, tokenArb, { minKeys: 1, maxKeys: 6 }), { minKeys: 1, maxKeys: 1 }),
  },
  "nestedKeyed number": {
    codec: loose(codecs.nestedKeyed({ value: "number" })),
    values: fc.dictionary(deviceArb, fc.dictionary(keyArb, numberArb, { minKeys: 1, maxKeys: 6 }), { minKeys: 1, maxKeys: 1 }),
  },
  deviceValues: {
    codec: loose(codecs.deviceValues()),
    values: fc.record({ device: fc.oneof(fc.constant("default"), deviceArb), value: u64Arb }),
    read: (v) => {
      const { device, value } = v as { device: string; value: bigint };
      return { [device]: value };
    },
  },
  "deviceValues limit": {
    codec: loose(codecs.deviceValues({ value: "limit" })),
    values: fc.record({ device: deviceArb, value: limitArb }),
    read: (v) => {
      const { device, value } = v as { device: string; value: bigint | "max" };
      return { [device]: value };
    },
  },
  pidList: { codec: loose(codecs.pidList()), values: fc.integer({ min: 1, max: 2147483647 }), read: (pid) => [pid] },
  words: { codec: loose(codecs.words()), values: fc.array(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), { maxLength: 8 }) },
  lines: { codec: loose(codecs.lines()), values: oneLineArb.filter((s) => s.length > 0), read: (line) => [line] },
  u64List: { codec: loose(codecs.u64List()), values: fc.array(u64Arb, { maxLength: 16 }) },
  rangeList: {
    codec: loose(codecs.rangeList()),
    values: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 40 }),
    read: (v) => [...new Set(v as number[])].sort((a, b) => a - b),
  },
  deviceRules: { codec: loose(codecs.deviceRules()), values: ruleArb, read: (rule) => [rule] },
};

describe("round trip: parse(format(v)) gives v back", () => {
  for (const [name, { codec, values, read, raw }] of Object.entries(ROUND_TRIPS)) {
    it(name, () => {
      fc.assert(
        fc.property(values, (value) => {
          const text = codec.format(value, "f");
          expect(text).not.toMatch(/[\n\r\0]/);
          const expected = read ? read(value) : value;
          expect(codec.parse(raw ? text : `${text}\n`, "f")).toEqual(expected);
          expect(codec.parse(text, "f")).toEqual(expected);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("values above 2^53 survive exactly", () => {
  const big = ["9223372036854771712", "18446744073709551615", "9007199254740993"];
  it("u64, limit, s64", () => {
    for (const text of big) {
      expect(codecs.u64().parse(`${text}\n`)).toBe(BigInt(text));
      expect(codecs.limit().parse(`${text}\n`)).toBe(BigInt(text));
      expect(codecs.u64().format(BigInt(text))).toBe(text);
    }
    expect(codecs.s64().parse("-9223372036854775808\n")).toBe(S64_MIN);
    expect(codecs.s64().parse("9223372036854775807\n")).toBe(S64_MAX);
  });
  it("keyed, list, table, blkio and numa statistics", () => {
    expect(codecs.flatKeyed().parse("hierarchical_memory_limit 9223372036854771712\nx 18446744073709551615\n")).toEqual({
      hierarchical_memory_limit: 9223372036854771712n,
      x: 18446744073709551615n,
    });
    expect(codecs.nestedKeyed({ value: "limit" }).parse("8:16 rbps=18446744073709551615 wbps=max\n")).toEqual({ "8:16": { rbps: U64_MAX, wbps: "max" } });
    expect(codecs.deviceValues().parse("8:16 18446744073709551615\n")).toEqual({ "8:16": U64_MAX });
    expect(codecs.u64List().parse("9007199254740993 18446744073709551615 \n")).toEqual([9007199254740993n, U64_MAX]);
    expect(codecs.table().parse("cpu user system\n0 18446744073709551615 9223372036854771712\n")).toEqual([{ cpu: 0n, user: U64_MAX, system: V1_UNLIMITED }]);
    expect(codecs.blkioStat().parse("8:0 Read 18446744073709551615\nTotal 18446744073709551615\n")).toEqual({ devices: { "8:0": { Read: U64_MAX } }, total: U64_MAX });
    expect(codecs.numaStat().parse("total=9007199254740993 N0=9007199254740993\n")).toEqual({ total: { total: 9007199254740993n, N0: 9007199254740993n } });
    expect(codecs.psi().parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551615\n").some?.total).toBe(U64_MAX);
    // irq.pressure prints only a "full" line.
    expect(codecs.psi().parse("full avg10=0.50 avg60=0.00 avg300=0.00 total=12\n")).toEqual({ full: { avg10: 0.5, avg60: 0, avg300: 0, total: 12n } });
  });
  it("v1Bytes reads the kernel's unlimited as max and keeps anything below exactly", () => {
    expect(codecs.v1Bytes().parse("9223372036854771712\n")).toBe("max");
    expect(codecs.v1Bytes().parse("18446744073709551615\n")).toBe("max");
    expect(codecs.v1Bytes().parse("9223372036854771711\n")).toBe(9223372036854771711n);
    expect(codecs.v1Bytes().format("max")).toBe("-1");
    expect(codecs.v1Bytes().format(9007199254740993n)).toBe("9007199254740993");
  });
});

describe("read-only statistics parse what a generator of kernel text writes", () => {
  it("table", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(u64Arb, u64Arb), { maxLength: 8 }), (rows) => {
        const text = `cpu user system\n${rows.map(([u, s], i) => `${i} ${u} ${s}\n`).join("")}`;
        expect(codecs.table().parse(text)).toEqual(rows.map(([user, system], i) => ({ cpu: BigInt(i), user, system })));
      }),
    );
  });
  it("blkioStat", () => {
    fc.assert(
      fc.property(fc.dictionary(deviceArb, fc.dictionary(fc.constantFrom("Read", "Write", "Sync", "Async", "Discard", "Total"), u64Arb)), u64Arb, (devices, total) => {
        const text = Object.entries(devices).flatMap(([d, ops]) => Object.entries(ops).map(([op, n]) => `${d} ${op} ${n}\n`)).join("") + `Total ${total}\n`;
        // A device with no operations prints no line, so it is absent from the parse.
        const expected = Object.fromEntries(Object.entries(devices).filter(([, ops]) => Object.keys(ops).length > 0));
        expect(codecs.blkioStat().parse(text)).toEqual({ devices: expected, total });
      }),
    );
  });
  it("numaStat", () => {
    fc.assert(
      fc.property(fc.dictionary(keyArb, fc.array(u64Arb, { minLength: 1, maxLength: 4 }), { minKeys: 1 }), (stats) => {
        const text = Object.entries(stats)
          .map(([name, [total, ...nodes]]) => [`${name}=${total}`, ...nodes.map((n, i) => `N${i}=${n}`)].join(" ") + "\n")
          .join("");
        const expected = Object.fromEntries(
          Object.entries(stats).map(([name, [total, ...nodes]]) => [name, { [name]: total, ...Object.fromEntries(nodes.map((n, i) => [`N${i}`, n])) }]),
        );
        expect(codecs.numaStat().parse(text)).toEqual(expected);
      }),
    );
  });
  it("psi", () => {
    const avg = fc.integer({ min: 0, max: 10000 }).map((n) => n / 100);
    const line = fc.record({ avg10: avg, avg60: avg, avg300: avg, total: u64Arb });
    fc.assert(
      fc.property(line, fc.option(line, { nil: undefined }), (some, full) => {
        const show = (kind: string, l: typeof some) => `${kind} avg10=${l.avg10.toFixed(2)} avg60=${l.avg60.toFixed(2)} avg300=${l.avg300.toFixed(2)} total=${l.total}\n`;
        const text = show("some", some) + (full ? show("full", full) : "");
        expect(codecs.psi().parse(text)).toEqual(full ? { some, full } : { some });
      }),
    );
  });
});

/** Text near the kernel's syntax: digits, separators, words, newlines. */
const nearKernelText = fc.string({ unit: fc.constantFrom(..."0123456789 -:=,.\n\tmaxdefaultrwmcab*+[]N_\0"), maxLength: 40 });
const anyText = fc.oneof(nearKernelText, fc.string({ unit: "binary", maxLength: 40 }));
const anyValue = fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true, maxDepth: 3 });

/** One instance of every codec in the closed list, with representative options. */
const EVERY_CODEC: Record<string, AnyCodec> = {
  u64: loose(codecs.u64({ min: 1n, max: 10000n })),
  s64: loose(codecs.s64()),
  int: loose(codecs.int({ min: 0, max: 100 })),
  limit: loose(codecs.limit()),
  bool: loose(codecs.bool()),
  v1Bytes: loose(codecs.v1Bytes()),
  string: loose(codecs.string()),
  text: loose(codecs.text()),
  enum: loose(codecs.enum({ values: ["none", "some", "full"] })),
  cpuMax: loose(codecs.cpuMax()),
  percentOrMax: loose(codecs.percentOrMax()),
  flatKeyed: loose(codecs.flatKeyed({ value: "limit" })),
  nestedKeyed: loose(codecs.nestedKeyed({ value: "limit" })),
  deviceValues: loose(codecs.deviceValues()),
  psi: loose(codecs.psi()),
  pidList: loose(codecs.pidList()),
  words: loose(codecs.words()),
  lines: loose(codecs.lines()),
  u64List: loose(codecs.u64List()),
  rangeList: loose(codecs.rangeList()),
  subtreeControl: loose(codecs.subtreeControl()),
  deviceRules: loose(codecs.deviceRules()),
  blkioStat: loose(codecs.blkioStat()),
  table: loose(codecs.table()),
  numaStat: loose(codecs.numaStat()),
};

describe("failures are typed, never plain errors", () => {
  it("the table covers the closed list", () => {
    expect(Object.keys(EVERY_CODEC).sort()).toEqual([...codecNames].sort());
    for (const name of codecNames) expect(EVERY_CODEC[name]?.name).toBe(name);
  });
  for (const [name, codec] of Object.entries(EVERY_CODEC)) {
    it(`${name}: parse of any text returns or throws ParseError naming the file`, () => {
      fc.assert(
        fc.property(anyText, (text) => {
          try {
            codec.parse(text, "some.file");
          } catch (err) {
            expect(err).toBeInstanceOf(ParseError);
            expect((err as ParseError).file).toBe("some.file");
            expect((err as ParseError).text).toBe(text);
          }
        }),
        { numRuns: 400 },
      );
    });
    it(`${name}: format of any value returns one line or throws InvalidValueError`, () => {
      fc.assert(
        fc.property(anyValue, (value) => {
          let out: unknown;
          try {
            out = codec.format(value, "some.file");
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidValueError);
            expect((err as InvalidValueError).file).toBe("some.file");
            return;
          }
          expect(typeof out).toBe("string");
          expect(out).not.toMatch(/[\n\r\0]/);
        }),
        { numRuns: 400 },
      );
    });
  }
});
