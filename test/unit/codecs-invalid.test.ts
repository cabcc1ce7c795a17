// Bad input for every codec: garbage text is a ParseError, a bad write value an InvalidValueError
// naming the file and the value, and the exact text of writes the kernel takes.
import { describe, expect, it } from "vitest";
import type { Codec } from "../../src/runtime/codec.js";
import { codecs } from "../../src/runtime/codecs/index.js";
import { InvalidValueError, ParseError } from "../../src/runtime/errors.js";

type AnyCodec = Codec<unknown, unknown>;
const loose = (c: unknown): AnyCodec => c as AnyCodec;

function refusesWrite(codec: AnyCodec, value: unknown): InvalidValueError {
  let caught: unknown;
  try {
    codec.format(value, "x.file");
  } catch (err) {
    caught = err;
  }
  expect(caught, `format(${String(value)}) should throw`).toBeInstanceOf(InvalidValueError);
  const err = caught as InvalidValueError;
  expect(err.file).toBe("x.file");
  expect(err.value).toBe(value);
  expect(err.reason.length).toBeGreaterThan(0);
  return err;
}

function refusesText(codec: AnyCodec, text: string): void {
  let caught: unknown;
  try {
    codec.parse(text, "x.file");
  } catch (err) {
    caught = err;
  }
  expect(caught, `parse(${JSON.stringify(text)}) should throw`).toBeInstanceOf(ParseError);
  expect((caught as ParseError).file).toBe("x.file");
  expect((caught as ParseError).text).toBe(text);
}

interface Bad {
  readonly codec: AnyCodec;
  /** Values a write must refuse. */
  readonly values?: readonly unknown[];
  /** Texts a read must refuse. */
  readonly texts?: readonly string[];
}

const WRONG_TYPES = [undefined, null, true, {}, [], Symbol("s"), () => 1];

