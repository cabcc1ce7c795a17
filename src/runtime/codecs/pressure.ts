// Pressure stall information (cpu/io/memory/irq.pressure): read the averages, write a trigger.
import type { Codec } from "../codec.js";
import { checkBigint, decimalToken, invalid, nonEmptyLines, parseFail, spaceSeparated, typeName, u64Token, U64_MAX } from "./common.js";

/** One PSI line: stall percentages over 10 s, 60 s, 300 s, and total stall time in microseconds. @public */
export interface PressureLine {
  /** Percent of wall time stalled, averaged over the last 10 s. */
  readonly avg10: number;
  /** The same over 60 s. */
  readonly avg60: number;
  /** The same over 300 s. */
  readonly avg300: number;
  /** Total stall time since the group was made, in microseconds. */
  readonly total: bigint;
}

/**
 * A PSI file as read. cpu, memory and io pressure always have `some` (and `full` where the kernel reports it);
 * irq.pressure has only `full`, so `some` is optional in the type.
 * @public
 */
export interface Pressure {
  /** Time at least one task stalled. */
  readonly some?: PressureLine;
  /** Time every non-idle task stalled at once. */
  readonly full?: PressureLine;
}

/** A PSI trigger: wake pollers when stall time exceeds `stallUs` within any `windowUs` window. @public */
export interface PressureTrigger {
  /** Which stall to watch: some tasks, or all at once. */
  readonly kind: "some" | "full";
  /** Stall time, in microseconds, that fires the trigger. */
  readonly stallUs: bigint;
  /** The window it is measured over, in microseconds (500 ms to 10 s). */
  readonly windowUs: bigint;
}

// Window bounds from Documentation/accounting/psi.rst: 500 ms to 10 s.
const WINDOW_MIN_US = 500000n;
const WINDOW_MAX_US = 10000000n;

function parseLine(line: string, text: string, file: string | undefined): ["some" | "full", PressureLine] {
  const fields = spaceSeparated(line);
  const kind = fields[0];
  if (kind !== "some" && kind !== "full") return parseFail(file, text, `line ${JSON.stringify(line)} does not start with "some" or "full"`);
  let avg10: number | undefined;
  let avg60: number | undefined;
  let avg300: number | undefined;
  let total: bigint | undefined;
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i] as string;
    const eq = field.indexOf("=");
    const key = eq > 0 ? field.slice(0, eq) : field;
    const value = field.slice(eq + 1);
    // Keys the kernel may add later are skipped; the four below are required.
    if (key === "avg10") avg10 = decimalToken(value);
    else if (key === "avg60") avg60 = decimalToken(value);
    else if (key === "avg300") avg300 = decimalToken(value);
    else if (key === "total") total = u64Token(value);
    else if (eq <= 0) parseFail(file, text, `${JSON.stringify(field)} is not "key=value"`);
  }
  if (avg10 === undefined || avg60 === undefined || avg300 === undefined || total === undefined || avg10 < 0 || avg60 < 0 || avg300 < 0) {
    return parseFail(file, text, `${kind}: needs avg10, avg60, avg300 (non-negative decimals) and total (an unsigned integer)`);
  }
  return [kind, { avg10, avg60, avg300, total }];
}

/** The factory behind `codecs.psi` (see {@link Codecs}). @internal */
export function psi(): Codec<Pressure, PressureTrigger> {
  return {
    name: "psi",
    parse(text, file) {
      let some: PressureLine | undefined;
      let full: PressureLine | undefined;
      for (const line of nonEmptyLines(text)) {
        const [kind, values] = parseLine(line, text, file);
        if ((kind === "some" ? some : full) !== undefined) parseFail(file, text, `two "${kind}" lines`);
        if (kind === "some") some = values;
        else full = values;
      }
      if (some === undefined && full === undefined) return parseFail(file, text, 'no "some" or "full" line');
      return { ...(some && { some }), ...(full && { full }) };
    },
    format(value, file) {
      if (typeof value !== "object" || value === null) invalid(file, value, `expected { kind, stallUs, windowUs }, got ${typeName(value)}`);
      const { kind, stallUs, windowUs } = value;
      if (kind !== "some" && kind !== "full") invalid(file, value, 'kind must be "some" or "full"');
      const window = checkBigint(windowUs, WINDOW_MIN_US, WINDOW_MAX_US, file, value);
      const stall = checkBigint(stallUs, 1n, U64_MAX, file, value);
      if (stall > window) invalid(file, value, "stallUs must not exceed windowUs");
      return `${kind} ${stall} ${window}`;
    },
  };
}
