// A small command-line parser: long and short options, `--opt=value`, `--`, and verbs whose
// trailing arguments are a command to run (`run … -- CMD ARGS`), which are never parsed as options.

import { closestName } from "../runtime/suggest.js";

/** A command-line mistake: reported as one line, exit status 2. @internal */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The verb whose usage applies, for the "see --help" hint. */
    readonly verb?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option a verb takes. @internal */
export interface OptionSpec {
  /** Long name without dashes (`memory`). */
  readonly name: string;
  /** One-letter alias (`r`). */
  readonly short?: string;
  /** A flag, or an option that takes a value. */
  readonly takes: "flag" | "value";
  /** Placeholder in help (`SIZE`). */
  readonly valueName?: string;
  /** May be given more than once (values are collected in order). */
  readonly repeat?: boolean;
  readonly help: string;
}

/** What a verb looks like on the command line. @internal */
export interface VerbSyntax {
  readonly options: readonly OptionSpec[];
  /**
   * Positionals before a trailing command (`exec GROUP CMD…`: 1; `run CMD…`: 0). Undefined: no trailing command.
   * A function decides from the options seen so far (`exec -g memory:web CMD…` names the group in an option: 0).
   */
  readonly commandAfter?: number | ((values: ReadonlyMap<string, readonly string[]>) => number);
  /** Options of the tool the verb is modelled on (libcgroup's `-d`) that it does not take: what to type instead. */
  readonly refused?: Readonly<Record<string, string>>;
  /** Allowed positional count (trailing command excluded). */
  readonly positionals: { readonly min: number; readonly max: number };
}

/** The parsed command line of one verb. @internal */
export interface ParsedArgs {
  readonly flags: ReadonlySet<string>;
  /** Last value of each single-value option; every value of a repeatable one. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly positionals: readonly string[];
  /** The trailing command, for verbs that take one. */
  readonly command: readonly string[];
}

/** Options every verb accepts. @internal */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "json", takes: "flag", help: "print machine-readable JSON instead of text" },
  { name: "help", short: "h", takes: "flag", help: "show this help" },
];

/**
 * Parse `argv` (the arguments after the verb). Options may appear anywhere before a trailing
 * command; `--` ends options. Unknown options, missing values and wrong positional counts are
 * {@link UsageError}s.
 * @internal
 */
export function parseArgs(argv: readonly string[], syntax: VerbSyntax, verb: string): ParsedArgs {
  const specs = [...COMMON_OPTIONS, ...syntax.options];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string[] = [];
  const commandAfter = (): number | undefined => (typeof syntax.commandAfter === "function" ? syntax.commandAfter(values) : syntax.commandAfter);

  const take = (spec: OptionSpec, inline: string | undefined, i: number, shown: string): number => {
    if (spec.takes === "flag") {
      if (inline !== undefined) throw new UsageError(`option ${shown} takes no value`, verb);
      flags.add(spec.name);
      return i;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option ${shown} needs a value${spec.valueName ? ` (${spec.valueName})` : ""}`, verb);
      value = argv[++i] as string;
    }
    const list = values.get(spec.name) ?? [];
    if (spec.repeat) list.push(value);
    else list.splice(0, list.length, value);
    values.set(spec.name, list);
    return i;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const owed = commandAfter();
    const wantsCommand = owed !== undefined && positionals.length >= owed;
    if (arg === "--") {
      const rest = argv.slice(i + 1);
      if (owed !== undefined) {
        // Positionals still owed before the command come first (`exec -- GROUP CMD` is not accepted: the group goes before --).
        if (positionals.length < owed) throw new UsageError(`expected ${describeCount(owed)} before "--"`, verb);
        command = rest;
      } else positionals.push(...rest);
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec && syntax.refused?.[`--${name}`]) throw new UsageError(`option --${name} is not taken: ${syntax.refused[`--${name}`]}`, verb);
      if (!spec) throw new UsageError(`unknown option --${name}${suggest(name, [...byLong.keys()])}`, verb);
      i = take(spec, eq < 0 ? undefined : arg.slice(eq + 1), i, `--${name}`);
      continue;
    }
    if (arg.startsWith("-") && arg.length === 2 && arg !== "--") {
      const spec = byShort.get(arg.slice(1));
      if (!spec && syntax.refused?.[arg]) throw new UsageError(`option ${arg} is not taken: ${syntax.refused[arg]}`, verb);
      if (!spec) throw new UsageError(`unknown option ${arg}`, verb);
      i = take(spec, undefined, i, arg);
      continue;
    }
    // Bundled one-letter flags (`-nv`, as libcgroup's cgget takes them): every letter a flag of this verb.
    const bundled = /^-[a-zA-Z]{2,}$/.test(arg) ? [...arg.slice(1)].map((l) => byShort.get(l)) : [];
    if (bundled.length > 0 && bundled.every((spec) => spec?.takes === "flag")) {
      for (const spec of bundled) flags.add((spec as OptionSpec).name);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 2 && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown option ${arg} (long options take two dashes)`, verb);
    }
    if (wantsCommand) {
      command = argv.slice(i);
      break;
    }
    positionals.push(arg);
  }

  if (!flags.has("help")) {
    const { min, max } = syntax.positionals;
    if (positionals.length < min) throw new UsageError(`missing argument: expected ${describeCount(min)}, got ${positionals.length}`, verb);
    if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`, verb);
    if (commandAfter() !== undefined && command.length === 0) throw new UsageError("missing command: give it after -- (e.g. -- sh -c 'echo hi')", verb);
  }
  return { flags, values, positionals, command };
}

function describeCount(n: number): string {
  return n === 1 ? "1 argument" : `${n} arguments`;
}

/** ` (did you mean --x?)` for a near miss, else empty. @internal */
export function suggest(word: string, candidates: readonly string[], prefix = "--"): string {
  const best = closestName(word, candidates);
  return best !== undefined ? ` (did you mean ${prefix}${best}?)` : "";
}

/** The single value of an option, if given. @internal */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const list = args.values.get(name);
  return list === undefined ? undefined : list[list.length - 1];
}