const BAD: Record<string, Bad> = {
  u64: {
    codec: loose(codecs.u64()),
    values: [-1n, 2n ** 64n, 5, 1.5, "5", "5\n", NaN, ...WRONG_TYPES],
    texts: ["", "\n", "-1\n", "1.5\n", "abc\n", "18446744073709551616\n", "184467440737095516150\n", " 1\n", "1 \n", "0x10\n", "1e3\n", "+1\n", "1\n2\n", "１\n"],
  },
  "u64 weight 1..10000": { codec: loose(codecs.u64({ min: 1n, max: 10000n })), values: [0n, 10001n, -5n] },
  s64: {
    codec: loose(codecs.s64()),
    values: [2n ** 63n, -(2n ** 63n) - 1n, -1, "-1"],
    texts: ["9223372036854775808\n", "-9223372036854775809\n", "--1\n", "-\n", "1-\n", "- 1\n"],
  },
  "int nice -20..19": {
    codec: loose(codecs.int({ min: -20, max: 19 })),
    values: [20, -21, 1.5, NaN, Infinity, -Infinity, "1", 1n, ...WRONG_TYPES],
    texts: ["1.0\n", "-\n", "9007199254740993\n", "twenty\n", ""],
  },
  limit: {
    codec: loose(codecs.limit()),
    values: ["MAX", "unlimited", "max\n", -1n, 2n ** 64n, 5, ...WRONG_TYPES],
    texts: ["Max\n", "maxx\n", "-1\n", "", "max max\n"],
  },
  "limit 1..": { codec: loose(codecs.limit({ min: 1n })), values: [0n] },
  bool: { codec: loose(codecs.bool()), values: [1, 0, "1", "true", null, undefined], texts: ["2\n", "true\n", "", "01\n", "1 \n"] },
  v1Bytes: { codec: loose(codecs.v1Bytes()), values: [-1n, "-1", "MAX", 5, 2n ** 64n], texts: ["-2\n", "abc\n", "", "1K\n"] },
  string: { codec: loose(codecs.string()), values: ["a\nb", "a\0b", "a\rb", "trailing\n", 5, null], texts: ["a\nb\n"] },
  text: { codec: loose(codecs.text()), values: ["a\nb", "\0", 5] },
  enum: {
    codec: loose(codecs.enum({ values: ["member", "root", "isolated"] })),
    values: ["bogus", "", "root\n", "Root", 5, null],
    texts: ["bogus\n", "[bogus] member\n", "member root\n", "\n", "[member] [root]\n"],
  },
  cpuMax: {
    codec: loose(codecs.cpuMax()),
    values: [
      { quota: 999n },
      { quota: 2n ** 44n },
      { quota: 50000n, period: 999n },
      { quota: 50000n, period: 1000001n },
      { quota: -1n },
      { quota: "MAX" },
      { quota: 50000 },
      { quota: "max", period: 100000 },
      "max 100000",
      null,
      {},
    ],
    texts: ["max\n", "100000\n", "max  100000\n", "-1 100000\n", "max max\n", "a b\n", "max 100000 1\n", ""],
  },
  percentOrMax: {
    codec: loose(codecs.percentOrMax()),
    values: [100.01, -0.01, 12.345, NaN, Infinity, "12.34", "MAX", 1n, null],
    texts: ["100.01\n", "-1\n", "12.345\n", "abc\n", "1e2\n", "", ".5\n", "5.\n"],
  },
  "flatKeyed u64": {
    codec: loose(codecs.flatKeyed()),
    values: [{}, { a: 1n, b: 2n }, { "a b": 1n }, { "a\nb": 1n }, { "": 1n }, { "a=b": 1n }, { a: -1n }, { a: "1" }, { a: 1 }, { a: 2n ** 64n }, [], null, "a 1", [["a", 1n]]],
    texts: ["a\n", "a b c\n", "a -1\n", " 1\n", "a\nb 1\n", "a 1.5\n", "a max\n"],
  },
  "flatKeyed limit": { codec: loose(codecs.flatKeyed({ value: "limit" })), values: [{ res_a: "MAX" }, { res_a: -1n }, { res_a: 5 }], texts: ["res_a unlimited\n"] },
  "flatKeyed number": { codec: loose(codecs.flatKeyed({ value: "number" })), values: [{ a: NaN }, { a: Infinity }, { a: 1e21 }, { a: 1e-7 }, { a: 1n }], texts: ["a 1e3\n", "a .5\n", "a x\n"] },
  "flatKeyed string": { codec: loose(codecs.flatKeyed({ value: "string" })), values: [{ a: "b c" }, { a: "b\nc" }, { a: "" }, { a: 1 }] },
  "nestedKeyed limit": {
    codec: loose(codecs.nestedKeyed({ value: "limit" })),
    values: [
      {},
      { "8:16": {} },
      { "8:16": { rbps: -1n } },
      { "8:16": { "r bps": 1n } },
      { "8:16": { "rbps=": 1n } },
      { "8:16": 5 },
      { "8:16": { rbps: 1n }, "8:0": { rbps: 1n } },
      { "8:16": { rbps: "unlimited" } },
      { "8:16\n": { rbps: 1n } },
      { "8 16": { rbps: 1n } },
      null,
    ],
    texts: ["8:0 rbytes\n", "8:0 =1\n", "8:0 rbytes=x\n", " rbytes=1\n", "8:0 rbytes=-1\n", "8:0 a=1 b\n"],
  },
  deviceValues: {
    codec: loose(codecs.deviceValues()),
    values: [
      { device: "sda", value: 1n },
      { device: "8:16\n", value: 1n },
      { device: "8:16", value: -1n },
      { device: "8:16", value: 1 },
      { device: "8:", value: 1n },
      { device: ":16", value: 1n },
      { device: "8:16 ", value: 1n },
      { device: "99999999999:1", value: 1n },
      { value: 1n },
      "8:16 100",
      null,
    ],
    texts: ["8:0\n", "sda 100\n", "8 100\n", "8:0 x\n", "default\n", "8:0 -1\n", "8:0  100\n"],
  },
  psi: {
    codec: loose(codecs.psi()),
    values: [
      { kind: "partial", stallUs: 150000n, windowUs: 1000000n },
      { kind: "some", stallUs: 0n, windowUs: 1000000n },
      { kind: "some", stallUs: 1000n, windowUs: 499999n },
      { kind: "some", stallUs: 1000n, windowUs: 10000001n },
      { kind: "full", stallUs: 2000000n, windowUs: 1000000n },
      { kind: "some", stallUs: 150000, windowUs: 1000000n },
      "some 150000 1000000",
      null,
    ],
    texts: [
      "",
      "some avg10=1.00\n",
      "full avg10=0.00 avg60=0.00\n",
      "some avg10=x avg60=0.00 avg300=0.00 total=0\n",
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
      "other avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
      "some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n",
    ],
  },
  pidList: {
    codec: loose(codecs.pidList()),
    values: [0, -1, 1.5, 2147483648, "1", 1n, NaN, [1, 2], null],
    texts: ["-1\n", "abc\n", "1 2\n", "2147483648\n", "1\n-\n"],
  },
  words: { codec: loose(codecs.words()), values: [["a b"], ["a\n"], "cpu", [1], [""], ["ä"], null], texts: ["cpu,io\n", "a/b\n", "ä\n", "cpu\tio\n"] },
  lines: { codec: loose(codecs.lines()), values: ["a\nb", "\0", 5, ["a"]] },
  u64List: { codec: loose(codecs.u64List()), values: [[-1n], [1], "1 2", [2n ** 64n], null], texts: ["1 -2\n", "1,2\n", "x\n"] },
  rangeList: {
    codec: loose(codecs.rangeList()),
    values: [[-1], [1.5], [65536], ["1"], [1n], "1-", "3-1", "0 -3", "a", "1\n", "1,,2", " 1", 5, null],
    texts: ["1-\n", "-1\n", "3-1\n", "1,,2\n", "0-70000\n", "a\n", "1 2\n", "1,\n"],
  },
  subtreeControl: {
    codec: loose(codecs.subtreeControl()),
    values: [{}, { enable: [] }, { enable: [], disable: [] }, { enable: ["cpu"], disable: ["cpu"] }, { enable: ["+cpu"] }, { enable: "cpu" }, { enable: ["cpu io"] }, { enable: ["cpu\n"] }, { disable: [5] }, ["cpu"], "+cpu", null],
    texts: ["+cpu\n", "cpu,io\n"],
  },
  deviceRules: {
    codec: loose(codecs.deviceRules()),
    values: [
      "c 1:3 rwx",
      "c 1:3 rwm\nc 1:5 rwm",
      "x 1:3 rwm",
      "c 1:3",
      "c  1:3 rwm",
      { type: "x", major: 1, minor: 3, access: "rwm" },
      { type: "c", major: -1, minor: 3, access: "rwm" },
      { type: "c", major: 1, minor: 3, access: "" },
      { type: "c", major: 1, minor: 3, access: "rr" },
      5,
      null,
    ],
    texts: ["x 1:3 rwm\n", "c 1:3\n", "c 1:3 rwx\n", "a 1:3 r\n", "c 1:3 rwm \n", "c 01:3 rwm\n"],
  },
  blkioStat: { codec: loose(codecs.blkioStat()), values: [{ devices: {} }, "Total 0"], texts: ["8:0 Read\n", "Total x\n", "sda Read 1\n", "8:0 Read -1\n", "8:0 Read 1 2\n"] },
  table: { codec: loose(codecs.table()), values: [[], "cpu"], texts: ["cpu user\n0 1 2\n", "cpu cpu\n0 1\n", "cpu\nx\n", "cpu user\n0\n"] },
  numaStat: { codec: loose(codecs.numaStat()), values: [{}], texts: ["total\n", "=1\n", "total=x N0=1\n", "total=1 N0\n", "total=-1\n"] },
};

