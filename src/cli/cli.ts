// The cgroupkit command line: verb dispatch, --help, and errors as one line with an exit status.
import { createRequire } from "node:module";
import { DelegationError } from "../cgroup/delegation.js";
import type { CgroupFs } from "../runtime/fs.js";
import { CgroupError, CgroupIoError, InvalidNameError, InvalidValueError } from "../runtime/errors.js";
import { UsageError, parseArgs, suggest } from "./args.js";
import { CliContext, CliError, type CliIo } from "./context.js";
import { verbHelp, type Verb } from "./verb.js";

/** A verb by name; its module (and what it imports) is loaded only when the verb runs. @internal */
export interface VerbEntry {
  readonly name: string;
  readonly load: () => Promise<Verb>;
}

/**
 * Every verb, in the order --help lists them. One line each: the name as typed and the module
 * that defines it, imported on demand so `cgroupkit get` never loads `run`'s or `devices`' code.
 * @internal
 */
export const VERBS: readonly VerbEntry[] = [
  { name: "run", load: async () => (await import("./commands/run.js")).runVerb },
  { name: "exec", load: async () => (await import("./commands/run.js")).execVerb },
  { name: "create", load: async () => (await import("./commands/groups.js")).createVerb },
  { name: "delete", load: async () => (await import("./commands/groups.js")).deleteVerb },
  { name: "set", load: async () => (await import("./commands/files.js")).setVerb },
  { name: "get", load: async () => (await import("./commands/files.js")).getVerb },
  { name: "ls", load: async () => (await import("./commands/tree.js")).lsVerb },
  { name: "tree", load: async () => (await import("./commands/tree.js")).treeVerb },
  { name: "serve-metrics", load: async () => (await import("./commands/serve-metrics.js")).serveMetricsVerb },
  { name: "top", load: async () => (await import("./commands/top.js")).topVerb },
  { name: "mounts", load: async () => (await import("./commands/mounts.js")).mountsVerb },
  { name: "limits", load: async () => (await import("./commands/limits.js")).limitsVerb },
  { name: "doctor", load: async () => (await import("./commands/doctor.js")).doctorVerb },
  { name: "apply", load: async () => (await import("./commands/apply.js")).applyVerb },
  { name: "export", load: async () => (await import("./commands/apply.js")).exportVerb },
  { name: "import-cgconfig", load: async () => (await import("./commands/apply.js")).importCgconfigVerb },
  { name: "classify", load: async () => (await import("./commands/groups.js")).classifyVerb },
  { name: "gc", load: async () => (await import("./commands/gc.js")).gcVerb },
  { name: "devices show", load: async () => (await import("./commands/devices.js")).devicesShowVerb },
  { name: "devices apply", load: async () => (await import("./commands/devices.js")).devicesApplyVerb },
  { name: "devices check", load: async () => (await import("./commands/devices.js")).devicesCheckVerb },
  { name: "spec scan", load: async () => (await import("./commands/spec-scan.js")).specScanVerb },
  { name: "events", load: async () => (await import("./commands/events.js")).eventsVerb },
];

/** Load a verb's module; the entry's name and the verb's own must agree (a wrong line in VERBS is a bug). @internal */
export async function loadVerb(entry: VerbEntry): Promise<Verb> {
  const verb = await entry.load();
  if (verb.name !== entry.name) throw new Error(`verb table: ${JSON.stringify(entry.name)} loads the verb ${JSON.stringify(verb.name)}`);
  return verb;
}

/** Verbs that take a sub-verb (`devices show`). */
const GROUPS = new Set(VERBS.filter((v) => v.name.includes(" ")).map((v) => v.name.split(" ")[0] as string));

/** The main --help: the one place every verb's module is loaded (for its summary). */
async function mainHelp(): Promise<string> {
  const verbs = await Promise.all(VERBS.map(loadVerb));
  const width = Math.max(...verbs.map((v) => v.name.length));
  return [
    "cgroupkit: typed cgroup v1/v2 control from the command line (run, create, set, get, ls, devices, …)",
    "",
    "Usage: cgroupkit <verb> [options] [arguments]",
    "",
    "Verbs:",
    ...verbs.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
    "",
    "Every verb takes --help (with examples) and --json. Errors are one line on stderr;",
    "exit status 1 for a failure, 2 for a usage error (bad option, name or value).",
    "",
    "Quick start (as root):",
    "  cgroupkit run --memory 64M --devices libvirt-lxc -- sh -c 'head -c 1 /dev/zero | od -c; head -c 1 /dev/tty'",
    "",
  ].join("\n");
}

/** The hint appended to a permission error when not running as root. */
function permissionHint(err: CgroupIoError): string {
  if ((err.errno !== "EACCES" && err.errno !== "EPERM") || (err instanceof DelegationError && err.rule !== "not-delegated")) return "";
  if (process.getuid?.() === 0) return "";
  return "; cgroupkit needs root (or a group delegated to this user) for this";
}

/**
 * The one line an error is reported as, and the exit status: 2 for usage errors and values
 * refused before any syscall, 1 for everything else. Only an unexpected error (a bug) shows
 * more, and only with CGROUPKIT_DEBUG=1.
 * @internal
 */
