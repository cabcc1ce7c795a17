// `set` and `get`: typed writes and reads of control files by name, through the generated accessors.
import type { Cgroup } from "../../cgroup/cgroup.js";
import { ResourceApplyError, writeAllOrRestore, type RestorableWrite } from "../../resources/restore.js";
import { ReadableFile, ReadWriteFile, WriteOnlyFile } from "../../runtime/accessor.js";
import { CgroupError, CgroupIoError, ParseError } from "../../runtime/errors.js";
import type { CodecName } from "../../runtime/codecs/index.js";
import { openSnapshot } from "../../runtime/snapshot.js";
import { hierarchyFor, type CgroupHierarchy, type CgroupLayout } from "../../cgroup/mounts.js";
import { UsageError, optionValue } from "../args.js";
import { explainRefusal, refuseUndelegatedWrites } from "../../cgroup/delegation.js";
import { assertKnownFile, hierarchiesFor, hostFileName, isWritable, listControlFiles, matchFileName, missingFileMessage, resolveControlFile, writeCodecOf, type BoundFile } from "../control-files.js";
import { controllersArg, groupSpecOption, groupSpecs, specHierarchies } from "../libcgroup.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import { expandGroupPattern, isGroupPattern, splitGroupsAndFiles } from "../group-args.js";
import { renderValue } from "../output.js";
import { convertValue } from "../values.js";
import type { Verb } from "../verb.js";