describe("bad input is refused with a typed error naming the file and value", () => {
  for (const [name, { codec, values = [], texts = [] }] of Object.entries(BAD)) {
    if (values.length > 0) {
      it(`${name}: format refuses ${values.length} bad values`, () => {
        for (const value of values) refusesWrite(codec, value);
      });
    }
    if (texts.length > 0) {
      it(`${name}: parse refuses ${texts.length} bad texts`, () => {
        for (const text of texts) refusesText(codec, text);
      });
    }
  }
});

describe("reasons say why", () => {
  it("names the bound, the sign, the type", () => {
    expect(refusesWrite(loose(codecs.u64()), -1n).reason).toMatch(/negative/);
    expect(refusesWrite(loose(codecs.u64({ max: 10000n })), 10001n).reason).toMatch(/at most 10000/);
    expect(refusesWrite(loose(codecs.u64()), "5").reason).toMatch(/bigint.*string/);
    expect(refusesWrite(loose(codecs.string()), "a\nb").reason).toMatch(/newline/);
    expect(refusesWrite(loose(codecs.enum({ values: ["a", "b"] })), "c").reason).toMatch(/"a", "b"/);
    expect(refusesWrite(loose(codecs.flatKeyed()), { a: 1n, b: 1n }).reason).toMatch(/exactly one key, got 2/);
    expect(refusesWrite(loose(codecs.subtreeControl()), { enable: ["io"], disable: ["io"] }).reason).toMatch(/io is both enabled and disabled/);
  });
  it("the message carries file and value", () => {
    const err = refusesWrite(loose(codecs.limit()), -3n);
    expect(err.message).toBe("x.file: invalid value -3n: must not be negative");
    expect(err.code).toBe("ERR_INVALID_VALUE");
  });
});

