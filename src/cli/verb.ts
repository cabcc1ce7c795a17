// The shape of one verb, and its --help text.
import { COMMON_OPTIONS, type VerbSyntax } from "./args.js";
import type { CgroupLayout } from "../cgroup/mounts.js";
import type { CliContext } from "./context.js";

/** One `cgroupkit <verb>`. @internal */
export interface Verb {
  /** As typed: `get`, `devices check`. */
  readonly name: string;
  readonly summary: string;
  /** Usage lines without the program name (`get GROUP [FILE…]`). */
  readonly usage: readonly string[];
  /** A paragraph or two on what it does and what it prints. */
  readonly description: string;
  readonly syntax: VerbSyntax;
  /** Command lines with a comment each: `["cgroupkit get web memory.max", "one value"]`. */
  readonly examples: ReadonlyArray<readonly [string, string]>;
  /** The examples in the form that works on this host (file names where it binds each controller); --help prefers these. */
  readonly hostExamples?: (layout: CgroupLayout) => ReadonlyArray<readonly [string, string]>;
  /** Exit status. */
  run(ctx: CliContext): Promise<number>;
}

/** The --help text of a verb. @internal */
export function verbHelp(verb: Verb): string {
  const lines = [`cgroupkit ${verb.name}: ${verb.summary}`, "", "Usage:"];
  for (const u of verb.usage) lines.push(`  cgroupkit ${u}`);
  lines.push("", ...verb.description.split("\n").map((l) => (l === "" ? "" : `  ${l}`)), "", "Options:");
  const options = [...verb.syntax.options, ...COMMON_OPTIONS];
  const shown = options.map((o) => `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.takes === "value" ? ` ${o.valueName ?? "VALUE"}` : ""}`);
  const width = Math.max(...shown.map((s) => s.length));
  options.forEach((o, i) => lines.push(`  ${(shown[i] as string).padEnd(width)}  ${o.help}${o.repeat ? " (repeatable)" : ""}`));
  lines.push("", "Examples:");
  for (const [command, comment] of verb.examples) lines.push(`  # ${comment}`, `  ${command}`);
  return `${lines.join("\n")}\n`;
}
