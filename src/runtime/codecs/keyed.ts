// Keyed files: flat `key value` lines, nested `KEY k=v k=v` lines, and per-device `MAJ:MIN value` lines.
import type { Codec, KeyedValues } from "../codec.js";
import {
  S64_MAX,
  S64_MIN,
  U64_MAX,
  checkBigint,
  decimalToken,
  invalid,
  isDeviceNumber,
  isPlainToken,
  newRecord,
  parseFail,
  s64Token,
  typeName,
  u64Token,
} from "./common.js";
import { formatLimit } from "./scalars.js";

/** Value kinds inside keyed files: `u64`/`s64` → bigint, `limit` → bigint | "max", `number` → number, `string` → string. @public */
export type ScalarKind = "u64" | "s64" | "limit" | "number" | "string";

/** How one value token of a keyed line is read and written. */
interface ValueKind {
  /** The value, or `undefined` when the token is not one. */
  parse(token: string): unknown;
  format(value: unknown, file: string | undefined, shown: unknown): string;
  readonly expected: string;
}

const VALUE_KINDS: Readonly<Record<ScalarKind, ValueKind>> = {
  u64: {
    parse: u64Token,
    format: (v, file, shown) => checkBigint(v, 0n, U64_MAX, file, shown).toString(),
    expected: "an unsigned 64-bit integer",
  },
  s64: {
    parse: s64Token,
    format: (v, file, shown) => checkBigint(v, S64_MIN, S64_MAX, file, shown).toString(),
    expected: "a signed 64-bit integer",
  },
  limit: {
    parse: (t) => (t === "max" ? "max" : u64Token(t)),
    format: (v, file, shown) => formatLimit(v, 0n, U64_MAX, file, shown),
    expected: '"max" or an unsigned 64-bit integer',
  },
  number: {
    parse: decimalToken,
    format(v, file, shown) {
      if (typeof v !== "number") invalid(file, shown, `expected a number, got ${typeName(v)}`);
      if (!Number.isFinite(v)) invalid(file, shown, "must be a finite number");
      const out = String(v);
      // The kernel reads plain decimals only; 1e21 or 1e-7 would be misread.
      if (out.includes("e")) invalid(file, shown, "too large or too small to write as a plain decimal");
      return out;
    },
    expected: "a decimal number",
  },
  string: {
    parse: (t) => t,
    format(v, file, shown) {
      if (typeof v !== "string") invalid(file, shown, `expected a string, got ${typeName(v)}`);
      if (!isPlainToken(v)) invalid(file, shown, "a value must be non-empty, without spaces, newlines, NUL or '='");
      return v;
    },
    expected: "a string",
  },
};

/** @internal */
export function valueKind(kind: ScalarKind | undefined, codec: string): ValueKind {
  const found = VALUE_KINDS[kind ?? "u64"];
  if (found === undefined) throw new RangeError(`${codec}: unknown value kind ${String(kind)}`);
  return found;
}

function checkKey(key: string, file: string | undefined, shown: unknown): string {
  if (!isPlainToken(key)) invalid(file, shown, `key ${JSON.stringify(key)} must be non-empty, without spaces, newlines, NUL or '='`);
  return key;
}

