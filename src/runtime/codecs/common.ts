// Token-level helpers every codec shares: kernel integer syntax, bounds, one-line checks.
// Hand-rolled char loops instead of regexes: keyed parsers call these once per value on hot paths.
import { InvalidValueError, ParseError } from "../errors.js";

/** @internal */
export const U64_MAX = 18446744073709551615n;
/** @internal */
export const S64_MIN = -9223372036854775808n;
/** @internal */
export const S64_MAX = 9223372036854775807n;

/** Text without the one trailing newline the kernel adds after a value. @internal */
export function stripNewline(text: string): string {
  return text.length > 0 && text.charCodeAt(text.length - 1) === 10 ? text.slice(0, -1) : text;
}

/** True when every char of `s` (non-empty) is an ASCII digit. */
function allDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Decimal u64 as the kernel prints it (`%llu`); `undefined` when it is not one. @internal */
export function u64Token(token: string): bigint | undefined {
  // 20 digits is the widest u64; anything longer is out of range without a BigInt.
  if (token.length > 20 || !allDigits(token, 0)) return undefined;
  const value = BigInt(token);
  return value > U64_MAX ? undefined : value;
}

/** Decimal s64 (`%lld`); `undefined` when it is not one. @internal */
export function s64Token(token: string): bigint | undefined {
  const start = token.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (token.length - start > 19 || !allDigits(token, start)) return undefined;
  const value = BigInt(token);
  return value < S64_MIN || value > S64_MAX ? undefined : value;
}

/** Decimal safe integer, optionally negative; `undefined` otherwise. @internal */
export function intToken(token: string): number | undefined {
  const start = token.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (token.length - start > 16 || !allDigits(token, start)) return undefined;
  const value = Number(token);
  if (!Number.isSafeInteger(value)) return undefined;
  return value === 0 ? 0 : value; // no -0
}

/** Decimal number with an optional fraction (`95.00`, `-1`); `undefined` otherwise. @internal */
export function decimalToken(token: string): number | undefined {
  const start = token.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const dot = token.indexOf(".", start);
  if (dot < 0) {
    if (!allDigits(token, start)) return undefined;
  } else if (dot === start || !allDigits(token.slice(start, dot), 0) || !allDigits(token, dot + 1)) {
    return undefined;
  }
  const value = Number(token);
  if (!Number.isFinite(value)) return undefined;
  return value === 0 ? 0 : value;
}

/** What a value is, for "expected X, got Y" messages. @internal */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** @internal */
export function parseFail(file: string | undefined, text: string, reason: string): never {
  throw new ParseError(file, text, reason);
}

/** @internal */
export function invalid(file: string | undefined, value: unknown, reason: string): never {
  throw new InvalidValueError(file, value, reason);
}

/** A bigint inside [min, max], or InvalidValueError naming the bound. @internal */
export function checkBigint(value: unknown, min: bigint, max: bigint, file: string | undefined, shown: unknown = value): bigint {
  if (typeof value !== "bigint") invalid(file, shown, `expected a bigint (e.g. 100n), got ${typeName(value)}`);
  if (value < min) invalid(file, shown, min === 0n ? "must not be negative" : `must be at least ${min}`);
  if (value > max) invalid(file, shown, `must be at most ${max}`);
  return value;
}

/** A safe integer inside [min, max], or InvalidValueError. @internal */
export function checkInt(value: unknown, min: number, max: number, file: string | undefined, shown: unknown = value): number {
  if (typeof value !== "number") invalid(file, shown, `expected a number, got ${typeName(value)}`);
  if (!Number.isSafeInteger(value)) invalid(file, shown, "must be a safe integer");
  if (value < min) invalid(file, shown, min === 0 ? "must not be negative" : `must be at least ${min}`);
  if (value > max) invalid(file, shown, `must be at most ${max}`);
  return value;
}

/** True when a string holds a newline, carriage return or NUL: the kernel would cut or misread it. @internal */
export function hasLineBreakOrNul(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0) return true;
  }
  return false;
}

/** True for a non-empty string without whitespace, NUL or `=`: safe as a key or token in a keyed line. @internal */
export function isPlainToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 61 /* = */ || c === 127) return false;
  }
  return true;
}

/** A one-line string, or InvalidValueError. @internal */
export function checkOneLine(value: unknown, file: string | undefined): string {
  if (typeof value !== "string") invalid(file, value, `expected a string, got ${typeName(value)}`);
  if (hasLineBreakOrNul(value)) invalid(file, value, "contains a newline or NUL; one write carries one line");
  return value;
}

/** Split text into lines, dropping empty ones (the trailing newline, blank padding). @internal */
export function nonEmptyLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    if (nl > start) out.push(text.slice(start, nl));
    start = nl + 1;
  }
  return out;
}

/** Split on single spaces, dropping empty pieces (kernel lists end with a space, e.g. usage_percpu). @internal */
export function spaceSeparated(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < line.length) {
    let sp = line.indexOf(" ", start);
    if (sp < 0) sp = line.length;
    if (sp > start) out.push(line.slice(start, sp));
    start = sp + 1;
  }
  return out;
}

/** A fresh record for parsed keys. A null prototype so a key such as `__proto__` is data, never a prototype switch. @internal */
export function newRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Codec options bounds for bigint codecs, defaulted and checked once at factory time. @internal */
export function bigintBounds(o: { min?: bigint; max?: bigint } | undefined, lo: bigint, hi: bigint, codec: string): [bigint, bigint] {
  const min = o?.min ?? lo;
  const max = o?.max ?? hi;
  if (typeof min !== "bigint" || typeof max !== "bigint" || min < lo || max > hi || min > max) {
    throw new RangeError(`${codec}: bad bounds min=${String(min)} max=${String(max)} (allowed ${lo}..${hi})`);
  }
  return [min, max];
}

/** `MAJ:MIN` with decimal 32-bit numbers, as the kernel prints and parses (`%u:%u`). @internal */
export function isDeviceNumber(s: string): boolean {
  const colon = s.indexOf(":");
  if (colon <= 0 || colon > 10 || s.length - colon - 1 > 10) return false;
  const major = s.slice(0, colon);
  const minor = s.slice(colon + 1);
  return allDigits(major, 0) && allDigits(minor, 0) && Number(major) <= 0xffffffff && Number(minor) <= 0xffffffff;
}
