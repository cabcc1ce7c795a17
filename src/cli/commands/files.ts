// `set` and `get`: typed writes and reads of control files by name, through the generated accessors.
import type { Cgroup } from "../../cgroup/cgroup.js";
import { ResourceApplyError, writeAllOrRestore, type RestorableWrite } from "../../resources/restore.js";
import { ReadableFile, ReadWriteFile, WriteOnlyFile } from "../../runtime/accessor.js";
import { CgroupError, CgroupIoError, ParseError } from "../../runtime/errors.js";
import { openSnapshot } from "../../runtime/snapshot.js";
import { UsageError } from "../args.js";
import { explainRefusal, refuseUndelegatedWrites } from "../../cgroup/delegation.js";
import { assertKnownFile, hierarchiesFor, isWritable, listControlFiles, resolveControlFile, writeCodecOf, type BoundFile } from "../control-files.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import { expandGroupPattern, isGroupPattern, splitGroupsAndFiles } from "../group-args.js";
import { renderValue } from "../output.js";
import { convertValue } from "../values.js";
import type { Verb } from "../verb.js";

/** `FILE=VALUE` split at the first `=`. */
function assignment(text: string): { name: string; value: string } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${JSON.stringify(text)}: expected FILE=VALUE (e.g. memory.max=64M)`, "set");
  return { name: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** @internal */
export const setVerb: Verb = {
  name: "set",
  summary: "write control files, each value checked by the file's codec first (like cgset)",
  usage: ["set GROUP FILE=VALUE…"],
  description:
    "Every value is parsed and validated against its file's type before the first write: an unknown file,\n" +
    "a read-only file or a value out of range changes nothing. Then the files are written in order, one\n" +
    "write(2) each; when the kernel refuses one, the earlier ones are written back as they were. Byte files take suffixes (64M, 1G; base 1024) and \"max\"; booleans take 1/0, true/false;\n" +
    "keyed files take one line as the kernel prints it (\"8:0 rbps=1048576\").",
  syntax: { options: [], positionals: { min: 2, max: Infinity } },
  examples: [
    ["cgroupkit set web memory.max=512M pids.max=100", "on cgroup2"],
    ["cgroupkit set web memory.limit_in_bytes=512M cpu.shares=512", "on cgroup v1"],
    ["cgroupkit set web 'cpu.max=50000 100000'", "half a CPU"],
  ],
  async run(ctx: CliContext) {
    const [groupText, ...rest] = ctx.args.positionals as [string, ...string[]];
    const name = groupArg(groupText);
    const assignments = rest.map(assignment);
    for (const a of assignments) assertKnownFile(a.name);
    const move = assignments.find((a) => a.name === "cgroup.procs");
    if (move && assignments.length > 1) throw new UsageError("cgroup.procs moves a process rather than setting a value: set it alone (or use classify)", "set");
    const cg = await ctx.openGroup(name);
    if (move) return moveProcess(ctx, cg, name, move.value);
    const planned: Array<{ bound: BoundFile; formatted: string }> = [];
    for (const a of assignments) {
      const bound = await resolveControlFile(cg, a.name, ctx.fs);
      const file = bound.file;
      if (!isWritable(file)) throw new UsageError(`${a.name} is read-only`, "set");
      const { formatted } = convertValue({ file: a.name, codec: writeCodecOf(bound.entry), unit: bound.entry.unit }, a.value, (v) => file.format(v));
      planned.push({ bound, formatted });
    }
    await refuseUndelegatedWrites(ctx.fs, planned.map((p) => p.bound.file.path));
    // Each file's old value, read before the first write (a file the kernel lacks stops here, nothing written),
    // so that a write the kernel refuses undoes the earlier ones.
    const writes: RestorableWrite[] = [];
    for (const p of planned) {
      const file = p.bound.file as ReadWriteFile<unknown, unknown> | WriteOnlyFile<unknown>;
      let restore: RestorableWrite["restore"] = { cannot: "write-only" };
      if (file instanceof ReadWriteFile) {
        try {
          restore = file.restoreTexts(await file.readRaw());
        } catch (err) {
          if (err instanceof CgroupIoError && err.errno === "ENOENT") throw new CliError(`${file.name}: this kernel does not show the file in ${name} (${p.bound.placement.dir}); nothing was written`);
          if (!(err instanceof CgroupError)) throw err;
          restore = { cannot: err instanceof CgroupIoError ? `unreadable: ${err.errno}` : (err as CgroupError).message };
        }
      } else if (!(await ctx.fs.stat(file.path))) {
        throw new CliError(`${file.name}: this kernel does not show the file in ${name} (${p.bound.placement.dir}); nothing was written`);
      }
      writes.push({ file, text: p.formatted, restore });
    }
    try {
      await writeAllOrRestore(ctx.fs, writes);
    } catch (err) {
      if (err instanceof ResourceApplyError && err.restored.length + err.restoreFailures.length === 0) throw await explainRefusal(ctx.fs, err.failed);
      throw err;
    }
    if (ctx.json) ctx.printJson({ group: name, written: planned.map((p) => ({ file: p.bound.file.name, path: p.bound.file.path, value: p.formatted })) });
    else for (const p of planned) ctx.print(`${p.bound.file.name} = ${p.formatted}`);
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

/** Errors a file may give on read that say "not readable here", not "broken": listed, not fatal, when reading every file. */
const SKIPPABLE = new Set(["EOPNOTSUPP", "EINVAL", "EIO", "ENODEV", "EPERM", "EACCES", "ENOENT"]);

/** `FILE: value`, or a block for a multi-line value; `indent` prefixes every line. */
function renderEntry(file: string, value: unknown, codec: string, indent = ""): string {
  const text = renderValue(value, codec);
  const body = text.includes("\n") || text === "" ? `${file}:${text === "" ? "" : `\n${text.replace(/^/gm, `${indent}\t`)}`}` : `${file}: ${text}`;
  return `${indent}${body}`;
}

/** @internal */
export const getVerb: Verb = {
  name: "get",
  summary: "read control files as typed values, of one group or many (like cgget)",
  usage: ["get GROUP [FILE…]", "get GROUP… [FILE…]", "get 'PATTERN' [FILE…]"],
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
    "stderr and the status is 1, the other groups still print.",
  syntax: { options: [], positionals: { min: 1, max: Infinity } },
  examples: [
    ["cgroupkit get web memory.max", "one value"],
    ["cgroupkit get web memory.stat pids.current", "two files"],
    ["cgroupkit get --json web", "everything, as JSON"],
    ["cgroupkit get 'lxc/*' memory.usage_in_bytes", "every group under lxc, one line each"],
    ["cgroupkit get web db cpu.stat", "two groups"],
  ],
  async run(ctx: CliContext) {
    const { groups, files } = splitGroupsAndFiles(ctx.args.positionals, "get");
    if (groups.length === 1 && !isGroupPattern(groups[0] as string)) return getOne(ctx, groupArg(groups[0] as string), files);
    const names: string[] = [];
    for (const g of groups) names.push(...(isGroupPattern(g) ? await expandGroupPattern(ctx, g) : [groupArg(g)]));
    return getMany(ctx, [...new Set(names)], files);
  },
};

/** `get GROUP [FILE…]`: one group, its values alone. */
async function getOne(ctx: CliContext, name: string, names: readonly string[]): Promise<number> {
  const cg = await ctx.openGroup(name);
  const explicit = names.length > 0;
  const bound = explicit ? await Promise.all(names.map((n) => resolveControlFile(cg, n, ctx.fs))) : await listControlFiles(cg, ctx.fs);
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
      else if (explicit && err instanceof CgroupIoError && err.errno === "ENOENT") throw new CliError(`${b.file.name}: this kernel does not show the file in ${name} (${b.placement.dir})`);
      else throw err;
    }
  }
  if (ctx.json) {
    ctx.printJson({ group: name, files: values, ...(Object.keys(failures).length ? { unreadable: failures } : {}) });
    return 0;
  }
  const codecOf = new Map(bound.map((b) => [b.file.name, b.entry.codec]));
  const entries = Object.entries(values);
  if (explicit && entries.length === 1) {
    ctx.print(renderValue(entries[0]![1], codecOf.get(entries[0]![0]) ?? ""));
    return 0;
  }
  for (const [file, value] of entries) ctx.print(renderEntry(file, value, codecOf.get(file) ?? ""));
  for (const [file, why] of Object.entries(failures)) ctx.print(`${file}: (unreadable: ${why})`);
  return 0;
}

/** `get GROUP… [FILE…]` / a pattern: every group in one snapshot, each line under its group. */
async function getMany(ctx: CliContext, names: readonly string[], fileNames: readonly string[]): Promise<number> {
  const explicit = fileNames.length > 0;
  const groups: Array<{ name: string; cg: Cgroup; bound: BoundFile[] }> = [];
  const layout = await ctx.layout();
  // Only the hierarchies that can hold the files are looked up (none: let resolveControlFile say why).
  const holders = explicit ? [...new Set(fileNames.flatMap((n) => hierarchiesFor(layout, n)))] : [];
  const handles = await ctx.openGroups(names, { within: holders.length > 0 ? holders : undefined });
  for (const [i, name] of names.entries()) {
    const cg = handles[i] as Cgroup;
    const bound = explicit ? await Promise.all(fileNames.map((n) => resolveControlFile(cg, n, ctx.fs))) : await listControlFiles(cg, ctx.fs);
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
          ctx.io.stderr(`cgroupkit get: ${file}: this kernel does not show the file in ${g.name} (${b.placement.dir})\n`);
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
      if (explicit && fileNames.length === 1) {
        for (const [file, value] of entries) lines.push(renderEntry(g.name, value, codecOf.get(file) ?? ""));
        continue;
      }
      lines.push(`${g.name}:`);
      for (const [file, value] of entries) lines.push(renderEntry(file, value, codecOf.get(file) ?? "", "\t"));
      for (const [file, why] of Object.entries(failures)) lines.push(`\t${file}: (unreadable: ${why})`);
    }
    if (ctx.json) ctx.printJson(out);
    else if (lines.length > 0) ctx.print(`${lines.join("\n")}\n`);
  } finally {
    snapshot.close();
  }
  return status;
}