describe("writes the kernel takes, byte for byte", () => {
  it("scalars", () => {
    expect(codecs.u64().format(0n)).toBe("0");
    expect(codecs.s64().format(-1n)).toBe("-1");
    expect(codecs.int().format(-20)).toBe("-20");
    expect(codecs.limit().format("max")).toBe("max");
    expect(codecs.limit().format(1073741824n)).toBe("1073741824");
    expect(codecs.bool().format(true)).toBe("1");
    expect(codecs.bool().format(false)).toBe("0");
    expect(codecs.v1Bytes().format("max")).toBe("-1");
    expect(codecs.v1Bytes().format(268435456n)).toBe("268435456");
    expect(codecs.enum({ values: ["member", "root"] }).format("root")).toBe("root");
  });
  it("cpu.max and uclamp", () => {
    expect(codecs.cpuMax().format({ quota: "max", period: 100000n })).toBe("max 100000");
    expect(codecs.cpuMax().format({ quota: 50000n, period: 100000n })).toBe("50000 100000");
    expect(codecs.cpuMax().format({ quota: 50000n })).toBe("50000");
    expect(codecs.cpuMax().format({ quota: "max" })).toBe("max");
    expect(codecs.percentOrMax().format(12.34)).toBe("12.34");
    expect(codecs.percentOrMax().format(0)).toBe("0.00");
    expect(codecs.percentOrMax().format(100)).toBe("100.00");
    expect(codecs.percentOrMax().format("max")).toBe("max");
  });
  it("keyed files", () => {
    expect(codecs.flatKeyed<string, bigint | "max">({ value: "limit" }).format({ res_a: 1n })).toBe("res_a 1");
    expect(codecs.flatKeyed<string, bigint | "max">({ value: "limit" }).format({ res_a: "max" })).toBe("res_a max");
    expect(codecs.nestedKeyed<string, bigint | "max">({ value: "limit" }).format({ "8:16": { rbps: 2097152n, wbps: "max" } })).toBe("8:16 rbps=2097152 wbps=max");
    expect(codecs.nestedKeyed<string, bigint | "max">({ value: "limit" }).format({ rxe0: { index: 5n, hca_handle: 2n } })).toBe("rxe0 index=5 hca_handle=2");
    expect(codecs.deviceValues().format({ device: "8:16", value: 200n })).toBe("8:16 200");
    expect(codecs.deviceValues().format({ device: "default", value: 100n })).toBe("default 100");
  });
  it("lists, triggers, rules", () => {
    expect(codecs.psi().format({ kind: "some", stallUs: 150000n, windowUs: 1000000n })).toBe("some 150000 1000000");
    expect(codecs.psi().format({ kind: "full", stallUs: 50000n, windowUs: 1000000n })).toBe("full 50000 1000000");
    expect(codecs.pidList().format(4242)).toBe("4242");
    expect(codecs.words().format(["cpu", "io", "memory"])).toBe("cpu io memory");
    expect(codecs.words().format([])).toBe("");
    expect(codecs.lines().format("anything at all")).toBe("anything at all");
    expect(codecs.u64List().format([1n, 18446744073709551615n])).toBe("1 18446744073709551615");
    expect(codecs.rangeList().format([5, 0, 1, 2, 3, 3])).toBe("0-3,5");
    expect(codecs.rangeList().format([])).toBe("");
    expect(codecs.rangeList().format([7])).toBe("7");
    expect(codecs.rangeList().format([1, 3, 5, 6])).toBe("1,3,5-6");
    expect(codecs.rangeList().format("0-3,5")).toBe("0-3,5");
    expect(codecs.rangeList().format("")).toBe("");
    expect(codecs.subtreeControl().format({ enable: ["cpu", "io"], disable: ["memory"] })).toBe("+cpu +io -memory");
    expect(codecs.subtreeControl().format({ disable: ["pids", "pids"] })).toBe("-pids");
    expect(codecs.deviceRules().format({ type: "c", major: 1, minor: 3, access: "mwr" })).toBe("c 1:3 rwm");
    expect(codecs.deviceRules().format("c 136:* rw")).toBe("c 136:* rw");
    expect(codecs.deviceRules().format("a")).toBe("a *:* rwm");
  });
});