/** `FILE=VALUE` split at the first `=`. */
function assignment(text: string, option = ""): { name: string; value: string } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${option}${JSON.stringify(text)}: expected FILE=VALUE (e.g. ${option}pids.max=100; to read a file, type cgroupkit get GROUP ${text.split("=")[0] || "FILE"})`, "set");
  return { name: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** Counters and pressure triggers are writable only to reset or to arm: never copied from one group to another. */
const NOT_COPIED = /(?:failcnt|max_usage_in_bytes|^cpuacct\.usage|shown_ram_in_bytes)$/;
/** Codecs whose read value is one write: a file of another codec (per-device lines, keyed maps) is not copied. */
const COPIED_CODECS: ReadonlySet<string> = new Set<CodecName>(["int", "u64", "s64", "bool", "enum", "rangeList", "percentOrMax", "cpuMax", "limit", "v1Bytes"]);

/** A file `--copy-from` copies: a controller's parameter whose read value writes back as it is. */
function isCopiedParameter(b: BoundFile): boolean {
  const e = b.entry;
  return e.controller !== "core" && e.access === "rw" && writeCodecOf(e) === e.codec && COPIED_CODECS.has(e.codec) && !NOT_COPIED.test(b.file.name) && b.file instanceof ReadWriteFile;
}

interface PlannedWrite {
  readonly group: string;
  readonly bound: BoundFile;
  readonly formatted: string;
}

/** The host-form examples of `set`: the file names where this host binds each controller. */
function setExamples(layout: CgroupLayout): ReadonlyArray<readonly [string, string]> {
  const memory = hostFileName(layout, "memory.max");
  const cpu = hostFileName(layout, "cpu.max");
  const where = (c: string) => (hierarchyFor(layout, c)?.version === "v1" ? "v1" : "cgroup2");
  return [
    [`cgroupkit set web ${memory}=512M pids.max=100`, `a memory and a task limit (memory is on ${where("memory")} here)`],
    [cpu === "cpu.max" ? "cgroupkit set web 'cpu.max=50000 100000'" : "cgroupkit set web cpu.cfs_quota_us=50000", `half a CPU (cpu is on ${where("cpu")} here)`],
    [`cgroupkit set -r ${memory}=512M web db`, "libcgroup's cgset form, two groups"],
    ["cgroupkit set --copy-from web db", "give db every parameter web has"],
  ];
}

/** @internal */
export const setVerb: Verb = {
  name: "set",
  summary: "write control files, each value checked by the file's codec first (like cgset)",
  usage: ["set GROUP… FILE=VALUE…", "set -r FILE=VALUE… GROUP…", "set -g CTRL[,CTRL]:PATH FILE=VALUE…", "set --copy-from SOURCE GROUP…"],
  description:
    "Every value is parsed and validated against its file's type, in every group, before the first write:\n" +
    "an unknown file, a read-only file or a value out of range changes nothing. Then the files are written in\n" +
    "order, one write(2) each. Byte files take suffixes (64M, 1G; base 1024) and \"max\"; booleans take 1/0,\n" +
    "true/false; keyed files take one line as the kernel prints it (\"8:0 rbps=1048576\").\n" +
    "\n" +
    "libcgroup's cgset forms work too: -r FILE=VALUE (repeatable), -g CTRL:PATH for a group, and\n" +
    "--copy-from SOURCE, which writes each controller parameter of SOURCE (limits, weights, cpusets; not\n" +
    "counters, per-device lines or membership) that differs in GROUP. If a write fails, the files already\n" +
    "written are set back to their old values. cgroup.procs=PID moves a process, in every hierarchy of the group or none.",
  syntax: {
    options: [
      { name: "variable", short: "r", takes: "value", valueName: "FILE=VALUE", repeat: true, help: "a file and its value (libcgroup's cgset -r)" },
      groupSpecOption("set"),
      { name: "copy-from", takes: "value", valueName: "SOURCE", help: "copy every controller parameter of SOURCE that differs" },
    ],
    positionals: { min: 0, max: Infinity },
  },
  examples: [
    ["cgroupkit set web memory.max=512M pids.max=100", "on cgroup2"],
    ["cgroupkit set web memory.limit_in_bytes=512M cpu.shares=512", "on cgroup v1"],
    ["cgroupkit set web 'cpu.max=50000 100000'", "half a CPU"],
    ["cgroupkit set --copy-from web db", "give db every parameter web has"],
  ],
  hostExamples: setExamples,
  async run(ctx: CliContext) {
    const positional = ctx.args.positionals;
    // `set web memory.max` is a file without its value, not a second group.
    for (const t of positional) if (!t.includes("=") && matchFileName(t).length > 0) assignment(t);
    const assignments = [...positional.filter((t) => t.includes("=")).map((t) => assignment(t)), ...(ctx.args.values.get("variable") ?? []).map((t) => assignment(t, "-r "))];
    const layout = await ctx.layout();
    const specs = groupSpecs(ctx.args.values.get("cgroup") ?? [], layout, "set");
    const targets = [...positional.filter((t) => !t.includes("=")).map((g) => ({ group: groupArg(g), within: undefined as CgroupHierarchy[] | undefined })), ...specs.map((s) => ({ group: s.group, within: specHierarchies(layout, s) }))];
    const source = optionValue(ctx.args, "copy-from");
    if (targets.length === 0) throw new UsageError("missing group: type cgroupkit set GROUP FILE=VALUE… (or -g CONTROLLERS:PATH, or --copy-from SOURCE GROUP)", "set");
    if (source !== undefined && assignments.length > 0) throw new UsageError("give --copy-from or FILE=VALUE, not both: run cgroupkit set twice", "set");
    if (source === undefined && assignments.length === 0) throw new UsageError("nothing to set: give FILE=VALUE (or -r FILE=VALUE, or --copy-from SOURCE)", "set");
    for (const a of assignments) assertKnownFile(a.name);
    const move = assignments.find((a) => a.name === "cgroup.procs");
    if (move && (assignments.length > 1 || targets.length > 1)) throw new UsageError("cgroup.procs moves a process rather than setting a value: set it alone, in one group (or use classify)", "set");
    if (move) return moveProcess(ctx, await ctx.openGroup(targets[0]!.group, { within: targets[0]!.within }), targets[0]!.group, move.value);

    const planned: PlannedWrite[] = [];
    if (source !== undefined) {
      const from = await ctx.openGroup(groupArg(source));
      const values = new Map<string, string>();
      for (const b of (await listControlFiles(from, ctx.fs)).filter(isCopiedParameter)) {
        const file = b.file as ReadWriteFile<unknown, unknown>;
        try {
          values.set(file.name, file.format(await file.read()));
        } catch (err) {
          if (!(err instanceof CgroupError)) throw err; // unreadable in SOURCE: nothing to copy
        }
      }
      for (const t of targets) {
        const cg = await ctx.openGroup(t.group, { within: t.within });
        for (const b of (await listControlFiles(cg, ctx.fs)).filter(isCopiedParameter)) {
          const wanted = values.get(b.file.name);
          if (wanted === undefined) continue;
          const file = b.file as ReadWriteFile<unknown, unknown>;
          if (file.format(await file.read()) !== wanted) planned.push({ group: t.group, bound: b, formatted: wanted });
        }
      }
    } else {
      for (const t of targets) {
        const cg = await ctx.openGroup(t.group, { within: t.within });
        for (const a of assignments) {
          const bound = await resolveControlFile(cg, a.name, ctx.fs);
          const file = bound.file;
          if (!isWritable(file)) throw new UsageError(`${a.name} is read-only`, "set");
          const { formatted } = convertValue({ file: a.name, codec: writeCodecOf(bound.entry), unit: bound.entry.unit }, a.value, (v) => file.format(v));
          planned.push({ group: t.group, bound, formatted });
        }
      }
    }
    await refuseUndelegatedWrites(ctx.fs, planned.map((p) => p.bound.file.path));
    await writePlanned(ctx, layout, planned);
    const several = new Set(planned.map((p) => p.group)).size > 1;
    if (ctx.json) ctx.printJson({ groups: [...new Set(targets.map((t) => t.group))], written: planned.map((p) => ({ group: p.group, file: p.bound.file.name, path: p.bound.file.path, value: p.formatted })) });
    else for (const p of planned) ctx.print(`${several ? `${p.group}: ` : ""}${p.bound.file.name} = ${p.formatted}`);
    return 0;
  },
};

/** `set G cgroup.procs=PID`: the move goes through {@link Cgroup.attach}, in every hierarchy of the group or none. */
async function moveProcess(ctx: CliContext, cg: Cgroup, name: string, pidText: string): Promise<number> {
  const pid = /^\d+$/.test(pidText) ? Number(pidText) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new UsageError(`cgroup.procs: ${JSON.stringify(pidText)} is not a pid (a positive integer)`, "set");
  try {
    await cg.attach(pid);
  } catch (err) {
    if (err instanceof CgroupIoError && err.errno === "ESRCH") throw new CliError(`no such process: ${pid}`);
    throw err;
  }
  if (ctx.json) ctx.printJson({ group: name, moved: [pid], placements: cg.placements.map((p) => p.dir) });
  else ctx.print(`moved ${pid} into ${name} (${cg.placements.length} hierarchies)`);
  return 0;
}

/**
 * Each file's old value is read before the first write (a file the kernel lacks stops here, nothing
 * written); then the files are written in order, and when the kernel refuses one the earlier ones are
 * written back as they were.
 */
async function writePlanned(ctx: CliContext, layout: CgroupLayout, planned: readonly PlannedWrite[]): Promise<void> {
  const writes: RestorableWrite[] = [];
  for (const p of planned) {
    const file = p.bound.file as ReadWriteFile<unknown, unknown> | WriteOnlyFile<unknown>;
    let restore: RestorableWrite["restore"] = { cannot: "write-only" };
    if (file instanceof ReadWriteFile) {
      try {
        restore = file.restoreTexts(await file.readRaw());
      } catch (err) {
        if (err instanceof CgroupIoError && err.errno === "ENOENT") throw new CliError(`${missingFileMessage(layout, p.group, p.bound)}; nothing was written`);
        if (!(err instanceof CgroupError)) throw err;
        restore = { cannot: err instanceof CgroupIoError ? `unreadable: ${err.errno}` : (err as CgroupError).message };
      }
    } else if (!(await ctx.fs.stat(file.path))) {
      throw new CliError(`${missingFileMessage(layout, p.group, p.bound)}; nothing was written`);
    }
    writes.push({ file, text: p.formatted, restore });
  }
  try {
    await writeAllOrRestore(ctx.fs, writes);
  } catch (err) {
    if (err instanceof ResourceApplyError && err.restored.length + err.restoreFailures.length === 0) throw await explainRefusal(ctx.fs, err.failed);
    throw err;
  }
}

/** Errors a file may give on read that say "not readable here", not "broken": listed, not fatal, when reading every file. */
const SKIPPABLE = new Set(["EOPNOTSUPP", "EINVAL", "EIO", "ENODEV", "EPERM", "EACCES", "ENOENT"]);

/** `FILE: value`, or a block for a multi-line value; `indent` prefixes every line. */
function renderEntry(file: string, value: unknown, codec: string, indent = ""): string {
  const text = renderValue(value, codec);
  const body = text.includes("\n") || text === "" ? `${file}:${text === "" ? "" : `\n${text.replace(/^/gm, `${indent}\t`)}`}` : `${file}: ${text}`;
  return `${indent}${body}`;
}

/** How `get` prints: libcgroup's -n drops the group header, -v the file names. */
interface GetLayout {
  readonly header: boolean;
  readonly names: boolean;
  /** Controllers whose files a whole-group read lists (`-g memory`); undefined: all. */
  readonly controllers?: readonly string[];
}

/** The host-form examples of `get`. */
function getExamples(layout: CgroupLayout): ReadonlyArray<readonly [string, string]> {
  const memory = hostFileName(layout, "memory.max");
  const usage = hostFileName(layout, "memory.current");
  return [
    [`cgroupkit get web ${memory}`, "one value"],
    ["cgroupkit get web memory.stat pids.current", "two files"],
    ["cgroupkit get --json web", "everything, as JSON"],
    [`cgroupkit get 'lxc/*' ${usage}`, "every group under lxc, one line each"],
    [`cgroupkit get -nv -r ${memory} -r pids.max web db`, "libcgroup's cgget form: values only, no group headers"],
    ["cgroupkit get -g pids web", "only the pids controller's files"],
  ];
}

/** @internal */
export const getVerb: Verb = {
  name: "get",
  summary: "read control files as typed values, of one group or many (like cgget)",
  usage: ["get GROUP [FILE…]", "get GROUP… [FILE…]", "get 'PATTERN' [FILE…]", "get [-n] [-v] [-r FILE]… [-g CTRL] GROUP…", "get [-n] [-v] [-r FILE]… -g CTRL[,CTRL]:PATH…"],
  description:
    "Reads each FILE (default: every file of the spec the kernel shows in the group) and parses it with\n" +
    "its codec. One FILE prints the value alone; several print \"FILE: value\" blocks. --json prints\n" +
    "{group, files: {FILE: value}} with exact 64-bit integers.\n" +
    "\n" +
    "Several groups, or a pattern (`*`, `?`, `[a-z]` within a path component, quoted from the shell),\n" +
    "are read in one process through the snapshot reader (one read per file): each line is prefixed\n" +
    "with its group (\"GROUP: value\" for one FILE, a \"GROUP:\" block otherwise), and --json prints a\n" +
    "list of {group, files}. Groups come first; the first name the spec knows as a control file starts\n" +
    "the files. A group removed meanwhile prints \"(gone)\"; a file one group cannot read is reported on\n" +
    "stderr and the status is 1, the other groups still print.\n" +
    "\n" +
    "libcgroup's cgget forms work too: -r FILE (repeatable) names a file, -g CTRL limits a whole-group\n" +
    "read to a controller's files, -g CTRL:PATH names a group in those controllers' hierarchies,\n" +
    "-n leaves out the group headers and -v the file names (values only; -nv both).",
  syntax: {
    options: [
      { name: "variable", short: "r", takes: "value", valueName: "FILE", repeat: true, help: "a file to read (libcgroup's cgget -r)" },
      { ...groupSpecOption("get"), valueName: "CTRL[:PATH]", help: "libcgroup's form: CTRL[,CTRL]:PATH names a group in those hierarchies; CTRL alone reads only its files" },
      { name: "no-headers", short: "n", takes: "flag", help: "no group name headers (cgget -n)" },
      { name: "values-only", short: "v", takes: "flag", help: "values only, no file names (cgget -v)" },
    ],
    positionals: { min: 0, max: Infinity },
    refused: {
      "-a": "every controller's files are read by default: type cgroupkit get GROUP",
      "--all": "every controller's files are read by default: type cgroupkit get GROUP",
      "-m": "the setup mode (legacy, unified, hybrid) is in cgroupkit mounts",
    },
  },
  examples: [
    ["cgroupkit get web memory.max", "one value"],
    ["cgroupkit get web memory.stat pids.current", "two files"],
    ["cgroupkit get --json web", "everything, as JSON"],
    ["cgroupkit get 'lxc/*' memory.usage_in_bytes", "every group under lxc, one line each"],
    ["cgroupkit get web db cpu.stat", "two groups"],
  ],
  hostExamples: getExamples,
  async run(ctx: CliContext) {
    const given = ctx.args.values.get("cgroup") ?? [];
    const filterTexts = given.filter((g) => !g.includes(":"));
    const layout = filterTexts.length > 0 || given.length > 0 ? await ctx.layout() : undefined;
    const specs = layout ? groupSpecs(given.filter((g) => g.includes(":")), layout, "get") : [];
    const filter = layout && filterTexts.length > 0 ? controllersArg(layout, filterTexts.join(",")) : undefined;
    const fromR = ctx.args.values.get("variable") ?? [];
    for (const f of fromR) {
      if (f.includes("=")) throw new UsageError(`-r ${JSON.stringify(f)}: get reads a file; to write it, type cgroupkit set -r ${f} GROUP`, "get");
      assertKnownFile(f);
    }
    const positional = ctx.args.positionals;
    // After -g CTRL:PATH the arguments may be files alone (`get -g memory:web memory.stat`).
    const filesOnly = specs.length > 0 && positional.length > 0 && matchFileName(positional[0] as string).length > 0;
    if (filesOnly) for (const f of positional) assertKnownFile(f);
    const split = positional.length === 0 ? { groups: [], files: [] } : filesOnly ? { groups: [], files: [...positional] } : splitGroupsAndFiles(positional, "get");
    const files = [...new Set([...fromR, ...split.files])];
    const specControllers = specs.some((s) => s.controllers === undefined) ? undefined : specs.flatMap((s) => s.controllers ?? []);
    const controllers = filter ?? (specs.length > 0 ? specControllers : undefined);
    const how: GetLayout = { header: !ctx.args.flags.has("no-headers"), names: !ctx.args.flags.has("values-only"), controllers };
    const within = specs.length > 0 && specControllers !== undefined ? [...new Set(specs.flatMap((s) => specHierarchies(layout!, s) ?? []))] : undefined;
    const groups = [...split.groups, ...specs.map((s) => s.group)];
    if (groups.length === 0) throw new UsageError("missing group: type cgroupkit get GROUP [FILE…] (or -g CONTROLLERS:PATH)", "get");
    if (groups.length === 1 && !isGroupPattern(groups[0] as string)) return getOne(ctx, groupArg(groups[0] as string), files, how, within);
    const names: string[] = [];
    for (const g of groups) names.push(...(isGroupPattern(g) ? await expandGroupPattern(ctx, g) : [groupArg(g)]));
    return getMany(ctx, [...new Set(names)], files, how, within);
  },
};

/** A whole-group listing limited to some controllers' files (`-g memory`). */
function ofControllers(bound: BoundFile[], controllers: readonly string[] | undefined): BoundFile[] {
  return controllers === undefined ? bound : bound.filter((b) => controllers.includes(b.entry.controller));
}

/** `get GROUP [FILE…]`: one group, its values alone. */
async function getOne(ctx: CliContext, name: string, names: readonly string[], how: GetLayout, within: CgroupHierarchy[] | undefined): Promise<number> {
  const cg = await ctx.openGroup(name, { within });
  const explicit = names.length > 0;
  const bound = explicit ? await Promise.all(names.map((n) => resolveControlFile(cg, n, ctx.fs))) : ofControllers(await listControlFiles(cg, ctx.fs), how.controllers);
  const values: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  for (const b of bound) {
    if (!(b.file instanceof ReadableFile)) {
      if (explicit) throw new UsageError(`${b.file.name} is write-only`, "get");
      continue;
    }
    try {
      values[b.file.name] = await b.file.read();
    } catch (err) {
      if (!explicit && err instanceof CgroupIoError && SKIPPABLE.has(err.errno)) failures[b.file.name] = err.errno;
      else if (!explicit && err instanceof ParseError) failures[b.file.name] = `cannot parse: ${err.reason}`;
      else if (explicit && err instanceof CgroupIoError && err.errno === "ENOENT") throw new CliError(missingFileMessage(await ctx.layout(), name, b));
      else throw err;
    }
  }
  if (ctx.json) {
    ctx.printJson({ group: name, files: values, ...(Object.keys(failures).length ? { unreadable: failures } : {}) });
    return 0;
  }
  const codecOf = new Map(bound.map((b) => [b.file.name, b.entry.codec]));
  const entries = Object.entries(values);
  if ((explicit && entries.length === 1) || !how.names) {
    for (const [file, value] of entries) ctx.print(renderValue(value, codecOf.get(file) ?? ""));
    return 0;
  }
  for (const [file, value] of entries) ctx.print(renderEntry(file, value, codecOf.get(file) ?? ""));
  for (const [file, why] of Object.entries(failures)) ctx.print(`${file}: (unreadable: ${why})`);
  return 0;
}

/** `get GROUP… [FILE…]` / a pattern: every group in one snapshot, each line under its group. */
async function getMany(ctx: CliContext, names: readonly string[], fileNames: readonly string[], how: GetLayout, within: CgroupHierarchy[] | undefined): Promise<number> {
  const explicit = fileNames.length > 0;
  const groups: Array<{ name: string; cg: Cgroup; bound: BoundFile[] }> = [];
  const layout = await ctx.layout();
  // Only the hierarchies that can hold the files are looked up (none: let resolveControlFile say why).
  const holders = explicit ? [...new Set(fileNames.flatMap((n) => hierarchiesFor(layout, n)))] : [];
  const kept = within && holders.length > 0 ? holders.filter((h) => within.includes(h)) : (within ?? holders);
  const handles = await ctx.openGroups(names, { within: kept.length > 0 ? kept : undefined });
  for (const [i, name] of names.entries()) {
    const cg = handles[i] as Cgroup;
    const bound = explicit ? await Promise.all(fileNames.map((n) => resolveControlFile(cg, n, ctx.fs))) : ofControllers(await listControlFiles(cg, ctx.fs), how.controllers);
    for (const b of bound) if (explicit && !(b.file instanceof ReadableFile)) throw new UsageError(`${b.file.name} is write-only`, "get");
    groups.push({ name, cg, bound: bound.filter((b) => b.file instanceof ReadableFile) });
  }
  const snapshot = await openSnapshot(groups, (g) => Object.fromEntries(g.bound.map((b) => [b.file.name, b.file as ReadableFile<unknown>])));
  let status = 0;
  try {
    const reading = await snapshot.refresh();
    // One write for the whole listing (hundreds of groups), not one per line.
    const lines: string[] = [];
    const out: unknown[] = [];
    for (const r of reading.groups) {
      const g = r.group;
      const failures: Record<string, string> = {};
      for (const [file, err] of Object.entries(r.errors)) {
        const why = err instanceof CgroupIoError ? err.errno : err instanceof ParseError ? `cannot parse: ${err.reason}` : String(err);
        if (explicit || !(err instanceof ParseError || (err instanceof CgroupIoError && SKIPPABLE.has(err.errno)))) {
          ctx.io.stderr(`cgroupkit get: ${g.name}: ${err?.message ?? why}\n`);
          status = 1;
        } else failures[file] = why;
      }
      if (explicit) {
        for (const file of r.missing) {
          const b = g.bound.find((x) => x.file.name === file)!;
          ctx.io.stderr(`cgroupkit get: ${missingFileMessage(layout, g.name, b)}\n`);
          status = 1;
        }
      }
      if (ctx.json) {
        out.push(r.gone ? { group: g.name, gone: true } : { group: g.name, files: r.values, ...(Object.keys(failures).length ? { unreadable: failures } : {}) });
        continue;
      }
      if (r.gone) {
        lines.push(`${g.name}: (gone)`);
        continue;
      }
      const codecOf = new Map(g.bound.map((b) => [b.file.name, b.entry.codec]));
      const entries = Object.entries(r.values);
      if (how.header && explicit && fileNames.length === 1) {
        for (const [file, value] of entries) lines.push(renderEntry(g.name, value, codecOf.get(file) ?? ""));
        continue;
      }
      const indent = how.header ? "\t" : "";
      if (how.header) lines.push(`${g.name}:`);
      for (const [file, value] of entries) {
        const codec = codecOf.get(file) ?? "";
        lines.push(how.names ? renderEntry(file, value, codec, indent) : renderValue(value, codec).replace(/^/gm, indent));
      }
      for (const [file, why] of Object.entries(failures)) lines.push(`${indent}${file}: (unreadable: ${why})`);
    }
    if (ctx.json) ctx.printJson(out);
    else if (lines.length > 0) ctx.print(`${lines.join("\n")}\n`);
  } finally {
    snapshot.close();
  }
  return status;
}
