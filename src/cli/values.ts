// Command-line text → the write type of a control file's codec. Table-driven by codec name: each
// entry turns the text into candidate values, most specific first; the file's own codec (through
// the accessor's `format`) has the last word on range and syntax, so nothing here duplicates a bound.
import { InvalidValueError } from "../runtime/errors.js";
import type { CodecName } from "../runtime/codecs/index.js";

/** What the table needs to know about a file. @internal */
export interface ValueTarget {
  readonly file: string;
  /** The codec its writes go through (the manifest's `writeCodec`, else `codec`). */
  readonly codec: string;
  readonly unit?: string | undefined;
}

/** Binary multipliers, as systemd and docker read them: K = 1024. */
const SIZE_SUFFIX: Readonly<Record<string, bigint>> = { "": 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, P: 1n << 50n, E: 1n << 60n };

/**
 * A byte count: `67108864`, `64M`, `64MiB`, `1G`, `512k` (K/M/G/T/P/E, base 1024, optional `B`/`iB`).
 * `undefined` when the text is not one.
 * @internal
 */
export function parseSize(text: string): bigint | undefined {
  const match = /^(-?\d+)(?:([KMGTPE])(?:i?B)?|B)?$/i.exec(text);
  if (!match) return undefined;
  return BigInt(match[1] as string) * (SIZE_SUFFIX[(match[2] ?? "").toUpperCase()] as bigint);
}

/** A plain integer (optionally signed) as bigint, or `undefined`. */
function parseInteger(text: string): bigint | undefined {
  return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
}

/** An integer in the file's unit: sizes with suffixes for byte files, plain integers otherwise. */
function integerFor(target: ValueTarget, text: string): bigint | undefined {
  return target.unit === "bytes" ? parseSize(text) : parseInteger(text);
}