/** The single entry of a one-key write, or InvalidValueError. */
function onlyEntry(value: unknown, file: string | undefined, what: string): [string, unknown] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(file, value, `expected an object with one ${what}, got ${typeName(value)}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) invalid(file, value, `a write sets exactly one ${what}, got ${keys.length}`);
  const key = keys[0] as string;
  return [key, (value as Record<string, unknown>)[key]];
}

/** The factory behind `codecs.flatKeyed` (see {@link Codecs}). @internal */
export function flatKeyed<K extends string = string, V = bigint>(o?: { keys?: readonly K[]; value?: ScalarKind }): Codec<KeyedValues<K, V>, Readonly<Record<string, V>>> {
  const kind = valueKind(o?.value, "flatKeyed");
  return {
    name: "flatKeyed",
    parse(text, file) {
      const out = newRecord<V>();
      const end = text.length;
      let start = 0;
      while (start < end) {
        let nl = text.indexOf("\n", start);
        if (nl < 0) nl = end;
        if (nl > start) {
          const sp = text.indexOf(" ", start);
          if (sp <= start || sp >= nl) parseFail(file, text, `line ${JSON.stringify(text.slice(start, nl))} is not "key value"`);
          const key = text.slice(start, sp);
          const value = kind.parse(text.slice(sp + 1, nl));
          if (value === undefined) parseFail(file, text, `${key}: expected ${kind.expected}`);
          out[key] = value as V;
        }
        start = nl + 1;
      }
      return out as KeyedValues<K, V>;
    },
    format(value, file) {
      const [key, v] = onlyEntry(value, file, "key");
      return `${checkKey(key, file, value)} ${kind.format(v, file, value)}`;
    },
  };
}

/** The factory behind `codecs.nestedKeyed` (see {@link Codecs}). @internal */
export function nestedKeyed<K extends string = string, V = bigint>(o?: {
  keys?: readonly K[];
  value?: ScalarKind;
}): Codec<Readonly<Record<string, KeyedValues<K, V>>>, Readonly<Record<string, Readonly<Record<string, V>>>>> {
  const kind = valueKind(o?.value, "nestedKeyed");
  return {
    name: "nestedKeyed",
    parse(text, file) {
      const out = newRecord<KeyedValues<K, V>>();
      const end = text.length;
      let start = 0;
      while (start < end) {
        let nl = text.indexOf("\n", start);
        if (nl < 0) nl = end;
        if (nl > start) {
          let sp = text.indexOf(" ", start);
          if (sp < 0 || sp > nl) sp = nl;
          if (sp === start) parseFail(file, text, `line ${JSON.stringify(text.slice(start, nl))} does not start with a key`);
          const outer = text.slice(start, sp);
          const inner = newRecord<V>();
          let pos = sp + 1;
          while (pos < nl) {
            let next = text.indexOf(" ", pos);
            if (next < 0 || next > nl) next = nl;
            if (next > pos) {
              const eq = text.indexOf("=", pos);
              if (eq <= pos || eq >= next) parseFail(file, text, `${outer}: ${JSON.stringify(text.slice(pos, next))} is not "key=value"`);
              const key = text.slice(pos, eq);
              const value = kind.parse(text.slice(eq + 1, next));
              if (value === undefined) parseFail(file, text, `${outer} ${key}: expected ${kind.expected}`);
              inner[key] = value as V;
            }
            pos = next + 1;
          }
          out[outer] = inner as KeyedValues<K, V>;
        }
        start = nl + 1;
      }
      return out;
    },
    format(value, file) {
      const [outer, inner] = onlyEntry(value, file, "outer key");
      checkKey(outer, file, value);
      if (typeof inner !== "object" || inner === null || Array.isArray(inner)) invalid(file, value, `${outer}: expected an object of key=value pairs`);
      let line = outer;
      let pairs = 0;
      for (const key of Object.keys(inner)) {
        line += ` ${checkKey(key, file, value)}=${kind.format((inner as Record<string, unknown>)[key], file, value)}`;
        pairs++;
      }
      if (pairs === 0) invalid(file, value, `${outer}: at least one key=value pair is needed`);
      return line;
    },
  };
}

/** The factory behind `codecs.deviceValues` (see {@link Codecs}). @internal */
export function deviceValues<V = bigint>(o?: { value?: ScalarKind }): Codec<Readonly<Record<string, V>>, { readonly device: string; readonly value: V }> {
  const kind = valueKind(o?.value, "deviceValues");
  return {
    name: "deviceValues",
    parse(text, file) {
      const out = newRecord<V>();
      const end = text.length;
      let start = 0;
      while (start < end) {
        let nl = text.indexOf("\n", start);
        if (nl < 0) nl = end;
        if (nl > start) {
          const sp = text.indexOf(" ", start);
          const device = sp > start && sp < nl ? text.slice(start, sp) : "";
          if (device !== "default" && !isDeviceNumber(device)) parseFail(file, text, `line ${JSON.stringify(text.slice(start, nl))} is not "MAJ:MIN value" or "default value"`);
          const value = kind.parse(text.slice(sp + 1, nl));
          if (value === undefined) parseFail(file, text, `${device}: expected ${kind.expected}`);
          out[device] = value as V;
        }
        start = nl + 1;
      }
      return out;
    },
    format(value, file) {
      if (typeof value !== "object" || value === null) invalid(file, value, `expected { device, value }, got ${typeName(value)}`);
      const { device } = value;
      if (typeof device !== "string" || (device !== "default" && !isDeviceNumber(device))) invalid(file, value, 'device must be "MAJ:MIN" (e.g. "8:16") or "default"');
      return `${device} ${kind.format(value.value, file, value)}`;
    },
  };
}
