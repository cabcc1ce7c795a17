// Case 4: the command line, whole process and wall time: `cgroupkit get` vs cgget, and
// `cgroupkit exec`/`run` vs cgexec; node's start-up reported on its own.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { compare, type Contender, type ContenderResult } from "../harness.js";
import { libcgroupMissing, runTool } from "../tools.js";
import type { BenchContext, CaseResult, CaseRow, Skipped } from "../types.js";

const GROUPS = 200;
const RUN_NAME = "cgroupkit run --parent P -- true (create, devices libvirt-lxc, summary, remove)";

function runOk(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: env ?? process.env });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.slice(0, 8).join(" ")}: exit ${r.status}: ${`${r.stderr}${r.stdout}`.trim().slice(0, 400)}`);
  return r.stdout;
}

const median = (results: readonly ContenderResult[], name: string) => results.find((r) => r.name === name)?.perOp.median;
const pct = (part: number | undefined, whole: number | undefined) => (part === undefined || whole === undefined ? "–" : `${Math.round((100 * part) / whole)}%`);

const NODE = "node -e 0 (node start-up)";
const GET_ONE = "cgroupkit get GROUP FILE (the bin: launcher, bundle, code cache)";
const GET_MANY = `cgroupkit get 'P/*' 5 files (${GROUPS} groups, one process)`;
const CGGET_MANY = `cgget over ${GROUPS} groups, one process`;

export async function cliCase(ctx: BenchContext): Promise<CaseResult> {
  const bin = path.join(ctx.distDir, "cli/cgroupkit.cjs");
  const bundle = path.join(ctx.distDir, "cli/cli.cjs");
  const tscMain = path.join(ctx.distDir, "src/cli/main.js");
  const title = "4. CLI, whole process (wall time): cgroupkit get vs node's start-up and cgget, cgroupkit exec/run vs cgexec";
  if (!fs.existsSync(bin)) return { id: "cli", title, unit: "ms/invocation", rows: [], notes: [], skipped: `the CLI is not built (${path.relative(ctx.root, bin)} is missing)` };
  const node = process.execPath;
  const main = bin;
  const cgroupkit = (...args: string[]) => [main, ...args];
  // Node start-up dominates each invocation (hundreds of ms on a busy machine): few per round.
  const sample = ctx.quick ? 2 : 5;

  // 200 groups in the hierarchies the files live in.
  const v1 = ctx.host.v1;
  const onV1 = v1.has("memory") && v1.has("cpu") && v1.has("cpuacct") && v1.has("pids");
  const files = onV1 ? ["memory.usage_in_bytes", "memory.limit_in_bytes", "cpu.shares", "cpuacct.usage", "pids.current"] : ["memory.current", "memory.max", "cpu.weight", "cpu.stat", "pids.current"];
  const mounts = onV1 ? ["memory", "cpu", "cpuacct", "pids"].map((c) => v1.get(c)!) : [ctx.host.v2!];
  if (ctx.host.v2 && onV1) mounts.push(ctx.host.v2);
  const parent = ctx.groups.name("cli");
  for (const m of mounts) fs.mkdirSync(path.join(m, parent));
  const names = Array.from({ length: GROUPS }, (_, i) => `${parent}/g${String(i).padStart(3, "0")}`);
  for (const name of names) for (const m of mounts) fs.mkdirSync(path.join(m, name));

  const rows: CaseRow[] = [];
  const notes: string[] = [];
  let nextSample = 0;
  const sampled = () => Array.from({ length: sample }, () => names[nextSample++ % GROUPS]!);

  // Does this CLI have a working `get`? Its failure is reported, not hidden.
  const probe = spawnSync(node, cgroupkit("get", names[0]!, ...files), { encoding: "utf8" });
  const getWorks = probe.status === 0;
  const cggetSkip = libcgroupMissing(ctx.libcgroup, ["cgget"]);
  const cgget = ctx.libcgroup.paths.cgget;
  const oneFile = files[0]!;

  // get of one file, whole process, against node's own start-up: the bin, and each step that led to it.
  const stepSkipped: Skipped[] = [];
  const stepContenders: Contender[] = [{ name: NODE, ops: sample, run: () => void sampled().forEach(() => runOk(node, ["-e", "0"])) }];
  if (getWorks) {
    stepContenders.push(
      { name: GET_ONE, ops: sample, vs: NODE, run: () => void sampled().forEach((g) => runOk(node, cgroupkit("get", g, oneFile))) },
      { name: "step: the bundle without the code cache (node cli.cjs)", ops: sample, vs: NODE, run: () => void sampled().forEach((g) => runOk(node, [bundle, "get", g, oneFile])) },
      { name: "step: tsc's ESM output, no bundle (node dist/src/cli/main.js)", ops: sample, vs: NODE, run: () => void sampled().forEach((g) => runOk(node, [tscMain, "get", g, oneFile])) },
      { name: "cgroupkit --help (loads every verb's module)", ops: sample, vs: NODE, run: () => void sampled().forEach(() => runOk(node, cgroupkit("--help"))) },
    );
  } else stepSkipped.push({ name: "cgroupkit get", reason: `failed here: exit ${probe.status}: ${`${probe.stderr}${probe.stdout}`.trim().slice(0, 200)}` });
  if (cggetSkip) stepSkipped.push({ name: "cgget", reason: cggetSkip });
  else stepContenders.push({ name: `cgget -r ${oneFile} GROUP`, ops: sample, vs: NODE, run: () => void sampled().forEach((g) => runTool(cgget!, ["-r", oneFile, g])) });
  const stepResults = await compare(stepContenders, { rounds: ctx.quick ? 2 : 6, warmup: 1 });
  rows.push({ subject: `get GROUP ${oneFile}: one group per process (${sample} per round)`, results: stepResults, skipped: stepSkipped });
  ctx.progress("cli get (start-up)");

  // Five files of one group, against cgget doing the same.
  const perSkipped: Skipped[] = [];
  const perContenders: Contender[] = [];
  if (getWorks) perContenders.push({ name: `cgroupkit get GROUP ${files.length} files`, ops: sample, vs: cggetSkip ? undefined : `cgget -r ×${files.length} GROUP`, run: () => void sampled().forEach((g) => runOk(node, cgroupkit("get", g, ...files))) });
  if (cggetSkip) perSkipped.push({ name: "cgget", reason: cggetSkip });
  else perContenders.push({ name: `cgget -r ×${files.length} GROUP`, ops: sample, run: () => void sampled().forEach((g) => runTool(cgget!, [...files.flatMap((f) => ["-r", f]), g])) });
  const perInvocation = perContenders.length > 0 ? await compare(perContenders, { rounds: ctx.quick ? 2 : 4, warmup: 1 }) : [];
  rows.push({ subject: `get GROUP, ${files.length} files: one group per process (${sample} per round)`, results: perInvocation, skipped: perSkipped });

  // The whole 200 groups in one process each: cgget and cgroupkit get with a pattern.
  const allSkipped: Skipped[] = [];
  const allContenders: Contender[] = [];
  const pattern = `${parent}/g*`;
  if (!cggetSkip) allContenders.push({ name: CGGET_MANY, ops: 1, run: () => void runTool(cgget!, [...files.flatMap((f) => ["-r", f]), ...names]) });
  else allSkipped.push({ name: "cgget", reason: cggetSkip });
  const vsMany = cggetSkip ? undefined : CGGET_MANY;
  if (getWorks) {
    const check = runOk(node, cgroupkit("get", pattern, ...files));
    if (check.split("\n").filter((l) => l.startsWith(`${parent}/`)).length !== GROUPS) throw new Error(`cgroupkit get '${pattern}': expected ${GROUPS} groups in its output`);
    allContenders.push(
      { name: GET_MANY, ops: 1, vs: vsMany, run: () => void runOk(node, cgroupkit("get", pattern, ...files)) },
      { name: `cgroupkit get G1 … G${GROUPS} 5 files (arguments, one process)`, ops: 1, vs: vsMany, run: () => void runOk(node, cgroupkit("get", ...names, ...files)) },
      { name: "node -e 0 (the floor under any node CLI)", ops: 1, vs: vsMany, run: () => void runOk(node, ["-e", "0"]) },
    );
    if (ctx.cliAll) allContenders.push({ name: `cgroupkit get over ${GROUPS} groups (${GROUPS} processes)`, ops: 1, vs: vsMany, run: () => void names.forEach((g) => runOk(node, cgroupkit("get", g, ...files))) });
  }
  const allResults = allContenders.length > 0 ? await compare(allContenders, { rounds: ctx.cliAll ? 2 : ctx.quick ? 2 : 7, warmup: 1 }) : [];
  rows.push({ subject: `get over all ${GROUPS} groups (whole job)`, results: allResults, skipped: allSkipped });
  ctx.progress("cli get (200 groups)");

  // exec / run vs cgexec, one `true` per process.
  const execGroup = `${parent}/exec`;
  const execSkipped: Skipped[] = [];
  const runContenders: Contender[] = [
    { name: "/bin/true (spawn only)", ops: sample, run: () => void sampled().forEach(() => runOk("/bin/true", [])) },
    { name: "node -e 0 (node start-up)", ops: sample, run: () => void sampled().forEach(() => runOk(node, ["-e", "0"])) },
    { name: "cgroupkit --help (start-up + CLI modules)", ops: sample, run: () => void sampled().forEach(() => runOk(node, cgroupkit("--help"))) },
  ];
  const cgexecSkip = libcgroupMissing(ctx.libcgroup, ["cgexec"]);
  const controllers = onV1 ? "memory,cpu,cpuacct,pids" : "memory,cpu,pids";
  let execReady = false;
  try {
    runOk(node, cgroupkit("create", execGroup));
    execReady = true;
  } catch (err) {
    execSkipped.push({ name: "cgroupkit exec", reason: `cgroupkit create ${execGroup} failed: ${(err as Error).message.slice(0, 200)}` });
  }
  const cgexecName = `cgexec -g ${controllers}:GROUP true`;
  if (cgexecSkip) execSkipped.push({ name: "cgexec", reason: cgexecSkip });
  else if (execReady) runContenders.push({ name: cgexecName, ops: sample, run: () => void sampled().forEach(() => runTool(ctx.libcgroup.paths.cgexec!, ["-g", `${controllers}:${execGroup}`, "true"])) });
  const vs = cgexecSkip || !execReady ? undefined : cgexecName;
  if (execReady) {
    const probeExec = spawnSync(node, cgroupkit("exec", execGroup, "--", "true"), { encoding: "utf8" });
    if (probeExec.status === 0) runContenders.push({ name: "cgroupkit exec GROUP -- true", ops: sample, vs, run: () => void sampled().forEach(() => runOk(node, cgroupkit("exec", execGroup, "--", "true"))) });
    else execSkipped.push({ name: "cgroupkit exec", reason: `failed here: exit ${probeExec.status}: ${`${probeExec.stderr}`.trim().slice(0, 200)}` });
  }
  const probeRun = spawnSync(node, cgroupkit("run", "--parent", parent, "--", "true"), { encoding: "utf8" });
  if (probeRun.status === 0) {
    runContenders.push({ name: RUN_NAME, ops: sample, vs, run: () => void sampled().forEach(() => runOk(node, cgroupkit("run", "--parent", parent, "--", "true"))) });
  } else execSkipped.push({ name: "cgroupkit run", reason: `failed here: exit ${probeRun.status}: ${`${probeRun.stderr}`.trim().slice(0, 200)}` });
  const runResults = await compare(runContenders, { rounds: ctx.quick ? 2 : 4, warmup: 1 });
  rows.push({ subject: `exec/run: one \`true\` per process (${sample} per round)`, results: runResults, skipped: execSkipped });
  ctx.progress("cli exec/run");

  // Shares from medians of the same rounds: node start-up, then loading the CLI's modules
  // (`--help` minus start-up), then the rest (the verb's own work, and for run/exec the child).
  const shares: Array<(string | number)[]> = [];
  const share = (results: readonly ContenderResult[], name: string, label: string) => {
    const total = median(results, name);
    const startup = median(results, NODE);
    const help = median(results, "cgroupkit --help (start-up + CLI modules)") ?? median(results, "cgroupkit --help (loads every verb's module)");
    if (total === undefined || startup === undefined || help === undefined) return;
    const ms = (x: number) => (x * 1e3).toFixed(0);
    shares.push([label, ms(total), `${ms(startup)} (${pct(startup, total)})`, `${ms(help - startup)} (${pct(help - startup, total)})`, `${ms(total - help)} (${pct(total - help, total)})`]);
  };
  share(runResults, "cgroupkit exec GROUP -- true", "cgroupkit exec GROUP -- true");
  share(runResults, RUN_NAME, "cgroupkit run --parent P -- true");
  notes.push(
    `Files read by get: ${files.join(", ")}. The ${GROUPS} groups exist throughout; each round takes the next ${sample} of them.`,
    "cgroupkit runs as the package's bin: dist/cli/cgroupkit.cjs, a launcher that loads the esbuild bundle dist/cli/cli.cjs through V8's code cache (module.enableCompileCache on Node ≥ 22.1; on older Node a cache made at build time, checked against the bundle's size and mtime). The `step:` rows run the same `get` without the cache and from tsc's unbundled ESM output, to show what each step saves.",
    "`--help` loads every verb's module (for the summaries); a verb loads only its own. The split below: node start-up is `node -e 0`; \"loading\" is `--help` minus start-up (every verb's code, an upper bound for one verb); the rest is the verb's own work.",
    `\`cgroupkit get 'P/*' FILE…\` reads every group matching the pattern in one process, through the snapshot reader (one open and one pread per file); cgget does the same job in one process of C.`,
    "cgexec only moves itself into an existing group and execs; `cgroupkit exec` does the same through the library; `cgroupkit run` also creates a transient group in every hierarchy, applies the default device policy (libvirt-lxc), reports usage and removes the group.",
  );
  return {
    id: "cli",
    title,
    unit: "ms/invocation",
    targets: [
      { contenders: [GET_ONE], maxRatio: 1.25 },
      { contenders: [GET_MANY], maxRatio: 1.5 },
    ],
    rows,
    tables: shares.length > 0 ? [{ title: "Where a cgroupkit invocation's time goes (medians of the same rounds, ms; noise can make a small part negative)", header: ["command", "total ms", "node start-up", "loading the CLI's modules", "the verb's work (and the child)"], rows: shares }] : [],
    notes,
  };
}