export function describeFailure(err: unknown, verb: string | undefined): { message: string; exitCode: number } {
  const where = verb ? `cgroupkit ${verb}` : "cgroupkit";
  if (err instanceof UsageError) {
    const help = err.verb ?? verb;
    return { message: `${where}: ${err.message}${help ? ` (see cgroupkit ${help} --help)` : " (see cgroupkit --help)"}`, exitCode: 2 };
  }
  if (err instanceof InvalidValueError || err instanceof InvalidNameError) return { message: `${where}: ${err.message}`, exitCode: 2 };
  if (err instanceof CliError) return { message: `${where}: ${err.message}`, exitCode: err.exitCode };
  if (err instanceof CgroupIoError) {
    const missing = err.errno === "ENOENT" && err.op === "open" ? ` (no such group)` : "";
    return { message: `${where}: ${err.message}${missing}${permissionHint(err)}`, exitCode: 1 };
  }
  if (err instanceof CgroupError) return { message: `${where}: ${err.message}`, exitCode: 1 };
  const text = err instanceof Error ? err.message : String(err);
  const stack = process.env.CGROUPKIT_DEBUG === "1" && err instanceof Error && err.stack ? `\n${err.stack}` : " (CGROUPKIT_DEBUG=1 shows the stack)";
  return { message: `${where}: internal error: ${text}${stack}`, exitCode: 1 };
}

/** `devices --help`: a verb group's own help, listing its sub-verbs with their summaries. */
async function groupHelpVerb(group: string): Promise<Verb> {
  const subs = await Promise.all(VERBS.filter((v) => v.name.startsWith(`${group} `)).map(loadVerb));
  return {
    name: group,
    summary: `${subs.map((v) => v.name.slice(group.length + 1)).join(", ")}`,
    usage: subs.flatMap((v) => v.usage),
    description: ["Sub-verbs (each takes --help):", ...subs.map((v) => `  ${v.name}: ${v.summary}`)].join("\n"),
    syntax: { options: [], positionals: { min: 0, max: 0 } },
    examples: subs.flatMap((v) => v.examples.slice(0, 1)),
    run: async () => 0,
  };
}

/** A verb's --help, with examples in the form that works on this host when the verb has such and the layout can be read. */
async function helpFor(verb: Verb, fs: CgroupFs | undefined): Promise<string> {
  if (!verb.hostExamples) return verbHelp(verb);
  try {
    const { readCgroupLayout } = await import("../cgroup/mounts.js");
    const layout = await readCgroupLayout(fs ? { fs } : {});
    if (layout.kind !== "none") return verbHelp({ ...verb, examples: verb.hostExamples(layout) });
  } catch {
    // No readable layout (not Linux, no /proc): the static examples say both forms.
  }
  return verbHelp(verb);
}

/** Find the verb named at the start of argv; the rest are its arguments. */
function findVerb(argv: readonly string[]): { verb: VerbEntry; rest: readonly string[] } {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError("missing verb");
  if (GROUPS.has(first)) {
    if (second === "--help" || second === "-h") return { verb: { name: first, load: () => groupHelpVerb(first) }, rest: ["--help"] };
    const name = `${first} ${second ?? ""}`;
    const verb = VERBS.find((v) => v.name === name);
    const subs = VERBS.filter((v) => v.name.startsWith(`${first} `)).map((v) => v.name.slice(first.length + 1));
    if (!verb) throw new UsageError(second === undefined ? `${first} needs one of: ${subs.join(", ")}` : `unknown ${first} verb ${JSON.stringify(second)}: expected one of ${subs.join(", ")}`);
    return { verb, rest: argv.slice(2) };
  }
  const verb = VERBS.find((v) => v.name === first);
  if (!verb) throw new UsageError(`unknown verb ${JSON.stringify(first)}${suggest(first, VERBS.map((v) => v.name.split(" ")[0] as string), "")}`);
  return { verb, rest: argv.slice(1) };
}

/**
 * Run the command line; returns the exit status. Output goes through `io`, so tests and embedders
 * can capture it.
 * @internal
 */
export async function main(argv: readonly string[], io: CliIo, fs?: CgroupFs): Promise<number> {
  let verbName: string | undefined;
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      if (argv[0] === "help" && argv.length > 1) return main([...argv.slice(1), "--help"], io, fs);
      io.stdout(await mainHelp());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === "--version") {
      io.stdout(`${(createRequire(import.meta.url)("cgroupkit/package.json") as { version: string }).version}\n`);
      return 0;
    }
    const { verb: entry, rest } = findVerb(argv);
    verbName = entry.name;
    const verb = entry.name.includes(" ") || !GROUPS.has(entry.name) ? await loadVerb(entry) : await entry.load();
    const args = parseArgs(rest, verb.syntax, verb.name);
    if (args.flags.has("help")) {
      io.stdout(await helpFor(verb, fs));
      return 0;
    }
    return await verb.run(new CliContext(args, io, fs));
  } catch (err) {
    const { message, exitCode } = describeFailure(err, verbName);
    io.stderr(`${message}\n`);
    return exitCode;
  }
}