describe("reads in the shapes the kernel prints", () => {
  it("enum takes the bracketed current choice", () => {
    const c = codecs.enum({ values: ["none", "some", "full"] });
    expect(c.parse("[none] some full\n")).toBe("none");
    expect(c.parse("none [some] full\n")).toBe("some");
    expect(c.parse("full\n")).toBe("full");
    expect(codecs.enum({ values: ["domain", "domain threaded"] }).parse("domain threaded\n")).toBe("domain threaded");
  });
  it("empty files", () => {
    expect(codecs.pidList().parse("")).toEqual([]);
    expect(codecs.words().parse("")).toEqual([]);
    expect(codecs.words().parse("\n")).toEqual([]);
    expect(codecs.lines().parse("")).toEqual([]);
    expect(codecs.rangeList().parse("\n")).toEqual([]);
    expect(codecs.deviceRules().parse("")).toEqual([]);
    expect(codecs.flatKeyed().parse("")).toEqual({});
    expect(codecs.nestedKeyed().parse("")).toEqual({});
    expect(codecs.deviceValues().parse("")).toEqual({});
    expect(codecs.table().parse("")).toEqual([]);
    expect(codecs.blkioStat().parse("Total 0\n")).toEqual({ devices: {}, total: 0n });
    expect(codecs.string().parse("\n")).toBe("");
  });
  it("range lists expand, sort and merge", () => {
    expect(codecs.rangeList().parse("0-3,5\n")).toEqual([0, 1, 2, 3, 5]);
    expect(codecs.rangeList().parse("5,0-2,1\n")).toEqual([0, 1, 2, 5]);
  });
  it("unknown keys survive a keyed read", () => {
    const stat = codecs.flatKeyed<"usage_usec", bigint>({ keys: ["usage_usec"] }).parse("usage_usec 5\nnew_in_7_0 9\n");
    expect(stat.usage_usec).toBe(5n);
    expect(stat["new_in_7_0"]).toBe(9n);
  });
  it("a key named __proto__ is data, not a prototype switch", () => {
    const stat = codecs.flatKeyed().parse("__proto__ 1\nconstructor 2\n");
    expect(Object.keys(stat)).toEqual(["__proto__", "constructor"]);
    expect(stat["__proto__"]).toBe(1n);
  });
  it("pid 0 (a task outside the reader's pid namespace) reads", () => {
    expect(codecs.pidList().parse("0\n12\n")).toEqual([0, 12]);
  });
});

describe("codec options are checked when the codec is made", () => {
  it("refuses impossible bounds and empty enums", () => {
    expect(() => codecs.u64({ min: -1n })).toThrow(RangeError);
    expect(() => codecs.u64({ min: 5n, max: 4n })).toThrow(RangeError);
    expect(() => codecs.s64({ max: 2n ** 63n })).toThrow(RangeError);
    expect(() => codecs.int({ min: 0.5 })).toThrow(RangeError);
    expect(() => codecs.enum({ values: [] })).toThrow(RangeError);
    expect(() => codecs.enum({ values: ["a\nb"] })).toThrow(RangeError);
    expect(() => codecs.flatKeyed({ value: "float" as never })).toThrow(RangeError);
  });
});
