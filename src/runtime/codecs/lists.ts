// List files: pids, words, lines, u64 lists, cpu/mem range lists, and cgroup.subtree_control changes.
import type { Codec } from "../codec.js";
import { showValue } from "../errors.js";
import { U64_MAX, checkBigint, checkInt, checkOneLine, intToken, invalid, parseFail, spaceSeparated, stripNewline, typeName, u64Token } from "./common.js";

/** The kernel reads a pid with kstrtoint: anything above INT_MAX is refused. */
const PID_MAX = 2147483647;

/** The factory behind `codecs.pidList` (see {@link Codecs}). @internal */
export function pidList(): Codec<number[], number> {
  return {
    name: "pidList",
    parse(text, file) {
      const out: number[] = [];
      const end = text.length;
      let start = 0;
      while (start < end) {
        let nl = text.indexOf("\n", start);
        if (nl < 0) nl = end;
        if (nl > start) {
          // 0 is real: a task outside the reader's pid namespace is listed as 0.
          const pid = intToken(text.slice(start, nl));
          if (pid === undefined || pid < 0 || pid > PID_MAX) parseFail(file, text, `${JSON.stringify(text.slice(start, nl))} is not a pid`);
          out.push(pid);
        }
        start = nl + 1;
      }
      return out;
    },
    format(value, file) {
      return String(checkInt(value, 1, PID_MAX, file));
    },
  };
}

/** A word of a space-separated list: controller names, features. */
function isWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 46 /* . */ || c === 45; /* - */
    if (!ok) return false;
  }
  return true;
}

function parseWords(text: string, file: string | undefined): string[] {
  const out = spaceSeparated(stripNewline(text));
  for (const word of out) if (!isWord(word)) parseFail(file, text, `${JSON.stringify(word)} is not a word of [A-Za-z0-9_.-]`);
  return out;
}

/** The factory behind `codecs.words` (see {@link Codecs}). @internal */
export function words(): Codec<string[]> {
  return {
    name: "words",
    parse: parseWords,
    format(value, file) {
      if (!Array.isArray(value)) invalid(file, value, `expected an array of words, got ${typeName(value)}`);
      for (const word of value) {
        if (typeof word !== "string" || !isWord(word)) invalid(file, value, `${showValue(word)} is not a word of [A-Za-z0-9_.-]`);
      }
      return value.join(" ");
    },
  };
}

/** The factory behind `codecs.lines` (see {@link Codecs}). @internal */
export function lines(): Codec<string[], string> {
  return {
    name: "lines",
    parse(text) {
      const body = stripNewline(text);
      return body.length === 0 ? [] : body.split("\n");
    },
    format(value, file) {
      return checkOneLine(value, file);
    },
  };
}

/** The factory behind `codecs.u64List` (see {@link Codecs}). @internal */
export function u64List(): Codec<bigint[]> {
  return {
    name: "u64List",
    parse(text, file) {
      const out: bigint[] = [];
      for (const token of spaceSeparated(stripNewline(text))) {
        out.push(u64Token(token) ?? parseFail(file, text, `${JSON.stringify(token)} is not an unsigned 64-bit integer`));
      }
      return out;
    },
    format(value, file) {
      if (!Array.isArray(value)) invalid(file, value, `expected an array of bigints, got ${typeName(value)}`);
      return value.map((v) => checkBigint(v, 0n, U64_MAX, file, value).toString()).join(" ");
    },
  };
}

/**
 * Largest cpu or node number a range list may name. Far above any kernel's NR_CPUS (8192) and
 * MAX_NUMNODES (1024), and small enough that "0-N" cannot expand into a huge array.
 */
const RANGE_MAX = 65535;

/** `0-3,5` → [0,1,2,3,5]; a reason string when the text is not a range list. */
function expandRanges(list: string): number[] | string {
  const out: number[] = [];
  if (list.length === 0) return out;
  let sorted = true;
  for (const part of list.split(",")) {
    const dash = part.indexOf("-");
    const lo = intToken(dash < 0 ? part : part.slice(0, dash));
    const hi = dash < 0 ? lo : intToken(part.slice(dash + 1));
    if (lo === undefined || hi === undefined || lo < 0 || hi < 0) return `${JSON.stringify(part)} is not N or N-M`;
    if (lo > hi) return `${JSON.stringify(part)}: range start is above its end`;
    if (hi > RANGE_MAX) return `${hi} is above ${RANGE_MAX}`;
    if (out.length > 0 && lo <= (out[out.length - 1] as number)) sorted = false;
    for (let n = lo; n <= hi; n++) out.push(n);
  }
  return sorted ? out : [...new Set(out)].sort((a, b) => a - b);
}

/** [0,1,2,3,5] (sorted, unique) → "0-3,5". */
function compactRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const lo = sorted[i] as number;
    let hi = lo;
    while (i + 1 < sorted.length && sorted[i + 1] === hi + 1) hi = sorted[++i] as number;
    parts.push(lo === hi ? String(lo) : `${lo}-${hi}`);
    i++;
  }
  return parts.join(",");
}

/** The factory behind `codecs.rangeList` (see {@link Codecs}). @internal */
export function rangeList(): Codec<number[], readonly number[] | string> {
  return {
    name: "rangeList",
    parse(text, file) {
      const result = expandRanges(stripNewline(text));
      return typeof result === "string" ? parseFail(file, text, result) : result;
    },
    format(value, file) {
      if (typeof value === "string") {
        const result = expandRanges(value);
        if (typeof result === "string") invalid(file, value, result);
        return value;
      }
      if (!Array.isArray(value)) invalid(file, value, `expected an array of numbers or a list such as "0-3,5", got ${typeName(value)}`);
      for (const n of value) checkInt(n, 0, RANGE_MAX, file, value);
      return compactRanges([...new Set(value)].sort((a, b) => a - b));
    },
  };
}

/** A controller name as cgroup.subtree_control takes it. */
function isControllerName(s: unknown): s is string {
  if (typeof s !== "string" || s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

/** The factory behind `codecs.subtreeControl` (see {@link Codecs}). @internal */
export function subtreeControl<N extends string = string>(): Codec<string[], { readonly enable?: readonly N[]; readonly disable?: readonly N[] }> {
  return {
    name: "subtreeControl",
    parse: parseWords,
    format(value, file) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(file, value, `expected { enable?, disable? }, got ${typeName(value)}`);
      const { enable = [], disable = [] } = value;
      if (!Array.isArray(enable) || !Array.isArray(disable)) invalid(file, value, "enable and disable must be arrays of controller names");
      for (const name of [...enable, ...disable]) {
        if (!isControllerName(name)) invalid(file, value, `${showValue(name)} is not a controller name`);
      }
      const enabling = new Set(enable);
      for (const name of disable) if (enabling.has(name)) invalid(file, value, `${name} is both enabled and disabled`);
      const tokens = [...enabling].map((n) => `+${n}`).concat([...new Set(disable)].map((n) => `-${n}`));
      if (tokens.length === 0) invalid(file, value, "nothing to enable or disable");
      return tokens.join(" ");
    },
  };
}