function decimal(text: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

/** Candidates for one scalar inside a keyed line, whatever the line's value kind (u64, s64, limit, number, string). */
function scalarCandidates(target: ValueTarget, token: string): unknown[] {
  const out: unknown[] = [];
  const integer = integerFor(target, token);
  if (integer !== undefined) out.push(integer);
  if (token === "max") out.push("max");
  const number = decimal(token);
  if (number !== undefined) out.push(number);
  out.push(token);
  return out;
}

/** Every combination of per-value candidates, as objects, first choices first. */
function objectCandidates(keys: readonly string[], choices: readonly (readonly unknown[])[]): Array<Record<string, unknown>> {
  // Values of one line share a kind: try "all integers", "all numbers", "all strings" by position, not a cross product.
  const width = Math.max(...choices.map((c) => c.length));
  const out: Array<Record<string, unknown>> = [];
  for (let pick = 0; pick < width; pick++) {
    const record: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    keys.forEach((key, i) => {
      const options = choices[i] as readonly unknown[];
      record[key] = options[Math.min(pick, options.length - 1)];
    });
    out.push(record);
  }
  return out;
}

/** `key=value` pairs (nested keyed lines, io.max style). */
function pairs(target: ValueTarget, text: string, tokens: readonly string[]): { keys: string[]; choices: unknown[][] } {
  const keys: string[] = [];
  const choices: unknown[][] = [];
  for (const token of tokens) {
    const eq = token.indexOf("=");
    if (eq <= 0) throw new InvalidValueError(target.file, text, `${JSON.stringify(token)} is not key=value`);
    keys.push(token.slice(0, eq));
    choices.push(scalarCandidates(target, token.slice(eq + 1)));
  }
  return { keys, choices };
}

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

type Converter = (target: ValueTarget, text: string) => unknown[];

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { "1": true, true: true, yes: true, on: true, "0": false, false: false, no: false, off: false };

function need(target: ValueTarget, text: string, value: unknown, expected: string): unknown {
  if (value === undefined) throw new InvalidValueError(target.file, text, `expected ${expected}`);
  return value;
}

const sizeHint = (t: ValueTarget) => (t.unit === "bytes" ? "a byte count (suffixes K, M, G, T: 64M)" : "an integer");

/** Per codec (keys checked against the runtime's codec names): command-line text → candidate write values. Read-only codecs are absent. */
const CONVERTERS: Readonly<Record<string, Converter>> = {
  u64: (t, s) => [need(t, s, integerFor(t, s), sizeHint(t))],
  s64: (t, s) => [need(t, s, integerFor(t, s), sizeHint(t))],
  int: (t, s) => [Number(need(t, s, parseInteger(s), "an integer"))],
  limit: (t, s) => [s === "max" ? "max" : need(t, s, integerFor(t, s), `"max" or ${sizeHint(t)}`)],
  v1Bytes: (t, s) => [s === "max" || s === "-1" ? "max" : need(t, s, parseSize(s), '"max" (or -1) or a byte count (suffixes K, M, G, T: 64M)')],
  bool: (t, s) => [need(t, s, BOOLEAN_WORDS[s.toLowerCase()], "1/0, true/false, yes/no or on/off")],
  string: (_t, s) => [s],
  text: (_t, s) => [s],
  enum: (_t, s) => [s],
  lines: (_t, s) => [s],
  rangeList: (_t, s) => [s],
  deviceRules: (_t, s) => [s],
  pidList: (t, s) => [Number(need(t, s, parseInteger(s), "a pid"))],
  words: (_t, s) => [words(s)],
  u64List: (t, s) => [words(s).map((w) => need(t, s, parseInteger(w), "space-separated integers"))],
  percentOrMax: (t, s) => [s === "max" ? "max" : need(t, s, decimal(s.replace(/%$/, "")), '"max" or a percentage (e.g. 25.5)')],
  cpuMax(t, s) {
    const [quota, period, extra] = words(s);
    if (quota === undefined || extra !== undefined) throw new InvalidValueError(t.file, s, 'expected "QUOTA [PERIOD]" in microseconds, QUOTA may be "max" (e.g. "50000 100000")');
    const q = quota === "max" ? "max" : need(t, s, parseInteger(quota), 'QUOTA: "max" or microseconds');
    return [period === undefined ? { quota: q } : { quota: q, period: need(t, s, parseInteger(period), "PERIOD: microseconds") }];
  },
  flatKeyed(t, s) {
    // "key value" as the kernel prints it; "key=value" is accepted too.
    const parts = words(s);
    const [key, value] = parts.length === 1 && parts[0]?.includes("=") ? (parts[0].split("=", 2) as [string, string]) : (parts as [string?, string?]);
    if (key === undefined || value === undefined || parts.length > 2) throw new InvalidValueError(t.file, s, 'expected "KEY VALUE" (one key per write)');
    return objectCandidates([key], [scalarCandidates(t, value)]);
  },
  nestedKeyed(t, s) {
    const [outer, ...rest] = words(s);
    if (outer === undefined || rest.length === 0) throw new InvalidValueError(t.file, s, 'expected "KEY k=v [k=v…]" (e.g. "8:0 rbps=1048576 wbps=max")');
    const { keys, choices } = pairs(t, s, rest);
    return objectCandidates(keys, choices).map((inner) => ({ [outer]: inner }));
  },
  deviceValues(t, s) {
    const [device, value, extra] = words(s);
    if (device === undefined || value === undefined || extra !== undefined) throw new InvalidValueError(t.file, s, 'expected "MAJ:MIN VALUE" or "default VALUE"');
    return scalarCandidates(t, value).map((v) => ({ device, value: v }));
  },
  psi(t, s) {
    const [kind, stall, window, extra] = words(s);
    const stallUs = stall === undefined ? undefined : parseInteger(stall);
    const windowUs = window === undefined ? undefined : parseInteger(window);
    if (kind === undefined || stallUs === undefined || windowUs === undefined || extra !== undefined) {
      throw new InvalidValueError(t.file, s, 'expected a trigger "some|full STALL_US WINDOW_US" (e.g. "some 150000 1000000")');
    }
    return [{ kind, stallUs, windowUs }];
  },
  subtreeControl(t, s) {
    const enable: string[] = [];
    const disable: string[] = [];
    for (const w of words(s)) {
      if (w.startsWith("+")) enable.push(w.slice(1));
      else if (w.startsWith("-")) disable.push(w.slice(1));
      else throw new InvalidValueError(t.file, s, `${JSON.stringify(w)}: expected +CONTROLLER or -CONTROLLER`);
    }
    return [{ enable, disable }];
  },
} satisfies Partial<Record<CodecName, Converter>>;

/** Whether command-line text can be turned into a write of this codec. @internal */
export function canConvert(codec: string): boolean {
  return Object.hasOwn(CONVERTERS, codec);
}

/**
 * Turn text into the value a write of `target` takes, validated by `format` (the file's codec):
 * the first candidate `format` accepts wins; when none does, the first candidate's refusal is
 * thrown, naming the file and the text as typed.
 * @throws InvalidValueError
 * @internal
 */
export function convertValue(target: ValueTarget, text: string, format: (value: unknown) => string): { value: unknown; formatted: string } {
  const converter = Object.hasOwn(CONVERTERS, target.codec) ? CONVERTERS[target.codec] : undefined;
  if (converter === undefined) throw new InvalidValueError(target.file, text, `${target.codec} is a read-only format; this file cannot be written`);
  const candidates = converter(target, text);
  let first: InvalidValueError | undefined;
  for (const value of candidates) {
    try {
      return { value, formatted: format(value) };
    } catch (err) {
      if (!(err instanceof InvalidValueError)) throw err;
      first ??= err;
    }
  }
  throw new InvalidValueError(target.file, text, first?.reason ?? "not a value this file takes");
}
