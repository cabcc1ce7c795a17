// `set` and `get`: typed writes and reads of control files by name, through the generated accessors.
import type { Cgroup } from "../../cgroup/cgroup.js";
import { ResourceApplyError, writeAllOrRestore, type RestorableWrite } from "../../resources/restore.js";
import { ReadableFile, ReadWriteFile, WriteOnlyFile } from "../../runtime/accessor.js";
import { CgroupError, CgroupIoError, ParseError } from "../../runtime/errors.js";
import { UsageError } from "../args.js";
import { explainRefusal, refuseUndelegatedWrites } from "../../cgroup/delegation.js";
import { assertKnownFile, isWritable, listControlFiles, resolveControlFile, writeCodecOf, type BoundFile } from "../control-files.js";
import { CliError, groupArg, type CliContext } from "../context.js";
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

/** @internal */
export const getVerb: Verb = {
  name: "get",
  summary: "read control files as typed values (like cgget)",
  usage: ["get GROUP [FILE…]"],
  description:
    "Reads each FILE (default: every file of the spec the kernel shows in the group) and parses it with\n" +
    "its codec. One FILE prints the value alone; several print \"FILE: value\" blocks. --json prints\n" +
    "{group, files: {FILE: value}} with exact 64-bit integers.",
  syntax: { options: [], positionals: { min: 1, max: Infinity } },
  examples: [
    ["cgroupkit get web memory.max", "one value"],
    ["cgroupkit get web memory.stat pids.current", "two files"],
    ["cgroupkit get --json web", "everything, as JSON"],
  ],
  async run(ctx: CliContext) {
    const [groupText, ...names] = ctx.args.positionals as [string, ...string[]];
    const name = groupArg(groupText);
    for (const n of names) assertKnownFile(n);
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
    for (const [file, value] of entries) {
      const text = renderValue(value, codecOf.get(file) ?? "");
      ctx.print(text.includes("\n") || text === "" ? `${file}:${text === "" ? "" : `\n${text.replace(/^/gm, "\t")}`}` : `${file}: ${text}`);
    }
    for (const [file, why] of Object.entries(failures)) ctx.print(`${file}: (unreadable: ${why})`);
    return 0;
  },
};
